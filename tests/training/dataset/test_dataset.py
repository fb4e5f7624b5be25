import json
import random

import numpy as np
import pytest

from sapling.blocks import BlockVocab
from sapling.errors import DatasetError, SaplingError
from sapling.structure import SIZES
from sapling.training.corpus.base import REGISTRY, TreeType, blob_foliage, leaf_vines, trunk_height
from sapling.training.corpus.generate import GENERATOR_VERSION, generate_tree
from sapling.training.dataset import build_dataset, dataset_stats, load_dataset


def _stick(rng: random.Random, canvas) -> dict:
    """A tiny straight-trunk oak under a blob of leaves, sometimes with vines."""
    height = trunk_height(rng, 3, 2, 0)
    for y in range(height):
        canvas.log((0, y, 0))
    blob_foliage(canvas, rng, (0, height, 0), radius=2, height=3)
    vines = rng.random() < 0.5 and leaf_vines(canvas, rng, 0.1)
    return {"trunk_height": height, "trunk_width": 1, "decorations": ["vines"] if vines else []}


def _pole(rng: random.Random, canvas) -> dict:
    """A bare birch pole 18-20 logs tall: too tall for the normal bucket."""
    height = trunk_height(rng, 18, 2, 0)
    for y in range(height):
        canvas.log((0, y, 0), wood="birch")
    canvas.leaves((0, height, 0), "birch_leaves")
    return {"trunk_height": height, "trunk_width": 1, "decorations": []}


TYPES = ["test_stick", "test_pole"]


@pytest.fixture(autouse=True)
def test_types(monkeypatch):
    monkeypatch.setitem(REGISTRY, "test_stick", TreeType("test_stick", "oak", _stick, "forest"))
    monkeypatch.setitem(REGISTRY, "test_pole", TreeType("test_pole", "birch", _pole, "birch_forest"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A 40-tree dataset, built once for the read-only tests below."""
    mp = pytest.MonkeyPatch()
    mp.setitem(REGISTRY, "test_stick", TreeType("test_stick", "oak", _stick, "forest"))
    mp.setitem(REGISTRY, "test_pole", TreeType("test_pole", "birch", _pole, "birch_forest"))
    out = tmp_path_factory.mktemp("ds") / "corpus"
    summary = build_dataset(out, 40, seed=3, types=TYPES, holdout=0.1, shard_size=8, progress=False)
    yield out, summary
    mp.undo()


def files_of(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_writes_manifest_vocab_entries_and_shards(built):
    out, summary = built
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "sapling-dataset"
    assert manifest["count"] == 40 and summary.count == 40
    assert manifest["seed"] == 3 and manifest["generator_version"] == GENERATOR_VERSION
    assert manifest["counts"]["type"] == {"test_pole": 20, "test_stick": 20}
    assert manifest["counts"]["species"] == {"birch": 20, "oak": 20}
    assert manifest["counts"]["size"] == {"big": 20, "normal": 20}
    assert manifest["splits"] == {"train": 36, "test": 4} == summary.splits
    assert BlockVocab.from_json((out / "vocab.json").read_text()) == BlockVocab.default()
    assert manifest["vocab_hash"] == BlockVocab.default().content_hash
    # 20 trees per bucket in shards of 8: 3 shards each, shapes per bucket.
    assert sorted(s["file"] for s in manifest["shards"]) == sorted(
        f"shards/{size}-{k:05d}.npz" for size in ("normal", "big") for k in range(3)
    )
    for shard in manifest["shards"]:
        with np.load(out / shard["file"]) as z:
            assert z["blocks"].shape == (shard["count"], *SIZES[shard["size"]])
            assert z["origins"].shape == (shard["count"], 3) and z["ids"].shape == (shard["count"],)
    lines = (out / "entries.jsonl").read_text().splitlines()
    assert len(lines) == 40
    entry = json.loads(lines[0])
    assert set(entry) == {"id", "split", "size", "shard", "row", "captions", "attributes"}
    assert len(entry["captions"]) == 4 and entry["attributes"]["type"] in TYPES
    assert "Wrote 40 trees" in summary.to_text()


def test_build_is_deterministic_and_seed_dependent(built, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    build_dataset(again, 40, seed=3, types=TYPES, holdout=0.1, shard_size=8, progress=False)
    assert files_of(again) == files_of(out)
    other = tmp_path / "other"
    build_dataset(other, 40, seed=4, types=TYPES, holdout=0.1, shard_size=8, progress=False)
    assert files_of(other)["shards/normal-00000.npz"] != files_of(out)["shards/normal-00000.npz"]


def test_holdout_split_is_disjoint_and_covers_every_type(built):
    out, _ = built
    train, test, everything = (load_dataset(out, s) for s in ("train", "test", "all"))
    train_ids = {e.id for e in train.entries}
    test_ids = {e.id for e in test.entries}
    assert len(train) == 36 and len(test) == 4 and len(everything) == 40
    assert not train_ids & test_ids and train_ids | test_ids == set(range(40))
    assert {e.attributes["type"] for e in test.entries} == set(TYPES)


def test_load_gives_back_the_generated_trees(built):
    out, _ = built
    ds = load_dataset(out, "all", vocab=BlockVocab.default())
    for i in (0, 1, 17, 39):
        structure, caps, attributes = ds[i]
        assert structure.vocab == BlockVocab.default()
        assert structure.shape == SIZES[attributes["size"]]
        assert structure.vocab.kind(int(structure.blocks[structure.origin])) == "log"
        tree = generate_tree(attributes["type"], attributes["seed"])
        assert structure.block_dict() == tree.structure.block_dict()
        assert caps and structure.metadata["captions"] == caps
    assert ds.sizes == ["normal", "big"]


def test_bucket_arrays_for_training(built):
    out, _ = built
    ds = load_dataset(out, "train")
    seen = 0
    for arrays in ds.iter_buckets():
        n = len(arrays.index)
        assert arrays.blocks.shape == (n, *SIZES[arrays.size]) and arrays.origins.shape == (n, 3)
        k = int(arrays.index[-1])
        assert np.array_equal(arrays.blocks[-1], ds[k].structure.blocks)
        assert all(ds.entries[i].size == arrays.size for i in arrays.index)
        seen += n
    assert seen == len(ds)
    assert ds.arrays("huge").blocks.shape == (0, *SIZES["huge"])


def test_vocab_mismatch_is_a_clear_error(built):
    out, _ = built
    with pytest.raises(DatasetError, match="vocabulary"):
        load_dataset(out, vocab=BlockVocab(["minecraft:air", "minecraft:oak_log[axis=y]"]))
    with pytest.raises(DatasetError, match="vocabulary"):
        load_dataset(out, vocab="0" * 64)


def test_sizes_filter_drops_types_that_do_not_fit(tmp_path):
    summary = build_dataset(tmp_path / "n", 6, types=TYPES, sizes=["normal"], progress=False)
    assert summary.counts["size"] == {"normal": 6}
    assert summary.counts["type"] == {"test_stick": 6}
    assert "test_pole" in summary.skipped_types
    with pytest.raises(DatasetError, match="no tree type fits"):
        build_dataset(tmp_path / "p", 2, types=["test_pole"], sizes=["normal"], progress=False)
    # A small tree may go into a bigger bucket when only that one is asked for.
    big = build_dataset(tmp_path / "b", 2, types=["test_stick"], sizes=["big"], progress=False)
    assert big.counts["size"] == {"big": 2}
    assert load_dataset(tmp_path / "b", "all")[0].structure.shape == SIZES["big"]


def test_default_build_covers_every_registered_type(tmp_path):
    from sapling.training.corpus.generate import tree_types

    types = tree_types()
    summary = build_dataset(tmp_path / "all", 2 * len(types), progress=True)  # the rich bar, too
    # Every type, round-robin within its bucket's share of the size mix (build.DEFAULT_SIZE_MIX).
    assert set(summary.counts["type"]) == set(types)


def test_progress_callback(tmp_path):
    calls = []
    build_dataset(tmp_path / "d", 5, types=["test_stick"], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 5) for i in range(1, 6)]


def test_bad_build_and_load_requests(tmp_path, built):
    out, _ = built
    with pytest.raises(DatasetError, match="at least 1"):
        build_dataset(tmp_path / "x", 0, progress=False)
    with pytest.raises(DatasetError, match="unknown tree type 'baobab'"):
        build_dataset(tmp_path / "x", 5, types=["baobab"], progress=False)
    with pytest.raises(DatasetError, match="unknown size 'colossal'"):
        build_dataset(tmp_path / "x", 5, types=TYPES, sizes=["colossal"], progress=False)
    with pytest.raises(DatasetError, match="holdout"):
        build_dataset(tmp_path / "x", 5, types=TYPES, holdout=1.5, progress=False)
    with pytest.raises(DatasetError, match="already holds a dataset"):
        build_dataset(out, 5, types=TYPES, progress=False)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(DatasetError, match="not empty"):
        build_dataset(tmp_path / "busy", 5, types=TYPES, progress=False)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "x").exists()
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "missing")
    with pytest.raises(DatasetError, match="not a dataset"):
        load_dataset(tmp_path / "busy")
    with pytest.raises(DatasetError, match="unknown split"):
        load_dataset(out, "validation")
    assert issubclass(DatasetError, SaplingError)


def test_overwrite_replaces_a_dataset(tmp_path):
    out = tmp_path / "d"
    build_dataset(out, 4, types=["test_stick"], progress=False)
    build_dataset(out, 2, types=["test_pole"], progress=False, overwrite=True)
    assert len(load_dataset(out, "all")) == 2
    assert sorted(p.name for p in (out / "shards").iterdir()) == ["big-00000.npz"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_stats(built):
    out, _ = built
    stats = dataset_stats(out)
    assert stats.count == 40
    assert stats.types == {"test_pole": 20, "test_stick": 20}
    assert stats.sizes == {"big": 20, "normal": 20}
    assert sum(stats.heights.values()) == 40 and min(stats.heights) >= 4 and max(stats.heights) >= 19
    assert stats.blocks["minecraft:birch_log[axis=y]"] >= 20 * 18
    assert "minecraft:air" not in stats.blocks
    text = stats.to_text()
    assert "test_stick" in text and "height histogram" in text and "birch_log" in text


def test_stats_preview_writes_a_picture(built, tmp_path):
    from PIL import Image

    out, _ = built
    path = dataset_stats(out).preview(tmp_path / "grid.png", n=4)
    with Image.open(path) as im:
        assert im.size[0] > 64 and im.size[1] > 64


# --- export (schematic files written with sapling.schematic) ---

from sapling.schematic import read_structure  # noqa: E402
from sapling.training.dataset import export_dataset, import_dataset  # noqa: E402


@pytest.mark.parametrize("fmt", ["schem", "nbt"])
def test_export_and_reimport(built, tmp_path, fmt):
    out, _ = built
    n = export_dataset(out, tmp_path / "exp", limit=6, format=fmt, progress=False)
    assert n == 6
    lines = [json.loads(line) for line in (tmp_path / "exp" / "captions.jsonl").read_text().splitlines()]
    assert len(lines) == 6 and all(line["file"].endswith(f".{fmt}") for line in lines)
    ds = load_dataset(out, "all")
    for i, line in enumerate(lines):
        back, _ = read_structure(tmp_path / "exp" / line["file"]).remap(BlockVocab.default())
        assert back.block_dict() == ds[i].structure.block_dict()
        assert line["captions"] == ds[i].captions
    # The export folder re-imports as is, captions included.
    again = import_dataset(tmp_path / "exp", tmp_path / "re", captions=tmp_path / "exp" / "captions.jsonl",
                           vocab="tree", progress=False)
    assert again.imported == 6 and again.captions_from == {"captions table": 6}
    assert again.blocks["dropped"] == 0 and again.blocks["merged"] == 0
    re = load_dataset(tmp_path / "re", "all")
    assert sorted(tuple(re[i].captions) for i in range(6)) == sorted(tuple(ds[i].captions) for i in range(6))
    # Without the captions file, the captions written into each file's metadata are used.
    assert import_dataset(tmp_path / "exp", tmp_path / "re2", progress=False).captions_from == {"file metadata": 6}
    with pytest.raises(DatasetError, match="already holds an export"):
        export_dataset(out, tmp_path / "exp", progress=False)
    with pytest.raises(DatasetError, match="unknown export format"):
        export_dataset(out, tmp_path / "x", format="obj", progress=False)
