"""Shared fixtures: the real text encoder, a tiny random pipeline, and one tiny training run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from sapling.blocks import BlockVocab
from sapling.config import ModelConfig, SampleConfig

TINY_MODEL = dict(base_channels=8, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(1,), num_heads=2,
                  dropout=0.0, cond_dim=32, num_groups=4, text_max_length=16)


@pytest.fixture(scope="session")
def text_encoder():
    from sapling.model.text import TextEncoder

    return TextEncoder(max_length=16)


@pytest.fixture(scope="session")
def tiny_pipeline(text_encoder):
    """A TreePipeline over a tiny UNet with random (not zero) output weights: it draws varied blocks."""
    from sapling.model.pipeline import TreePipeline
    from sapling.model.unet3d import UNet3D

    torch.manual_seed(0)
    model = UNet3D(ModelConfig(vocab_size=len(BlockVocab.default()), **TINY_MODEL))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        # Bias towards air, as a trained model would be: trees are mostly air.
        model.head.bias[0] += 3.0
    return TreePipeline(model, text_encoder, BlockVocab.default(), SampleConfig(sampling_steps=2), "cpu")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """`sapling train --config config/tiny.yaml` once, from an empty folder; its TrainResult."""
    from sapling.config import load_config
    from sapling.training.train import train

    root = tmp_path_factory.mktemp("tiny_run")
    cwd = os.getcwd()
    os.chdir(root)  # the recipe must work from any folder
    try:
        return train(load_config("config/tiny.yaml"), root=root)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_run) -> Path:
    return tiny_run.last_checkpoint
