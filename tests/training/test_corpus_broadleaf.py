"""Broadleaf corpus trees (oak, fancy oak, birch, tall birch, swamp oak) against vanilla's rules."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from scipy import ndimage

from sapling.blocks import block_kind, parse_state
from sapling.metrics import leaf_distance
from sapling.structure import SIZES
from sapling.training.corpus.base import HORIZONTAL, REGISTRY, TreeCanvas, beehive, crown_fill, density_word
from sapling.training.corpus.generate import generate_tree, tree_types

TYPES = ("oak", "fancy_oak", "birch", "tall_birch", "swamp_oak")
SEEDS = range(100)
DECORATION_WORDS = {"vines", "cocoa", "bee_nest", "propagules", "roots", "hanging_leaves", "hanging_moss", "flowers"}


def _check_tree(tree) -> None:
    """The invariants every corpus tree keeps (see the corpus brief)."""
    s, a = tree.structure, tree.attributes
    solid = s.blocks != 0
    _, n = ndimage.label(solid, structure=ndimage.generate_binary_structure(3, 1))
    assert n == 1, f"{a['type']} seed {a['seed']}: {n} face-connected parts"
    leaves = s.mask_of("leaves")
    far = leaves & (leaf_distance(s) > 6)
    assert not far.any(), f"{a['type']} seed {a['seed']}: {int(far.sum())} leaves would decay"
    assert s.shape == SIZES[a["size"]]
    assert a["trunk_width"] in (1, 2) and a["leaf_density"] in ("sparse", "normal", "dense")
    assert set(a["decorations"]) <= DECORATION_WORDS
    blocks = s.block_dict()
    for (x, y, z), state in blocks.items():
        name, props = parse_state(state)
        if name == "minecraft:vine":
            faces = [f for f in HORIZONTAL if props[f] == "true"]
            assert len(faces) == 1 and props["up"] == "false"
            dx, dz = HORIZONTAL[faces[0]]
            support = blocks.get((x + dx, y, z + dz), "minecraft:air")
            # The top vine clings to its leaf; the ones below hang from the vine above.
            assert block_kind(support) in ("leaves", "log") or blocks.get((x, y + 1, z)) == state
            assert y >= 0, "vines stop at the ground"
        if name == "minecraft:bee_nest":
            assert props["facing"] == "south" and 0 <= int(props["honey_level"]) <= 5
            beside = [blocks.get((x + dx, y, z + dz), "minecraft:air") for dx, dz in HORIZONTAL.values()]
            assert any(block_kind(b) == "log" for b in beside)
            assert (x, y, z + 1) not in blocks, "the bees' exit (south) is free"
        if block_kind(state) == "leaves":
            assert props.get("persistent") == "false" and "distance" not in props


@pytest.mark.parametrize("tree_type", TYPES)
def test_every_tree_keeps_the_invariants(corpus, tree_type):
    for tree in corpus.trees(tree_type, SEEDS):
        _check_tree(tree)


def test_types_are_registered_with_species_biome_and_ground():
    assert set(TYPES) <= set(tree_types())
    expected = {
        "oak": ("oak", "forest"), "fancy_oak": ("oak", "forest"), "birch": ("birch", "birch_forest"),
        "tall_birch": ("birch", "old_growth_birch_forest"), "swamp_oak": ("oak", "swamp"),
    }
    for name, (species, biome) in expected.items():
        spec = REGISTRY[name]
        assert (spec.species, spec.biome, spec.ground) == (species, biome, "grass_block")


@pytest.mark.parametrize("tree_type", TYPES)
def test_same_seed_same_tree_and_seeds_vary(corpus, tree_type):
    a, b = generate_tree(tree_type, 11), generate_tree(tree_type, 11)
    assert a.structure.block_dict() == b.structure.block_dict() and a.attributes == b.attributes
    distinct = {tuple(sorted(t.structure.block_dict().items())) for t in corpus.trees(tree_type, range(40))}
    # Fancy oaks of the smallest heights are one cluster on a trunk, identical in vanilla too.
    assert len(distinct) >= (25 if tree_type == "fancy_oak" else 36)


def test_growers_use_only_the_rng_they_are_given():
    random.seed(1)
    first = generate_tree("fancy_oak", 5).structure.block_dict()
    random.seed(2)
    assert generate_tree("fancy_oak", 5).structure.block_dict() == first


@pytest.mark.parametrize(
    "tree_type, low, high, log, leaf",
    [
        ("oak", 4, 6, "oak_log", "oak_leaves"),
        ("birch", 5, 7, "birch_log", "birch_leaves"),
        ("tall_birch", 5, 13, "birch_log", "birch_leaves"),
        ("swamp_oak", 5, 8, "oak_log", "oak_leaves"),
    ],
)
def test_straight_blob_trees_follow_vanilla_shape(corpus, tree_type, low, high, log, leaf):
    heights = Counter()
    for tree in corpus.trees(tree_type, range(60)):
        blocks = tree.structure.block_dict()
        h = tree.attributes["trunk_height"]
        heights[h] += 1
        logs = sorted(p for p, s in blocks.items() if block_kind(s) == "log")
        assert logs == [(0, y, 0) for y in range(h)]
        assert all(blocks[p] == f"minecraft:{log}[axis=y]" for p in logs)
        leaves = {p for p, s in blocks.items() if block_kind(s) == "leaves"}
        assert all(blocks[p] == f"minecraft:{leaf}[persistent=false]" for p in leaves)
        # The blob: four layers from the top log's next block down; the top layer is a square
        # of radius - 1 whose corners are always skipped (a plus for oaks and birches).
        assert {p[1] for p in leaves} == set(range(h - 3, h + 1))
        radius = 3 if tree_type == "swamp_oak" else 2
        r = radius - 1
        square = {(x, z) for x in range(-r, r + 1) for z in range(-r, r + 1) if abs(x) != r or abs(z) != r}
        assert {(x, z) for x, y, z in leaves if y == h} == square
        assert max(max(abs(x), abs(z)) for x, _, z in leaves) == radius
        # Top-layer ring is radius - 1, lower layers reach the full radius (corners by chance).
        for y in (h - 2, h - 3):
            ring = {(x, z) for x, yy, z in leaves if yy == y}
            assert {(radius, 0), (-radius, 0), (0, radius), (0, -radius)} <= ring
        ground = {s for (x, y, z), s in blocks.items() if y < 0}
        assert ground == {"minecraft:grass_block"}
    assert min(heights) == low and max(heights) == high


def test_blob_corners_are_random_so_density_words_vary(corpus):
    words = Counter(t.attributes["leaf_density"] for t in corpus.trees("oak", range(100)))
    assert set(words) == {"sparse", "normal", "dense"}
    assert words["normal"] > words["sparse"] and words["normal"] > words["dense"]


def test_swamp_oak_hangs_vines_from_its_leaves(corpus):
    with_vines = 0
    for tree in corpus.trees("swamp_oak", range(60)):
        blocks = tree.structure.block_dict()
        vines = [p for p, s in blocks.items() if s.startswith("minecraft:vine")]
        assert bool(vines) == ("vines" in tree.attributes["decorations"])
        with_vines += bool(vines)
        assert tree.attributes["biome"] == "swamp" and tree.attributes["species"] == "oak"
        # LeaveVineDecorator hangs a vine beside a leaf and at most four more below it.
        for x, y, z in vines:
            assert any(_clings(blocks, (x, y + k, z), blocks[(x, y, z)]) for k in range(5)), (x, y, z)
    assert 10 <= with_vines <= 35  # base.DECORATION_CHANCE["vines"] of 60


def _clings(blocks, pos, state) -> bool:
    """Whether a vine of ``state`` at ``pos`` touches a leaf or log on its attached face."""
    if blocks.get(pos) != state:
        return False
    face = next(f for f in HORIZONTAL if f"{f}=true" in state)
    dx, dz = HORIZONTAL[face]
    return block_kind(blocks.get((pos[0] + dx, pos[1], pos[2] + dz), "minecraft:air")) in ("leaves", "log")


def test_birches_sometimes_carry_a_bee_nest_under_their_leaves(corpus):
    with_nest = 0
    for tree in corpus.trees("birch", range(200)):
        blocks = tree.structure.block_dict()
        nests = [p for p, s in blocks.items() if s.startswith("minecraft:bee_nest")]
        assert len(nests) <= 1
        assert bool(nests) == ("bee_nest" in tree.attributes["decorations"])
        if nests:
            with_nest += 1
            lowest_leaf = min(y for (x, y, z), s in blocks.items() if block_kind(s) == "leaves")
            assert nests[0][1] == max(lowest_leaf - 1, 1)
    assert 35 <= with_nest <= 100  # base.DECORATION_CHANCE["bee_nest"], less where leaves block the spot


def test_beehive_decorator_places_beside_a_log_facing_south():
    canvas = TreeCanvas()
    for y in range(5):
        canvas.log((0, y, 0))
    canvas.leaves((1, 4, 0))
    assert beehive(canvas, random.Random(0), probability=1.0)
    (nest,) = canvas.positions("decoration")
    assert nest[1] == 3 and nest in {(1, 3, 0), (0, 3, 1), (-1, 3, 0)}
    assert canvas.get(nest).startswith("minecraft:bee_nest[facing=south,honey_level=")
    assert not beehive(TreeCanvas(), random.Random(0), probability=1.0)  # no logs, no nest
    assert not beehive(canvas, random.Random(0), probability=0.0)


def test_crown_fill_and_density_word():
    canvas = TreeCanvas()
    assert crown_fill(canvas) == 0.0
    canvas.log((0, 0, 0))
    for x in (0, 1):
        canvas.leaves((x, 1, 0))
    canvas.leaves((1, 0, 0))
    assert crown_fill(canvas) == 1.0  # a 2x2x1 box holding three leaves and a log
    assert [density_word(v, 0.3, 0.6) for v in (0.1, 0.3, 0.6, 0.9)] == ["sparse", "normal", "normal", "dense"]


def test_fancy_oak_branches_lie_along_horizontal_axes(corpus):
    sizes, branches = Counter(), 0
    for tree in corpus.trees("fancy_oak", range(60)):
        blocks = tree.structure.block_dict()
        h = tree.attributes["trunk_height"]
        assert [blocks.get((0, y, 0)) for y in range(h)] == ["minecraft:oak_log[axis=y]"] * h
        for (x, y, z), state in blocks.items():
            if block_kind(state) != "log":
                continue
            axis = parse_state(state)[1]["axis"]
            if (x, z) == (0, 0):
                assert axis == "y"
            else:  # vanilla getLogAxis: the branch's main horizontal direction from the trunk
                assert axis == ("x" if abs(x) >= abs(z) else "z"), (x, y, z, state)
                branches += 1
        assert tree.attributes["height"] <= 16  # top cluster ends at (h + 2) - 1
        sizes[tree.attributes["size"]] += 1
    assert branches > 0 and set(sizes) <= {"normal", "big"}


def test_fancy_oak_clusters_are_rounded_five_layer_blobs(corpus):
    # The smallest fancy oak (height 3 + 2 = 5) is one cluster attached at 5 - 5 = 0 on its trunk.
    def lowest_leaf(tree):
        return min(y for (x, y, z), s in tree.structure.block_dict().items() if block_kind(s) == "leaves")

    small = next(t for t in corpus.trees("fancy_oak", range(60)) if lowest_leaf(t) == 0)
    assert small.attributes["trunk_height"] == 4  # floor(5 * 0.618) + 1 logs
    blocks = small.structure.block_dict()
    leaves = {p for p, s in blocks.items() if block_kind(s) == "leaves"}
    # Its layers have radius 2, 3, 3, 3, 2.
    widths = {y: max(abs(x) for x, yy, z in leaves if yy == y) for y in range(5)}
    assert widths == {0: 1, 1: 2, 2: 2, 3: 2, 4: 1}
    assert (1, 0, 1) not in leaves and (2, 1, 2) not in leaves  # (dx+.5)^2 + (dz+.5)^2 > r^2 is skipped
