"""Conifer corpus trees (spruce, pine, mega spruce, mega pine) against vanilla's rules."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from scipy import ndimage

from sapling.blocks import block_kind, parse_state
from sapling.metrics import leaf_distance
from sapling.structure import SIZES
from sapling.training.corpus.base import REGISTRY, TreeCanvas
from sapling.training.corpus.generate import generate_tree, tree_types
from sapling.training.corpus.growers.conifer import giant_trunk, mega_pine_foliage, pine_foliage, spruce_foliage

TYPES = ("spruce", "pine", "mega_spruce", "mega_pine")
SEEDS = range(100)


def _leaves(blocks):
    return {p for p, s in blocks.items() if block_kind(s) == "leaves"}


def _check_tree(tree) -> None:
    """The invariants every corpus tree keeps (see the corpus brief)."""
    s, a = tree.structure, tree.attributes
    _, n = ndimage.label(s.blocks != 0, structure=ndimage.generate_binary_structure(3, 1))
    assert n == 1, f"{a['type']} seed {a['seed']}: {n} face-connected parts"
    far = s.mask_of("leaves") & (leaf_distance(s) > 6)
    assert not far.any(), f"{a['type']} seed {a['seed']}: {int(far.sum())} leaves would decay"
    assert s.shape == SIZES[a["size"]]
    assert a["leaf_density"] in ("sparse", "normal", "dense") and a["decorations"] == []
    for (x, y, z), state in s.block_dict().items():
        name, props = parse_state(state)
        kind = block_kind(state)
        assert kind in ("log", "leaves", "ground")
        if kind == "log":
            assert state == "minecraft:spruce_log[axis=y]"
        elif kind == "leaves":
            assert state == "minecraft:spruce_leaves[persistent=false]"
            assert y >= 0, "no leaves underground"
        else:
            assert y == -1 and name in ("minecraft:grass_block", "minecraft:podzol")


@pytest.mark.parametrize("tree_type", TYPES)
def test_every_tree_keeps_the_invariants(corpus, tree_type):
    for tree in corpus.trees(tree_type, SEEDS):
        _check_tree(tree)


def test_types_are_registered_as_spruce_with_their_ground():
    assert set(TYPES) <= set(tree_types())
    assert {REGISTRY[t].species for t in TYPES} == {"spruce"}
    assert REGISTRY["spruce"].ground == REGISTRY["pine"].ground == "grass_block"
    assert REGISTRY["mega_spruce"].ground == REGISTRY["mega_pine"].ground == "podzol"
    assert REGISTRY["mega_spruce"].biome == "old_growth_spruce_taiga"


@pytest.mark.parametrize("tree_type", TYPES)
def test_same_seed_same_tree_and_seeds_vary(corpus, tree_type):
    a, b = generate_tree(tree_type, 3), generate_tree(tree_type, 3)
    assert a.structure.block_dict() == b.structure.block_dict() and a.attributes == b.attributes
    assert generate_tree(tree_type, 3, ground=False).structure.counts().keys() <= {
        "minecraft:spruce_log[axis=y]", "minecraft:spruce_leaves[persistent=false]"}
    # Vanilla conifers vary little (no random leaf skips): heights, radii and offsets only.
    distinct = {tuple(sorted(t.structure.block_dict().items())) for t in corpus.trees(tree_type, range(40))}
    assert len(distinct) >= 8


def test_spruce_cones_reach_down_the_trunk(corpus):
    heights = Counter()
    for tree in corpus.trees("spruce", range(80)):
        blocks = tree.structure.block_dict()
        h = tree.attributes["trunk_height"]
        heights[h] += 1
        assert sorted(p for p, s in blocks.items() if block_kind(s) == "log") == [(0, y, 0) for y in range(h)]
        leaves = _leaves(blocks)
        # Foliage height is max(4, h - 1..2) below the attachment at h, offset 0..2 above it.
        assert 1 <= min(y for _, y, _ in leaves) <= max(1, h - 4)
        assert h <= max(y for _, y, _ in leaves) <= h + 2
        assert max(max(abs(x), abs(z)) for x, _, z in leaves) in (2, 3)
        # Every layer is a square without corners (or a single leaf): never a full square.
        for y in {p[1] for p in leaves}:
            r = max(abs(x) for x, yy, _ in leaves if yy == y)
            assert r == 0 or (r, y, r) not in leaves
        ground = tree.attributes.get("ground")
        assert ground is None  # generate_tree consumed it for the patch
        patch = {s for (x, y, z), s in blocks.items() if y == -1}
        old = tree.attributes["biome"].startswith("old_growth")
        assert patch == {"minecraft:podzol" if old else "minecraft:grass_block"}
    assert min(heights) == 5 and max(heights) == 8  # 5 + rand(0..2) + rand(0..1)
    assert heights[5] < heights[6]  # the two random terms sum unevenly


def test_pine_is_a_bare_trunk_under_a_small_cone(corpus):
    for tree in corpus.trees("pine", range(60)):
        blocks = tree.structure.block_dict()
        h = tree.attributes["trunk_height"]
        assert 6 <= h <= 10
        leaves = _leaves(blocks)
        top, low = max(y for _, y, _ in leaves), min(y for _, y, _ in leaves)
        assert top == h + 1 and {(x, z) for x, y, z in leaves if y == top} == {(0, 0)}
        # Foliage height 3 or 4 below offset 1; a radius-1 cone's last layer is the trunk itself.
        assert h - 3 <= low <= h - 1
        assert max(max(abs(x), abs(z)) for x, _, z in leaves) <= 3


def test_spruce_foliage_cycles_its_radius():
    canvas = TreeCanvas("spruce", "spruce_leaves")
    canvas.log((0, 0, 0))
    spruce_foliage(canvas, random.Random(4), (0, 10, 0), radius=3, height=9, offset=0)
    radii = [max((abs(x) for x, y, z in _leaves(canvas.blocks) if y == 10 - d), default=-1) for d in range(10)]
    # The radius climbs to a limit that grows by one each cycle, up to the maximum radius.
    assert max(radii) == 3 and 0 in radii
    assert all(b <= a + 1 for a, b in zip(radii, radii[1:]))


def test_pine_foliage_is_a_narrow_cone():
    canvas = TreeCanvas("spruce", "spruce_leaves")
    pine_foliage(canvas, random.Random(0), (0, 10, 0), radius=5, height=4, offset=1)
    radii = [max(abs(x) for x, y, z in _leaves(canvas.blocks) if y == 11 - d) for d in range(5)]
    assert radii == [0, 1, 2, 3, 2]


def test_giant_trunk_and_mega_crown():
    canvas = TreeCanvas("spruce", "spruce_leaves")
    attach = giant_trunk(canvas, 20)
    assert attach == (0, 20, 0)
    logs = set(canvas.positions("log"))
    assert len(logs) == 4 * 19 + 1 and (0, 19, 0) in logs and (1, 19, 1) not in logs
    mega_pine_foliage(canvas, random.Random(0), attach, crown=14)
    leaves = set(canvas.positions("leaves"))
    assert min(y for _, y, _ in leaves) == 6 and max(y for _, y, _ in leaves) == 20
    assert {(x, z) for x, y, z in leaves if y == 20} == {(0, 0), (1, 0), (0, 1), (1, 1)}
    # The cone widens downwards to radius 3 or a jagged 4 beyond the 2x2 trunk, symmetric in x.
    xs = [x for x, _, _ in leaves]
    assert min(xs) in (-3, -4) and max(xs) == 1 - min(xs)


@pytest.mark.parametrize("tree_type", ["mega_spruce", "mega_pine"])
def test_mega_trees_have_a_2x2_trunk_on_podzol(corpus, tree_type):
    buckets, heights = Counter(), []
    for tree in corpus.trees(tree_type, range(60)):
        a = tree.attributes
        blocks = tree.structure.block_dict()
        h = a["trunk_height"]
        heights.append(h)
        assert a["trunk_width"] == 2 and 13 <= h <= 29
        for x in (0, 1):
            for z in (0, 1):
                assert blocks[(x, 0, z)] == "minecraft:spruce_log[axis=y]"
                assert blocks[(x, -1, z)] == "minecraft:podzol"
        crown = a["crown_height"]
        assert (3 <= crown <= 7) if tree_type == "mega_pine" else (13 <= crown <= 17)
        leaves = _leaves(blocks)
        assert max(y for _, y, _ in leaves) == h
        assert min(y for _, y, _ in leaves) == max(h - crown, 0)
        assert a["height"] <= 31 and a["width"] <= 10
        buckets[a["size"]] += 1
    assert buckets["big"] > buckets["normal"] and "huge" not in buckets
    assert max(heights) > 22 and min(heights) < 18
