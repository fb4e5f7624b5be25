"""``sampling.air_logit_bias``: the air logit shift that undoes training's air weight."""

from dataclasses import replace

import numpy as np
import pytest

from sapling.config import SampleConfig
from sapling.errors import ConfigError
from sapling.model.pipeline import TreePipeline


def _air_share(pipe: TreePipeline, bias: float) -> float:
    pipe = TreePipeline(pipe.model, pipe.text_encoder, pipe.vocab, replace(pipe.defaults, air_logit_bias=bias), "cpu")
    trees = pipe("oak tree", num_samples=2, seed=3, postprocess="none")
    return float(np.mean([(t.blocks == 0).mean() for t in trees]))


def test_bias_moves_the_air_share(tiny_pipeline):
    neutral = _air_share(tiny_pipeline, 0.0)
    assert _air_share(tiny_pipeline, 40.0) == 1.0  # air outweighs every block everywhere
    assert _air_share(tiny_pipeline, -40.0) < min(neutral, 0.05)  # almost no air left
    assert 0.0 < neutral < 1.0


def test_bias_must_be_finite():
    with pytest.raises(ConfigError, match="air_logit_bias"):
        SampleConfig(air_logit_bias=float("inf"))
