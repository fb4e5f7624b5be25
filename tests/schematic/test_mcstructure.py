"""Bedrock ``.mcstructure``: round trips, a file built by hand to the format's description, bad files."""

from __future__ import annotations

from pathlib import Path

import nbtlib
import pytest
from nbtlib.tag import Byte, Compound, Int, List, String
from typer.testing import CliRunner

from sapling.blocks import BlockVocab, format_state
from sapling.bridge.bedrock.blocks import to_bedrock
from sapling.cli import app
from sapling.errors import SchematicError
from sapling.game_data import block_info, full_state, known_blocks
from sapling.metrics import trunk_base
from sapling.schematic import mcstructure, read_structure, write_structure
from sapling.schematic.mcstructure import BLOCK_VERSION, to_bedrock_block, to_java
from sapling.structure import Structure
from sapling.training.corpus.generate import generate_tree


def save(root: Compound, path: Path) -> None:
    with open(path, "wb") as f:
        root.write(f, byteorder="little")


def load(path: Path) -> Compound:
    """The file read with nbtlib directly: little-endian, not gzipped (or this fails)."""
    assert path.read_bytes()[:1] == b"\x0a"  # a raw root compound, no gzip header
    with open(path, "rb") as f:
        return nbtlib.File.parse(f, byteorder="little")


def cell(size: tuple[int, int, int], x: int, y: int, z: int) -> int:
    """The format's ZYX order: z fastest, then y, then x."""
    return (x * size[1] + y) * size[2] + z


# --- round trips ---

@pytest.mark.parametrize("tree_type,seed", [("oak", 1), ("mangrove", 0), ("pale_oak", 11), ("jungle", 2),
                                            ("cherry", 3), ("azalea", 4)])
def test_a_tree_reads_back_as_the_java_files_read_it(tmp_path, tree_type, seed):
    tree = generate_tree(tree_type, seed, ground=seed % 2 == 0).structure
    tree.metadata["prompt"] = f"{tree_type} tree"
    back = read_structure(write_structure(tree, tmp_path / "tree.mcstructure"))
    java = read_structure(write_structure(tree, tmp_path / "tree.schem"))  # full states, leaf distances
    assert back.block_dict() == java.block_dict()
    assert back.shape == tree.shape and back.origin == tree.origin
    assert back.metadata == java.metadata


def test_waterlogged_blocks_go_to_the_water_layer_and_come_back(tmp_path):
    wet_leaf = "minecraft:mangrove_leaves[persistent=true,waterlogged=true]"
    s = Structure.from_blocks({(0, 0, 0): "minecraft:mangrove_roots[waterlogged=true]",
                               (0, 1, 0): "minecraft:mangrove_log[axis=y]", (1, 1, 0): wet_leaf,
                               (2, 1, 0): "minecraft:mangrove_leaves[persistent=false]"})
    path = write_structure(s, tmp_path / "wet.mcstructure")
    root = load(path)
    size = tuple(int(v) for v in root["size"])
    layer0, layer1 = ([int(v) for v in layer] for layer in root["structure"]["block_indices"])
    palette = root["structure"]["palette"]["default"]["block_palette"]
    names = [str(e["name"]) for e in palette]
    ox, oy, oz = s.origin
    wet = {cell(size, ox + x, oy + y, oz + z) for x, y, z in [(0, 0, 0), (1, 1, 0)]}
    assert {i for i, v in enumerate(layer1) if v != -1} == wet
    assert {names[layer1[i]] for i in wet} == {"minecraft:water"}
    assert all(names[layer0[i]] != "minecraft:water" for i in wet)
    back = read_structure(path).block_dict()
    assert back[(1, 1, 0)] == "minecraft:mangrove_leaves[distance=1,persistent=true,waterlogged=true]"
    assert back[(0, 0, 0)] == "minecraft:mangrove_roots[waterlogged=true]"
    assert back[(2, 1, 0)].endswith("waterlogged=false]")


def test_what_bedrock_cannot_hold_reads_back_as_the_java_default(tmp_path):
    # Bedrock vines have no top face; a persistent leaf's distance is recomputed from the shape.
    s = Structure.from_blocks({(0, 0, 0): "minecraft:oak_log[axis=y]", (0, 1, 0): "minecraft:oak_log[axis=y]",
                               (1, 1, 0): "minecraft:oak_leaves[distance=6,persistent=true]",
                               (1, 0, 0): "minecraft:vine[up=true,west=true]"})
    back = read_structure(write_structure(s, tmp_path / "v.mcstructure")).block_dict()
    assert back[(1, 0, 0)] == "minecraft:vine[east=false,north=false,south=false,up=false,west=true]"
    assert back[(1, 1, 0)] == "minecraft:oak_leaves[distance=1,persistent=true,waterlogged=false]"


def test_writes_the_formats_layout_air_as_no_block(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "minecraft:birch_log[axis=x]", (1, 2, 3): "minecraft:birch_log[axis=z]"},
                              origin=(0, 0, 0))
    root = load(write_structure(s, tmp_path / "l.mcstructure"))
    assert int(root["format_version"]) == 1
    assert [int(v) for v in root["size"]] == [2, 3, 4]
    assert [int(v) for v in root["structure_world_origin"]] == [0, 0, 0]
    layer0 = [int(v) for v in root["structure"]["block_indices"][0]]
    palette = root["structure"]["palette"]["default"]["block_palette"]
    assert len(layer0) == 24 and sum(v != -1 for v in layer0) == 2  # air is -1, not a palette entry
    first, last = palette[layer0[cell((2, 3, 4), 0, 0, 0)]], palette[layer0[cell((2, 3, 4), 1, 2, 3)]]
    assert str(first["name"]) == "minecraft:birch_log" and str(first["states"]["pillar_axis"]) == "x"
    assert str(last["states"]["pillar_axis"]) == "z" and cell((2, 3, 4), 1, 2, 3) == 23  # the last cell
    assert all(int(e["version"]) == BLOCK_VERSION for e in palette)
    assert len(root["structure"]["entities"]) == 0 and len(root["structure"]["palette"]["default"]["block_position_data"]) == 0


def test_states_carry_bedrocks_nbt_types(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "minecraft:cocoa[age=2,facing=west]",
                               (1, 0, 0): "minecraft:spruce_leaves[persistent=true]"})
    root = load(write_structure(s, tmp_path / "t.mcstructure"))
    states = {str(e["name"]): e["states"] for e in root["structure"]["palette"]["default"]["block_palette"]}
    assert states["minecraft:cocoa"] == Compound({"age": Int(2), "direction": Int(1)})
    assert isinstance(states["minecraft:spruce_leaves"]["persistent_bit"], Byte)
    assert int(states["minecraft:spruce_leaves"]["persistent_bit"]) == 1
    assert int(states["minecraft:spruce_leaves"]["update_bit"]) == 0  # natural leaves ask for no decay check


def test_the_table_agrees_with_the_bridges_setblock_text():
    for state in BlockVocab.default().states[1:]:
        name, states = to_bedrock_block(full_state(state))
        text = to_bedrock(state)
        assert text.split(" ", 1)[0] == name.split(":", 1)[1]
        for key, value in states:
            shown = ("true" if value else "false") if isinstance(value, bool) else (
                str(value) if isinstance(value, int) else f'"{value}"')
            assert f'"{key}"={shown}' in text


def test_every_java_state_survives_the_inverse_table():
    """For one state per property value of every block: Java -> Bedrock -> Java -> Bedrock is stable."""
    for name in known_blocks():
        info = block_info(name)
        variants = [dict(info.default)] + [{**info.default, k: v} for k, vs in info.properties.items() for v in vs]
        for props in variants:
            bedrock = to_bedrock_block(format_state(name, props))
            assert to_bedrock_block(to_java(*bedrock)) == bedrock, (name, props)


def test_modded_blocks_keep_their_name_and_properties(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "create:shaft[axis=x]", (1, 0, 0): "minecraft:oak_log[axis=y]"})
    back = read_structure(write_structure(s, tmp_path / "m.mcstructure"))
    assert back.block_dict()[(0, 0, 0)] == "create:shaft[axis=x]"


# --- a file built by hand to the format's description ---

def bedrock_file(path: Path, size, layer0, layer1, palette, **extra) -> Path:
    entries = [Compound({"name": String(n), "states": Compound(st), "version": Int(17959425)}) for n, st in palette]
    root = {
        "format_version": Int(1),
        "size": List[Int]([Int(v) for v in size]),
        "structure": Compound({
            "block_indices": List[List[Int]]([List[Int]([Int(v) for v in layer0]), List[Int]([Int(v) for v in layer1])]),
            "entities": List[Compound](),
            "palette": Compound({"default": Compound({"block_palette": List[Compound](entries),
                                                      "block_position_data": Compound()})}),
        }),
        "structure_world_origin": List[Int]([Int(-120), Int(64), Int(300)]),
        **extra,
    }
    with open(path, "wb") as f:
        nbtlib.File(root, root_name="").write(f, byteorder="little")
    return path


def test_reads_a_file_built_to_the_formats_description(tmp_path):
    size = (3, 4, 2)
    palette = [
        ("minecraft:spruce_log", {"pillar_axis": String("y")}),
        ("minecraft:spruce_leaves", {"persistent_bit": Byte(0), "update_bit": Byte(1)}),  # a decay check pending
        ("minecraft:air", {}),
        ("minecraft:vine", {"vine_direction_bits": Int(8)}),  # east
        ("minecraft:water", {"liquid_depth": Int(0)}),
        ("minecraft:structure_void", {}),
        ("minecraft:cocoa", {"age": Int(1), "direction": Int(3)}),  # east
    ]
    layer0 = [-1] * 24
    layer1 = [-1] * 24
    for y in range(3):
        layer0[cell(size, 1, y, 0)] = 0  # a trunk at x = 1, z = 0
    layer0[cell(size, 1, 3, 0)] = 1
    layer0[cell(size, 2, 3, 0)] = 1
    layer1[cell(size, 2, 3, 0)] = 4  # that leaf is waterlogged
    layer0[cell(size, 0, 1, 0)] = 3  # a vine west of the trunk, its east face on it
    layer0[cell(size, 0, 0, 1)] = 2
    layer0[cell(size, 2, 0, 1)] = 5
    layer0[cell(size, 0, 2, 0)] = 6
    s = read_structure(bedrock_file(tmp_path / "hand.mcstructure", size, layer0, layer1, palette))
    assert s.shape == size
    assert s.origin == (1, 0, 0) == (s.origin[0], trunk_base(s), s.origin[2])  # estimated: no SaplingOrigin
    got = {(x, y, z): state for x, y, z, state in s.iter_blocks()}
    assert got == {
        (1, 0, 0): "minecraft:spruce_log[axis=y]", (1, 1, 0): "minecraft:spruce_log[axis=y]",
        (1, 2, 0): "minecraft:spruce_log[axis=y]",
        (1, 3, 0): "minecraft:spruce_leaves[distance=1,persistent=false,waterlogged=false]",
        (2, 3, 0): "minecraft:spruce_leaves[distance=2,persistent=false,waterlogged=true]",
        (0, 1, 0): "minecraft:vine[east=true,north=false,south=false,up=false,west=false]",
        (0, 2, 0): "minecraft:cocoa[age=1,facing=east]",
    }  # air and structure void are air
    assert s.metadata == {}


def test_a_hand_built_file_keeps_our_origin_tag(tmp_path):
    path = bedrock_file(tmp_path / "o.mcstructure", (1, 1, 1), [0], [-1], [("minecraft:stone", {})],
                        SaplingOrigin=List[Int]([Int(0), Int(-3), Int(0)]))
    s = read_structure(path)
    assert s.origin == (0, -3, 0) and s.block_dict() == {(0, 3, 0): "minecraft:stone"}


@pytest.mark.parametrize("case,message", [
    ("version", "format_version 2 is not supported"),
    ("short", "holds 5 indices, but the size 1x2x3 needs 6"),
    ("index", "palette index 7 is not in the palette (1 entries)"),
    ("layers", "holds 3 layers"),
    ("palette", "block_palette[0].name"),
    ("java", "not valid NBT"),
    ("truncated", "truncated"),
])
def test_bad_files_raise_a_clear_error_naming_the_file(tmp_path, case, message):
    path = tmp_path / f"{case}.mcstructure"
    good = ((1, 2, 3), [0] * 6, [-1] * 6, [("minecraft:stone", {})])
    if case == "version":
        bedrock_file(path, *good)
        root = load(path)
        root["format_version"] = Int(2)
        save(root, path)
    elif case == "short":
        bedrock_file(path, (1, 2, 3), [0] * 5, [-1] * 6, good[3])
    elif case == "index":
        bedrock_file(path, (1, 2, 3), [0, 0, 7, 0, 0, 0], [-1] * 6, good[3])
    elif case == "layers":
        bedrock_file(path, *good)
        root = load(path)
        root["structure"]["block_indices"].append(List[Int]([Int(-1)] * 6))
        save(root, path)
    elif case == "palette":
        bedrock_file(path, *good)
        root = load(path)
        root["structure"]["palette"]["default"]["block_palette"][0]["name"] = Int(3)
        save(root, path)
    elif case == "java":  # a Java (big-endian, gzipped) file under the Bedrock name
        write_structure(Structure.from_blocks({(0, 0, 0): "minecraft:stone"}), tmp_path / "j.nbt").rename(path)
    else:
        bedrock_file(path, *good)
        path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(SchematicError) as err:
        read_structure(path)
    text = str(err.value)
    assert str(path) in text and message in text and "\n" not in text


# --- the commands ---

def test_convert_and_info_handle_mcstructure(tmp_path):
    runner = CliRunner()
    tree = write_structure(generate_tree("birch", 5).structure, tmp_path / "birch.schem")
    out = tmp_path / "birch.mcstructure"
    r = runner.invoke(app, ["convert", str(tree), str(out)])
    assert r.exit_code == 0, r.output
    assert read_structure(out).block_dict() == read_structure(tree).block_dict()
    r = runner.invoke(app, ["info", str(out)])
    assert r.exit_code == 0 and "birch" in r.output, r.output


def test_every_model_block_has_a_bedrock_equivalent():
    """None of the model vocabulary becomes an unknown block in Bedrock."""
    for state in BlockVocab.default().states[1:]:
        name, _ = to_bedrock_block(full_state(state))
        assert name.startswith("minecraft:") and name.split(":", 1)[1] in mcstructure._java_names_by_bedrock()
