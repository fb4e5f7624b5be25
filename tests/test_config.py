"""Recipes: each says only what differs from the dataclass defaults, and may start from another."""

from __future__ import annotations

import pytest

from sapling.config import RECIPES_DIR, Config, config_from_dict, config_to_dict, load_config, read_recipe
from sapling.errors import ConfigError

# config/config.yaml keeps the old Lightning config's keys spelled out, where the user looks
# for them, even where their values are the defaults.
USERS_KEYS = {"model.num_res_blocks", "training.learning_rate", "training.num_epochs", "training.warmup_epochs",
              "training.early_stopping.patience"}


def _leaves(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("recipe", sorted(p.name for p in RECIPES_DIR.glob("*.yaml")))
def test_recipes_say_only_what_differs(recipe):
    text = (RECIPES_DIR / recipe).read_text()
    import yaml

    raw = yaml.safe_load(text)
    own = _leaves({k: v for k, v in raw.items() if k != "base"})
    # What the recipe starts from: its base recipe, else the dataclass defaults.
    start = config_from_dict(Config, read_recipe(RECIPES_DIR / raw["base"])[1]) if "base" in raw else Config()
    defaults = _leaves(config_to_dict(start))
    allowed = USERS_KEYS if recipe == "config.yaml" else set()
    # The recipe's own values, read through the config (so 5e-5 and 0.00005 compare equal).
    full = _leaves(config_to_dict(config_from_dict(Config, read_recipe(RECIPES_DIR / recipe)[1])))
    same = sorted(k for k in own if k != "name" and full[k] == defaults[k] and k not in allowed)
    assert not same, f"{recipe} repeats what it starts from: {same}"


def test_a_recipe_starts_from_its_base_and_says_what_differs(tmp_path):
    (tmp_path / "base.yaml").write_text("name: b\nmodel:\n  base_channels: 8\n  cond_dim: 64\ntraining:\n  seed: 3\n")
    (tmp_path / "child.yaml").write_text("base: base.yaml\nmodel:\n  cond_dim: 32\n")
    config = load_config(tmp_path / "child.yaml")
    assert (config.name, config.model.base_channels, config.model.cond_dim, config.training.seed) == ("b", 8, 32, 3)


def test_phase_two_is_phase_one_with_its_own_schedule_and_data():
    one, two = load_config("cpu.yaml"), load_config("cpu_phase2.yaml")
    assert two.model == one.model and two.sampling == one.sampling
    assert (two.data.seed, two.training.learning_rate, two.training.num_epochs, two.training.warmup_epochs) == \
        (1, 0.0003, 6, 0)
    assert two.training.batch_size == one.training.batch_size


def test_a_packaged_base_is_found_from_anywhere(tmp_path):
    (tmp_path / "mine.yaml").write_text("base: tiny.yaml\ntraining:\n  num_epochs: 1\n")
    config = load_config(tmp_path / "mine.yaml")
    assert config.name == "tiny" and config.training.num_epochs == 1 and config.model.base_channels == 8


@pytest.mark.parametrize("files, match", [
    ({"a.yaml": "base: b.yaml\n", "b.yaml": "base: a.yaml\n"}, "lead back to itself"),
    ({"a.yaml": "base: nowhere.yaml\n"}, "recipe nowhere.yaml not found"),
    ({"a.yaml": "base: [1, 2]\n"}, "base must name another recipe"),
])
def test_bad_bases_are_clear_errors(tmp_path, files, match):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_config(tmp_path / "a.yaml")


def test_auto_precision_is_bf16_only_where_it_pays(monkeypatch):
    import torch

    from sapling.model import checkpoint
    from sapling.training.train import resolve_precision

    assert resolve_precision("32-true", "cpu") == "32-true"  # an explicit precision is kept
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(checkpoint, "_cpu_has_bf16_units", lambda: False)
    assert resolve_precision("auto", "auto") == "32-true"  # AVX2 only: bf16 would be emulated
    monkeypatch.setattr(checkpoint, "_cpu_has_bf16_units", lambda: True)
    assert resolve_precision("auto", "cpu") == "bf16-mixed"


@pytest.mark.parametrize("key, value, match", [
    ("refine_fraction", 0.0, "refine_fraction must be in"),
    ("refine_fraction", 1.5, "refine_fraction must be in"),
    ("unasked_decoration_penalty", -1.0, "must not be negative"),
    ("stray_leaf_fraction", -0.1, "stray_leaf_fraction must be in"),
    ("stray_leaf_fraction", 1.5, "stray_leaf_fraction must be in"),
    ("min_leaf_share", -0.1, "min_leaf_share must be in"),
    ("min_leaf_share", 1.5, "min_leaf_share must be in"),
])
def test_sampling_defaults_out_of_range_are_refused(key, value, match):
    from sapling.config import SampleConfig, config_from_dict

    with pytest.raises(ConfigError, match=match):
        config_from_dict(SampleConfig, {key: value}, prefix="sampling.")
    assert getattr(config_from_dict(SampleConfig, {key: 1.0}), key) == 1.0


def test_for_dataset_turns_off_the_corpus_rules_only():
    from sapling.config import CORPUS_SAMPLING_RULES, SampleConfig, for_dataset

    corpus = SampleConfig(min_leaf_share=0.1, stray_leaf_fraction=0.1, redraw_decaying_leaves=True,
                          unasked_decoration_penalty=4.0, air_logit_bias=0.6, sampling_steps=16)
    off, dropped = for_dataset(corpus)
    assert sorted(dropped) == sorted(CORPUS_SAMPLING_RULES)
    assert all(getattr(off, k) == v for k, v in CORPUS_SAMPLING_RULES.items())
    assert off.air_logit_bias == 0.6 and off.sampling_steps == 16  # not the corpus's: kept
    assert for_dataset(off) == (off, [])
