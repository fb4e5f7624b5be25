"""The old Lightning config layout read as a recipe, `sapling train --dry-run`, and leaf-name `--set`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from helpers import one_line_error
from typer.testing import CliRunner

from sapling.cli import app
from sapling.config import MAX_STEPS, Config, load_config, recipe_keys, resolve_key
from sapling.errors import ConfigError
from sapling.recipe_compat import (
    BASE_RECIPE,
    OLD_KEYS,
    OLD_SECTIONS,
    is_old_layout,
    load_recipe,
    translate,
)

runner = CliRunner()

# The user's config/config.yaml of the Lightning project, as it was (1e-4 is a string to PyYAML's
# YAML 1.1 resolver; the old code called float() on it).
OLD_CONFIG = """\
data:
  input_dir: {input_dir}
  train_split: 0.8
  val_split: 0.1
  test_split: 0.1
  random_seed: 42
model:
  sizes:
    normal:
      dims: [16, 16, 16]
    big:
      dims: [16, 32, 16]
    huge:
      dims: [24, 64, 24]
  text_encoder:
    model_name: sentence-transformers/all-MiniLM-L6-v2
    embedding_dim: 384
  encoder:
    channels: [64, 128, 256, 512]
  diffusion:
    num_timesteps: 1000
    noise_schedule: cosine
  num_res_blocks: 2
  attention_levels: [1, 2]
  dropout: 0.1
  sampling_steps: 50
training:
  batch_size: 16
  num_epochs: 500
  learning_rate: 1e-4
  weight_decay: 0.02
  conditioning_dropout: 0.1
  optimizer: adamw
  scheduler: cosine
  warmup_epochs: 20
  save_every_n_epochs: 25
  early_stopping:
    enabled: true
    patience: 50
    monitor: val_loss
  log_every_n_steps: 50
generation:
  num_samples: 4
  temperature: 0.9
  guidance_scale: 3.0
hardware:
  device: cuda
  num_workers: 4
  precision: 16
  num_gpus: 2
blocks:
  minecraft:air: 0
  minecraft:oak_log: 1
  minecraft:oak_leaves: 2
  minecraft:birch_log: 3
wandb:
  project: trees
"""


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> tuple[Path, Path]:
    """(a Sapling dataset of 16 oaks, the same trees exported as a folder of .schem files)."""
    from sapling.training.dataset import build_dataset, export_dataset

    root = tmp_path_factory.mktemp("tiny_data")
    build_dataset(root / "dataset", count=16, types=["oak"], sizes=["normal"], holdout=0.25, progress=False)
    export_dataset(root / "dataset", root / "schematics", progress=False)
    return root / "dataset", root / "schematics"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def dry_run(*args: str) -> tuple[str, dict]:
    """(the translation table, the resolved recipe) that `sapling train --dry-run` prints."""
    r = runner.invoke(app, ["train", *args, "--dry-run"])
    assert r.exit_code == 0, r.output
    table, _, resolved = r.output.partition("# resolved recipe")
    return table, yaml.safe_load(resolved.split("\n", 1)[1])


def row(table: str, old_key: str) -> str:
    """The table line of one old key (from its value on)."""
    lines = [line for line in table.splitlines() if line.split(" ", 1)[0] == old_key]
    assert len(lines) == 1, table
    return " ".join(lines[0].split()[1:])


# --- the user's whole file ------------------------------------------------------------------------


def test_dry_run_of_the_users_old_config(tiny_data, tmp_path, monkeypatch):
    _, schematics = tiny_data
    monkeypatch.chdir(tmp_path)
    old = write(tmp_path / "old.yaml", OLD_CONFIG.format(input_dir=schematics))
    table, cfg = dry_run("--config", str(old))

    t, m, s, d = cfg["training"], cfg["model"], cfg["sampling"], cfg["data"]
    assert t["learning_rate"] == 1e-4 and t["num_epochs"] == 500 and t["warmup_epochs"] == 20
    assert t["batch_size"] == 16 and t["weight_decay"] == 0.02 and t["log_every_n_steps"] == 50
    assert t["early_stopping"]["patience"] == 50 and t["checkpoint_every_n_epochs"] == 25
    assert t["text_drop_prob"] == 0.1
    assert t["devices"] == 2 and t["accelerator"] == "gpu" and t["precision"] == "16-mixed"
    assert m["base_channels"] == 64 and m["channel_mult"] == [1, 2, 4, 8]
    assert m["attention_levels"] == [1, 2] and m["num_res_blocks"] == 2 and m["dropout"] == 0.1
    assert m["text_encoder"] is None and m["text_dim"] == 384 and m["mask_schedule"] == "cosine"
    assert s["guidance_scale"] == 3.0 and s["temperature"] == 0.9 and s["sampling_steps"] == 50
    assert d["num_workers"] == 4 and d["sizes"] == ["normal", "big", "huge"]
    assert d["dataset"].startswith("lightning_logs/imported/schematics-")
    assert cfg["name"] == "old"
    # what the old file does not say keeps config.yaml's value
    base = load_config(BASE_RECIPE)
    assert m["num_heads"] == base.model.num_heads and d["corpus_size"] == base.data.corpus_size

    assert row(table, "training.learning_rate") == "0.0001 training.learning_rate = 0.0001 same key"
    assert "training.text_drop_prob = 0.1" in row(table, "training.conditioning_dropout")
    assert "model.base_channels = 64, model.channel_mult = [1, 2, 4, 8]" in row(table, "model.encoder.channels")
    assert "training.devices = 2" in row(table, "hardware.num_gpus")
    assert "training.accelerator = gpu" in row(table, "hardware.device")
    assert "training.checkpoint_every_n_epochs = 25" in row(table, "training.save_every_n_epochs")
    assert "ignored masked diffusion has no fixed timestep count" in row(table, "model.diffusion.num_timesteps")
    assert "ignored the vocabulary comes from the data" in row(table, "blocks")
    assert row(table, "wandb.project") == "trees ignored unknown key"
    assert "built in" in row(table, "training.optimizer") and "AdamW" in row(table, "training.optimizer")
    assert "built in" in row(table, "training.early_stopping.monitor")
    assert "import --holdout 0.2" in row(table, "data.train_split")
    assert "import --seed 42" in row(table, "data.random_seed")
    assert "folded into data.train_split" in row(table, "data.test_split")
    assert "ignored" in row(table, "generation.num_samples") and "--num-samples" in row(table, "generation.num_samples")
    assert "data.sizes has huge" in row(table, "model.sizes.huge.dims")
    assert f"sapling dataset import {schematics} --out lightning_logs/imported/schematics-" in table
    assert "--holdout 0.2 --seed 42" in table
    assert "39 keys: 31 mapped, 4 built in, 4 ignored" in table
    assert not (tmp_path / "lightning_logs").exists()  # a dry run imports and trains nothing


def test_dry_run_applies_set_after_the_translation(tiny_data, tmp_path, monkeypatch):
    dataset, _ = tiny_data
    monkeypatch.chdir(tmp_path)
    old = write(tmp_path / "old.yaml", OLD_CONFIG.format(input_dir=dataset))
    table, cfg = dry_run("--config", str(old), "--set", "num_epochs=4", "--set", "warmup_epochs=1",
                         "--set", "patience=2", "--set", "training.seed=3")
    assert cfg["training"]["num_epochs"] == 4 and cfg["training"]["early_stopping"]["patience"] == 2
    assert cfg["training"]["seed"] == 3 and cfg["training"]["warmup_epochs"] == 1
    # a dataset folder is used as it is; its split was made when it was built
    assert cfg["data"]["dataset"] == str(dataset)
    assert "ignored a dataset's held-out split is fixed" in row(table, "data.train_split")
    assert "ignored" in row(table, "data.random_seed")


def test_new_layout_dry_run_prints_the_recipe_only():
    r = runner.invoke(app, ["train", "--config", "config/tiny.yaml", "--dry-run", "--set", "num_epochs=4",
                            "--set", "lr=1"])
    assert r.exit_code != 0  # `lr` names no key
    table, cfg = dry_run("--config", "config/tiny.yaml", "--set", "num_epochs=4", "--set", "learning_rate=1e-4")
    assert "old Lightning config" not in table
    assert cfg["training"]["num_epochs"] == 4 and cfg["training"]["learning_rate"] == 1e-4
    assert cfg["name"] == "tiny"


# --- the translation, key by key ------------------------------------------------------------------


def translated(tmp_path: Path, text: str) -> tuple[Config, dict[str, str]]:
    """(the config an old-layout text gives, {old key: 'became | why'})."""
    recipe = load_recipe(write(tmp_path / "old.yaml", text), strict=False)
    assert recipe.translation is not None
    return recipe.config, {r.old_key: f"{r.became} | {r.why}" for r in recipe.translation.rows}


def test_defaults_come_from_config_yaml_and_the_dataclasses(tmp_path):
    cfg, rows = translated(tmp_path, "hardware:\n  device: cuda\n")
    base = load_config(BASE_RECIPE)
    expected = dataclasses.replace(base, name="old",
                                   training=dataclasses.replace(base.training, accelerator="gpu"))
    assert cfg == expected and list(rows) == ["hardware.device"]


def test_early_stopping_off_and_other_training_keys(tmp_path):
    cfg, rows = translated(tmp_path, """
training:
  learning_rate: "3e-4"
  num_epochs: 40
  warmup_epochs: 2
  optimizer: sgd
  scheduler: step
  gradient_clip_val: 0.5
  early_stopping: {enabled: false, patience: 9, monitor: val_acc}
""")
    assert cfg.training.learning_rate == 3e-4 and cfg.training.grad_clip == 0.5
    assert cfg.training.early_stopping.patience == 0
    assert rows["training.early_stopping.enabled"].startswith("training.early_stopping.patience = 0")
    assert rows["training.early_stopping.patience"].startswith("ignored | early stopping is off")
    assert rows["training.early_stopping.monitor"] == "ignored | only val/loss is supported"
    assert rows["training.optimizer"].startswith("ignored | Sapling always trains with AdamW")
    assert rows["training.scheduler"].startswith("ignored | the schedule is always")


def test_hardware_on_a_cpu(tmp_path):
    cfg, rows = translated(tmp_path, "hardware: {device: cpu, precision: 16, num_gpus: 1, num_workers: 0}\n")
    t = cfg.training
    assert (t.accelerator, t.precision, cfg.data.num_workers) == ("cpu", "auto", 0)
    assert rows["hardware.num_gpus"] == "ignored | device is cpu"
    cfg, _ = translated(tmp_path, "hardware: {device: 'cuda:0', precision: bf16, num_gpus: 0}\n")
    assert (cfg.training.accelerator, cfg.training.devices, cfg.training.precision) == ("cpu", 1, "bf16-mixed")
    cfg, _ = translated(tmp_path, "hardware: {device: cuda, precision: '32', num_gpus: -1}\n")
    assert (cfg.training.devices, cfg.training.precision) == (-1, "32-true")


@pytest.mark.parametrize("levels,expected,why", [
    ("[1, 2]", (1, 2), "same indexing"),
    ("[0]", (0,), "same indexing"),
    ("[3, 4]", (2, 3), "counted from 1"),
    ("[false, false, true, true]", (2, 3), "one flag per level"),
    ("2", (2,), "same indexing"),
])
def test_attention_levels(tmp_path, levels, expected, why):
    cfg, rows = translated(tmp_path, f"model:\n  encoder: {{channels: [32, 64, 128, 256]}}\n"
                                     f"  attention_levels: {levels}\n")
    assert cfg.model.attention_levels == expected and why in rows["model.attention_levels"]
    assert cfg.model.base_channels == 32 and cfg.model.channel_mult == (1, 2, 4, 8)


def test_sizes_text_encoder_and_sampling(tmp_path):
    cfg, rows = translated(tmp_path, """
model:
  sizes:
    normal: {dims: [16, 16, 16]}
    big: {dims: [32, 32, 32]}
    giant: {dims: [64, 64, 64]}
  text_encoder: {model_name: /models/mpnet, embedding_dim: 768}
  diffusion: {noise_schedule: sqrt, sampling_steps: 1000}
generation: {sampling_steps: 30}
""")
    assert cfg.data.sizes == ("normal",)
    assert "Sapling's buckets are fixed" in rows["model.sizes.big.dims"]
    assert "not a Sapling size bucket" in rows["model.sizes.giant.dims"]
    assert cfg.model.text_encoder == "/models/mpnet" and cfg.model.text_dim == 768
    assert rows["model.diffusion.noise_schedule"].startswith("ignored")
    assert cfg.sampling.sampling_steps == MAX_STEPS and "capped" in rows["model.diffusion.sampling_steps"]
    assert rows["generation.sampling_steps"].startswith("ignored")


def test_built_in_corpus_when_there_is_no_input_dir(tmp_path):
    cfg, rows = translated(tmp_path, "data: {train_split: 0.9, random_seed: 7}\nhardware: {device: cpu}\n")
    assert cfg.data.dataset is None and cfg.data.holdout == pytest.approx(0.1) and cfg.data.seed == 7
    assert rows["data.train_split"].startswith("data.holdout = 0.1")


def test_a_missing_input_dir_is_shown_by_a_dry_run_and_stops_training(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = write(tmp_path / "old.yaml", OLD_CONFIG.format(input_dir="data/raw"))
    r = runner.invoke(app, ["train", "--config", str(old), "--dry-run"])
    assert r.exit_code == 0 and "problem: data.input_dir: data/raw does not exist" in r.output
    assert "data/raw does not exist" in one_line_error(runner.invoke(app, ["train", "--config", str(old)]))
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "trees.npy").write_bytes(b"")
    assert "holds no .schem" in one_line_error(runner.invoke(app, ["train", "--config", str(old)]))


@pytest.mark.parametrize("text,match", [
    ("training: {learning_rate: fast}\nhardware: {}\n", "old.yaml: training.learning_rate must be a finite number"),
    ("training: {conditioning_dropout: [1]}\nhardware: {}\n", "conditioning_dropout (as training.text_drop_prob)"),
    ("model: {encoder: {channels: [64, 96]}}\n", "multiples of the first level's 64 channels, and 96 is not"),
    ("model: {encoder: {channels: [64, 128]}, attention_levels: [5]}\n", "the model has levels 0..1"),
    ("hardware: {precision: half}\n", "not a Lightning precision"),
    ("training: {num_epochs: 5, warmup_epochs: 10}\nhardware: {}\n", "warmup_epochs must be between"),
    ("data: {train_split: 1.2}\nhardware: {}\n", "held-out fraction"),
])
def test_old_layout_errors_are_one_line_and_name_the_key(tmp_path, text, match):
    old = write(tmp_path / "old.yaml", text)
    with pytest.raises(ConfigError, match="old.yaml"):
        load_recipe(old)
    assert match in one_line_error(runner.invoke(app, ["train", "--config", str(old), "--dry-run"]))


def test_layout_markers_are_not_recipe_keys_and_recipes_are_not_old():
    keys = recipe_keys()
    assert not any(s in keys for s in OLD_SECTIONS)
    assert not any(f"{section}.{k}" in keys for section, names in OLD_KEYS.items() for k in names)
    for recipe in BASE_RECIPE.parent.glob("*.yaml"):
        assert not is_old_layout(yaml.safe_load(recipe.read_text())), recipe
    assert is_old_layout({"model": {"text_encoder": {"model_name": "x"}}})
    assert is_old_layout({"training": {"early_stopping": {"enabled": False}}})
    assert not is_old_layout({"training": {"early_stopping": {"patience": 3}}})


def test_translate_reads_defaults_not_copies(tmp_path):
    """Change a value in the base recipe: the translation follows it."""
    base = write(tmp_path / "base.yaml", "training: {batch_size: 7}\n")
    t = translate({"hardware": {"device": "cpu"}}, tmp_path / "old.yaml", base=base)
    assert t.recipe["training"]["batch_size"] == 7
    assert t.recipe["training"]["learning_rate"] == Config().training.learning_rate


# --- --set by leaf name ---------------------------------------------------------------------------


def test_set_by_leaf_name():
    cfg = load_config("config/tiny.yaml", ["num_epochs=4", "patience=2", "early_stopping.patience=3",
                                           "training.batch_size=2", "data.seed=5", "learning_rate=1e-4"])
    assert cfg.training.num_epochs == 4 and cfg.training.early_stopping.patience == 3
    assert cfg.training.batch_size == 2 and cfg.data.seed == 5 and cfg.training.learning_rate == 1e-4
    assert resolve_key("num_workers") == "data.num_workers" and resolve_key("training") == "training"
    with pytest.raises(ConfigError, match="seed is ambiguous: it names data.seed, training.seed"):
        load_config("config/tiny.yaml", ["seed=1"])
    with pytest.raises(ConfigError, match="unknown key; did you mean training.num_epochs"):
        load_config("config/tiny.yaml", ["num_epoch=1"])
    with pytest.raises(ConfigError, match="unknown key"):
        load_config("config/tiny.yaml", ["training.learning_rat=1"])


def test_cli_errors_are_one_line(tmp_path):
    bad = write(tmp_path / "bad.yaml", "model:\n  base_channels: [1\n")
    assert "is not valid YAML" in one_line_error(runner.invoke(app, ["train", "--config", str(bad), "--dry-run"]))
    twice = write(tmp_path / "twice.yaml", "training:\n  num_epochs: 2\n  num_epochs: 3\n")  # which one was meant?
    assert "key 'num_epochs' is given twice at line 3" in one_line_error(
        runner.invoke(app, ["train", "--config", str(twice), "--dry-run"]))
    unknown = write(tmp_path / "unknown.yaml", "training: {learning_rat: 1}\n")
    assert "unknown key training.learning_rat" in one_line_error(
        runner.invoke(app, ["train", "--config", str(unknown), "--dry-run"]))
    wrong = write(tmp_path / "wrong.yaml", "training: {batch_size: big}\n")
    assert "training.batch_size must be an integer" in one_line_error(
        runner.invoke(app, ["train", "--config", str(wrong), "--dry-run"]))
    assert "ambiguous" in one_line_error(
        runner.invoke(app, ["train", "--config", "config/tiny.yaml", "--set", "seed=1", "--dry-run"]))


# --- it trains ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_old_config_with_a_tiny_model_trains_on_its_schematics(tiny_data, tmp_path, monkeypatch):
    _, schematics = tiny_data
    monkeypatch.chdir(tmp_path)
    text = (OLD_CONFIG.format(input_dir=schematics)
            .replace("channels: [64, 128, 256, 512]", "channels: [8, 16]")
            .replace("attention_levels: [1, 2]", "attention_levels: [1]")
            .replace("dims: [16, 32, 16]", "dims: [0, 0, 0]").replace("dims: [24, 64, 24]", "dims: [0, 0, 0]")
            .replace("batch_size: 16", "batch_size: 4").replace("num_epochs: 500", "num_epochs: 1")
            .replace("warmup_epochs: 20", "warmup_epochs: 0").replace("save_every_n_epochs: 25", "save_every_n_epochs: 1")
            .replace("device: cuda", "device: cpu").replace("num_workers: 4", "num_workers: 0")
            .replace("num_gpus: 2", "num_gpus: 0"))
    old = write(tmp_path / "old.yaml", text)
    tiny = ["--set", "cond_dim=32", "--set", "num_heads=2", "--set", "num_groups=4", "--set", "text_max_length=16"]
    r = runner.invoke(app, ["train", "--config", str(old), *tiny])
    assert r.exit_code == 0, r.output
    assert "old Lightning config" in r.output and "Imported 16 of 16 files" in r.output
    assert "trained 1 epoch(s)" in r.output
    ckpt = tmp_path / "lightning_logs" / "version_0" / "checkpoints" / "last.ckpt"
    assert ckpt.is_file()
    from sapling.training.train import config_from_checkpoint

    cfg = config_from_checkpoint(ckpt)
    assert cfg.model.channel_mult == (1, 2) and cfg.training.precision == "auto"  # fp16 has no CPU autocast
    assert cfg.data.dataset is not None and cfg.data.dataset.parts[:2] == ("lightning_logs", "imported")
    table, _ = dry_run("--config", str(old), *tiny)
    assert "already imported" in table
