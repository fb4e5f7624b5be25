"""Invariants every registered corpus tree type keeps, over many seeds (DESIGN.md, corpus issue).

Type-specific vanilla rules live beside each family's growers (test_corpus_broadleaf.py, ...).
"""

import pytest

from sapling.metrics import components, leaf_decay_fraction, leaf_distance
from sapling.structure import SIZES
from sapling.training.corpus.generate import generate_tree, tree_types

SEEDS = range(60)
TYPES = tree_types()


def test_every_vanilla_tree_is_registered():
    assert {t for t in TYPES if not t.startswith(("big_", "huge_"))} == {
        "oak", "fancy_oak", "birch", "tall_birch", "swamp_oak", "spruce", "pine", "mega_spruce", "mega_pine",
        "jungle", "jungle_bush", "mega_jungle", "acacia", "dark_oak", "pale_oak", "cherry", "mangrove",
        "tall_mangrove", "azalea",
    }


@pytest.mark.parametrize("name", TYPES)
def test_one_face_connected_piece_without_decaying_leaves_in_its_bucket(corpus, name):
    for seed in SEEDS:
        s = corpus.tree(name, seed).structure
        assert components(s, "face").count == 1, seed
        leaves = s.mask_of("leaves")
        assert leaves.any() and leaf_distance(s)[leaves].max() <= 6, seed
        assert leaf_decay_fraction(s) == 0.0
        assert s.shape in SIZES.values()
        assert s.kinds()[s.origin] == 1, seed  # the origin is the trunk base, a log
        # On the centre column, unless a crown wider than the bucket made place_in slide it a little.
        assert abs(s.origin[0] - s.shape[0] // 2) <= 3 and abs(s.origin[2] - s.shape[2] // 2) <= 3, seed


@pytest.mark.parametrize("name", TYPES)
def test_same_seed_same_tree_other_seeds_other_trees(name):
    assert generate_tree(name, 7).structure.block_dict() == generate_tree(name, 7).structure.block_dict()
    assert len({frozenset(generate_tree(name, s).structure.block_dict().items()) for s in range(10)}) > 1
