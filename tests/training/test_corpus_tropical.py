"""Jungle, jungle bush, mega jungle and acacia corpus trees: vanilla rules and corpus invariants."""

import random
from collections import Counter

import numpy as np
import pytest

from sapling.blocks import base_name, block_kind, parse_state
from sapling.structure import SIZES
from sapling.training.corpus.base import (
    HORIZONTAL,
    REGISTRY,
    TreeCanvas,
    clip_decorations,
    drop_decaying_leaves,
    face_path,
)
from sapling.training.corpus.generate import generate_tree, tree_types
from sapling.training.corpus.growers.tropical import cocoa

TYPES = ("jungle", "jungle_bush", "mega_jungle", "acacia")
SEEDS = range(100)
DECORATION_WORDS = {"vines", "cocoa", "bee_nest", "propagules", "roots", "hanging_leaves", "hanging_moss", "flowers"}


@pytest.fixture(scope="module")
def trees(corpus):
    """100 trees of each type, from the session's corpus: {type: [(CorpusTree, block_dict)]}."""
    return {name: corpus.with_blocks(name, SEEDS) for name in TYPES}


def _logs(blocks):
    return {p: s for p, s in blocks.items() if block_kind(s) == "log"}


# --- invariants every type keeps ---


def test_types_are_registered_with_species_and_biome():
    assert set(TYPES) <= set(tree_types())
    for name, biome in (("jungle", "jungle"), ("jungle_bush", "jungle"), ("mega_jungle", "jungle"), ("acacia", "savanna")):
        assert REGISTRY[name].species == ("acacia" if name == "acacia" else "jungle")
        assert REGISTRY[name].biome == biome
        assert REGISTRY[name].ground == "grass_block"


@pytest.mark.parametrize("name", TYPES)
def test_trees_fill_their_size_bucket_with_the_trunk_base_on_the_ground(trees, name):
    for tree, blocks in trees[name]:
        size = tree.attributes["size"]
        assert tree.structure.shape == SIZES[size]
        assert blocks[(0, 0, 0)] == f"minecraft:{'acacia' if name == 'acacia' else 'jungle'}_log[axis=y]"
        assert blocks[(0, -1, 0)] == "minecraft:grass_block"
        assert min(p[1] for p in blocks) == -1  # nothing below the ground patch


@pytest.mark.parametrize("name", TYPES)
def test_logs_stand_upright_as_in_vanilla(trees, name):
    # Every trunk placer of these types places logs with their default axis.
    for _, blocks in trees[name]:
        assert all(s.endswith("_log[axis=y]") for s in _logs(blocks).values())


@pytest.mark.parametrize("name", TYPES)
def test_same_seed_same_tree_and_seeds_differ(trees, name):
    again = generate_tree(name, 3).structure.block_dict()
    assert again == trees[name][3][1]
    distinct = {frozenset(blocks.items()) for _, blocks in trees[name]}
    assert len(distinct) >= 0.8 * len(SEEDS)


@pytest.mark.parametrize("name", TYPES)
def test_attributes_for_captions(trees, name):
    words = Counter()
    for tree, _ in trees[name]:
        a = tree.attributes
        assert a["type"] == name and a["trunk_width"] == (2 if name == "mega_jungle" else 1)
        assert set(a["decorations"]) <= DECORATION_WORDS
        words[a["leaf_density"]] += 1
    # Thresholds sit near each type's quartiles: every word is common.
    assert set(words) == {"sparse", "normal", "dense"}
    assert min(words.values()) >= 0.1 * len(SEEDS)


def test_vines_hang_from_their_support(trees):
    seen = 0
    for name in ("jungle", "mega_jungle"):
        for _, blocks in trees[name]:
            for (x, y, z), s in blocks.items():
                if base_name(s) != "vine":
                    continue
                seen += 1
                faces = [f for f, v in parse_state(s)[1].items() if v == "true"]
                assert len(faces) == 1 and faces[0] != "up"
                dx, dz = HORIZONTAL[faces[0]]
                support = blocks.get((x + dx, y, z + dz))
                # A vine touches a log or leaf on its face, or hangs from the same vine above.
                assert (support is not None and block_kind(support) in ("log", "leaves")) or blocks.get((x, y + 1, z)) == s
                assert y >= 0  # never into the ground
    assert seen > 1000


# --- jungle tree ---


def test_jungle_trunk_crown_and_decorations(trees):
    heights, with_cocoa, with_vines = set(), 0, 0
    for tree, blocks in trees["jungle"]:
        h = tree.attributes["trunk_height"]
        heights.add(h)
        assert all(blocks.get((0, y, 0), "").startswith("minecraft:jungle_log") for y in range(h))
        # Blob foliage (r2, h3): the top layer sits on the trunk, one above its last log.
        assert max(p[1] for p, s in blocks.items() if block_kind(s) == "leaves") == h
        assert ("vines" in tree.attributes["decorations"]) == any(s.startswith("minecraft:vine") for s in blocks.values())
        with_vines += "vines" in tree.attributes["decorations"]
        with_cocoa += "cocoa" in tree.attributes["decorations"]
    assert heights <= set(range(4, 13)) and len(heights) >= 7
    # base.DECORATION_CHANCE (vanilla: cocoa on 1 tree in 5, vines on all)
    n = len(trees["jungle"])
    assert 0.2 * n <= with_cocoa <= 0.6 * n and 0.15 * n <= with_vines <= 0.55 * n


def test_cocoa_faces_its_log_on_the_lowest_layers(trees):
    pods = 0
    for _, blocks in trees["jungle"]:
        for (x, y, z), s in blocks.items():
            if base_name(s) != "cocoa":
                continue
            pods += 1
            props = parse_state(s)[1]
            dx, dz = HORIZONTAL[props["facing"]]
            assert blocks[(x + dx, y, z + dz)] == "minecraft:jungle_log[axis=y]"
            assert 0 <= y <= 2 and props["age"] in ("0", "1", "2")
    assert pods > 0


def test_cocoa_decorator_places_pods_toward_the_log():
    placed = 0
    for seed in range(20):
        canvas = TreeCanvas("jungle", "jungle_leaves")
        for y in range(6):
            canvas.log((0, y, 0))
        # With the decorator firing, each side of the lowest 3 logs gets a pod with chance 1/4.
        placed += cocoa(canvas, random.Random(seed), probability=1.0)
        pods = {p: s for p, s in canvas.blocks.items() if base_name(s) == "cocoa"}
        assert all(p[1] <= 2 for p in pods)
        for (x, y, z), s in pods.items():
            dx, dz = HORIZONTAL[parse_state(s)[1]["facing"]]
            assert (x + dx, z + dz) == (0, 0)
    assert placed >= 17
    canvas = TreeCanvas()
    canvas.log((0, 0, 0))
    assert not cocoa(canvas, random.Random(0), probability=0.0) and len(canvas.blocks) == 1


# --- jungle bush ---


def test_jungle_bush_is_one_log_under_a_low_mound(trees):
    for tree, blocks in trees["jungle_bush"]:
        assert list(_logs(blocks)) == [(0, 0, 0)]
        leaves = [p for p, s in blocks.items() if block_kind(s) == "leaves"]
        assert {p[1] for p in leaves} <= {0, 1, 2}
        assert all(blocks[p] == "minecraft:jungle_leaves[persistent=false]" for p in leaves)
        assert max(max(abs(p[0]), abs(p[2])) for p in leaves) == 2
        assert tree.attributes["trunk_height"] == 1 and tree.attributes["decorations"] == []


# --- mega jungle ---


def test_mega_jungle_giant_trunk_and_limbs(trees):
    limbs = []
    for tree, blocks in trees["mega_jungle"]:
        h = tree.attributes["trunk_height"]
        assert 10 <= h <= 31
        for y in range(h - 1):
            assert all((x, y, z) in blocks and block_kind(blocks[(x, y, z)]) == "log" for x in (0, 1) for z in (0, 1))
        assert block_kind(blocks[(0, h - 1, 0)]) == "log"  # GiantTrunkPlacer: one log on top
        assert max(p[1] for p, s in blocks.items() if block_kind(s) == "leaves") == h
        limbs.append(tree.attributes["branches"])
        # Limbs reach at most 4 blocks out from the trunk centre.
        assert all(-3 <= x <= 5 and -3 <= z <= 5 for (x, _, z) in _logs(blocks))
    assert np.mean(limbs) > 1.5 and max(limbs) >= 4


def test_mega_jungle_fits_the_huge_bucket_at_its_tallest():
    # 10 + 2 + 19 = 31 logs and the crown above them: taller than "big", well within "huge".
    tallest = max((generate_tree("mega_jungle", s) for s in range(100, 400)), key=lambda t: t.attributes["trunk_height"])
    assert tallest.attributes["trunk_height"] >= 27
    assert tallest.attributes["height"] <= SIZES["huge"][1] - 1


# --- acacia ---


def test_acacia_trunk_leans_and_sometimes_forks(trees):
    forked = 0
    for tree, blocks in trees["acacia"]:
        h = tree.attributes["trunk_height"]
        assert 5 <= h <= 9
        top = [p for p in _logs(blocks) if p[1] == h - 1]
        # The leaning trunk ends 1-3 blocks off the base column (a fork never reaches the top layer).
        assert any(1 <= abs(x) + abs(z) <= 3 for (x, _, z) in top)
        assert max(p[1] for p, s in blocks.items() if block_kind(s) == "leaves") == h
        forked += tree.attributes["forked"]
    assert 40 <= forked <= 95  # the fork goes another way than the lean 3 times in 4


# --- shared helpers added to base.py ---


def test_face_path_turns_diagonal_steps_into_stairs():
    assert face_path((0, 0, 0), (1, 1, 0)) == [(0, 1, 0), (1, 1, 0)]
    assert face_path((2, 5, 2), (1, 4, 3)) == [(2, 4, 2), (1, 4, 2), (1, 4, 3)]
    assert face_path((0, 0, 0), (0, 0, 0)) == []


def test_drop_decaying_leaves_keeps_what_a_log_holds():
    canvas = TreeCanvas()
    canvas.log((0, 0, 0))
    for x in range(1, 10):
        canvas.leaves((x, 0, 0))
    canvas.set((20, 0, 0), "oak_leaves[persistent=true]")
    assert drop_decaying_leaves(canvas) == 3
    assert sorted(p[0] for p in canvas.positions("leaves")) == [1, 2, 3, 4, 5, 6, 20]


def test_clip_decorations_stops_vines_at_the_ground():
    canvas = TreeCanvas()
    for y in range(-3, 3):
        canvas.set((1, y, 0), "vine[east=false,north=false,south=false,up=false,west=true]")
    canvas.log((0, -1, 0))
    clip_decorations(canvas, 0)
    assert sorted(p[1] for p in canvas.positions("decoration")) == [0, 1, 2]
    assert canvas.kind((0, -1, 0)) == "log"
