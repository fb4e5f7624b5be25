import pytest
import torch
import yaml

from sapling.config import ModelConfig, config_from_dict, config_to_dict
from sapling.errors import ConfigError
from sapling.model.schedule import MaskSchedule
from sapling.model.unet3d import UNet3D, coordinate_channels, count_parameters
from sapling.structure import SIZES

TINY = ModelConfig(
    vocab_size=12, base_channels=8, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(1,),
    num_heads=2, dropout=0.0, text_dim=16, cond_dim=32, num_groups=4,
)
L = 5


def make_model(config=TINY, seed=0, randomise=False):
    torch.manual_seed(seed)
    model = UNet3D(config).eval()
    if randomise:  # zero-initialised branches would hide whether inputs reach the output
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 0.1)
    return model


def inputs(batch, shape, seed=0, config=TINY):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, config.vocab_size + 1, (batch,) + shape, generator=g)
    ratio = torch.rand(batch, generator=g)
    text = torch.randn(batch, L, config.text_dim, generator=g)
    text_mask = torch.ones(batch, L, dtype=torch.bool)
    text_mask[:, 3:] = False
    pooled = torch.randn(batch, config.text_dim, generator=g)
    return tokens, ratio, text, text_mask, pooled


# --- config -------------------------------------------------------------------------------------


def test_config_round_trips_through_a_dict_and_yaml(tmp_path):
    d = config_to_dict(TINY)
    assert d["channel_mult"] == [1, 2]  # YAML-safe lists, not tuples
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(d))
    again = config_from_dict(ModelConfig, yaml.safe_load(path.read_text()))
    assert again == TINY
    assert isinstance(again.channel_mult, tuple)


def test_config_defaults_fill_missing_keys_and_ints_become_floats():
    cfg = config_from_dict(ModelConfig, {"base_channels": 16, "dropout": 0})
    assert cfg.base_channels == 16 and cfg.dropout == 0.0 and isinstance(cfg.dropout, float)
    assert cfg.num_res_blocks == ModelConfig().num_res_blocks


@pytest.mark.parametrize("data, key", [
    ({"chanel_mult": [1, 2]}, "chanel_mult"),
    ({"channel_mult": "1,2"}, "channel_mult"),
    ({"channel_mult": [1, "2"]}, r"channel_mult\[1\]"),
    ({"num_res_blocks": 2.5}, "num_res_blocks"),
    ({"coord_channels": 1}, "coord_channels"),
    ({"dropout": True}, "dropout"),
    ({"mask_schedule": "square"}, "mask_schedule"),
    ({"text_encoder": 7}, "text_encoder"),
    ({"attention_levels": [5]}, "attention_levels"),
    ({"num_heads": 3}, "num_heads"),
])
def test_config_rejects_unknown_keys_and_wrong_types_naming_the_key(data, key):
    with pytest.raises(ConfigError, match=key):
        config_from_dict(ModelConfig, data)


def test_nested_configs_name_the_dotted_key():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Outer:
        model: ModelConfig = field(default_factory=ModelConfig)
        name: str | None = None

    outer = config_from_dict(Outer, {"model": {"base_channels": 8, "channel_mult": [1, 2],
                                               "attention_levels": [1], "num_heads": 2}})
    assert outer.model.base_channels == 8
    assert config_from_dict(Outer, config_to_dict(outer)) == outer
    with pytest.raises(ConfigError, match=r"model\.base_chanels"):
        config_from_dict(Outer, {"model": {"base_chanels": 8}})
    with pytest.raises(ConfigError, match="model"):
        config_from_dict(Outer, {"model": 3})


# --- network ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(8, 8, 8), SIZES["normal"], SIZES["big"], SIZES["huge"], (7, 9, 5)])
def test_output_shape_at_every_size(shape):
    model = make_model()
    with torch.no_grad():
        logits = model(*inputs(1, shape))
    assert logits.shape == (1, TINY.vocab_size) + shape
    assert torch.isfinite(logits).all()


def test_fresh_model_predicts_uniformly():
    # The head starts at zero: the first loss is log(V), the stable start we want.
    with torch.no_grad():
        logits = make_model()(*inputs(2, (8, 8, 8)))
    assert torch.all(logits == 0)


def test_empty_text_condition_gives_no_nans():
    model = make_model(randomise=True)
    tokens, ratio, text, _, _ = inputs(2, (8, 8, 8))
    with torch.no_grad():
        masked = model(tokens, ratio, torch.zeros_like(text), torch.zeros(2, L, dtype=torch.bool),
                       torch.zeros(2, TINY.text_dim))
        missing = model(tokens, ratio, None, None, None)
    assert torch.isfinite(masked).all() and torch.isfinite(missing).all()
    # An all-padding prompt and no prompt are the same null condition.
    torch.testing.assert_close(masked, missing, rtol=1e-4, atol=1e-4)


def test_every_input_reaches_the_output_and_padding_does_not():
    model = make_model(randomise=True)
    tokens, ratio, text, text_mask, pooled = inputs(1, (8, 8, 8))
    with torch.no_grad():
        base = model(tokens, ratio, text, text_mask, pooled)
        padded = text.clone()
        padded[:, 3:] = 100.0  # behind the padding mask: must not matter
        torch.testing.assert_close(model(tokens, ratio, padded, text_mask, pooled), base)
        changed = text.clone()
        changed[:, 0] += 1.0
        assert not torch.allclose(model(tokens, ratio, changed, text_mask, pooled), base)
        assert not torch.allclose(model(tokens, ratio, text, text_mask, pooled + 1.0), base)
        assert not torch.allclose(model(tokens, ratio + 0.3, text, text_mask, pooled), base)
        other = tokens.clone()
        other[0, 0, 0, 0] = (other[0, 0, 0, 0] + 1) % TINY.vocab_size
        assert not torch.allclose(model(other, ratio, text, text_mask, pooled), base)


def test_coordinate_channels_centre_on_the_trunk_axis():
    coords = coordinate_channels((16, 16, 16))
    assert coords.shape == (4, 16, 16, 16)
    height, dx, dz, radial = coords
    assert height[8, 0, 8] == 0 and height[8, 15, 8] == 15 / 16
    assert dx[8, 3, 8] == 0 and dz[8, 3, 8] == 0 and radial[8, 3, 8] == 0
    assert dx[0, 0, 0] < 0 < dx[15, 0, 0]
    assert torch.isclose(radial[11, 0, 12], torch.tensor(5 / 16))


def test_gradients_flow_and_training_lowers_the_loss():
    model = make_model().train()
    sched = MaskSchedule()
    g = torch.Generator().manual_seed(0)
    x0 = torch.randint(0, 3, (4, 8, 8, 8), generator=g)
    _, _, text, text_mask, pooled = inputs(4, (8, 8, 8))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    seen = {name: False for name, _ in model.named_parameters()}
    for _ in range(8):
        noised = sched.add_noise(x0, None, TINY.vocab_size, generator=g)
        logits = model(noised.tokens, noised.ratio, text, text_mask, pooled)
        loss = torch.nn.functional.cross_entropy(logits.permute(0, 2, 3, 4, 1)[noised.mask], x0[noised.mask])
        opt.zero_grad()
        loss.backward()
        for name, p in model.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
            seen[name] |= bool(p.grad.abs().sum() > 0)
        opt.step()
        losses.append(loss.item())
    assert all(seen.values()), [n for n, s in seen.items() if not s]
    assert losses[-1] < losses[0]


def test_bf16_autocast_on_cpu():
    model = make_model(randomise=True)
    args = inputs(2, (8, 8, 8))
    with torch.no_grad():
        ref = model(*args)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(*args)
    assert out.dtype == torch.bfloat16
    assert torch.isfinite(out).all()
    assert (out.float() - ref).abs().mean() < 0.1 * ref.abs().mean()


def test_bf16_weights_run_too():
    model = make_model(randomise=True).to(torch.bfloat16)
    with torch.no_grad():
        out = model(*inputs(1, (8, 8, 8)))
    assert out.dtype == torch.bfloat16 and torch.isfinite(out).all()


def test_eval_forward_is_deterministic():
    model = make_model(randomise=True)
    args = inputs(2, (8, 8, 8))
    with torch.no_grad():
        assert torch.equal(model(*args), model(*args))


def test_count_parameters():
    model = make_model()
    total = count_parameters(model)
    assert total == sum(p.numel() for p in model.parameters()) > 0
    model.embed.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == total - model.embed.weight.numel()
