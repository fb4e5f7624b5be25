"""Coarse-to-fine: a big tree scaled onto the huge grid about its trunk, and what the fine pass re-predicts."""

import numpy as np

from sapling.blocks import KIND_ID, BlockVocab
from sapling.metrics import tree_metrics
from sapling.model.coarse import refine_mask, scale_factor, upscale
from sapling.structure import SIZES, Structure

VOCAB = BlockVocab.default()
LOG = VOCAB.states.index("minecraft:oak_log[axis=y]")
LEAF = VOCAB.states.index("minecraft:oak_leaves[persistent=false]")
GRASS = VOCAB.states.index("minecraft:grass_block")


def _big_tree() -> np.ndarray:
    """A big-grid tree: grass at y = 0, a 2x2 trunk on the centre columns (7..8) up to y = 20,
    a 5x5x4 crown at y = 18..21."""
    g = np.zeros(SIZES["big"], dtype=np.int64)
    g[5:11, 0, 5:11] = GRASS
    g[6:11, 18:22, 6:11] = LEAF
    g[7:9, 1:21, 7:9] = LOG
    return g


def test_one_factor_keeps_the_proportions():
    assert scale_factor(SIZES["big"], SIZES["huge"]) == 1.5  # not 2 for the height: no stretched trees
    assert scale_factor((8, 8, 8), (16, 24, 16)) == 2.0


def test_upscale_keeps_the_trunk_on_the_axis_and_the_ground_one_block_thick():
    huge = upscale(_big_tree(), SIZES["huge"])
    assert huge.shape == SIZES["huge"]
    kinds = VOCAB.kind_ids[huge]
    ground = kinds == KIND_ID["ground"]
    assert ground[:, 0].any() and not ground[:, 1:].any()  # the floor layer only
    trunk = np.argwhere(huge[:, 1:, :] == LOG)
    assert trunk[:, 0].min() <= 12 <= trunk[:, 0].max() and trunk[:, 2].min() <= 12 <= trunk[:, 2].max()
    width = trunk[:, 0].max() - trunk[:, 0].min() + 1
    assert width == 3  # a 2x2 trunk becomes 3x3, as the corpus's huge trees have
    m, small = tree_metrics(Structure(huge, VOCAB)), tree_metrics(Structure(_big_tree(), VOCAB))
    assert m.fully_connected and m.height == 1 + round((small.height - 1) * 1.5)
    assert set(np.unique(huge)) == {0, GRASS, LOG, LEAF}  # nearest neighbour: no new blocks


def test_refine_mask_keeps_logs_ground_and_far_air():
    huge = upscale(_big_tree(), SIZES["huge"])
    rng = np.random.default_rng(0)
    mask = refine_mask(huge, VOCAB, rng.random(huge.shape), 0.6, far=7)  # the draws alone
    kinds = VOCAB.kind_ids[huge]
    assert not mask[(kinds == KIND_ID["log"]) | (kinds == KIND_ID["ground"])].any()
    assert not mask[0, :, 0].any() and not mask[:, 60:, :].any()  # air far from the tree stays
    assert not mask[:, :20, :].any()  # beside the bare trunk and the ground patch: no leaves sprout
    leaves = kinds == KIND_ID["leaves"]
    assert 0.5 < mask[leaves].mean() < 0.7
    assert (mask & (huge == 0)).any()  # the air shell around the crown may grow leaves
    assert not refine_mask(huge, VOCAB, np.ones(huge.shape), 0.6, far=7).any()  # draws of 1: nothing


def test_refine_mask_always_takes_leaves_far_from_a_log():
    huge = upscale(_big_tree(), SIZES["huge"])
    huge[0:3, 30, 0:3] = LEAF  # leaves far from any log
    mask = refine_mask(huge, VOCAB, np.ones(huge.shape), 0.6, far=4)
    assert mask[0:3, 30, 0:3].all()
    assert not mask[12, 30, 12]  # the crown next to the trunk is near a log: left to the draws
