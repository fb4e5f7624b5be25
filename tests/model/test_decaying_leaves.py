"""Leaves that would decay: found on id grids by the game's rule (``constraints.decaying_leaves``) and
drawn again by the sampler with leaves ruled out (``SampleConfig.redraw_decaying_leaves``)."""

from dataclasses import replace

import numpy as np
import torch

from sapling.blocks import KIND_ID, BlockVocab
from sapling.metrics import leaf_decay_fraction, leaf_distance
from sapling.model.constraints import decaying_leaves
from sapling.model.pipeline import TreePipeline
from sapling.structure import SIZES, Structure

VOCAB = BlockVocab.default()
LOG, LEAF, PERSISTENT, GRASS = (VOCAB.id(s) for s in (
    "minecraft:oak_log[axis=y]", "minecraft:oak_leaves[persistent=false]",
    "minecraft:oak_leaves[persistent=true]", "minecraft:grass_block"))


def _tree(arm: int = 10, leaf: int = LEAF) -> np.ndarray:
    """(16, 16, 16) ids: grass at y = 0, a trunk at (3, z 8) up to y = 10, a 3x3 leaf cap on it and an
    arm of ``arm`` leaves (``leaf``) from the trunk's top along +x at y = 10."""
    g = np.zeros(SIZES["normal"], dtype=np.int16)
    g[2:5, 0, 7:10] = GRASS
    g[3, 1:11, 8] = LOG
    g[2:5, 11, 7:10] = LEAF
    g[4:4 + arm, 10, 8] = leaf
    return g


def test_the_arm_beyond_six_steps_from_the_log_decays():
    g = _tree()
    found = decaying_leaves(g, VOCAB)
    # the arm's k-th leaf (x = 3 + k) is k steps from the trunk: 7, 8, 9 and 10 would decay
    assert {tuple(p) for p in np.argwhere(found)} == {(x, 10, 8) for x in range(10, 14)}
    assert found.sum() / (g == LEAF).sum() == leaf_decay_fraction(Structure(g, VOCAB))  # the metric's rule
    g[found] = 0
    assert leaf_decay_fraction(Structure(g, VOCAB)) == 0.0
    assert leaf_distance(Structure(g, VOCAB))[9, 10, 8] == 6  # the arm's last kept leaf


def test_persistent_and_short_arms_do_not_decay():
    assert not decaying_leaves(_tree(arm=6), VOCAB).any()
    assert not decaying_leaves(_tree(leaf=PERSISTENT), VOCAB).any()
    assert not decaying_leaves(np.zeros((4, 4, 4), dtype=np.int16), VOCAB).any()
    no_logs = _tree()
    no_logs[no_logs == LOG] = 0  # a crown on nothing: every leaf would decay
    assert decaying_leaves(no_logs, VOCAB).sum() == (no_logs == LEAF).sum()


class _Steered(torch.nn.Module):
    """The tiny network plus a fixed ``(V, X, Y, Z)`` logit field that draws ``_tree()``: where its arm
    decays, air is the runner-up to the leaf at 7..10 steps but a log at 7 steps."""

    def __init__(self, net: torch.nn.Module, vocab: BlockVocab):
        super().__init__()
        self.net, self.config = net, net.config
        field = torch.zeros(len(vocab), *SIZES["normal"])
        field[0] = 12.0
        for block in (LOG, LEAF, GRASS):
            field[block][torch.from_numpy(_tree() == block)] = 20.0
        field[LOG, 10, 10, 8] = 16.0  # the first decaying leaf's runner-up: a branch log
        self.register_buffer("field", field)

    def forward(self, *args):
        return self.net(*args) + self.field


def test_the_sampler_draws_decaying_leaves_again_without_leaves(tiny_pipeline):
    """Off, the steered network's arm keeps its four decaying leaves; with ``redraw_decaying_leaves``
    they are drawn again, leaves ruled out: the network's runner-up at each (a log, then air), nothing
    else changes, and no leaf of the tree would decay."""
    pipe = TreePipeline(_Steered(tiny_pipeline.model, VOCAB), tiny_pipeline.text_encoder, VOCAB,
                        tiny_pipeline.defaults, "cpu")
    plain = pipe(["oak tree"], num_samples=2, steps=2, seed=0, postprocess="none")
    pipe.defaults = replace(pipe.defaults, redraw_decaying_leaves=True)
    events = []
    redrawn = pipe(["oak tree"], num_samples=2, steps=2, seed=0, postprocess="none", callback=events.append)
    arm = {(x, 10, 8) for x in range(10, 14)}
    for i, (p, r) in enumerate(zip(plain, redrawn)):
        assert np.array_equal(p.blocks, _tree()) and leaf_decay_fraction(p) > 0
        assert {tuple(c) for c in np.argwhere(p.blocks != r.blocks)} == arm
        assert r.blocks[10, 10, 8] == LOG and (r.blocks[11:14, 10, 8] == 0).all()
        assert leaf_decay_fraction(r) == 0.0 and VOCAB.kind_ids[r.blocks[9, 10, 8]] == KIND_ID["leaves"]
        streamed = {(x, y, z): s for e in events for x, y, z, s in e.blocks(i)}
        assert streamed[(10, 10, 8)] == VOCAB.states[LOG]  # the bridge hears of the new block


def test_the_figure_script_draws_both_rows(tiny_checkpoint, tmp_path, monkeypatch):
    import runpy
    import sys
    from pathlib import Path

    from PIL import Image

    script = Path(__file__).resolve().parents[2] / "scripts" / "decaying_leaves_figure.py"
    out = tmp_path / "figure.png"
    monkeypatch.setattr(sys, "argv", [str(script), "--checkpoint", str(tiny_checkpoint), "--num-samples", "2",
                                      "--out", str(out)])
    runpy.run_path(str(script), run_name="__main__")
    with Image.open(out) as im:
        assert im.width > 2 * im.height / 3 and im.height > 200  # two rows of two trees
