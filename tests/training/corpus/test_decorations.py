"""Decorations a prompt can ask for: cocoa, bee nests, vines, hanging moss; where they grow, how often, what captions say."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from sapling.blocks import base_name, block_kind, parse_state
from sapling.training.corpus.base import DECORATION_CHANCE, HORIZONTAL
from sapling.training.corpus.captions import SAID_DECORATIONS, captions, decorations_of
from sapling.training.corpus.generate import tree_types

SEEDS = range(40)
# Decoration word -> the block that shows it, and the tree types that may carry it.
BLOCK = {"cocoa": "cocoa", "bee_nest": "bee_nest", "vines": "vine", "hanging_moss": "pale_hanging_moss"}
CARRIERS = {
    "cocoa": {"jungle", "mega_jungle", "big_jungle", "huge_jungle"},
    "bee_nest": {"oak", "fancy_oak", "birch", "tall_birch", "cherry", "big_oak", "huge_oak", "big_birch",
                 "huge_birch", "big_cherry", "huge_cherry", "mangrove", "tall_mangrove"},
    "vines": {"jungle", "mega_jungle", "swamp_oak", "mangrove", "tall_mangrove", "big_jungle", "huge_jungle",
              "big_mangrove", "huge_mangrove", "big_oak", "huge_oak"},
    "hanging_moss": {"pale_oak", "big_pale_oak", "huge_pale_oak"},
}
# What a caption says for each (any of these words).
WORDS = {"cocoa": ("cocoa",), "bee_nest": ("bee nest", "beehive"), "vines": ("vine",), "hanging_moss": ("hanging moss",)}


def _has(blocks: dict, decoration: str) -> bool:
    return any(base_name(s) == BLOCK[decoration] for s in blocks.values())


@pytest.fixture(scope="module")
def grown(corpus):
    """``{type: [(tree, blocks)]}`` for every type that carries one of the decorations."""
    types = set().union(*CARRIERS.values()) | {"spruce", "acacia", "big_spruce", "huge_acacia", "big_azalea"}
    return {t: corpus.with_blocks(t, SEEDS) for t in sorted(types)}


def test_carriers_are_registered_types():
    assert set().union(*CARRIERS.values()) <= set(tree_types())
    assert set(BLOCK) == SAID_DECORATIONS == set(DECORATION_CHANCE)


@pytest.mark.parametrize("decoration", sorted(BLOCK))
def test_decorations_grow_on_their_species_at_a_learnable_rate(grown, decoration):
    """Present on about a third of the trees that can carry it (enough to learn), absent elsewhere."""
    with_it = total = 0
    for tree_type, trees in grown.items():
        for tree, blocks in trees:
            said = decoration in tree.attributes["decorations"]
            assert said == _has(blocks, decoration), (tree_type, tree.attributes["seed"])
            if tree_type in CARRIERS[decoration]:
                with_it += said
                total += 1
            else:
                assert not said, (tree_type, decoration)
    share = with_it / total
    assert 0.12 <= share <= 0.6, share


def test_captions_of_a_decorated_tree_name_it_and_no_other_does(grown):
    """The first (plain) caption and every English style name the decoration; only the word-list captions
    (another language, a biome or a look alone, about one in five) leave it out. Captions of trees without
    it mostly say nothing of it: the plain one never, a look from the word lists ("a tree with vines" for
    a jungle tree) now and then."""
    named_count, asked, unasked, wrongly = Counter(), Counter(), Counter(), Counter()
    for tree_type, trees in grown.items():
        for tree, _ in trees:
            a = tree.attributes
            present = set(decorations_of(a)) & SAID_DECORATIONS
            caps = captions(a, random.Random(a["seed"]), n=6)
            for i, caption in enumerate(caps):
                for decoration in SAID_DECORATIONS:
                    named = any(w in caption for w in WORDS[decoration])
                    if decoration not in present:
                        assert not (named and i == 0), (tree_type, caption)
                        unasked[decoration] += 1
                        wrongly[decoration] += named
                        continue
                    asked[decoration] += 1
                    named_count[decoration] += named
                    if i == 0:
                        assert named, (tree_type, caption)
    for decoration in SAID_DECORATIONS:
        assert named_count[decoration] >= 0.7 * asked[decoration], decoration
        assert wrongly[decoration] <= 0.05 * unasked[decoration], decoration


def test_bee_nests_face_the_open_beside_a_log_with_some_honey(grown):
    honey = Counter()
    for tree_type in CARRIERS["bee_nest"]:
        for tree, blocks in grown[tree_type]:
            for (x, y, z), s in blocks.items():
                if base_name(s) != "bee_nest":
                    continue
                props = parse_state(s)[1]
                dx, dz = HORIZONTAL[props["facing"]]
                assert (x + dx, y, z + dz) not in blocks, "the bees' way out is free"
                beside = [blocks.get((x + a, y, z + b), "air") for a, b in HORIZONTAL.values()]
                assert any(block_kind(b) == "log" for b in beside)
                if tree_type.startswith(("big_", "huge_")):  # on the side of its log, facing away from it
                    assert block_kind(blocks.get((x - dx, y, z - dz), "air")) == "log"
                else:
                    assert props["facing"] == "south"  # vanilla's BeehiveDecorator
                honey[int(props["honey_level"])] += 1
    assert set(honey) <= set(range(6)) and len(honey) >= 4


def test_hanging_moss_ends_in_a_tip(grown):
    for tree_type in CARRIERS["hanging_moss"]:
        for tree, blocks in grown[tree_type]:
            for (x, y, z), s in blocks.items():
                if base_name(s) != "pale_hanging_moss":
                    continue
                below = blocks.get((x, y - 1, z))
                tip = below is None or base_name(below) != "pale_hanging_moss"
                assert parse_state(s)[1]["tip"] == str(tip).lower()
                above = blocks.get((x, y + 1, z), "air")
                assert block_kind(above) in ("log", "leaves") or base_name(above) == "pale_hanging_moss"


def test_cocoa_hangs_on_a_jungle_log_facing_it(grown):
    for tree_type in CARRIERS["cocoa"]:
        for tree, blocks in grown[tree_type]:
            for (x, y, z), s in blocks.items():
                if base_name(s) == "cocoa":
                    dx, dz = HORIZONTAL[parse_state(s)[1]["facing"]]
                    assert base_name(blocks[(x + dx, y, z + dz)]) == "jungle_log"


def test_vines_cling_to_a_log_or_leaf_or_hang_from_a_vine(grown):
    for tree_type in CARRIERS["vines"]:
        for tree, blocks in grown[tree_type]:
            for (x, y, z), s in blocks.items():
                if base_name(s) != "vine":
                    continue
                face = next(f for f in HORIZONTAL if f"{f}=true" in s)
                dx, dz = HORIZONTAL[face]
                support = blocks.get((x + dx, y, z + dz), "air")
                assert block_kind(support) in ("log", "leaves") or blocks.get((x, y + 1, z)) == s
