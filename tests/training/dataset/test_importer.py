"""The importer on small hand-made folders (files written by Sapling's writer and by mcschematic)."""

import json

import numpy as np
import pytest

from sapling.blocks import BlockVocab
from sapling.errors import DatasetError
from sapling.prompts import species_from_prompt
from sapling.schematic import write_structure
from sapling.structure import SIZES, Structure
from sapling.training.dataset import dataset_stats, import_dataset, load_dataset
from sapling.training.dataset.importer import choose_bucket


def tree_blocks(height=5, wood="oak"):
    """A small tree as ``{(x, y, z): state}`` relative to the trunk base, with a ground block."""
    blocks = {(0, y, 0): f"{wood}_log[axis=y]" for y in range(height)}
    for x in (-1, 0, 1):
        for z in (-1, 0, 1):
            blocks.setdefault((x, height, z), f"{wood}_leaves[persistent=false]")
    blocks[(0, -1, 0)] = "grass_block"
    return blocks


@pytest.fixture
def schematic_folder(tmp_path):
    """good: oak.schem, sub/birch_tree_2.nbt, spruce.litematic, glassy.schem; oversized: mast.schem
    (70 logs); corrupt: broken.schem; ignored: readme.txt."""
    src = tmp_path / "src"
    write_structure(Structure.from_blocks(tree_blocks(5)), src / "oak.schem")
    write_structure(Structure.from_blocks(tree_blocks(7, "birch")), src / "sub" / "birch_tree_2.nbt")
    write_structure(Structure.from_blocks(tree_blocks(9, "spruce")), src / "spruce.litematic")
    glassy = tree_blocks(4)
    glassy[(1, 0, 0)] = "glass"
    glassy[(1, 1, 0)] = "glass"
    write_structure(Structure.from_blocks(glassy), src / "glassy.schem")
    write_structure(Structure.from_blocks({(0, y, 0): "oak_log[axis=y]" for y in range(70)}), src / "mast.schem")
    (src / "broken.schem").write_bytes(b"\x1f\x8b\x08\x00not really a schematic")
    (src / "readme.txt").write_text("not a schematic")
    captions = tmp_path / "captions.csv"
    captions.write_text("file,caption\noak.schem,a small oak tree\noak.schem,little oak\nghost.schem,nobody\n")
    return src, captions


def test_import_keeps_the_datas_own_blocks_and_reports_every_file(schematic_folder, tmp_path):
    src, captions = schematic_folder
    summary = import_dataset(src, tmp_path / "imp", captions=captions, min_count=1, progress=False)
    assert summary.imported == 4
    status = {f.file: f.status for f in summary.files}
    assert status == {"broken.schem": "unreadable", "glassy.schem": "imported", "mast.schem": "too large",
                      "oak.schem": "imported", "spruce.litematic": "imported", "sub/birch_tree_2.nbt": "imported"}
    assert summary.blocks["dropped"] == 0 and summary.blocks["merged"] == 0
    assert summary.captions_from == {"captions table": 1, "file name": 3}
    assert summary.unmatched_captions == ["ghost.schem"]
    text = summary.to_text()
    assert "broken.schem" in text and "mast.schem" in text and "70" in text

    ds = load_dataset(tmp_path / "imp", "all")
    assert "minecraft:glass" in ds.vocab.states  # the data's own vocabulary, not the tree one
    by_source = {ds[i].attributes["source"]: ds[i] for i in range(len(ds))}
    assert by_source["oak.schem"].captions == ["a small oak tree", "little oak"]
    birch_caps = by_source["sub/birch_tree_2.nbt"].captions  # the file name, then word-list captions
    assert birch_caps[0] == "birch tree" and len(birch_caps) == 3
    assert {species_from_prompt(c) for c in birch_caps} == {"birch"}
    assert by_source["spruce.litematic"].attributes["species"] == "spruce"
    assert by_source["spruce.litematic"].attributes["height"] == 10
    oak = by_source["oak.schem"].structure
    assert oak.shape == SIZES["normal"]
    assert oak.block_dict() == Structure.from_blocks(tree_blocks(5)).block_dict()
    glassy = by_source["glassy.schem"].structure.block_dict()
    assert glassy[(1, 0, 0)] == "minecraft:glass" and glassy[(0, 0, 0)] == "minecraft:oak_log[axis=y]"
    report = json.loads((tmp_path / "imp" / "import_report.json").read_text())
    assert {f["file"] for f in report["files"]} == set(status)


def test_import_onto_the_tree_vocabulary_drops_and_reports_the_rest(schematic_folder, tmp_path):
    src, _ = schematic_folder
    summary = import_dataset(src, tmp_path / "imp", vocab="tree", size="big", holdout=0.25, progress=False)
    assert summary.imported == 4 and summary.sizes == {"big": 4}
    fates = {f.state: f.fate for f in summary.states}
    assert fates["minecraft:glass"] == "dropped" and summary.blocks["dropped"] == 2
    assert summary.splits == {"train": 3, "test": 1}
    ds = load_dataset(tmp_path / "imp", "all", vocab=BlockVocab.default())
    assert {e.size for e in ds.entries} == {"big"}
    assert "dropped states (1):" in summary.to_text() and "minecraft:glass x2" in summary.to_text()


def test_import_onto_a_given_vocab_file(schematic_folder, tmp_path):
    src, _ = schematic_folder
    import_dataset(src, tmp_path / "first", min_count=1, progress=False)
    vocab_file = tmp_path / "first" / "vocab.json"
    import_dataset(src, tmp_path / "second", vocab=vocab_file, progress=False)
    assert load_dataset(tmp_path / "second", "all").vocab == load_dataset(tmp_path / "first", "all").vocab


def test_bare_default_state_names_are_the_games_defaults(tmp_path):
    """mcschematic stores a block as given: bare names, as many packs do."""
    import mcschematic

    schem = mcschematic.MCSchematic()
    for y in range(6):
        schem.setBlock((0, y, 0), "minecraft:oak_wood")
    for x in (-1, 0, 1):
        for z in (-1, 0, 1):
            schem.setBlock((x, 6, z), "minecraft:oak_leaves")
    schem.setBlock((2, 0, 0), "minecraft:oak_fence")
    (tmp_path / "src").mkdir()
    schem.save(str(tmp_path / "src"), "bare_oak_01", mcschematic.Version.JE_1_21_1)
    summary = import_dataset(tmp_path / "src", tmp_path / "imp", min_count=1, progress=False)
    assert summary.blocks == {"kept": 16, "merged": 0, "dropped": 0}
    s = load_dataset(tmp_path / "imp", "all")[0].structure
    counts = s.counts()
    assert counts["minecraft:oak_leaves[persistent=false]"] == 9
    assert counts["minecraft:oak_wood[axis=y]"] == 6
    assert counts["minecraft:oak_fence[east=false,north=false,south=false,west=false]"] == 1
    # The trunk base is the lowest wood block, centred in the bucket.
    assert s.state_at(*s.origin) == "minecraft:oak_wood[axis=y]" and s.origin[1] == 0
    assert s.origin[0] == SIZES["normal"][0] // 2


def _framed(tmp_path, name, frame, content, at):
    """A structure inside a barrier frame of ``frame`` (bucket name), content off-centre at ``at``."""
    dims = SIZES[frame]
    blocks = {(x, y, z): "barrier" for x in (0, dims[0] - 1) for y in (0, dims[1] - 1) for z in (0, dims[2] - 1)}
    blocks.update({(x + at[0], y + at[1], z + at[2]): s for (x, y, z), s in content.items()})
    structure = Structure.from_blocks(blocks, origin=(0, 0, 0))
    assert structure.shape == tuple(dims)
    write_structure(structure, tmp_path / "src" / name)


def test_barrier_frames_are_markers_and_pick_the_bucket(tmp_path):
    def tree(height):
        return {(x + 1, y, z + 1): s for (x, y, z), s in tree_blocks(height).items() if y >= 0}

    _framed(tmp_path, "a_tree.schem", "huge", tree(4), (2, 3, 15))  # small content in a huge frame
    _framed(tmp_path, "b_tree.schem", "normal", tree(5), (9, 1, 1))
    _framed(tmp_path, "c_frame_only.schem", "big", {}, (0, 0, 0))
    summary = import_dataset(tmp_path / "src", tmp_path / "imp", min_count=1, progress=False)
    assert summary.markers == {"minecraft:barrier": 24}
    assert [(f.file, f.status) for f in summary.files] == [
        ("a_tree.schem", "imported"), ("b_tree.schem", "imported"), ("c_frame_only.schem", "markers only")]
    assert summary.blocks["dropped"] == 0 and "minecraft:barrier" not in {f.state for f in summary.states}
    ds = load_dataset(tmp_path / "imp", "all")
    sizes = {e.attributes["source"]: e.size for e in ds.entries}
    assert sizes == {"a_tree.schem": "huge", "b_tree.schem": "normal"}
    for item in ds:
        s = item.structure
        assert "minecraft:barrier" not in s.counts()
        assert s.bounding_box()[0][1] == 0  # on the floor
        assert s.origin[0] == s.shape[0] // 2 and s.origin[2] == s.shape[2] // 2  # trunk centred
        assert s.state_at(*s.origin) == "minecraft:oak_log[axis=y]"


def test_choose_bucket():
    allowed = list(SIZES)
    assert choose_bucket((5, 10, 5), None, None, allowed) == ("normal", "")
    assert choose_bucket((5, 10, 5), "huge", None, allowed) == ("huge", "")
    assert choose_bucket((5, 10, 5), None, "big", allowed) == ("big", "")
    assert choose_bucket((5, 10, 5), "big", "huge", allowed) == ("big", "")  # the name wins over the frame
    bucket, note = choose_bucket((5, 20, 5), "normal", None, allowed)
    assert bucket == "big" and "named normal" in note
    assert choose_bucket((30, 80, 30), None, None, allowed)[0] is None
    assert choose_bucket((5, 20, 5), None, None, ["normal"])[0] is None


def test_non_trees_stand_centred_on_their_lowest_layer(tmp_path):
    rock = {(x, 0, z): "stone" for x in range(4) for z in range(2)} | {(1, 1, 0): "mossy_cobblestone"}
    write_structure(Structure.from_blocks(rock, origin=(0, 0, 0)), tmp_path / "src" / "rock_07_02.schem")
    flowers = {(0, 0, 0): "poppy", (2, 0, 1): "dandelion", (1, 0, 3): "poppy"}
    write_structure(Structure.from_blocks(flowers, origin=(0, 0, 0)), tmp_path / "src" / "flower_patch_04.schem")
    import_dataset(tmp_path / "src", tmp_path / "imp", min_count=1, progress=False)
    ds = load_dataset(tmp_path / "imp", "all")
    by = {e.attributes["source"]: (e, ds[i].structure) for i, e in enumerate(ds.entries)}
    entry, rock_s = by["rock_07_02.schem"]
    assert entry.attributes["type"] == "rock" and entry.captions == ["rock"]
    lo, hi = rock_s.bounding_box()
    assert lo[1] == 0 and (lo[0] + hi[0] - 1) // 2 == 8 and (lo[2] + hi[2] - 1) // 2 == 8
    assert by["flower_patch_04.schem"][0].attributes["type"] == "plant"


def test_duplicates_empty_and_marker_only_files_are_listed(tmp_path):
    src = tmp_path / "src"
    write_structure(Structure.from_blocks(tree_blocks(5)), src / "one.schem")
    write_structure(Structure.from_blocks(tree_blocks(5), origin=(0, 0, 0)), src / "two.nbt")  # same blocks
    (src / "empty.schem").write_bytes(b"")
    write_structure(Structure.from_blocks({(0, 0, 0): "structure_void", (3, 3, 3): "barrier"}), src / "void.schem")
    summary = import_dataset(src, tmp_path / "imp", progress=False)
    status = {f.file: (f.status, f.detail) for f in summary.files}
    assert status["two.nbt"] == ("duplicate", "same blocks as one.schem")
    assert status["empty.schem"][0] == "empty" and status["void.schem"][0] == "markers only"
    assert summary.imported == 1


def test_split_is_stratified_by_size_and_stable(tmp_path):
    src = tmp_path / "src"

    def unique_tree(i, base, spread, wood="oak"):  # no two alike (duplicates are skipped)
        return Structure.from_blocks({**tree_blocks(base + i % spread, wood), (1, -1, i // spread - 2): "dirt"})

    for i in range(40):
        write_structure(unique_tree(i, 3, 9), src / f"normal_{i:02d}.schem")
    for i in range(20):
        write_structure(unique_tree(i, 16, 12, "birch"), src / f"big_{i:02d}.schem")
    first = import_dataset(src, tmp_path / "a", min_count=1, holdout=0.1, progress=False)
    assert first.sizes == {"big": 20, "normal": 40} and first.splits == {"train": 54, "test": 6}
    test = [e for e in load_dataset(tmp_path / "a", "test").entries]
    assert sorted(e.size for e in test) == ["big"] * 2 + ["normal"] * 4
    import_dataset(src, tmp_path / "b", min_count=1, holdout=0.1, progress=False)
    again = load_dataset(tmp_path / "b", "test").entries
    assert [e.attributes["source"] for e in again] == [e.attributes["source"] for e in test]
    # Adding files moves none of the held-out ones back into training.
    write_structure(Structure.from_blocks(tree_blocks(4)), src / "normal_zz.schem")
    import_dataset(src, tmp_path / "c", min_count=1, holdout=0.1, progress=False)
    held = {e.attributes["source"] for e in load_dataset(tmp_path / "c", "test").entries}
    assert {e.attributes["source"] for e in test} <= held | {"normal_zz.schem"}


def test_pool_and_single_process_give_the_same_dataset(tmp_path):
    src = tmp_path / "src"
    for i in range(70):
        blocks = {**tree_blocks(3 + i % 11, ("oak", "birch")[i % 2]), (1, -1, i // 11 - 3): "dirt"}
        write_structure(Structure.from_blocks(blocks), src / f"t{i:02d}.schem")
    import_dataset(src, tmp_path / "one", workers=1, progress=False)
    import_dataset(src, tmp_path / "two", workers=2, progress=False)
    for name in ("entries.jsonl", "vocab.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    a, b = load_dataset(tmp_path / "one", "all"), load_dataset(tmp_path / "two", "all")
    assert all(np.array_equal(a[i].structure.blocks, b[i].structure.blocks) for i in range(len(a)))


def test_stats_show_the_vocabulary_and_the_import(schematic_folder, tmp_path):
    src, captions = schematic_folder
    import_dataset(src, tmp_path / "imp", captions=captions, min_count=1, progress=False)
    stats = dataset_stats(tmp_path / "imp")
    text = stats.to_text()
    assert "vocabulary" in text and "minecraft:glass" in text
    assert "unreadable 1" in text and "too large 1" in text


def test_bad_import_requests(schematic_folder, tmp_path):
    src, captions = schematic_folder
    with pytest.raises(DatasetError, match="not a folder"):
        import_dataset(tmp_path / "nowhere", tmp_path / "o", progress=False)
    with pytest.raises(DatasetError, match="--vocab must be"):
        import_dataset(src, tmp_path / "o", vocab="nonsense", progress=False)
    (tmp_path / "v.json").write_text("{}")
    with pytest.raises(DatasetError, match="not a vocabulary file"):
        import_dataset(src, tmp_path / "o", vocab=tmp_path / "v.json", progress=False)
    with pytest.raises(DatasetError, match="min-count"):
        import_dataset(src, tmp_path / "o", min_count=0, progress=False)
    with pytest.raises(DatasetError, match="unknown size"):
        import_dataset(src, tmp_path / "o", size="gigantic", progress=False)
    bad_captions = tmp_path / "bad.jsonl"
    bad_captions.write_text("{not json\n")
    with pytest.raises(DatasetError, match="line 1"):
        import_dataset(src, tmp_path / "o", captions=bad_captions, progress=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no .schem"):
        import_dataset(empty, tmp_path / "o", progress=False)
    (empty / "junk.nbt").write_bytes(b"junk")
    with pytest.raises(DatasetError, match="nothing could be imported.*junk.nbt"):
        import_dataset(empty, tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()


@pytest.fixture
def bedrock_folder(tmp_path):
    """oak.schem; Bedrock: sub/birch_tree.mcstructure (glass, a vine), oak_again.mcstructure (oak.schem's
    blocks), prompted.mcstructure (a prompt in its metadata), half.mcstructure (truncated),
    java.mcstructure (a Java .nbt under the Bedrock name); spruce.schematic (Sponge data, old name)."""
    src = tmp_path / "src"
    write_structure(Structure.from_blocks(tree_blocks(5)), src / "oak.schem")
    birch = {**tree_blocks(6, "birch"), (1, 0, 0): "glass", (0, 6, 1): "vine[north=true]"}
    write_structure(Structure.from_blocks(birch), src / "sub" / "birch_tree.mcstructure")
    write_structure(Structure.from_blocks(tree_blocks(5)), src / "oak_again.mcstructure")
    write_structure(Structure.from_blocks(tree_blocks(8, "jungle"), metadata={"prompt": "a tall jungle tree"}),
                    src / "prompted.mcstructure")
    whole = (src / "prompted.mcstructure").read_bytes()
    (src / "half.mcstructure").write_bytes(whole[: len(whole) // 2])
    write_structure(Structure.from_blocks(tree_blocks(4)), tmp_path / "java.nbt")
    (src / "java.mcstructure").write_bytes((tmp_path / "java.nbt").read_bytes())
    write_structure(Structure.from_blocks(tree_blocks(9, "spruce")), tmp_path / "spruce.schem")
    (src / "spruce.schematic").write_bytes((tmp_path / "spruce.schem").read_bytes())
    return src, birch


def test_every_suffix_names_a_format_the_reader_knows():
    from sapling.schematic import FORMATS
    from sapling.training.dataset.importer import SCHEMATIC_FORMATS, SCHEMATIC_SUFFIXES

    assert set(SCHEMATIC_FORMATS.values()) == set(FORMATS)  # every format the reader has is imported
    assert ".mcstructure" in SCHEMATIC_SUFFIXES and SCHEMATIC_FORMATS[".schematic"] == "schem"


def test_mcstructure_files_are_read_deduplicated_and_captioned(bedrock_folder, tmp_path):
    from sapling.training.dataset.vocab import data_state

    src, birch = bedrock_folder
    summary = import_dataset(src, tmp_path / "imp", min_count=1, progress=False)
    status = {f.file: f.status for f in summary.files}
    assert status == {"half.mcstructure": "unreadable", "java.mcstructure": "unreadable",
                      "oak.schem": "imported", "oak_again.mcstructure": "duplicate",
                      "prompted.mcstructure": "imported", "spruce.schematic": "imported",
                      "sub/birch_tree.mcstructure": "imported"}
    detail = {f.file: f.detail for f in summary.files}
    assert detail["oak_again.mcstructure"] == "same blocks as oak.schem"  # the same tree across formats
    assert detail["half.mcstructure"].startswith("not valid NBT") and "NBT" in detail["java.mcstructure"]
    assert summary.captions_from == {"file name": 3, "file metadata": 1}

    ds = load_dataset(tmp_path / "imp", "all")
    by_source = {ds[i].attributes["source"]: ds[i] for i in range(len(ds))}
    got = by_source["sub/birch_tree.mcstructure"]
    want = {p: data_state(s).state for p, s in Structure.from_blocks(birch).block_dict().items()}
    assert got.structure.block_dict() == want  # Bedrock states back to the Java ones, glass and vine too
    assert got.captions[0] == "birch tree" and got.attributes["species"] == "birch"
    assert got.attributes["height"] == 7 and got.attributes["type"] == "tree"
    assert by_source["prompted.mcstructure"].captions == ["a tall jungle tree"]
    assert by_source["spruce.schematic"].attributes["species"] == "spruce"

    text = dataset_stats(tmp_path / "imp").to_text()
    assert "unreadable 2" in text and "duplicate 1" in text
    report = json.loads((tmp_path / "imp" / "import_report.json").read_text())
    assert {f["file"]: f["status"] for f in report["files"]} == status


def test_a_broken_mcstructure_changes_nothing_else(bedrock_folder, tmp_path):
    src, _ = bedrock_folder
    import_dataset(src, tmp_path / "with", min_count=1, progress=False)
    for name in ("half.mcstructure", "java.mcstructure"):
        (src / name).unlink()
    import_dataset(src, tmp_path / "without", min_count=1, progress=False)
    for name in ("entries.jsonl", "vocab.json"):
        assert (tmp_path / "with" / name).read_bytes() == (tmp_path / "without" / name).read_bytes()


def test_cli_imports_a_folder_with_mcstructure_files(bedrock_folder, tmp_path):
    from typer.testing import CliRunner

    from sapling.cli import app

    src, _ = bedrock_folder
    r = CliRunner().invoke(app, ["dataset", "import", str(src), "--out", str(tmp_path / "d"), "--min-count", "1"])
    assert r.exit_code == 0, r.output
    assert "Imported 4 of 7 files" in r.output
    assert "unreadable: half.mcstructure:" in r.output and "duplicate: oak_again.mcstructure:" in r.output
    sources = {e.attributes["source"] for e in load_dataset(tmp_path / "d", "all").entries}
    assert sources == {"oak.schem", "prompted.mcstructure", "spruce.schematic", "sub/birch_tree.mcstructure"}
