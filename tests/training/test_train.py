"""Training on the tiny recipe: checkpoints, resume, curves, samples; the LR schedule and data batching."""

import csv
import math

import pytest
import torch

from sapling.blocks import BlockVocab
from sapling.config import Config, DataConfig, apply_overrides, config_from_dict, config_to_dict, load_config
from sapling.errors import ConfigError
from sapling.model.pipeline import TreePipeline
from sapling.training.module import lr_factor
from sapling.training.train import config_from_checkpoint, train


def test_tiny_run_writes_epoch_checkpoints_curves_and_samples(tiny_run):
    ckdir = tiny_run.log_dir / "checkpoints"
    names = sorted(p.name for p in ckdir.glob("*.ckpt"))
    assert names == ["epoch=0.ckpt", "epoch=1.ckpt", "epoch=2.ckpt", "last.ckpt"]
    assert tiny_run.epochs == 3
    assert (tiny_run.log_dir / "training_curves.png").stat().st_size > 5000
    assert list(ckdir.glob("samples-epoch=*.png"))
    rows = list(csv.DictReader(open(tiny_run.log_dir / "metrics.csv")))
    keys = set().union(*rows)
    assert {"train/loss", "val/loss", "samples/connectivity", "samples/species_purity", "lr"} <= keys
    losses = [float(r["train/loss"]) for r in rows if r.get("train/loss")]
    assert losses[-1] < losses[0]  # it learns something, even in seconds


def test_checkpoint_carries_everything_generation_needs(tiny_checkpoint):
    raw = torch.load(tiny_checkpoint, map_location="cpu", weights_only=True)
    entry = raw["sapling"]
    assert entry["vocab_hash"] == BlockVocab.default().content_hash
    assert entry["info"]["recipe"] == "tiny"
    assert config_from_checkpoint(tiny_checkpoint).name == "tiny"
    pipe = TreePipeline.from_checkpoint(tiny_checkpoint, device="cpu")
    s = pipe("oak tree", steps=2, seed=0, postprocess="none")[0]
    assert s.shape == (16, 16, 16)


def test_resume_continues_exactly_where_it_stopped(tiny_run, tmp_path):
    ck = tiny_run.log_dir / "checkpoints" / "epoch=1.ckpt"
    cfg = config_from_checkpoint(ck)
    cfg = config_from_dict(Config, apply_overrides(config_to_dict(cfg), ["training.num_epochs=4",
                                                                       "training.sample_every_n_epochs=0"]))
    before = torch.load(ck, map_location="cpu", weights_only=True)
    result = train(cfg, resume=ck, root=tmp_path)
    assert result.epochs == 4
    after = torch.load(result.last_checkpoint, map_location="cpu", weights_only=True)
    steps_per_epoch = before["global_step"] // 2
    assert after["global_step"] == before["global_step"] + 2 * steps_per_epoch
    assert after["epoch"] == 3
    # The optimiser and EMA state came along: Adam's step counts continue from the checkpoint's.
    step_before = next(iter(before["optimizer_states"][0]["state"].values()))["step"]
    step_after = next(iter(after["optimizer_states"][0]["state"].values()))["step"]
    assert float(step_after) == float(step_before) + 2 * steps_per_epoch


def test_init_from_starts_a_new_run_from_the_checkpoints_ema_weights(tiny_run, tmp_path, monkeypatch):
    import lightning as L

    from sapling.training import train as train_module

    ck = tiny_run.last_checkpoint
    cfg = config_from_dict(Config, apply_overrides(config_to_dict(config_from_checkpoint(ck)), [
        "training.num_epochs=1", "training.sample_every_n_epochs=0", "training.limit_train_batches=0.25"]))
    ema = torch.load(ck, map_location="cpu", weights_only=True)["sapling"]["weights"]
    start = {}

    class StartingWeights(L.Callback):
        def on_train_start(self, trainer, module):
            start["model"] = {k: v.clone() for k, v in module.model.state_dict().items()}
            start["ema"] = {k: v.clone() for k, v in module.ema.state_dict().items()}

    monkeypatch.setattr(train_module, "CurvePlot", StartingWeights)  # observe the weights the run starts from
    result = train(cfg, root=tmp_path, init_from=ck)
    for name, value in ema.items():
        assert torch.equal(start["model"][name], value.float()), name
        assert torch.equal(start["ema"][name], value.float()), name
    after = torch.load(result.last_checkpoint, map_location="cpu", weights_only=True)
    assert after["epoch"] == 0  # a new run: epochs and optimizer start afresh
    assert float(next(iter(after["optimizer_states"][0]["state"].values()))["step"]) == after["global_step"]


def test_stop_after_epochs_ends_the_run_early_on_the_long_schedule(tiny_run, tmp_path):
    """A run of 4 epochs stopped after 2 (``stop_after_epochs``) is where the full run is after 2:
    half-way down its cosine, not at its end; resumed without the stop, it runs the other 2."""
    ck = tiny_run.last_checkpoint
    base = apply_overrides(config_to_dict(config_from_checkpoint(ck)), [
        "training.num_epochs=4", "training.warmup_epochs=0", "training.sample_every_n_epochs=0",
        "training.limit_train_batches=0.25", "training.min_lr_factor=0"])
    stopped = train(config_from_dict(Config, apply_overrides(base, ["training.stop_after_epochs=2"])),
                    root=tmp_path / "stopped", init_from=ck)
    assert stopped.epochs == 2
    raw = torch.load(stopped.last_checkpoint, map_location="cpu", weights_only=True)
    lr = raw["lr_schedulers"][0]["_last_lr"][0]
    peak = config_from_checkpoint(ck).training.learning_rate
    assert lr == pytest.approx(peak * 0.5, rel=0.25)  # cos at half of the 4 epochs, not the end
    with pytest.raises(ConfigError, match="stop_after_epochs must be between 1 and num_epochs"):
        config_from_dict(Config, apply_overrides(base, ["training.stop_after_epochs=5"]))
    rest = config_from_dict(Config, apply_overrides(base, ["training.stop_after_epochs=null"]))
    assert train(rest, root=tmp_path / "stopped", resume=stopped.last_checkpoint).epochs == 4


def test_init_from_refuses_another_architecture_or_resume_together(tiny_run, tmp_path):
    ck = tiny_run.last_checkpoint
    cfg = config_from_dict(Config, apply_overrides(config_to_dict(config_from_checkpoint(ck)),
                                                  ["model.base_channels=16"]))
    with pytest.raises(ConfigError, match="model section differs"):
        train(cfg, root=tmp_path, init_from=ck)
    with pytest.raises(ConfigError, match="exclude each other"):
        train(config_from_checkpoint(ck), root=tmp_path, init_from=ck, resume=ck)
    assert not (tmp_path / "lightning_logs").exists()  # nothing was started


def test_lr_warmup_then_cosine():
    assert lr_factor(0, 10, 100) == pytest.approx(0.1)
    assert lr_factor(9, 10, 100) == pytest.approx(1.0)
    assert lr_factor(10, 10, 100) == pytest.approx(1.0)
    assert lr_factor(55, 10, 100) == pytest.approx(0.5, abs=0.02)
    assert lr_factor(100, 10, 100, min_factor=0.05) == pytest.approx(0.05)
    values = [lr_factor(s, 10, 100) for s in range(10, 101)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_recipes_load_and_keep_the_users_keys():
    full = load_config("config/config.yaml")
    assert full.training.learning_rate == 5e-5
    assert full.training.num_epochs == 300 and full.training.warmup_epochs == 10
    assert full.training.early_stopping.patience == 75
    assert full.model.num_res_blocks == 2 and full.model.attention_levels
    assert load_config("cpu.yaml").name == "cpu"
    phase1, phase2 = load_config("cpu.yaml"), load_config("cpu_phase2.yaml")
    assert phase2.model == phase1.model  # phase 2 starts from phase 1's weights (--init-from)
    assert phase2.data.seed != phase1.data.seed  # on fresh corpus trees
    tiny = load_config("config/tiny.yaml", ["training.batch_size=4", "model.channel_mult=[1, 2]"])
    assert tiny.training.batch_size == 4
    with pytest.raises(ConfigError, match="unknown key"):
        load_config("config/tiny.yaml", ["training.learning_rat=1"])
    with pytest.raises(ConfigError, match="key=value"):
        load_config("config/tiny.yaml", ["training.batch_size"])
    with pytest.raises(ConfigError, match="must be an integer"):
        load_config("config/tiny.yaml", ["training.batch_size=big"])
    with pytest.raises(ConfigError, match="not found"):
        load_config("config/nope.yaml")


def test_bucket_batches_never_mix_sizes(tmp_path):
    from sapling.training.data import TreeDataModule

    cfg = DataConfig(corpus_size=30, types=("oak", "mega_spruce"), sizes=("normal", "big"), holdout=0.2)
    dm = TreeDataModule(cfg, BlockVocab.default(), batch_size=4, seed=0, cache_root=tmp_path)
    dm.setup()
    shapes = set()
    n = 0
    for batch in dm.train_dataloader():
        assert len({tuple(t.shape) for t in batch["tokens"]}) == 1
        assert len(batch["captions"]) == batch["tokens"].shape[0]
        shapes.add(tuple(batch["tokens"].shape[1:]))
        n += batch["tokens"].shape[0]
    assert n == len(dm.train_set)
    assert shapes == {(16, 16, 16), (16, 32, 16)}
    assert math.isclose(len(dm.val_set) / (len(dm.val_set) + len(dm.train_set)), 0.2, abs_tol=0.1)


def test_masked_loss_counts_masked_voxels_only_and_weighs_air_down():
    from sapling.training.module import class_weights, masked_loss

    weights = class_weights(3, air_weight=0.5)
    assert weights.tolist() == [0.5, 1.0, 1.0]
    x0 = torch.tensor([[0, 1, 2, 1]]).reshape(1, 2, 2, 1)
    right = torch.nn.functional.one_hot(x0, 3).permute(0, 4, 1, 2, 3).float() * 20  # (B, V, X, Y, Z), sure and right
    mask = torch.tensor([[True, True, False, False]]).reshape(1, 2, 2, 1)
    assert masked_loss(right, x0, mask, weights) < 1e-6
    wrong_unmasked = right.clone()
    wrong_unmasked[0, :, 1, 0, 0] = torch.tensor([20.0, 0.0, 0.0])  # a wrong guess where nothing is masked
    assert masked_loss(wrong_unmasked, x0, mask, weights) < 1e-6
    flat = torch.zeros_like(right)  # no idea anywhere: ln 3 per voxel, whatever the weights
    assert masked_loss(flat, x0, mask, weights).item() == pytest.approx(math.log(3), rel=1e-5)
