"""The importer on a realistic asset pack written by an independent writer (tests/fixtures/worldedit_pack.py).

Bare default-state names, barrier frames of all three sizes with off-centre content, ``_wood``
trunks, flowers, fences and slabs, v2 and v3 files, UUID and "(1)" names, a metadata JSON,
and one each of a corrupt, empty, marker-only, duplicate and oversized file.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sapling.blocks import block_kind
from sapling.schematic import read_structure
from sapling.training.dataset import export_dataset, import_dataset, load_dataset
from sapling.training.dataset.vocab import data_state

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))
from worldedit_pack import write_pack  # noqa: E402

STATUS_OF_JUNK = {"corrupt": "unreadable", "empty": "empty", "markers_only": "markers only",
                  "duplicate": "duplicate", "oversized": "too large"}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("pack")
    pack = write_pack(root / "Nature Pack", count=80, seed=4)
    summary = import_dataset(pack.root, root / "dataset", progress=False)
    return pack, summary, load_dataset(root / "dataset", "all")


def _entries_by_source(ds, pack):
    """Entries by source file; a copy and its original both name the one that was imported."""
    out = {e.attributes["source"]: (i, e) for i, e in enumerate(ds.entries)}
    for f in pack.of_kind("duplicate"):
        out.setdefault(f.name, out.get(f.duplicate_of))
        out.setdefault(f.duplicate_of, out.get(f.name))
    return out


def test_every_file_is_accounted_for(imported):
    pack, summary, _ = imported
    status = {f.file: f.status for f in summary.files}
    assert set(status) == {f.name for f in pack.files}
    for f in pack.files:
        assert status[f.name] == STATUS_OF_JUNK.get(f.kind, "imported"), (f.name, f.kind)
    assert summary.imported == len(pack.content)
    (copy,) = pack.of_kind("duplicate")
    assert "- Copy" in copy.name  # the original is imported, the copy is the duplicate
    assert summary.by_status("duplicate")[0].detail == f"same blocks as {copy.duplicate_of}"
    assert {f.status for f in summary.files} == {"imported", *STATUS_OF_JUNK.values()}


def test_no_block_is_lost_and_no_leaf_or_log(imported):
    pack, summary, ds = imported
    by_source = _entries_by_source(ds, pack)
    written = kept = 0
    for f in pack.content:
        i, _ = by_source[f.name]
        got = ds[i].structure.counts()
        written += sum(f.blocks.values())
        kept += sum(got.values())
        for kind in ("log", "leaves"):
            want = sum(n for s, n in f.blocks.items() if block_kind(s) == kind)
            have = sum(n for s, n in got.items() if block_kind(s) == kind)
            assert have == want, (f.name, kind, have, want)
    assert kept >= 0.99 * written
    assert summary.blocks["dropped"] <= 0.01 * written
    assert kept == summary.blocks["kept"] + summary.blocks["merged"]


def test_states_are_the_games_defaults_and_the_vocabulary_is_the_datas(imported):
    pack, summary, ds = imported
    states = set(ds.vocab.states)
    # Bare names read as the game's default states, e.g. minecraft:oak_leaves -> persistent=false.
    written = Counter()
    for f in pack.content:
        written.update(f.blocks)
    for state in written:
        mapped = data_state(state).state
        fate = next(x for x in summary.states if x.state == mapped)
        assert mapped in states or fate.fate in ("merged", "dropped"), state
    assert any(s.startswith("minecraft:poppy") for s in states)  # not the tree vocabulary
    assert "minecraft:oak_leaves[persistent=false]" in states
    assert not [s for s in states if "distance=" in s or "waterlogged=" in s]


def test_markers_are_markers_and_frames_pick_the_bucket(imported):
    pack, summary, ds = imported
    counted = sum(f.markers for f in pack.files if f.kind != "oversized") - pack.of_kind("duplicate")[0].markers
    assert summary.markers == {"minecraft:barrier": counted}
    assert "minecraft:barrier" not in {f.state for f in summary.states}
    assert "minecraft:barrier" not in ds.vocab.states
    by_source = _entries_by_source(ds, pack)
    trees = [f for f in pack.content if f.kind == "tree"]
    assert {f.size for f in trees} == {"normal", "big", "huge"}
    for f in trees:
        i, entry = by_source[f.name]
        assert entry.size == f.size, f.name  # 24x64x24 frames land in the huge bucket
        s = ds[i].structure
        assert s.bounding_box()[0][1] == 0 and block_kind(s.state_at(*s.origin)) == "log"


def test_captions_come_from_the_metadata_or_clean_file_names(imported):
    pack, summary, ds = imported
    import json

    meta = {m["original_file"]: m for m in json.loads(pack.metadata_json.read_text())}
    assert summary.caption_sources == ["metadata.json"]
    for f in pack.content:
        _, entry = _entries_by_source(ds, pack)[f.name]
        if f.file_name in meta:
            assert meta[f.file_name]["prompt"] in entry.captions
        else:
            caption = entry.captions[0]  # the cleaned file name; word captions may follow
            assert caption and not any(ch.isdigit() for ch in caption) and "(" not in caption, caption
    assert summary.captions_from["captions table"] == sum(f.file_name in meta for f in pack.content)


def test_the_split_is_stratified_and_stable(imported, tmp_path):
    pack, summary, ds = imported
    test = [e for e in ds.entries if e.split == "test"]
    assert len(test) == round(0.05 * len(ds))
    again = import_dataset(pack.root, tmp_path / "again", progress=False)
    assert again.splits == summary.splits
    assert [e.attributes["source"] for e in load_dataset(tmp_path / "again", "test").entries] == \
        [e.attributes["source"] for e in test]


def test_export_gives_back_the_same_blocks(imported, tmp_path):
    _, _, ds = imported
    n = export_dataset(ds.root, tmp_path / "exp", progress=False)
    assert n == len(ds)
    for i, path in enumerate(sorted((tmp_path / "exp").glob("*.schem"))):
        back = read_structure(path)
        got = Counter()
        for state, count in back.counts().items():
            got[data_state(state).state] += count
        assert dict(got) == ds[i].structure.counts(), path.name


def test_cli_import_and_stats_on_the_pack(imported, tmp_path):
    from sapling.cli import app

    pack, _, _ = imported
    runner = CliRunner()
    r = runner.invoke(app, ["dataset", "import", str(pack.root), "--out", str(tmp_path / "d"), "--workers", "2"])
    assert r.exit_code == 0, r.output
    assert "markers only" in r.output and "minecraft:barrier" in r.output and "huge" in r.output
    png = tmp_path / "stats.png"
    r = runner.invoke(app, ["dataset", "stats", str(tmp_path / "d"), "--preview", str(png)])
    assert r.exit_code == 0, r.output
    assert "vocabulary:" in r.output and "import: files" in r.output and png.stat().st_size > 1000
