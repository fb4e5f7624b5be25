"""Crownless trees drawn again: a tree whose main structure is under ``sampling.min_leaf_share`` leaves
(``constraints.crownless``: a bare trunk, or one whose crown floats apart) is sampled again from
scratch by ``TreePipeline``."""

from dataclasses import replace

import numpy as np

from sapling.blocks import KIND_ID, BlockVocab
from sapling.metrics import main_structure
from sapling.model.constraints import crownless
from sapling.model.pipeline import MAX_CROWN_REDRAWS, TreePipeline
from sapling.structure import SIZES, Structure

VOCAB = BlockVocab.default()
LOG, LEAF, GRASS = (VOCAB.id(s) for s in ("minecraft:oak_log[axis=y]", "minecraft:oak_leaves[persistent=false]",
                                              "minecraft:grass_block"))


def _tree(leaves: int, floating: bool = False) -> np.ndarray:
    """(16, 16, 16) ids: a 3x3 grass patch, an 8-log trunk (y 1..8) and a row of ``leaves`` leaves
    on its top (or, ``floating``, two blocks above it)."""
    g = np.zeros(SIZES["normal"], dtype=np.int16)
    g[7:10, 0, 7:10] = GRASS
    g[8, 1:9, 8] = LOG
    g[8, 11 if floating else 9, 8:8 + leaves] = LEAF
    return g


def test_a_bare_trunk_is_crownless_and_a_crowned_tree_is_not():
    assert crownless(_tree(0), VOCAB, 0.1)  # 17 blocks, no leaf
    assert crownless(_tree(1), VOCAB, 0.1)  # 1 of 18 blocks
    assert not crownless(_tree(2), VOCAB, 0.1)  # 2 of 19 blocks: over a tenth
    assert crownless(_tree(8, floating=True), VOCAB, 0.1)  # the crown floats: the trunk is bare
    assert not crownless(_tree(0), VOCAB, 0.0)  # off
    assert crownless(np.zeros((4, 4, 4), dtype=np.int16), VOCAB, 0.1)  # nothing came at all


def _pipe(pipe: TreePipeline, **sampling) -> TreePipeline:
    return TreePipeline(pipe.model, pipe.text_encoder, pipe.vocab, replace(pipe.defaults, **sampling), "cpu")


def test_crownless_trees_are_drawn_again_as_a_function_of_their_seed(tiny_pipeline):
    # The tiny random network's trees are far from 99.9% leaves: every one is drawn again, to the limit.
    off = _pipe(tiny_pipeline)("oak tree", num_samples=2, seed=5, postprocess="none")
    pipe = _pipe(tiny_pipeline, min_leaf_share=0.999, guidance_scale=2.0)  # the guided batch layout too
    on = pipe("oak tree", num_samples=2, seed=5, postprocess="none")
    assert [t.metadata["crown_redraws"] for t in on] == [MAX_CROWN_REDRAWS] * 2
    assert [t.metadata["crown_redraws"] for t in off] == [0, 0]
    # The same tree alone (seed 6 = sample 1 of seed 5) as in the batch: redraws follow the seed.
    alone = pipe("oak tree", num_samples=1, seed=6, postprocess="none")[0]
    assert np.array_equal(alone.blocks, on[1].blocks)
    assert not np.array_equal(on[0].blocks, on[1].blocks)


def _main_leaf_share(tree: Structure) -> float:
    main = main_structure(tree, "face")
    if main is None:
        return 0.0
    return float((main & (tree.kinds() == KIND_ID["leaves"])).sum() / main.sum())


def test_only_the_crownless_tree_of_a_batch_is_drawn_again(tiny_pipeline):
    trees = _pipe(tiny_pipeline)("oak tree", num_samples=4, seed=0, postprocess="none")
    shares = [_main_leaf_share(t) for t in trees]
    threshold = float(np.median(shares))  # about half the trees fall under it
    assert min(shares) < threshold <= max(shares)
    redone = _pipe(tiny_pipeline, min_leaf_share=threshold)("oak tree", num_samples=4, seed=0, postprocess="none")
    for first, share, again in zip(trees, shares, redone):
        if share >= threshold:  # kept as it came
            assert again.metadata["crown_redraws"] == 0 and np.array_equal(first.blocks, again.blocks)
        else:
            assert again.metadata["crown_redraws"] >= 1 and not np.array_equal(first.blocks, again.blocks)


def test_an_all_air_network_ends_after_the_redraws(tiny_pipeline):
    trees = _pipe(tiny_pipeline, air_logit_bias=40.0, min_leaf_share=0.1)("oak tree", num_samples=2,
                                                                          postprocess="none")
    assert all(t.num_blocks == 0 and t.metadata["crown_redraws"] == MAX_CROWN_REDRAWS for t in trees)
