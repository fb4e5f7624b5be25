"""The playground's /palette.json for a model trained on any blocks: the served model's vocabulary."""

from __future__ import annotations

import json
import urllib.request

import pytest
import torch

from sapling.blocks import BlockVocab
from sapling.render import block_color, game_color
from sapling.server.web import lookup, palette_json

CUSTOM = BlockVocab([
    "minecraft:air", "minecraft:poppy", "minecraft:dandelion", "minecraft:stone", "minecraft:white_terracotta",
    "minecraft:glass", "minecraft:crimson_stem[axis=x]", "minecraft:crimson_stem[axis=y]",
    "minecraft:oak_fence[east=true,north=false,south=false,waterlogged=false,west=false]",
    "minecraft:cobblestone_wall", "create:shaft[axis=x]", "mymod:poppy",
])
FACES = {"top": "up", "bottom": "down", "x": "east", "z": "south"}


def test_the_palette_describes_the_vocabulary_it_is_given():
    palette = palette_json(CUSTOM)
    for name in ("poppy", "dandelion", "white_terracotta", "crimson_stem", "oak_fence", "shaft"):
        assert name in palette["blocks"], name
    assert palette["blocks"]["poppy"]["side"] == list(game_color("poppy")["side"])
    assert palette["blocks"]["crimson_stem"].get("axis_ends") is True
    for state in CUSTOM.states[1:]:
        for face, direction in FACES.items():
            assert lookup(palette, state, face) == block_color(state, direction), (state, face)
    # The tree vocabulary stays the default, and its palette does not carry the custom blocks.
    default = palette_json()
    assert default is palette_json(BlockVocab.default())
    assert "poppy" not in default["blocks"] and "birch_leaves" in default["blocks"]
    assert "oak_log" in palette["blocks"]  # the hand-tuned colours always come along


@pytest.fixture(scope="module")
def custom_pipeline(text_encoder):
    """A tiny random pipeline over the custom vocabulary (a model trained on other blocks)."""
    from sapling.config import ModelConfig, SampleConfig
    from sapling.model.pipeline import TreePipeline
    from sapling.model.unet3d import UNet3D

    torch.manual_seed(0)
    model = UNet3D(ModelConfig(vocab_size=len(CUSTOM), base_channels=8, channel_mult=(1, 2), num_res_blocks=1,
                               attention_levels=(1,), num_heads=2, dropout=0.0, cond_dim=32, num_groups=4,
                               text_max_length=16))
    return TreePipeline(model, text_encoder, CUSTOM, SampleConfig(sampling_steps=2), "cpu")


def test_the_server_sends_the_colours_of_the_model_it_serves(custom_pipeline):
    from sapling.server.app import BackgroundServer, ServerSettings

    with BackgroundServer(custom_pipeline, ServerSettings(port=0)) as srv:
        url = f"http://127.0.0.1:{srv.server.port}/palette.json"
        with urllib.request.urlopen(url, timeout=30) as r:
            palette = json.loads(r.read())
    assert palette == json.loads(json.dumps(palette_json(CUSTOM)))
    assert palette["blocks"]["white_terracotta"]["side"] == list(block_color("minecraft:white_terracotta"))
