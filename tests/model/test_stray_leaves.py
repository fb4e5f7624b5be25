"""Stray leaves: the few leaves a one-crown tree holds across a stacked-crown gap, found on id grids
(``constraints.stray_leaves``) and drawn again by the sampler with leaves ruled out."""

from dataclasses import replace

import numpy as np
import torch

from sapling.blocks import KIND_ID, BlockVocab
from sapling.metrics import crown_gap, single_crown
from sapling.model.constraints import stray_leaves
from sapling.model.pipeline import TreePipeline
from sapling.structure import SIZES, Structure

VOCAB = BlockVocab.default()
LOG, LEAF, GRASS = (VOCAB.id(s) for s in ("minecraft:oak_log[axis=y]", "minecraft:oak_leaves[persistent=false]",
                                              "minecraft:grass_block"))


def _tree(crown=(9, 13), trunk_top=10, extra=()) -> np.ndarray:
    """(16, 16, 16) ids: grass at y = 0, a trunk at (8, z 8) up to ``trunk_top``, a 5x5 leaf crown over
    the layers ``crown`` and a leaf at each position of ``extra``."""
    g = np.zeros(SIZES["normal"], dtype=np.int16)
    g[6:11, 0, 6:11] = GRASS
    g[6:11, crown[0]:crown[1] + 1, 6:11] = LEAF
    g[8, 1:trunk_top + 1, 8] = LOG
    for p in extra:
        g[p] = LEAF
    return g


def test_a_tree_without_a_gap_has_no_stray_leaves():
    assert not stray_leaves(_tree(), VOCAB, 0.5).any()
    assert not stray_leaves(np.zeros((4, 4, 4), dtype=np.int16), VOCAB, 0.5).any()


def test_leaves_on_the_ground_patch_and_the_bare_trunk_are_stray():
    g = _tree(extra=[(9, 0, 8), (7, 1, 8), (9, 4, 8)])  # two at the foot, one sprig 4 layers under the crown
    assert crown_gap(Structure(g, VOCAB)) == 4
    stray = stray_leaves(g, VOCAB, 0.1)
    assert {tuple(p) for p in np.argwhere(stray)} == {(9, 0, 8), (7, 1, 8), (9, 4, 8)}
    g[stray] = 0
    assert single_crown(Structure(g, VOCAB))


def test_a_stray_leaf_above_the_crown_is_found_too():
    g = _tree(crown=(9, 11), trunk_top=15, extra=[(9, 15, 8)])  # 3 leafless layers under a leaf on the top
    assert crown_gap(Structure(g, VOCAB)) == 3
    assert {tuple(p) for p in np.argwhere(stray_leaves(g, VOCAB, 0.1))} == {(9, 15, 8)}


def test_a_second_crown_larger_than_the_share_stays():
    g = _tree(crown=(12, 14), trunk_top=14)
    g[6:11, 4:6, 6:11] = LEAF  # 50 leaves low on the trunk against 75 in the crown: a real second crown
    assert not stray_leaves(g, VOCAB, 0.1).any()
    assert {tuple(p) for p in np.argwhere(stray_leaves(g, VOCAB, 0.5))} == {
        (x, y, z) for x in range(6, 11) for y in (4, 5) for z in range(6, 11)}


class _Steered(torch.nn.Module):
    """The tiny network plus a fixed ``(V, X, Y, Z)`` logit field: an oak trunk at the centre, a crown
    over the layers 9-13 and, beside the trunk's foot, one voxel where a leaf beats a log by a little."""

    def __init__(self, net: torch.nn.Module, vocab: BlockVocab):
        super().__init__()
        self.net, self.config = net, net.config
        field = torch.zeros(len(vocab), *SIZES["normal"])
        field[0] = 6.0
        field[LOG, 8, 1:12, 8] = 20.0
        field[LEAF, 6:11, 9:14, 6:11] = 20.0
        field[GRASS, 6:11, 0, 6:11] = 20.0
        field[:, 9, 1, 8] = 0.0
        field[LEAF, 9, 1, 8], field[LOG, 9, 1, 8] = 20.0, 17.0  # a leaf at the bare foot; a log the runner-up
        self.register_buffer("field", field)

    def forward(self, *args):
        return self.net(*args) + self.field


def test_the_sampler_draws_a_stray_leaf_again_without_leaves(tiny_pipeline):
    """The steered network puts a leaf at the trunk's foot (a stacked crown by the crown metric);
    with ``stray_leaf_fraction`` the sampler draws that voxel again, leaves ruled out, and changes
    nothing else, and a prompt of a species with several crowns (jungle) keeps it."""
    pipe = TreePipeline(_Steered(tiny_pipeline.model, VOCAB), tiny_pipeline.text_encoder, VOCAB,
                        tiny_pipeline.defaults, "cpu")
    plain = pipe(["oak tree", "jungle tree"], num_samples=2, steps=2, seed=0, postprocess="none")
    pipe.defaults = replace(pipe.defaults, stray_leaf_fraction=0.1)
    events = []
    redrawn = pipe(["oak tree", "jungle tree"], num_samples=2, steps=2, seed=0, postprocess="none",
                   callback=events.append)
    for i, (p, r) in enumerate(zip(plain[:2], redrawn[:2])):
        assert VOCAB.kind_ids[p.blocks[9, 1, 8]] == KIND_ID["leaves"] and not single_crown(p)
        assert {tuple(c) for c in np.argwhere(p.blocks != r.blocks)} == {(9, 1, 8)}
        assert r.blocks[9, 1, 8] == LOG and single_crown(r)
        streamed = {(x, y, z): s for e in events for x, y, z, s in e.blocks(i)}
        assert streamed[(9, 1, 8)] == VOCAB.states[LOG]  # the bridge hears of the new block
    for p, r in zip(plain[2:], redrawn[2:]):  # jungle trees may carry crowns down the trunk
        assert np.array_equal(p.blocks, r.blocks)
