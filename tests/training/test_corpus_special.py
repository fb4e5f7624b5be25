"""Dark oak, pale oak, cherry, mangrove and azalea corpus trees: vanilla rules and corpus invariants."""

import random
from collections import Counter

import pytest

from sapling.blocks import base_name, block_kind, parse_state
from sapling.structure import SIZES
from sapling.training.corpus.base import HORIZONTAL, REGISTRY, TreeCanvas
from sapling.training.corpus.generate import generate_tree, tree_types
from sapling.training.corpus.growers.special import dark_oak_skip, mangrove_roots

TYPES = ("dark_oak", "pale_oak", "cherry", "mangrove", "tall_mangrove", "azalea")
SEEDS = range(100)
DECORATION_WORDS = {"vines", "cocoa", "bee_nest", "propagules", "roots", "hanging_leaves", "hanging_moss", "flowers"}
WOOD = {"dark_oak": "dark_oak", "pale_oak": "pale_oak", "cherry": "cherry", "mangrove": "mangrove",
        "tall_mangrove": "mangrove", "azalea": "oak"}


@pytest.fixture(scope="module")
def trees(corpus):
    """100 trees of each type, from the session's corpus: {type: [(CorpusTree, block_dict)]}."""
    return {name: corpus.with_blocks(name, SEEDS) for name in TYPES}


def _of(blocks, *names):
    return {p: s for p, s in blocks.items() if base_name(s) in names}


# --- invariants every type keeps ---


def test_types_are_registered_with_species_biome_and_ground():
    assert set(TYPES) <= set(tree_types())
    expected = {
        "dark_oak": ("dark_oak", "dark_forest", "grass_block"),
        "pale_oak": ("pale_oak", "pale_garden", "grass_block"),
        "cherry": ("cherry", "cherry_grove", "grass_block"),
        "mangrove": ("mangrove", "mangrove_swamp", "mud"),
        "tall_mangrove": ("mangrove", "mangrove_swamp", "mud"),
        "azalea": ("azalea", "lush_caves", "rooted_dirt"),
    }
    for name, (species, biome, ground) in expected.items():
        spec = REGISTRY[name]
        assert (spec.species, spec.biome, spec.ground) == (species, biome, ground)


@pytest.mark.parametrize("name", TYPES)
def test_trees_fill_their_size_bucket_with_the_trunk_base_at_the_origin(trees, name):
    for tree, blocks in trees[name]:
        assert tree.structure.shape == SIZES[tree.attributes["size"]]
        assert blocks[(0, 0, 0)] == f"minecraft:{WOOD[name]}_log[axis=y]"
        # Leaves stay above the ground (a mangrove's roots lift it, so its leaves may hang below the base).
        floor = -tree.attributes.get("root_height", 0)
        assert not any(p[1] < floor and block_kind(s) == "leaves" for p, s in blocks.items())


@pytest.mark.parametrize("name", TYPES)
def test_same_seed_same_tree_and_seeds_differ(trees, name):
    assert generate_tree(name, 5).structure.block_dict() == trees[name][5][1]
    distinct = {frozenset(blocks.items()) for _, blocks in trees[name]}
    assert len(distinct) == len(SEEDS)


@pytest.mark.parametrize("name", TYPES)
def test_attributes_for_captions(trees, name):
    words = Counter()
    for tree, blocks in trees[name]:
        a = tree.attributes
        assert a["type"] == name and a["species"] == REGISTRY[name].species
        assert a["trunk_width"] == (2 if name in ("dark_oak", "pale_oak") else 1)
        assert set(a["decorations"]) <= DECORATION_WORDS
        assert "ground" not in a and "ground_level" not in a  # used up by generate_tree
        words[a["leaf_density"]] += 1
    assert set(words) == {"sparse", "normal", "dense"}
    assert min(words.values()) >= 0.1 * len(SEEDS)


@pytest.mark.parametrize("name", [n for n in TYPES if n != "cherry"])
def test_logs_stand_upright_as_in_vanilla(trees, name):
    # These trunk placers use the log's default axis, limbs included.
    for _, blocks in trees[name]:
        for s in blocks.values():
            if block_kind(s) == "log" and base_name(s) != "mangrove_roots":
                assert parse_state(s)[1] == {"axis": "y"}


# --- dark oak and pale oak ---


@pytest.mark.parametrize("name", ["dark_oak", "pale_oak"])
def test_dark_oak_shape(trees, name):
    limbs = 0
    for tree, blocks in trees[name]:
        h = tree.attributes["trunk_height"]
        assert 6 <= h <= 9
        log = f"minecraft:{name}_log[axis=y]"
        assert all(blocks[(x, 0, z)] == log for x in (0, 1) for z in (0, 1))
        assert blocks[(0, -1, 0)] in ("minecraft:grass_block", "minecraft:pale_moss_block")
        leaves = [p for p, s in blocks.items() if block_kind(s) == "leaves"]
        # A flat crown: at most four layers, the top one at most two above the last trunk layer.
        assert max(p[1] for p in leaves) <= h + 1 and max(p[1] for p in leaves) - min(p[1] for p in leaves) <= 4
        limbs += tree.attributes["limbs"]
    assert 2 <= limbs / len(SEEDS) <= 6  # 12 columns, each with chance 1/3


def test_dark_oak_crown_corners_follow_the_signed_rule():
    rng = random.Random(0)
    # Middle layer of the 2x2 crown, radius 3: corners go, asymmetrically, as in vanilla.
    assert dark_oak_skip(rng, -3, 0, -3, 3, True) and dark_oak_skip(rng, 3, 0, 4, 3, True)
    assert dark_oak_skip(rng, 3, 0, 3, 3, True) and not dark_oak_skip(rng, -2, 0, -3, 3, True)
    # Side crowns lose the corners of their lower layer only.
    assert dark_oak_skip(rng, 2, -1, -2, 2, False) and not dark_oak_skip(rng, 1, 0, -1, 1, False)


def test_pale_oak_moss(trees):
    mossy_ground = hanging_trees = 0
    for tree, blocks in trees["pale_oak"]:
        if blocks[(0, -1, 0)] == "minecraft:pale_moss_block":
            mossy_ground += 1
        for (x, y, z), s in _of(blocks, "pale_hanging_moss").items():
            above, below = blocks.get((x, y + 1, z)), blocks.get((x, y - 1, z))
            assert above is not None and (block_kind(above) in ("log", "leaves") or above.endswith("[tip=false]"))
            tip = below is None or base_name(below) != "pale_hanging_moss"
            assert s.endswith(f"[tip={str(tip).lower()}]")
            assert y >= 0
        hanging_trees += bool(_of(blocks, "pale_hanging_moss"))
        for (x, y, z) in _of(blocks, "pale_moss_carpet"):
            assert y == 0 and any(block_kind(blocks.get((x + dx, 0, z + dz), "air")) == "log" for dx, dz in HORIZONTAL.values())
        assert ("hanging_moss" in tree.attributes["decorations"]) == bool(_of(blocks, "pale_hanging_moss"))
    assert 65 <= mossy_ground <= 95  # ground probability 0.8
    assert 20 <= hanging_trees <= 60  # base.DECORATION_CHANCE["hanging_moss"] of the trees


def test_pale_oak_without_ground_has_no_moss_block():
    tree = generate_tree("pale_oak", 1, ground=False)
    assert not _of(tree.structure.block_dict(), "pale_moss_block", "grass_block")


# --- cherry ---


def test_cherry_branches_lie_along_their_direction(trees):
    hanging = 0
    for tree, blocks in trees["cherry"]:
        logs = {p: s for p, s in blocks.items() if block_kind(s) == "log"}
        sideways = {p: parse_state(s)[1]["axis"] for p, s in logs.items() if not s.endswith("[axis=y]")}
        assert sideways, "every cherry has at least one branch leaving the trunk sideways"
        for (x, y, z), axis in sideways.items():
            dx, dz = (1, 0) if axis == "x" else (0, 1)
            # The previous log of a branch sits right behind a sideways log, along its axis.
            assert (x - dx, y, z - dz) in logs or (x + dx, y, z + dz) in logs
        branches = tree.attributes["branches"]
        assert branches in (1, 2, 3)
        # With 3 branches the trunk runs to the top (7-8 logs); otherwise it stops above the highest branch.
        assert 7 <= tree.attributes["trunk_height"] <= 8 if branches == 3 else 3 <= tree.attributes["trunk_height"] <= 5
        assert all(s == "minecraft:cherry_leaves[persistent=false]" for s in blocks.values() if block_kind(s) == "leaves")
        hanging += "hanging_leaves" in tree.attributes["decorations"]
    assert hanging >= 80


# --- mangrove ---


@pytest.mark.parametrize("name,lift", [("mangrove", (1, 3)), ("tall_mangrove", (3, 7))])
def test_mangrove_stands_on_roots_in_the_mud(trees, name, lift):
    propagules = vines = 0
    for tree, blocks in trees[name]:
        a = tree.attributes
        assert lift[0] <= a["root_height"] <= lift[1] and "roots" in a["decorations"]
        assert a["height"] == max(p[1] for p in blocks) + a["root_height"] + 1  # from the mud up
        ground = -a["root_height"] - 1
        assert min(p[1] for p in blocks) == ground  # the mud layer is the bottom of the structure
        assert base_name(blocks[(0, -1, 0)]) == "mangrove_roots"
        roots = _of(blocks, "mangrove_roots", "muddy_mangrove_roots")
        assert all(ground <= y <= 0 for (_, y, _) in roots)
        for (x, y, z), s in roots.items():
            assert (base_name(s) == "muddy_mangrove_roots") == (y == ground)
        mud = _of(blocks, "mud")
        assert mud and all(y == ground for (_, y, _) in mud)
        # Every muddy root is bedded in the mud patch.
        for (x, y, z) in _of(blocks, "muddy_mangrove_roots"):
            assert any((x + dx, y, z + dz) in mud for dx, dz in HORIZONTAL.values())
        for (x, y, z) in _of(blocks, "moss_carpet"):
            assert base_name(blocks[(x, y - 1, z)]) == "mangrove_roots"
        for (x, y, z), s in _of(blocks, "mangrove_propagule").items():
            assert s.endswith("hanging=true]") and blocks[(x, y + 1, z)] == "minecraft:mangrove_leaves[persistent=false]"
        assert all(y > ground for (_, y, _) in _of(blocks, "vine"))
        propagules += "propagules" in a["decorations"]
        vines += "vines" in a["decorations"]
    assert propagules >= 80 and 15 <= vines <= 55  # vines: base.DECORATION_CHANCE


def test_mangrove_without_ground_keeps_its_roots():
    blocks = generate_tree("mangrove", 2, ground=False).structure.block_dict()
    assert not _of(blocks, "mud") and _of(blocks, "muddy_mangrove_roots")


def test_root_placer_gives_up_when_roots_do_not_fit():
    # With the mud 20 blocks down, a root system runs past 15 roots: vanilla abandons the tree.
    canvas = TreeCanvas("mangrove", "mangrove_leaves")
    assert not mangrove_roots(canvas, random.Random(0), -20)
    assert canvas.blocks == {}
    assert mangrove_roots(canvas, random.Random(0), -2)
    assert canvas.blocks[(0, -1, 0)] == "minecraft:mangrove_roots"


# --- azalea ---


def test_azalea_bends_on_rooted_dirt_with_flowering_leaves(trees):
    leaves = Counter()
    for tree, blocks in trees["azalea"]:
        assert 4 <= tree.attributes["trunk_height"] <= 6
        assert blocks[(0, -1, 0)] == "minecraft:rooted_dirt"
        logs = [p for p, s in blocks.items() if block_kind(s) == "log"]
        assert all(blocks[p] == "minecraft:oak_log[axis=y]" for p in logs)
        # The trunk bends: its top is 2-4 blocks off the base column.
        top = max(logs, key=lambda p: (p[1], abs(p[0]) + abs(p[2])))
        assert 2 <= abs(top[0]) + abs(top[2]) <= 4
        for s in blocks.values():
            if block_kind(s) == "leaves":
                leaves[base_name(s)] += 1
        assert ("flowers" in tree.attributes["decorations"]) == bool(_of(blocks, "flowering_azalea_leaves"))
        assert tree.attributes["biome"] in ("lush_caves", "meadow")
    assert set(leaves) == {"azalea_leaves", "flowering_azalea_leaves"}
    assert 0.2 <= leaves["flowering_azalea_leaves"] / sum(leaves.values()) <= 0.3  # 1 in 4
