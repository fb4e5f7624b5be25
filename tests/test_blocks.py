import json

import numpy as np
import pytest

from sapling.blocks import (
    AIR, BlockVocab, SPECIES, block_kind, block_species, canonical, model_key, parse_state,
)
from sapling.errors import BlockError


def test_canonical_adds_namespace_and_sorts_properties():
    assert canonical("oak_leaves[persistent=false,distance=3]") == "minecraft:oak_leaves[distance=3,persistent=false]"
    assert canonical(" Minecraft:OAK_LOG[axis=y] ") == "minecraft:oak_log[axis=y]"
    assert canonical("create:shaft[axis=x]") == "create:shaft[axis=x]"
    assert canonical("air") == AIR


@pytest.mark.parametrize("bad", ["", "oak_log[axis]", "oak_log[axis=y", "oak log", "oak_log[axis=y,axis=x]", "a:b:c"])
def test_malformed_states_raise(bad):
    with pytest.raises(BlockError):
        canonical(bad)


def test_parse_state_round_trip():
    name, props = parse_state("minecraft:vine[west=true,east=false]")
    assert name == "minecraft:vine" and props == {"west": "true", "east": "false"}


def test_model_key_drops_surroundings():
    assert model_key("oak_leaves[distance=4,persistent=false,waterlogged=true]") == "minecraft:oak_leaves[persistent=false]"
    assert model_key("grass_block[snowy=false]") == "minecraft:grass_block"


@pytest.mark.parametrize(
    "state,kind,species",
    [
        ("air", "air", None),
        ("birch_log[axis=y]", "log", "birch"),
        ("stripped_dark_oak_wood[axis=x]", "log", "dark_oak"),
        ("mangrove_roots", "log", "mangrove"),
        ("muddy_mangrove_roots[axis=y]", "log", "mangrove"),
        ("cherry_leaves[persistent=false]", "leaves", "cherry"),
        ("flowering_azalea_leaves[persistent=true]", "leaves", "azalea"),
        ("cocoa[age=2,facing=east]", "decoration", "jungle"),
        ("pale_hanging_moss[tip=true]", "decoration", "pale_oak"),
        ("vine[east=true,north=false,south=false,up=false,west=false]", "decoration", None),
        ("podzol", "ground", None),
        ("glass", "other", None),
        ("create:shaft", "other", None),
    ],
)
def test_kind_and_species(state, kind, species):
    assert block_kind(state) == kind
    assert block_species(state) == species


def test_default_vocab_covers_every_vanilla_tree():
    v = BlockVocab.default()
    assert v.states[0] == AIR and v.id("air") == 0
    assert v.mask_id == len(v) and v.mask_id not in range(len(v.states))
    for sp in SPECIES:
        assert any(block_species(s) == sp and block_kind(s) == "leaves" for s in v.states), sp
    for sp in ("oak", "birch", "spruce", "jungle", "acacia", "dark_oak", "pale_oak", "cherry", "mangrove"):
        for form in (f"{sp}_log", f"{sp}_wood", f"stripped_{sp}_log", f"stripped_{sp}_wood"):
            for axis in "xyz":
                assert f"minecraft:{form}[axis={axis}]" in v
    for s in ["bee_nest[facing=south,honey_level=0]", "mangrove_propagule[age=4,hanging=true]", "moss_carpet",
              "pale_moss_block", "rooted_dirt", "mud", "coarse_dirt", "moss_block", "grass_block", "podzol", "dirt",
              "cocoa[age=0,facing=west]", "vine[east=false,north=false,south=false,up=true,west=false]"]:
        assert s in v, s
    # every state has a kind; the grid lookups agree with the per-state functions
    assert len(v.kind_ids) == len(v)
    assert v.kind(v.id("oak_log[axis=y]")) == "log"


def test_encode_maps_foreign_states_onto_model_keys():
    v = BlockVocab.default()
    leaf = v.id("oak_leaves[persistent=false]")
    assert v.encode("minecraft:oak_leaves[distance=5,persistent=false,waterlogged=false]") == leaf
    assert v.encode("grass_block[snowy=true]") == v.id("grass_block")
    with pytest.raises(BlockError, match="glass"):
        v.encode("glass")
    assert v.encode("glass", unknown="air") == 0
    ids, report = v.encode_many(["air", "glass", "glass", "oak_log[axis=y]"], unknown="air")
    assert ids.tolist() == [0, 0, 0, v.id("oak_log[axis=y]")]
    assert report.unknown == {"minecraft:glass": 2} and report.total_unknown == 2
    with pytest.raises(BlockError):
        v.encode_many(["glass"])


def test_ids_and_errors():
    v = BlockVocab(["minecraft:air", "oak_log[axis=y]", "glass"])
    assert v.state(2) == "minecraft:glass"
    with pytest.raises(BlockError, match="mask"):
        v.state(v.mask_id)
    with pytest.raises(BlockError):
        v.state(-1)
    with pytest.raises(BlockError, match="not in this vocabulary"):
        v.id("stone")
    with pytest.raises(BlockError, match="more than once"):
        BlockVocab(["air", "stone", "minecraft:stone"])
    assert BlockVocab(["stone"]).states == (AIR, "minecraft:stone")  # air is always id 0


def test_json_round_trip_and_hash():
    v = BlockVocab.default()
    w = BlockVocab.from_json(v.to_json())
    assert w == v and w.content_hash == v.content_hash
    assert BlockVocab(["air", "stone"]).content_hash != BlockVocab(["air", "dirt"]).content_hash
    doc = json.loads(v.to_json())
    doc["states"] = doc["states"][:-1]
    with pytest.raises(BlockError, match="hash"):
        BlockVocab.from_json(json.dumps(doc))
    with pytest.raises(BlockError):
        BlockVocab.from_json("not json")


def test_ids_of_kind():
    v = BlockVocab.default()
    logs = v.ids_of_kind("log")
    assert len(logs) > 0 and all(v.kind(int(i)) == "log" for i in logs)
    assert isinstance(logs, np.ndarray)
