"""Java -> Bedrock block states from the game data (sapling.bridge.bedrock.blocks) and its generator."""

import itertools
import json
import re
from pathlib import Path

import pytest
from helpers import MINECRAFT_DATA_ENV, load_script, minecraft_data_package

from sapling import game_data
from sapling.blocks import BlockVocab, format_state
from sapling.bridge.bedrock.blocks import NOT_PLACED, bedrock_test, table_header, to_bedrock
from sapling.bridge.placement import PlacementError

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "sapling" / "data" / "game" / "java_to_bedrock.json"

# What a command may hold: a plain name, then quoted state names (``minecraft:`` allowed) and
# values that are true/false, a number or a quoted plain word.
_STATE = r'"(minecraft:)?[a-z0-9_]+"=(true|false|\d+|"[a-z0-9_]+")'
BEDROCK_BLOCK = re.compile(rf"^[a-z0-9_]+( \[{_STATE}(,{_STATE})*\])?$")


# --- translations, as the data gives them ---

@pytest.mark.parametrize("java, bedrock", [
    ("minecraft:oak_log[axis=y]", 'oak_log ["pillar_axis"="y"]'),
    ("minecraft:oak_log[axis=x]", 'oak_log ["pillar_axis"="x"]'),
    ("oak_log", 'oak_log ["pillar_axis"="y"]'),  # completed with the game's default first
    ("minecraft:stripped_cherry_wood[axis=z]", 'stripped_cherry_wood ["pillar_axis"="z"]'),
    # Leaves: persistent -> persistent_bit; update_bit=false either way (the data's choice, and Amulet's).
    ("minecraft:oak_leaves[distance=7,persistent=true,waterlogged=false]",
     'oak_leaves ["persistent_bit"=true,"update_bit"=false]'),
    ("minecraft:oak_leaves[distance=2,persistent=false,waterlogged=true]",
     'oak_leaves ["persistent_bit"=false,"update_bit"=false]'),
    ("minecraft:flowering_azalea_leaves[persistent=true]",
     'azalea_leaves_flowered ["persistent_bit"=true,"update_bit"=false]'),
    ("minecraft:rooted_dirt", "dirt_with_roots"),
    ("minecraft:vine[east=true,north=true,south=false,up=true,west=false]", 'vine ["vine_direction_bits"=12]'),
    ("minecraft:cocoa[age=1,facing=west]", 'cocoa ["age"=1,"direction"=1]'),
    ("minecraft:grass_block[snowy=true]", "grass_block"),
])
def test_tree_blocks(java, bedrock):
    assert to_bedrock(java) == bedrock


@pytest.mark.parametrize("java, bedrock", [
    ("minecraft:poppy", "poppy"),  # Bedrock 1.26 has flattened flowers: no red_flower[flower_type=poppy]
    ("minecraft:stone", "stone"),
    ("minecraft:stone_slab[type=bottom,waterlogged=false]", 'normal_stone_slab ["minecraft:vertical_half"="bottom"]'),
    ("minecraft:stone_slab[type=top]", 'normal_stone_slab ["minecraft:vertical_half"="top"]'),
    ("minecraft:stone_slab[type=double]", 'normal_stone_double_slab ["minecraft:vertical_half"="bottom"]'),
    ("minecraft:oak_fence[east=true,north=false,south=false,waterlogged=false,west=true]", "oak_fence"),
    ("minecraft:short_grass", "short_grass"),
    ("minecraft:tall_grass[half=lower]", 'tall_grass ["upper_block_bit"=false]'),
    ("minecraft:tall_grass[half=upper]", 'tall_grass ["upper_block_bit"=true]'),
    ("minecraft:red_mushroom_block", 'red_mushroom_block ["huge_mushroom_bits"=14]'),  # cap on every side
    ("minecraft:red_mushroom_block[down=false,east=false,north=false,south=false,up=true,west=false]",
     'red_mushroom_block ["huge_mushroom_bits"=5]'),  # cap on top only
    ("minecraft:mushroom_stem", 'mushroom_stem ["huge_mushroom_bits"=15]'),
    ("minecraft:white_terracotta", "white_terracotta"),
    ("minecraft:glass", "glass"),
    ("minecraft:oak_door[facing=north,half=upper,hinge=left,open=true,powered=false]",
     'wooden_door ["door_hinge_bit"=false,"minecraft:cardinal_direction"="east","open_bit"=true,"upper_block_bit"=true]'),
    ("minecraft:snow[layers=3]", 'snow_layer ["covered_bit"=false,"height"=2]'),
    # Java 1.21.4 states the table keys by a later Java's spelling (see JAVA_UPGRADES).
    ("minecraft:chain[axis=x,waterlogged=false]", 'iron_chain ["pillar_axis"="x"]'),
    ("minecraft:creaking_heart[active=true,axis=y,natural=true]",
     'creaking_heart ["creaking_heart_state"="awake","natural"=true,"pillar_axis"="y"]'),
    ("minecraft:creaking_heart[active=false,axis=z,natural=false]",
     'creaking_heart ["creaking_heart_state"="uprooted","natural"=false,"pillar_axis"="z"]'),
])
def test_other_blocks(java, bedrock):
    assert to_bedrock(java) == bedrock


@pytest.mark.parametrize("state", ["othermod:oak_log[axis=y]", "minecraft:not_a_block", "create:shaft[axis=x]"])
def test_blocks_without_an_equivalent_are_refused_by_name(state):
    name = state.split("[")[0]
    with pytest.raises(PlacementError, match=f"no Bedrock equivalent of {re.escape(name)} in minecraft-data "):
        to_bedrock(state)


@pytest.mark.parametrize("state, reason", [
    ("minecraft:oak_log[axis=q]", "axis=q is not one of"),
    ("minecraft:oak_log[color=red]", "has no property color"),
    ("minecraft:cocoa[age=5,facing=north]", "age=5"),
    ("minecraft:air", "not a block to place"),
    ("minecraft:cave_air", "not a block to place"),
    ("minecraft:oak_log[axis=y", "malformed"),
    ('oak_log"] run kill @a', "malformed"),
    ("", "malformed"),
])
def test_invalid_states_are_refused(state, reason):
    with pytest.raises(PlacementError, match=re.escape(reason)):
        to_bedrock(state)


def test_every_vocabulary_state_translates():
    states = [s for s in BlockVocab.default().states if s != "minecraft:air"]
    assert states
    for state in states:
        assert BEDROCK_BLOCK.match(to_bedrock(state)), state


def test_every_state_of_every_java_block_translates_to_command_safe_text():
    count = 0
    for name in game_data.known_blocks():
        if name in NOT_PLACED:
            continue
        info = game_data.block_info(name)
        keys = sorted(info.properties)
        for combo in itertools.product(*(info.properties[k] for k in keys)):
            text = to_bedrock(format_state(name, dict(zip(keys, combo))))
            assert BEDROCK_BLOCK.match(text), (name, combo, text)
            count += 1
    assert count == 27863  # Java 1.21.4's 27,866 states less the three airs


# --- leaves: update_bit ---

LEAVES = sorted(n for n in game_data.known_blocks() if n.endswith("_leaves"))


def test_leaves_never_ask_bedrock_for_a_decay_check():
    """Every state of every leaves block, natural or persistent, goes in with ``update_bit=false``
    (``true`` asks the game for a decay check); the presence test leaves the bit out, as the game
    may set it by itself."""
    assert len(LEAVES) == 11
    for name in LEAVES:
        info = game_data.block_info(name)
        keys = sorted(info.properties)
        for combo in itertools.product(*(info.properties[k] for k in keys)):
            props = dict(zip(keys, combo))
            text = to_bedrock(format_state(name, props))
            assert text.endswith(f'"persistent_bit"={props["persistent"]},"update_bit"=false]'), (name, props, text)
            assert bedrock_test(format_state(name, props)) == text.replace(',"update_bit"=false', ""), text


@pytest.mark.skipif(minecraft_data_package() is None, reason="npm package minecraft-data not found")
def test_the_source_gives_natural_leaves_update_bit_false():
    """What the table is generated from says the same (minecraft-data's blocksJ2B, as Amulet's translator)."""
    script = load_script("gen_bedrock_table")
    where = script.locate(minecraft_data_package(), table_header()["checked_against"])
    j2b = json.loads(where["j2b"].read_text(encoding="utf-8"))
    natural = {k: v for k, v in j2b.items() if k.split("[")[0] in LEAVES and "persistent=false" in k}
    assert len(natural) == 11 * 7 * 2  # distance 1-7, waterlogged or not
    assert all("update_bit=false" in v and "persistent_bit=false" in v for v in natural.values()), natural


# --- the shipped table ---

def test_the_shipped_table_is_small_sorted_and_names_its_source():
    text = TABLE.read_text(encoding="utf-8")
    assert len(text.encode()) < 1_000_000
    data = json.loads(text)
    names = list(data["blocks"])
    assert names == sorted(names)
    assert set(names) == {n.split(":", 1)[1] for n in game_data.known_blocks()}  # every Java 1.21.4 block
    head = table_header()
    assert head["java_version"] == game_data.table_header()["game_version"] == "1.21.4"
    assert head["bedrock_version"] == "1.26.30" and head["minecraft_data"] == "3.119.0"
    assert "blocksJ2B.json" in head["source"] and head["unmapped"] == []


@pytest.mark.skipif(minecraft_data_package() is None,
                    reason=f"npm package minecraft-data not found (set ${MINECRAFT_DATA_ENV} or run "
                           "'cd /tmp && npm install minecraft-data@3.119.0')")
def test_the_script_regenerates_the_shipped_table_byte_identically(tmp_path):
    script = load_script("gen_bedrock_table")
    shipped = json.loads(TABLE.read_text(encoding="utf-8"))
    package = minecraft_data_package()
    if json.loads((package / "package.json").read_text())["version"] != shipped["minecraft_data"]:
        pytest.skip(f"{package} is not minecraft-data {shipped['minecraft_data']}")
    out = script.main(["--source", str(package), "--version", shipped["checked_against"],
                       "--out", str(tmp_path / "t.json")])
    assert out.read_bytes() == TABLE.read_bytes()


# --- the generator, on a small made-up source (no package needed) ---

def _java(blocks: dict) -> dict:
    return {"game_version": "1.21.4", "blocks": {
        name: {"properties": props, "default": {k: v[0] for k, v in props.items()}, "material": "default"}
        for name, props in blocks.items()}}


def _states(*entries) -> list[dict]:
    types = {bool: "byte", int: "int", str: "string"}
    return [{"name": name, "states": {k: {"type": types[type(v)], "value": int(v) if isinstance(v, bool) else v}
                                      for k, v in states.items()}}
            for name, states in entries]


WHERE = {"bedrock_version": "9.9.9", "users": ["9.9.9"], "newest": "9.9.9", "package": "0.0.0"}


def test_the_generator_factorises_and_upgrades():
    script = load_script("gen_bedrock_table")
    java = _java({"slab": {"type": ["top", "bottom", "double"], "waterlogged": ["true", "false"]},
                  "chain": {"axis": ["x", "y"]}, "rock": {}, "gadget": {}})
    j2b = {}
    for t, w in itertools.product(("top", "bottom", "double"), ("true", "false")):
        half = "top" if t == "top" else "bottom"
        j2b[f"minecraft:slab[type={t},waterlogged={w}]"] = (
            f"minecraft:{'double_slab' if t == 'double' else 'slab'}[lit=false,minecraft:vertical_half={half}]")
    j2b |= {"minecraft:iron_chain[axis=x]": "minecraft:iron_chain[pillar_axis=x]",
            "minecraft:iron_chain[axis=y]": "minecraft:iron_chain[pillar_axis=y]",
            "minecraft:rock[]": "minecraft:rock[]", "minecraft:gadget[]": "minecraft:unknown[]"}
    states = _states(*[(n, {"lit": False, "minecraft:vertical_half": h}) for n in ("slab", "double_slab")
                       for h in ("top", "bottom")],
                     ("iron_chain", {"pillar_axis": "x"}), ("iron_chain", {"pillar_axis": "y"}), ("rock", {}))
    table = script.build_table(j2b, states, java, WHERE)
    assert table["blocks"]["slab"] == {
        "name": [["type"], {"bottom": "slab", "double": "double_slab", "top": "slab"}],
        "states": {"lit": False, "minecraft:vertical_half": [["type"], {"bottom": "bottom", "double": "bottom",
                                                                        "top": "top"}]}}
    assert table["blocks"]["chain"] == {"name": "iron_chain", "states": {"pillar_axis": [["axis"], {"x": "x", "y": "y"}]}}
    assert table["blocks"]["rock"] == {"name": "rock"}
    assert table["unmapped"] == ["gadget"] and list(table["java_upgrades"]) == ["chain"]
    assert json.loads(script.dump_table(table)) == table


def test_the_generator_refuses_states_the_game_does_not_have():
    script = load_script("gen_bedrock_table")
    java = _java({"rock": {"axis": ["x", "y"]}})
    j2b = {"minecraft:rock[axis=x]": "minecraft:rock[pillar_axis=x]",
           "minecraft:rock[axis=y]": "minecraft:rock[pillar_axis=up]"}
    states = _states(("rock", {"pillar_axis": "x"}), ("rock", {"pillar_axis": "y"}))
    with pytest.raises(SystemExit, match="not a state of blockStates.json"):
        script.build_table(j2b, states, java, WHERE)
    # Half a block mapped is an error, not a silently smaller table.
    with pytest.raises(SystemExit, match="1 of 2 states"):
        script.build_table({"minecraft:rock[axis=x]": "minecraft:rock[pillar_axis=x]"}, states, java, WHERE)
    # A state a newer Bedrock no longer has stops the script too.
    with pytest.raises(SystemExit, match="no longer has"):
        script.build_table({"minecraft:rock[axis=x]": "minecraft:rock[pillar_axis=x]",
                            "minecraft:rock[axis=y]": "minecraft:rock[pillar_axis=y]"}, states, java,
                           {**WHERE, "newest": "10.0.0"}, _states(("rock", {"pillar_axis": "x"})))
