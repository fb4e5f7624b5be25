"""Training on an imported dataset's own vocabulary (all three sizes), generating with it,
resuming against other data, and fine-tuning the tree model onto it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sapling.blocks import BlockVocab
from sapling.config import load_config
from sapling.errors import ConfigError
from sapling.model.checkpoint import Checkpoint
from sapling.model.pipeline import TreePipeline
from sapling.structure import SIZES
from sapling.training.dataset import import_dataset, load_dataset
from sapling.training.train import train
from sapling.training.transfer import source_rows, transfer_weights

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from worldedit_pack import write_pack  # noqa: E402


def tiny_recipe(dataset: Path, *extra: str):
    return load_config("config/tiny.yaml", [
        f"data.dataset={dataset}", "data.sizes=[normal, big, huge]", "training.num_epochs=1",
        "training.batch_size=4", "training.sample_every_n_epochs=1", "training.sample_prompts=[big birch tree]",
        *extra])


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A mixed pack (trees of three sizes, bushes, flowers, rocks) imported with its own vocabulary."""
    root = tmp_path_factory.mktemp("mixed")
    pack = write_pack(root / "pack", count=24, seed=5)
    import_dataset(pack.root, root / "data", min_count=1, holdout=0.15, progress=False)
    return root / "data"


@pytest.fixture(scope="module")
def mixed_run(mixed, tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed_run")
    cwd = os.getcwd()
    try:
        # The corpus's sampler rules, as config/cpu.yaml sets them: a dataset run turns them off.
        return train(tiny_recipe(mixed, "sampling.min_leaf_share=0.1", "sampling.redraw_decaying_leaves=true",
                                 "sampling.unasked_decoration_penalty=4"), root=root)
    finally:
        os.chdir(cwd)


def test_the_model_takes_the_datasets_vocabulary(mixed, mixed_run):
    vocab = load_dataset(mixed, "all").vocab
    assert vocab != BlockVocab.default() and "minecraft:poppy" in vocab.states
    ckpt = Checkpoint.load(mixed_run.last_checkpoint)
    assert ckpt.vocab == vocab and ckpt.model_config.vocab_size == len(vocab)
    assert ckpt.state_dict["head.weight"].shape[0] == len(vocab)
    assert list(mixed_run.log_dir.joinpath("checkpoints").glob("samples-epoch=*.png"))  # the sample check ran


def test_a_dataset_run_turns_the_corpus_sampling_rules_off(mixed_run):
    # Rocks and flowers have no leaves, and the dataset's captions never name its vines.
    sampling = Checkpoint.load(mixed_run.last_checkpoint).sample_config
    assert sampling.min_leaf_share == 0.0 and sampling.unasked_decoration_penalty == 0.0
    assert not sampling.redraw_decaying_leaves and sampling.stray_leaf_fraction == 0.0


def _as_in_data(state: str) -> str:
    """A placed state as the dataset spells it: without the leaf distance and persistence that
    post-processing sets (the game's own leaf states), otherwise as it is."""
    from sapling.blocks import format_state, parse_state
    from sapling.training.dataset.vocab import data_state

    name, props = parse_state(data_state(state).state)
    if name.endswith("_leaves") and props.get("persistent") == "true":
        props = {**props, "persistent": "false"}
    return format_state(name, props)


@pytest.mark.parametrize("size", ["normal", "big", "huge"])
def test_generates_at_every_size_with_its_own_blocks(mixed, mixed_run, size):
    pipe = TreePipeline.from_checkpoint(mixed_run.last_checkpoint, device="cpu")
    (s,) = pipe("a big birch tree", size=size, steps=2, seed=1)
    assert s.shape == tuple(SIZES[size])
    vocab = load_dataset(mixed, "all").vocab
    # Post-processing adds leaf distances to the palette (and makes leaves far from a log
    # persistent); every block is still one of the data's.
    assert {_as_in_data(st) for st in s.counts()} <= set(vocab.states)
    assert np.isfinite(s.metadata["seconds"])


def test_resume_on_data_with_another_vocabulary_is_a_clear_error(mixed_run, tmp_path):
    from sapling.training.dataset import build_dataset

    other = tmp_path / "trees"
    build_dataset(other, 8, types=["oak"], sizes=["normal"], holdout=0.25, progress=False)
    with pytest.raises(ConfigError, match="resume with the data it was trained on"):
        train(load_config("config/tiny.yaml", [f"data.dataset={other}"]), resume=mixed_run.last_checkpoint,
              root=tmp_path)


def test_fine_tuning_the_tree_model_onto_new_blocks(mixed, tiny_checkpoint, tmp_path):
    old = Checkpoint.load(tiny_checkpoint)
    new_vocab = load_dataset(mixed, "all").vocab
    weights, report = transfer_weights(old.state_dict, old.vocab, new_vocab)
    assert report.copied + report.borrowed + report.fresh == len(new_vocab)
    assert report.copied >= 10 and report.fresh >= 1
    how = dict(zip(new_vocab.states, source_rows(old.vocab, new_vocab)))
    for state, (i, kind) in how.items():
        j = new_vocab.id(state)
        if kind == "copied":
            assert torch.equal(weights["embed.weight"][j], old.state_dict["embed.weight"][i])
            assert torch.equal(weights["head.bias"][j], old.state_dict["head.bias"][i])
    assert torch.equal(weights["embed.weight"][-1], old.state_dict["embed.weight"][-1])  # the mask token
    poppy = new_vocab.id("minecraft:poppy")
    assert how["minecraft:poppy"][1] == "fresh" and torch.all(weights["head.weight"][poppy] == 0)
    # Through `train --init-from`: a run on the dataset starting from the tree model.
    result = train(tiny_recipe(mixed, "training.sample_every_n_epochs=0", "training.limit_train_batches=0.25"),
                   root=tmp_path, init_from=tiny_checkpoint)
    assert Checkpoint.load(result.last_checkpoint).vocab == new_vocab


def test_served_drawn_and_placed_through_rcon(mixed, mixed_run):
    """The done-when of 'any dataset's blocks': serve the model, the playground's palette has its
    blocks, and a tree of its vocabulary is placed through the RCON test server (into air only)."""
    import json
    import urllib.request

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bridge"))
    from fake_minecraft import FakeMinecraft

    from sapling.bridge.java import WorldEditor, grow_tree, server_connection
    from sapling.bridge.rcon import RconClient
    from sapling.server.app import BackgroundServer, ServerSettings

    vocab = load_dataset(mixed, "all").vocab
    pipe = TreePipeline.from_checkpoint(mixed_run.last_checkpoint, device="cpu")
    with BackgroundServer(pipe, ServerSettings(port=0)) as server, FakeMinecraft() as mc:
        http = server.url.replace("ws://", "http://").rstrip("/")
        with urllib.request.urlopen(f"{http}/palette.json", timeout=30) as r:
            palette = json.loads(r.read())
        assert "poppy" in palette["blocks"] and "stone" in palette["blocks"]
        mc.floor_y = 63  # a flat grass world: the tree stands on it
        editor = WorldEditor(RconClient("127.0.0.1", mc.port, "pw"))
        with server_connection(server.url, None) as ws:
            outcome = grow_tree(ws, editor, "a big birch tree", (0, 64, 0), "console", "normal", seed=3)
        assert outcome.status == "done", outcome.message

        assert mc.world and {_as_in_data(s) for s in mc.world.values()} <= set(vocab.states)
        assert len(outcome.entry.blocks) == len(mc.world)


def test_evaluate_against_the_datasets_held_out_split(mixed, mixed_run, tmp_path):
    from sapling.training.evaluate import evaluate

    pipe = TreePipeline.from_checkpoint(mixed_run.last_checkpoint, device="cpu")
    report = evaluate(pipe, num_samples=1, size="normal", steps=2, out=tmp_path, reference_count=4,
                      postprocess="prune", progress=False, dataset=mixed)
    held = [e for e in load_dataset(mixed, "test").entries if e.size == "normal"]
    assert [p.prompt for p in report.prompts] == list(dict.fromkeys(e.captions[0] for e in held))[:16]
    assert report.settings["references"].startswith("held-out split of")
    assert all(p.references >= 1 for p in report.prompts)
    assert (tmp_path / "report.md").exists()
