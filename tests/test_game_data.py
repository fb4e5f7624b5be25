"""The game's block-state table (sapling.game_data), its generator, and full states in written files."""

import json
from pathlib import Path

import mcschematic
import nbtlib
import numpy as np
import pytest
from helpers import MINECRAFT_DATA_ENV, load_script, minecraft_data_package
from nbtlib.tag import ByteArray, Compound, Int, IntArray, List, Short, String
from typer.testing import CliRunner

from sapling import game_data
from sapling.blocks import BlockVocab, parse_state
from sapling.bridge.bedrock.blocks import to_bedrock
from sapling.bridge.placement import command_state
from sapling.cli import app
from sapling.errors import BlockError
from sapling.game_data import (
    BlockInfo,
    StateCheck,
    block_info,
    complete_state,
    full_state,
)
from sapling.schematic import read_structure, write_structure
from sapling.structure import Structure

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "sapling" / "data" / "game" / "java_blocks.json"


# --- the table ---

@pytest.mark.parametrize("state, full", [
    ("minecraft:oak_leaves", "minecraft:oak_leaves[distance=7,persistent=false,waterlogged=false]"),
    ("oak_log", "minecraft:oak_log[axis=y]"),
    ("vine", "minecraft:vine[east=false,north=false,south=false,up=false,west=false]"),
    ("grass_block", "minecraft:grass_block[snowy=false]"),
    ("minecraft:oak_stairs", "minecraft:oak_stairs[facing=north,half=bottom,shape=straight,waterlogged=false]"),
    ("repeater", "minecraft:repeater[delay=1,facing=north,locked=false,powered=false]"),
    ("pale_hanging_moss", "minecraft:pale_hanging_moss[tip=true]"),
    ("glass", "minecraft:glass"),
    # Given properties are kept, the rest filled in; spelling is canonicalised.
    ("Minecraft:OAK_LEAVES[persistent=true, distance=2]",
     "minecraft:oak_leaves[distance=2,persistent=true,waterlogged=false]"),
])
def test_defaults_are_the_games(state, full):
    check = complete_state(state)
    assert check == StateCheck(full, True, ())
    assert check.ok and full_state(state) == full


def test_block_info_with_and_without_namespace():
    info = block_info("oak_stairs")
    assert isinstance(info, BlockInfo) and info == block_info("minecraft:oak_stairs")
    assert info.name == "minecraft:oak_stairs"
    assert info.properties["facing"] == ("north", "south", "west", "east")  # the game's order
    assert info.properties["waterlogged"] == ("true", "false")
    assert info.default == {"facing": "north", "half": "bottom", "shape": "straight", "waterlogged": "false"}
    assert block_info("oak_leaves").material == "leaves;mineable/hoe"
    assert block_info("oak_leaves").properties["distance"] == tuple("1234567")
    assert block_info("minecraft:oak_log").material == "mineable/axe"
    assert block_info("minecraft:foo") is None and block_info("create:shaft") is None
    assert block_info("not a block!") is None
    with pytest.raises(TypeError):
        info.default["facing"] = "east"  # the shared table cannot be changed through it


def test_game_version_comes_from_the_table():
    header = json.loads(TABLE.read_text(encoding="utf-8"))
    assert game_data.GAME_VERSION == header["game_version"]
    assert game_data.GAME_VERSION.startswith("1.21")
    assert game_data.table_header()["minecraft_data"] == header["minecraft_data"]


def test_an_invalid_value_is_replaced_by_the_default_and_reported():
    check = complete_state("minecraft:oak_log[axis=q]")
    assert check.state == "minecraft:oak_log[axis=y]"
    assert check.known and not check.ok
    assert check.problems == ("oak_log: axis=q is not one of x, y, z; used y",)
    leaves = complete_state("oak_leaves[distance=0,persistent=true]")
    assert leaves.state == "minecraft:oak_leaves[distance=7,persistent=true,waterlogged=false]"
    assert leaves.problems == ("oak_leaves: distance=0 is not one of 1, 2, 3, 4, 5, 6, 7; used 7",)


def test_an_unknown_property_is_dropped_and_reported():
    check = complete_state("oak_log[axis=x,color=red]")
    assert check.state == "minecraft:oak_log[axis=x]"
    assert check.known
    assert len(check.problems) == 1 and "color" in check.problems[0] and "dropped" in check.problems[0]


@pytest.mark.parametrize("state", ["create:shaft[axis=x]", "minecraft:oak_lgo[axis=y]", "minecraft:foo"])
def test_a_block_the_game_does_not_know_is_kept(state):
    check = complete_state(state)
    name, _ = parse_state(state)
    assert check.state == state  # unchanged (it is already canonical)
    assert not check.known
    assert check.problems == (f"unknown block {name} (not in Java {game_data.GAME_VERSION})",)


@pytest.mark.parametrize("state", ["oak_log[axis=y", "oak_log[axis]", "", 'oak_log[axis="y"]'])
def test_malformed_states_raise_like_parse_state(state):
    with pytest.raises(BlockError):
        complete_state(state)


def test_every_model_vocabulary_state_is_a_valid_game_state():
    vocab = BlockVocab.default()
    for state in vocab.states:
        check = complete_state(state)
        assert check.known and check.problems == (), (state, check)
        # Completing only adds properties: the vocabulary's own values are the game's.
        _, props = parse_state(state)
        assert parse_state(check.state)[1].items() >= props.items()


def test_bedrock_translation_accepts_full_states():
    for state in BlockVocab.default().states[1:]:
        assert to_bedrock(command_state(state)) == to_bedrock(state), state


# --- the generator ---

def test_decoding_the_state_ids_last_property_fastest():
    script = load_script("gen_block_table")
    block = {"name": "test", "material": "default", "minStateId": 10, "maxStateId": 15, "defaultState": 13,
             "states": [{"name": "a", "type": "bool", "num_values": 2},
                        {"name": "b", "type": "int", "num_values": 3, "values": ["1", "2", "3"]}]}
    # Ids 10..15 are (a, b) = (true,1) (true,2) (true,3) (false,1) (false,2) (false,3).
    assert script.decode_block(block) == {
        "default": {"a": "false", "b": "1"}, "material": "default",
        "properties": {"a": ["true", "false"], "b": ["1", "2", "3"]}, "shape": "block"}
    with pytest.raises(SystemExit, match="state ids"):
        script.decode_block({**block, "maxStateId": 16})


def test_the_shipped_table_is_small_and_sorted():
    text = TABLE.read_text(encoding="utf-8")
    assert len(text.encode()) < 1_000_000
    data = json.loads(text)
    names = list(data["blocks"])
    assert names == sorted(names) and len(names) > 1000
    assert {"game_version", "minecraft_data", "source"} <= set(data)


@pytest.mark.skipif(minecraft_data_package() is None,
                    reason=f"npm package minecraft-data not found (set ${MINECRAFT_DATA_ENV} or run "
                           "'cd /tmp && npm install minecraft-data@3.119.0')")
def test_the_script_regenerates_the_shipped_table_byte_identically(tmp_path):
    script = load_script("gen_block_table")
    shipped = json.loads(TABLE.read_text(encoding="utf-8"))
    package = minecraft_data_package()
    if json.loads((package / "package.json").read_text())["version"] != shipped["minecraft_data"]:
        pytest.skip(f"{package} is not minecraft-data {shipped['minecraft_data']}")
    out = script.main(["--source", str(package), "--version", shipped["game_version"],
                       "--out", str(tmp_path / "t.json")])
    assert out.read_bytes() == TABLE.read_bytes()


# --- writers name every property ---

BARE = {
    (0, 0, 0): "minecraft:oak_log",
    (0, 1, 0): "minecraft:oak_log[axis=y]",
    (1, 1, 0): "minecraft:oak_leaves",  # touches a log: distance 1
    (2, 1, 0): "minecraft:oak_leaves[persistent=false]",  # distance 2
    (0, 2, 0): "oak_leaves[distance=4,persistent=true]",  # an explicit distance is kept
    (-1, 0, 0): "minecraft:oak_stairs",
    (-1, 0, 1): "minecraft:oak_stairs[facing=north]",  # the same full state as the bare name: one entry
    (0, -1, 0): "minecraft:grass_block",
    (1, 0, 1): "create:shaft[axis=x]",  # modded: kept as it is
}
FULL = {
    (0, 0, 0): "minecraft:oak_log[axis=y]",
    (0, 1, 0): "minecraft:oak_log[axis=y]",
    (1, 1, 0): "minecraft:oak_leaves[distance=1,persistent=false,waterlogged=false]",
    (2, 1, 0): "minecraft:oak_leaves[distance=2,persistent=false,waterlogged=false]",
    (0, 2, 0): "minecraft:oak_leaves[distance=4,persistent=true,waterlogged=false]",
    (-1, 0, 0): "minecraft:oak_stairs[facing=north,half=bottom,shape=straight,waterlogged=false]",
    (-1, 0, 1): "minecraft:oak_stairs[facing=north,half=bottom,shape=straight,waterlogged=false]",
    (0, -1, 0): "minecraft:grass_block[snowy=false]",
    (1, 0, 1): "create:shaft[axis=x]",
}
FULL_PALETTE = {"minecraft:air", *FULL.values()}


def test_schem_palette_holds_full_states(tmp_path):
    path = write_structure(Structure.from_blocks(BARE), tmp_path / "t.schem")
    raw = nbtlib.load(path)
    assert set(raw["Palette"]) == FULL_PALETTE  # merged: no two entries for one state
    assert sorted(int(v) for v in raw["Palette"].values()) == list(range(len(FULL_PALETTE)))
    # An independent reader: mcschematic places block (x, y, z) at (x, y, z) + WEOffset from the paste point.
    placed = mcschematic.MCSchematic(str(path)).getStructure()
    for pos, state in FULL.items():
        assert placed.getBlockStateAt(pos) == state, pos
    assert read_structure(path).block_dict() == FULL


@pytest.mark.parametrize("fmt", ["nbt", "litematic"])
def test_nbt_and_litematic_palettes_hold_full_states(tmp_path, fmt):
    raw = nbtlib.load(write_structure(Structure.from_blocks(BARE), tmp_path / f"t.{fmt}"))
    tags = raw["palette"] if fmt == "nbt" else next(iter(raw["Regions"].values()))["BlockStatePalette"]
    palette = []
    for tag in tags:
        props = {str(k): str(v) for k, v in tag.get("Properties", {}).items()}
        name = str(tag["Name"])
        palette.append(name + ("[" + ",".join(f"{k}={props[k]}" for k in sorted(props)) + "]" if props else ""))
    assert len(palette) == len(set(palette))
    assert set(palette) == FULL_PALETTE
    assert read_structure(tmp_path / f"t.{fmt}").block_dict() == FULL


def test_writing_replaces_invalid_values_by_the_games_defaults(tmp_path):
    s = Structure.from_blocks({(0, 0, 0): "oak_log[axis=q]", (0, 1, 0): "oak_log[axis=y,color=red]"})
    r = read_structure(write_structure(s, tmp_path / "t.schem"))
    assert r.block_dict() == {(0, 0, 0): "minecraft:oak_log[axis=y]", (0, 1, 0): "minecraft:oak_log[axis=y]"}
    assert len(r.vocab) == 2


# --- sapling info ---

def foreign_schem(path: Path) -> Path:
    """A Sponge v2 file written by hand (our writer would repair it): an unknown block, a bad value."""
    palette = {"minecraft:air": 0, "minecraft:oak_log[axis=q]": 1, "othermod:glowing_thing": 2,
               "minecraft:oak_log[axis=y]": 3, "minecraft:oak_leaves[distance=1,persistent=false,flavour=mint]": 4}
    data = [3, 1, 2, 2, 4, 0]  # 1 x 6 x 1, y up
    nbtlib.File({
        "Version": Int(2), "DataVersion": Int(4189),
        "Width": Short(1), "Height": Short(6), "Length": Short(1),
        "Palette": Compound({k: Int(v) for k, v in palette.items()}),
        "BlockData": ByteArray(np.array(data, dtype=np.int8)),
        "BlockEntities": List[Compound](), "Offset": IntArray([0, 0, 0]),
        "Metadata": Compound({"Name": String("foreign")}),
    }, root_name="Schematic").save(path, gzipped=True)
    return path


def test_info_reports_unknown_blocks_and_invalid_values(tmp_path):
    path = foreign_schem(tmp_path / "foreign.schem")
    runner = CliRunner()
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"unknown to Java {game_data.GAME_VERSION}: othermod:glowing_thing 2" in out
    assert "invalid states:" in out
    assert "minecraft:oak_log[axis=q] (1): oak_log: axis=q is not one of x, y, z; used y" in out
    assert "flavour" in out
    assert "every state is valid" not in out

    result = runner.invoke(app, ["info", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["game_version"] == game_data.GAME_VERSION
    assert data["unknown_blocks"] == {"othermod:glowing_thing": 2}
    assert data["invalid_states"]["minecraft:oak_log[axis=q]"] == ["oak_log: axis=q is not one of x, y, z; used y"]
    assert set(data["invalid_states"]) == {"minecraft:oak_log[axis=q]",
                                           "minecraft:oak_leaves[distance=1,flavour=mint,persistent=false]"}


def test_info_on_a_clean_file_says_so(tmp_path):
    path = write_structure(Structure.from_blocks(BARE), tmp_path / "t.schem")
    result = CliRunner().invoke(app, ["info", str(path), "--json"])
    data = json.loads(result.stdout)
    assert data["invalid_states"] == {}
    assert data["unknown_blocks"] == {"create:shaft[axis=x]": 1}
    path = write_structure(Structure.from_blocks({(0, 0, 0): "oak_log"}), tmp_path / "clean.schem")
    result = CliRunner().invoke(app, ["info", str(path)])
    assert f"every state is valid in Java {game_data.GAME_VERSION}" in result.stdout
