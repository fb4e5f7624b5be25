import gzip
import importlib.util
import json
from pathlib import Path

import mcschematic
import nbtlib
import numpy as np
import pytest
from nbtlib.tag import ByteArray, Compound, Int, IntArray, List, LongArray, Short, String

from sapling import schematic
from sapling.blocks import BlockVocab, parse_state
from sapling.errors import SchematicError
from sapling.metrics import leaf_distance
from sapling.schematic import FORMATS, example_path, litematic, nbt, read_structure, write_structure
from sapling.structure import Structure

# Java formats keep every state; Bedrock blocks hold less (tests/schematic/test_mcstructure.py).
LOSSLESS = tuple(f for f in FORMATS if f != "mcstructure")

REPO = Path(__file__).resolve().parents[1]

ODD_STATES = [
    "minecraft:glass",
    "minecraft:oak_fence[east=true,north=false,south=false,waterlogged=false,west=true]",
    "create:shaft[axis=x]",
    "minecraft:chest[facing=north,type=single,waterlogged=false]",
    "minecraft:cave_air",
    "minecraft:oak_log[axis=y]",
    "minecraft:oak_leaves[distance=3,persistent=true,waterlogged=false]",
]


def odd_structure(origin=(-2, 9, 1)) -> Structure:
    """A 5x7x3 grid of every ODD_STATES block (and air), origin outside the grid."""
    rng = np.random.default_rng(0)
    vocab = BlockVocab(["minecraft:air"] + ODD_STATES)
    grid = rng.integers(0, len(vocab), size=(5, 7, 3))
    grid[0, 0, 0] = 0  # air at a corner: the grid must keep its full extent
    for i in range(1, len(vocab)):
        grid[i % 5, i % 7, i % 3] = i
    return Structure(grid, vocab, origin, {"prompt": "odd blocks", "seed": 3, "steps": [1, 2]})


def save_nbt(path: Path, root: dict, root_name: str = "", gzipped: bool = True) -> Path:
    nbtlib.File(root, root_name=root_name).save(path, gzipped=gzipped)
    return path


def varints(values) -> bytes:
    out = bytearray()
    for v in values:
        while v >= 0x80:
            out.append(v & 0x7F | 0x80)
            v >>= 7
        out.append(v)
    return bytes(out)


def byte_array(data: bytes) -> ByteArray:
    return ByteArray(np.frombuffer(data, dtype=np.uint8).view(np.int8))


def pack_longs(values, bits: int) -> LongArray:
    """Litematica packing, written independently: one big integer, LSB first."""
    total = 0
    for i, v in enumerate(values):
        total |= v << (i * bits)
    n = (len(values) * bits + 63) // 64
    words = [(total >> (64 * i)) & (2**64 - 1) for i in range(n)]
    return LongArray([w - 2**64 if w >= 2**63 else w for w in words])


# --- round trips ---

@pytest.mark.parametrize("fmt", LOSSLESS)
def test_round_trip_keeps_blocks_origin_and_metadata(tmp_path, fmt):
    s = odd_structure()
    path = write_structure(s, tmp_path / f"tree.{fmt}")
    assert path == tmp_path / f"tree.{fmt}"
    r = read_structure(path)
    assert r.shape == (5, 7, 3)
    assert r.origin == (-2, 9, 1)
    assert r.block_dict() == s.block_dict()
    assert r.metadata == s.metadata
    assert r.vocab.states[0] == "minecraft:air"
    assert set(r.vocab.states) == {"minecraft:air", *ODD_STATES}


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_multi_thousand_entry_palette(tmp_path, fmt):
    states = [f"mymod:block_{i}[level={i % 16}]" for i in range(3000)]
    vocab = BlockVocab(["minecraft:air"] + states)
    grid = (np.arange(20 * 10 * 16).reshape(20, 10, 16) % len(vocab))
    s = Structure(grid, vocab, (10, 0, 8))
    r = read_structure(write_structure(s, tmp_path / f"big.{fmt}"))
    assert len(r.vocab) == 3001
    assert r.block_dict() == s.block_dict()
    assert r.origin == (10, 0, 8)


@pytest.mark.parametrize("origin", [(0, 0, 0), (3, -4, 2), (-7, 20, -1)])
def test_schem_stores_weoffset_as_minus_origin(tmp_path, origin):
    path = write_structure(odd_structure(origin), tmp_path / "t.schem")
    raw = nbtlib.load(path)
    assert raw.root_name == "Schematic"
    meta = raw["Metadata"]
    assert (int(meta["WEOffsetX"]), int(meta["WEOffsetY"]), int(meta["WEOffsetZ"])) == tuple(-c for c in origin)
    assert int(raw["Version"]) == 2
    assert json.loads(str(meta["SaplingMetadata"]))["prompt"] == "odd blocks"
    assert read_structure(path).origin == origin


def test_mcschematic_pastes_trunk_base_at_the_paste_point(tmp_path):
    # mcschematic (an independent reader) places block (x, y, z) at paste + (x, y, z) + WEOffset.
    tree = Structure.from_blocks(
        {(0, 0, 0): "oak_log[axis=y]", (0, 1, 0): "oak_log[axis=y]", (1, 1, 0): "glass", (-2, 3, 1): "stone"}
    )
    path = write_structure(tree, tmp_path / "t.schem")
    placed = mcschematic.MCSchematic(str(path)).getStructure()
    for pos, state in tree.block_dict().items():
        assert placed.getBlockStateAt(pos) == state
    assert placed.getBlockStateAt((0, 2, 0)) == "minecraft:air"


def test_reads_schem_written_by_mcschematic(tmp_path):
    blocks = {(0, 0, 0): "minecraft:oak_log[axis=y]", (0, 1, 0): "minecraft:oak_log[axis=y]",
              (-1, 1, 2): "minecraft:glass", (3, -2, 0): "create:shaft[axis=x]"}
    m = mcschematic.MCSchematic()
    for pos, state in blocks.items():
        m.setBlock(pos, state)
    m.save(str(tmp_path), "mc", mcschematic.Version.JE_1_20_1)
    r = read_structure(tmp_path / "mc.schem")
    assert r.block_dict() == blocks
    assert r.metadata == {"data_version": mcschematic.Version.JE_1_20_1.value}


def test_reads_worldedit_v2_file(tmp_path):
    # As WorldEdit writes it: palette ids in first-seen order (air not 0), 2-byte varints,
    # Offset = world position of the minimum corner, WEOffset = min - paste origin.
    states = [f"minecraft:wool_{i}" for i in range(150)] + ["minecraft:air", "minecraft:oak_log[axis=y]"]
    palette = {s: Int(i) for i, s in enumerate(states)}
    width, height, length = 3, 4, 2
    expected = {}
    ids = []
    for y in range(height):
        for z in range(length):
            for x in range(width):
                i = (x + 3 * z + 7 * y) * 13 % len(states)
                ids.append(i)
                if states[i] != "minecraft:air":
                    expected[(x - 1, y - 0, z - 1)] = states[i]  # relative to origin = -WEOffset
    root = {
        "Version": Int(2), "DataVersion": Int(3465),
        "Metadata": Compound({
            "WEOffsetX": Int(-1), "WEOffsetY": Int(0), "WEOffsetZ": Int(-1),
            "WorldEdit": Compound({"Version": String("7.2.15"), "Offset": IntArray([-1, 0, -1])}),
        }),
        "Width": Short(width), "Height": Short(height), "Length": Short(length),
        "Offset": IntArray([100, 64, -200]),
        "PaletteMax": Int(len(states)), "Palette": Compound(palette),
        "BlockData": byte_array(varints(ids)),
        "BlockEntities": List[Compound]([Compound({"Id": String("minecraft:chest"), "Pos": IntArray([0, 0, 0])})]),
    }
    r = read_structure(save_nbt(tmp_path / "we.schem", root, "Schematic"))
    assert max(ids) >= 128  # multi-byte varints were exercised
    assert r.shape == (3, 4, 2)
    assert r.origin == (1, 0, 1)
    assert r.block_dict() == expected
    assert r.metadata == {"data_version": 3465}


def test_reads_sponge_v3_file(tmp_path):
    palette = {"minecraft:air": Int(0), "minecraft:oak_log[axis=y]": Int(1), "minecraft:birch_leaves[persistent=true]": Int(2)}
    data = [1, 0, 0, 0,  # y=0: x + z*2 for a 2x?x2 grid
            1, 2, 2, 0]
    root = {"Schematic": Compound({
        "Version": Int(3), "DataVersion": Int(3953),
        "Metadata": Compound({"WorldEdit": Compound({"Origin": IntArray([10, 64, 10])})}),
        "Width": Short(2), "Height": Short(2), "Length": Short(2),
        "Offset": IntArray([0, 0, -1]),
        "Blocks": Compound({"Palette": Compound(palette), "Data": byte_array(varints(data)), "BlockEntities": List[Compound]()}),
    })}
    r = read_structure(save_nbt(tmp_path / "v3.schem", root))
    assert r.origin == (0, 0, 1)
    assert r.block_dict() == {
        (0, 0, -1): "minecraft:oak_log[axis=y]",
        (0, 1, -1): "minecraft:oak_log[axis=y]",
        (1, 1, -1): "minecraft:birch_leaves[persistent=true]",
        (0, 1, 0): "minecraft:birch_leaves[persistent=true]",
    }
    assert r.metadata == {"data_version": 3953}


def test_reads_foreign_litematic_with_negative_size_and_spanning_entries(tmp_path):
    # Region a: 4x3x2 entries of 3 bits (entry 21 spans two longs), at Position (-1, 0, 0).
    pal_a = ["minecraft:air", "minecraft:oak_log[axis=y]", "minecraft:glass", "create:shaft[axis=z]", "minecraft:stone"]
    vals_a = [(i * 7) % 5 for i in range(24)]
    # Region b: size (-2, -2, -3) from Position (5, 2, 3): x 4..5, y 1..2, z 1..3; 17 entries -> 5 bits.
    pal_b = ["minecraft:air"] + [f"minecraft:block_{i}" for i in range(16)]
    vals_b = [(i * 5 + 1) % 17 for i in range(12)]

    def region(pos, size, palette, values, bits):
        return Compound({
            "Position": Compound({"x": Int(pos[0]), "y": Int(pos[1]), "z": Int(pos[2])}),
            "Size": Compound({"x": Int(size[0]), "y": Int(size[1]), "z": Int(size[2])}),
            "BlockStatePalette": List[Compound]([nbt._state_tag(s) for s in palette]),
            "BlockStates": pack_longs(values, bits),
            "TileEntities": List[Compound](), "Entities": List[Compound](),
        })

    root = {
        "MinecraftDataVersion": Int(3700), "Version": Int(6), "SubVersion": Int(1),
        "Metadata": Compound({"Name": String("foreign")}),
        "Regions": Compound({
            "a": region((-1, 0, 0), (4, 3, 2), pal_a, vals_a, 3),
            "b": region((5, 2, 3), (-2, -2, -3), pal_b, vals_b, 5),
        }),
    }
    r = read_structure(save_nbt(tmp_path / "f.litematic", root))
    expected = {}
    for lo, (sx, sy, sz), palette, values in [((-1, 0, 0), (4, 3, 2), pal_a, vals_a), ((4, 1, 1), (2, 2, 3), pal_b, vals_b)]:
        for i, v in enumerate(values):
            x, z, y = i % sx, i // sx % sz, i // (sx * sz)
            if v:
                expected[(lo[0] + x, lo[1] + y, lo[2] + z)] = palette[v]
    assert r.origin == (1, 0, 0)  # the schematic origin, in grid coordinates
    assert r.shape == (7, 3, 4)
    assert r.block_dict() == expected
    assert r.metadata == {"data_version": 3700}


def test_reads_foreign_nbt_estimating_the_trunk_base(tmp_path):
    palette = [Compound({"Name": String("minecraft:structure_void")}),
               Compound({"Name": String("minecraft:oak_log"), "Properties": Compound({"axis": String("y")})}),
               Compound({"Name": String("minecraft:oak_leaves"), "Properties": Compound({"persistent": String("true")})})]
    blocks = [((0, 0, 0), 1)]  # a stray log, lower than the trunk but not attached to it
    blocks += [((3, y, 2), 1) for y in (1, 2, 3)]
    blocks += [((x, 3, z), 2) for x in (2, 4) for z in (1, 3)] + [((3, 4, 2), 2)]
    blocks += [((1, 1, 1), 0)]  # structure_void: the same as no block
    root = {
        "DataVersion": Int(3465),
        "size": List[Int]([Int(5), Int(5), Int(4)]),
        "palettes": List[List[Compound]]([List[Compound](palette)]),
        "blocks": List[Compound]([
            Compound({"pos": List[Int]([Int(c) for c in pos]), "state": Int(i)}) for pos, i in blocks
        ]),
        "entities": List[Compound](),
    }
    r = read_structure(save_nbt(tmp_path / "foreign.nbt", root))
    assert r.shape == (5, 5, 4)
    assert r.origin == (3, 1, 2)
    assert r.num_blocks == len(blocks) - 1
    assert r.state_at(1, 1, 1) == "minecraft:air"
    assert "minecraft:structure_void" not in r.vocab
    assert r.metadata == {"data_version": 3465}


def test_foreign_nbt_without_logs_has_origin_zero(tmp_path):
    root = {
        "size": List[Int]([Int(2), Int(1), Int(1)]),
        "palette": List[Compound]([Compound({"Name": String("minecraft:stone")})]),
        "blocks": List[Compound]([Compound({"pos": List[Int]([Int(1), Int(0), Int(0)]), "state": Int(0)})]),
    }
    r = read_structure(save_nbt(tmp_path / "stone.nbt", root, gzipped=False))
    assert r.origin == (0, 0, 0)
    assert r.block_dict() == {(1, 0, 0): "minecraft:stone"}
    assert r.metadata == {}


def test_nbt_leaves_out_air_and_keeps_origin_in_extra_tag(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "oak_log[axis=y]", (2, 1, 0): "glass"}, origin=(0, 0, 0))
    raw = nbtlib.load(write_structure(s, tmp_path / "t.nbt"))
    assert [int(v) for v in raw["size"]] == [3, 2, 1]
    assert len(raw["blocks"]) == 2
    assert [int(v) for v in raw["SaplingOrigin"]] == [0, 0, 0]
    assert int(raw["DataVersion"]) == schematic.DATA_VERSION


# --- conversion ---

def test_schem_to_nbt_to_litematic_to_schem_keeps_positions_relative_to_trunk(tmp_path):
    start = read_structure(example_path("oak"))
    current = start
    for i, fmt in enumerate(["nbt", "litematic", "schem"]):
        current = read_structure(write_structure(current, tmp_path / f"step{i}.{fmt}"))
        assert current.block_dict() == start.block_dict()
        assert current.origin == start.origin
    raw = nbtlib.load(tmp_path / "step2.schem")
    assert int(raw["Metadata"]["WEOffsetX"]) == -start.origin[0]


@pytest.mark.parametrize("chain", [("schem", "nbt"), ("nbt", "litematic"), ("litematic", "schem")])
def test_non_vocabulary_blocks_survive_conversion(tmp_path, chain):
    s = odd_structure()
    for fmt in chain:
        s = read_structure(write_structure(s, tmp_path / f"x.{fmt}"))
    assert s.counts() == odd_structure().counts()


def test_conversion_keeps_a_foreign_data_version(tmp_path):
    m = mcschematic.MCSchematic()
    m.setBlock((0, 0, 0), "minecraft:short_grass")
    m.save(str(tmp_path), "old", mcschematic.Version.JE_1_20_4)
    s = read_structure(tmp_path / "old.schem")
    for fmt, key in [("nbt", "DataVersion"), ("litematic", "MinecraftDataVersion"), ("schem", "DataVersion")]:
        raw = nbtlib.load(write_structure(s, tmp_path / f"new.{fmt}"))
        assert int(raw[key]) == mcschematic.Version.JE_1_20_4.value


@pytest.mark.parametrize("fmt", LOSSLESS)
def test_leaves_get_vanilla_distance_on_write(tmp_path, fmt):
    blocks = {(0, y, 0): "oak_log[axis=y]" for y in range(3)}
    blocks.update({(x, 2, 0): "oak_leaves[persistent=false]" for x in range(1, 9)})
    blocks[(0, 3, 0)] = "birch_leaves[distance=5,persistent=true]"  # an explicit distance is kept
    s = Structure.from_blocks(blocks)
    r = read_structure(write_structure(s, tmp_path / f"l.{fmt}"))
    dist = leaf_distance(r)
    for (x, y, z), state in r.block_dict().items():
        name, props = parse_state(state)
        if name == "minecraft:oak_leaves":
            gx, gy, gz = x + r.origin[0], y + r.origin[1], z + r.origin[2]
            assert props["distance"] == str(dist[gx, gy, gz]) == str(min(x, 7))
    # Kept, and written with every property (the game's default waterlogged=false spelled out).
    assert r.block_dict()[(0, 3, 0)] == "minecraft:birch_leaves[distance=5,persistent=true,waterlogged=false]"


def test_write_with_explicit_format_and_metadata_values(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "oak_log[axis=y]"}, metadata={"seed": np.int64(5), "scale": np.float32(2.5)})
    path = write_structure(s, tmp_path / "sub" / "tree.dat", format="NBT")
    assert path.exists()
    r = read_structure(path, format="nbt")
    assert r.metadata == {"seed": 5, "scale": 2.5}
    assert [p.name for p in path.parent.iterdir()] == ["tree.dat"]  # no temporary file left


# --- errors a user can cause ---

def test_unknown_extension_lists_the_accepted_ones(tmp_path):
    with pytest.raises(SchematicError, match=r"tree\.schematic.*\.schem, \.nbt, \.litematic"):
        read_structure(tmp_path / "tree.schematic")
    with pytest.raises(SchematicError, match="accepted: schem, nbt, litematic"):
        write_structure(odd_structure(), tmp_path / "tree.schem", format="png")


def test_unwritable_paths_raise_schematic_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SchematicError, match="cannot write"):
        write_structure(odd_structure(), tmp_path / "file" / "tree.schem")
    (tmp_path / "dir.schem").mkdir()
    with pytest.raises(SchematicError, match="dir.schem"):
        write_structure(odd_structure(), tmp_path / "dir.schem")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.schem", "file"]


def test_unserialisable_metadata_raises_schematic_error(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "stone"}, metadata={"bad": object()})
    with pytest.raises(SchematicError, match="metadata is not JSON"):
        write_structure(s, tmp_path / "m.schem")
    assert not (tmp_path / "m.schem").exists()


def v2(**changes) -> dict:
    """A valid 2x3x1 Sponge v2 root; keyword changes replace tags (None removes one)."""
    root = {
        "Version": Int(2), "DataVersion": Int(3465),
        "Metadata": Compound({"WEOffsetX": Int(0), "WEOffsetY": Int(0), "WEOffsetZ": Int(0)}),
        "Width": Short(2), "Height": Short(3), "Length": Short(1),
        "PaletteMax": Int(2),
        "Palette": Compound({"minecraft:air": Int(0), "minecraft:oak_log[axis=y]": Int(1)}),
        "BlockData": byte_array(bytes([0, 1, 0, 1, 0, 1])),
    }
    root.update(changes)
    return {k: v for k, v in root.items() if v is not None}


def nbt_root(**changes) -> dict:
    root = {
        "size": List[Int]([Int(2), Int(2), Int(2)]),
        "palette": List[Compound]([Compound({"Name": String("minecraft:stone")})]),
        "blocks": List[Compound]([Compound({"pos": List[Int]([Int(1), Int(1), Int(1)]), "state": Int(0)})]),
    }
    root.update(changes)
    return {k: v for k, v in root.items() if v is not None}


def lite_root(size=(2, 2, 1), palette=("minecraft:air", "minecraft:stone"), longs=None, regions=None) -> dict:
    count = abs(size[0] * size[1] * size[2])
    region = Compound({
        "Position": Compound({"x": Int(0), "y": Int(0), "z": Int(0)}),
        "Size": Compound({"x": Int(size[0]), "y": Int(size[1]), "z": Int(size[2])}),
        "BlockStatePalette": List[Compound]([nbt._state_tag(s) for s in palette]),
        "BlockStates": longs if longs is not None else pack_longs([1] * min(count, 64), 2),
    })
    return {"Version": Int(6), "Regions": Compound(regions if regions is not None else {"r": region})}


def raw_gz(data: bytes) -> bytes:
    return gzip.compress(data)


def good_schem_bytes(tmp_path) -> bytes:
    return save_nbt(tmp_path / "good.schem", v2(), "Schematic").read_bytes()


MALFORMED = {
    # file level
    "empty": ("schem", lambda tp: b""),
    "not_nbt": ("schem", lambda tp: b"this is a text file, not NBT\n"),
    "root_not_compound": ("nbt", lambda tp: raw_gz(b"\x08\x00\x00\x00\x01a")),
    "corrupt_gzip": ("schem", lambda tp: b"\x1f\x8b\x08\x00" + b"\xff" * 40),
    "truncated_gzip": ("schem", lambda tp: good_schem_bytes(tp)[:-20]),
    "truncated_nbt": ("schem", lambda tp: raw_gz(gzip.decompress(good_schem_bytes(tp))[:-30])),
    "huge_list": ("nbt", lambda tp: raw_gz(b"\x0a\x00\x00\x09\x00\x01x\x0a\x7f\xff\xff\xff")),
    "huge_int_list": ("nbt", lambda tp: raw_gz(b"\x0a\x00\x00\x09\x00\x01x\x03\x7f\xff\xff\xff" + b"\x00" * 64)),
    "list_of_end": ("nbt", lambda tp: raw_gz(b"\x0a\x00\x00\x09\x00\x01x\x00\x00\x00\x00\x05\x00")),
    "huge_array": ("schem", lambda tp: raw_gz(b"\x0a\x00\x00\x07\x00\x01x\x7f\xff\xff\xff\x00")),
    "negative_array": ("schem", lambda tp: raw_gz(b"\x0a\x00\x00\x0c\x00\x01x\xff\xff\xff\xfe\x00")),
    "bad_tag_type": ("schem", lambda tp: raw_gz(b"\x0a\x00\x00\x2a\x00\x01x\x00")),
    "deep_nesting": ("schem", lambda tp: raw_gz(b"\x0a\x00\x00" + b"\x0a\x00\x01a" * 200 + b"\x00" * 201)),
    # Sponge
    "axis_too_large": ("schem", lambda tp: v2(Width=Short(2000))),
    "volume_too_large": ("schem", lambda tp: v2(Width=Short(1024), Height=Short(1024), Length=Short(1024))),
    "negative_size": ("schem", lambda tp: v2(Height=Short(-3))),
    "zero_size": ("schem", lambda tp: v2(Length=Short(0))),
    "missing_palette": ("schem", lambda tp: v2(Palette=None)),
    "missing_width": ("schem", lambda tp: v2(Width=None)),
    "width_is_string": ("schem", lambda tp: v2(Width=String("2"))),
    "blockdata_is_int_array": ("schem", lambda tp: v2(BlockData=IntArray([0, 1, 0, 1, 0, 1]))),
    "palette_id_is_string": ("schem", lambda tp: v2(Palette=Compound({"minecraft:air": String("0")}))),
    "palette_id_negative": ("schem", lambda tp: v2(Palette=Compound({"minecraft:air": Int(-1)}))),
    "palette_id_duplicate": ("schem", lambda tp: v2(Palette=Compound({"minecraft:air": Int(0), "minecraft:stone": Int(0)}))),
    "palette_bad_state": ("schem", lambda tp: v2(Palette=Compound({"minecraft:air": Int(0), "Oak Log!!": Int(1)}))),
    "palette_empty": ("schem", lambda tp: v2(Palette=Compound())),
    "palette_too_large": ("schem", lambda tp: v2(Palette=Compound({f"m:b{i}": Int(i) for i in range(65537)}))),
    "index_out_of_range": ("schem", lambda tp: v2(BlockData=byte_array(bytes([0, 1, 0, 5, 0, 1])))),
    "index_in_palette_gap": ("schem", lambda tp: v2(Palette=Compound({"minecraft:air": Int(0), "minecraft:stone": Int(2)}))),
    "data_too_short": ("schem", lambda tp: v2(BlockData=byte_array(bytes([0, 1, 0, 1, 0])))),
    "data_too_long": ("schem", lambda tp: v2(BlockData=byte_array(bytes([0, 1, 0, 1, 0, 1, 1])))),
    "varint_overflow": ("schem", lambda tp: v2(BlockData=byte_array(bytes([0xFF] * 6 + [0x01, 0, 0, 0, 0, 0])))),
    "varint_above_int32": ("schem", lambda tp: v2(BlockData=byte_array(bytes([0xFF] * 4 + [0x7F, 0, 0, 0, 0, 0])))),
    "varint_truncated": ("schem", lambda tp: v2(BlockData=byte_array(bytes([0, 1, 0, 1, 0, 0x81])))),
    "unsupported_version": ("schem", lambda tp: v2(Version=Int(9))),
    "partial_weoffset": ("schem", lambda tp: v2(Metadata=Compound({"WEOffsetX": Int(1)}))),
    "metadata_not_json": ("schem", lambda tp: v2(Metadata=Compound({"SaplingMetadata": String("{nope")}))),
    "metadata_not_object": ("schem", lambda tp: v2(Metadata=Compound({"SaplingMetadata": String("[1, 2]")}))),
    "v3_missing_blocks": ("schem", lambda tp: {"Schematic": Compound({
        "Version": Int(3), "Width": Short(1), "Height": Short(1), "Length": Short(1)})}),
    "v3_bad_offset": ("schem", lambda tp: {"Schematic": Compound({
        "Version": Int(3), "Width": Short(1), "Height": Short(1), "Length": Short(1), "Offset": IntArray([1, 2]),
        "Blocks": Compound({"Palette": Compound({"minecraft:air": Int(0)}), "Data": byte_array(b"\x00")})})}),
    # vanilla structure
    "nbt_missing_size": ("nbt", lambda tp: nbt_root(size=None)),
    "nbt_size_two_values": ("nbt", lambda tp: nbt_root(size=List[Int]([Int(2), Int(2)]))),
    "nbt_negative_size": ("nbt", lambda tp: nbt_root(size=List[Int]([Int(2), Int(-2), Int(2)]))),
    "nbt_block_outside": ("nbt", lambda tp: nbt_root(blocks=List[Compound]([
        Compound({"pos": List[Int]([Int(0), Int(2), Int(0)]), "state": Int(0)})]))),
    "nbt_state_out_of_range": ("nbt", lambda tp: nbt_root(blocks=List[Compound]([
        Compound({"pos": List[Int]([Int(0), Int(0), Int(0)]), "state": Int(3)})]))),
    "nbt_block_without_state": ("nbt", lambda tp: nbt_root(blocks=List[Compound]([
        Compound({"pos": List[Int]([Int(0), Int(0), Int(0)])})]))),
    "nbt_palette_without_name": ("nbt", lambda tp: nbt_root(palette=List[Compound]([Compound({"Nom": String("x")})]))),
    "nbt_property_not_string": ("nbt", lambda tp: nbt_root(palette=List[Compound]([
        Compound({"Name": String("minecraft:oak_log"), "Properties": Compound({"axis": Int(1)})})]))),
    "nbt_missing_palette": ("nbt", lambda tp: nbt_root(palette=None)),
    "nbt_empty_palettes": ("nbt", lambda tp: nbt_root(palette=None, palettes=List[List[Compound]]())),
    # litematica
    "lite_no_regions": ("litematic", lambda tp: lite_root(regions={})),
    "lite_missing_regions": ("litematic", lambda tp: {"Version": Int(6)}),
    "lite_zero_size": ("litematic", lambda tp: lite_root(size=(2, 0, 1))),
    "lite_too_large": ("litematic", lambda tp: lite_root(size=(-2000, 1, 1))),
    "lite_wrong_long_count": ("litematic", lambda tp: lite_root(longs=LongArray([0, 0]))),
    "lite_index_out_of_range": ("litematic", lambda tp: lite_root(
        palette=("minecraft:air", "minecraft:stone", "minecraft:glass"), longs=pack_longs([3, 0, 0, 0], 2))),
    "lite_states_not_long_array": ("litematic", lambda tp: lite_root(longs=IntArray([0]))),
    "lite_empty_palette": ("litematic", lambda tp: lite_root(palette=())),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_raise_schematic_error_naming_the_file(tmp_path, case):
    fmt, build = MALFORMED[case]
    path = tmp_path / f"bad_{case}.{fmt}"
    content = build(tmp_path)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        save_nbt(path, content, "Schematic" if fmt == "schem" else "")
    with pytest.raises(SchematicError) as info:
        read_structure(path)
    assert path.name in str(info.value)


def test_missing_file_raises_schematic_error(tmp_path):
    with pytest.raises(SchematicError, match="nothing.schem: no such file"):
        read_structure(tmp_path / "nothing.schem")
    (tmp_path / "folder.nbt").mkdir()
    with pytest.raises(SchematicError, match="folder.nbt"):
        read_structure(tmp_path / "folder.nbt")


def test_gzip_bomb_is_refused_before_inflating_it(tmp_path, monkeypatch):
    monkeypatch.setattr(nbt, "MAX_NBT_BYTES", 100_000)
    path = tmp_path / "bomb.schem"
    path.write_bytes(gzip.compress(b"\x0a\x00\x00\x07\x00\x01x\x00\x10\x00\x00" + bytes(1 << 20) + b"\x00"))
    with pytest.raises(SchematicError, match="bomb.schem: decompresses to more than"):
        read_structure(path)


def test_error_messages_say_what_is_wrong(tmp_path):
    cases = {
        "2000x3x1 is too large (each axis must be 1..1024)": v2(Width=Short(2000)),
        "palette index 5 is not in the palette": v2(BlockData=byte_array(bytes([0, 1, 0, 5, 0, 1]))),
        "holds 5 blocks, expected 6": v2(BlockData=byte_array(bytes([0, 1, 0, 1, 0x81, 0]))),
        "missing tag Palette": v2(Palette=None),
        "tag Width has type String, expected an integer": v2(Width=String("2")),
    }
    for expected, root in cases.items():
        path = save_nbt(tmp_path / "e.schem", root, "Schematic")
        with pytest.raises(SchematicError) as info:
            read_structure(path)
        assert str(info.value).startswith(str(path))
        assert expected in str(info.value)


# --- the bundled example ---

def test_example_oak_is_a_vanilla_looking_oak():
    s = read_structure(example_path())
    blocks = s.block_dict()
    logs = sorted(p for p, state in blocks.items() if "_log" in state)
    assert logs == [(0, y, 0) for y in range(5)]
    assert all(state == "minecraft:oak_log[axis=y]" for p, state in blocks.items() if p in logs)
    dist = leaf_distance(s)
    leaves = {p: state for p, state in blocks.items() if p not in logs}
    assert 40 <= len(leaves) <= 60
    for (x, y, z), state in leaves.items():
        name, props = parse_state(state)
        assert name == "minecraft:oak_leaves"
        assert props["persistent"] == "false"
        assert props["distance"] == str(dist[x + s.origin[0], y + s.origin[1], z + s.origin[2]])
        assert int(props["distance"]) <= 6
        assert 2 <= y <= 5 and max(abs(x), abs(z)) <= 2
    assert s.metadata["prompt"] == "oak tree"


def test_example_script_reproduces_the_bundled_file(tmp_path):
    spec = importlib.util.spec_from_file_location("make_example", REPO / "scripts" / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(tmp_path / "oak.schem")
    assert out.read_bytes() == example_path("oak").read_bytes()


def test_unknown_example_lists_the_available_ones():
    with pytest.raises(SchematicError, match="available: oak"):
        example_path("baobab")


def test_write_refuses_sizes_the_readers_refuse(tmp_path):
    s = Structure(np.zeros((1025, 1, 1), dtype=np.int16), BlockVocab(["minecraft:air"]))
    with pytest.raises(SchematicError, match="1025x1x1 exceeds the limit"):
        write_structure(s, tmp_path / "wide.schem")
    assert not list(tmp_path.iterdir())


def test_litematic_palettes_are_capped_across_regions(tmp_path, monkeypatch):
    monkeypatch.setattr(litematic, "MAX_PALETTE", 3)
    one = lite_root()["Regions"]["r"]
    path = save_nbt(tmp_path / "two.litematic", lite_root(regions={"a": one, "b": one}))
    with pytest.raises(SchematicError, match="two.litematic: the regions' palettes hold more than 3 entries"):
        read_structure(path)


def test_pre_1_13_mcedit_schematic_is_refused_with_what_to_do(tmp_path):
    # The MCEdit layout (Blocks/Data byte arrays of numeric ids, Materials "Alpha"), as WorldEdit 6 saved it.
    root = Compound({"Width": Short(1), "Height": Short(1), "Length": Short(1), "Materials": String("Alpha"),
                     "Blocks": ByteArray([17]), "Data": ByteArray([0])})
    path = tmp_path / "old_oak.schem"
    nbtlib.File(root, root_name="Schematic").save(path, gzipped=True)
    with pytest.raises(SchematicError, match=r"old_oak\.schem.*pre-1\.13 MCEdit .*save it again as \.schem"):
        read_structure(path)


def test_unknown_nbt_tag_is_reported_at_its_own_byte(tmp_path):
    path = tmp_path / "x.schem"
    # root compound with an empty name, then a tag of type 99 (no such NBT type) at byte 3
    path.write_bytes(gzip.compress(bytes([10, 0, 0, 99, 0, 1, 65, 0, 0, 0])))
    with pytest.raises(SchematicError, match=r"unknown tag type 99 at byte 3\)"):
        read_structure(path)
