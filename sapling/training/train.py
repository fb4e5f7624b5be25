"""``sapling train``: build the Lightning trainer from a recipe and fit (or resume).

Logs go to ``<root>/lightning_logs/version_X/`` (metrics.csv, hparams, a plot of
the training curves, sample previews) and checkpoints to
``lightning_logs/version_X/checkpoints/epoch=N.ckpt`` every K epochs plus
``last.ckpt``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger

from sapling.blocks import BlockVocab
from sapling.config import LOGS_DIR, Config, apply_overrides, config_from_dict, config_to_dict, for_dataset
from sapling.errors import ConfigError, ModelError
from sapling.training.callbacks import CurvePlot, SampleEvaluation
from sapling.training.data import TreeDataModule, data_vocab
from sapling.training.module import TreeDiffusionModule
from sapling.training.transfer import transfer_weights


@dataclass(frozen=True)
class TrainResult:
    """Where a run wrote its outputs and how long it took."""

    log_dir: Path
    last_checkpoint: Path | None
    epochs: int
    global_step: int
    seconds: float


def config_from_checkpoint(path: str | Path) -> Config:
    """The recipe a Lightning checkpoint was trained with (for ``--resume``)."""
    try:
        raw = torch.load(Path(path), map_location="cpu", weights_only=True)
        return config_from_dict(Config, raw["hyper_parameters"]["config"])
    except FileNotFoundError:
        raise ModelError(f"checkpoint {path} does not exist") from None
    except (KeyError, TypeError):
        raise ModelError(f"{path} is not a Sapling training checkpoint (no recipe inside)") from None
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001  (torch.load raises many types for a bad file)
        raise ModelError(f"checkpoint {path} cannot be read ({type(exc).__name__})") from None


def train(config: Config, resume: str | Path | None = None, root: str | Path = ".",
          init_from: str | Path | None = None) -> TrainResult:
    """Fit the model described by ``config``.

    ``resume`` continues a run exactly (optimizer, schedule, epoch); ``init_from`` starts a new
    run (fresh optimizer and learning-rate schedule) from the EMA weights of any Sapling
    checkpoint whose architecture matches the recipe: fine-tuning, or a second phase of training.
    """
    if resume and init_from:
        raise ConfigError("--resume and --init-from exclude each other: resume continues a run, init-from starts one")
    if config.data.dataset is not None:
        sampling, dropped = for_dataset(config.sampling)
        if dropped:
            config = replace(config, sampling=sampling)
            print(f"data.dataset: sampling rules written for the built-in corpus are off in this run's checkpoints "
                  f"({', '.join(dropped)}); scripts/export_model.py --set turns one back on")
    t = config.training
    root = Path(root)
    L.seed_everything(t.seed, workers=True, verbose=False)
    # The data decides the vocabulary (the dataset's own states, or the tree vocabulary of the
    # built-in corpus), and with it the size of the network's output.
    vocab = data_vocab(config.data)
    config = replace(config, model=replace(config.model, vocab_size=len(vocab)))
    if resume:
        _check_resume_vocab(Path(resume), vocab, config)
    module = TreeDiffusionModule.from_config(config, vocab)
    if init_from:
        _load_initial_weights(module, config, vocab, Path(init_from))
    data = TreeDataModule(config.data, vocab, t.batch_size, t.seed, cache_root=root / LOGS_DIR)

    logger = CSVLogger(save_dir=str(root), name=LOGS_DIR)
    callbacks: list[L.Callback] = [
        ModelCheckpoint(filename="{epoch}", every_n_epochs=t.checkpoint_every_n_epochs, save_top_k=-1,
                        save_last=True, auto_insert_metric_name=True),
        CurvePlot(),
    ]
    if t.early_stopping.patience > 0:
        callbacks.append(EarlyStopping(monitor="val/loss", patience=t.early_stopping.patience, mode="min"))
    if t.sample_every_n_epochs > 0 and t.sample_prompts:
        callbacks.append(SampleEvaluation(t.sample_prompts, t.sample_every_n_epochs, t.sample_num_samples,
                                          config.sampling.sampling_steps, seed=t.seed, sizes=config.data.sizes))
    trainer = L.Trainer(
        max_epochs=t.stop_after_epochs or t.num_epochs,
        accelerator=t.accelerator,
        devices=t.devices,
        strategy=t.strategy,
        num_nodes=t.num_nodes,
        # TreeDataModule shards its size-bucket batches over the DDP ranks itself.
        use_distributed_sampler=False,
        precision=resolve_precision(t.precision, t.accelerator),
        logger=logger,
        callbacks=callbacks,
        gradient_clip_val=t.grad_clip or None,
        log_every_n_steps=t.log_every_n_steps,
        limit_train_batches=t.limit_train_batches,
        check_val_every_n_epoch=t.val_every_n_epochs,
        default_root_dir=str(root),
        enable_model_summary=False,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Lightning's hints about num_workers and small logging intervals are noise on CPU runs.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*log_every_n_steps.*")
        # The EMA copy is in eval mode on purpose: it is never trained, only averaged.
        warnings.filterwarnings("ignore", message=".*module\\(s\\) in eval mode.*")
        trainer.fit(module, datamodule=data, ckpt_path=str(resume) if resume else None)
    ckpt_cb = next(c for c in callbacks if isinstance(c, ModelCheckpoint))
    last = Path(ckpt_cb.last_model_path) if ckpt_cb.last_model_path else None
    return TrainResult(Path(trainer.log_dir), last, trainer.current_epoch, trainer.global_step,
                       time.perf_counter() - start)


def _check_resume_vocab(path: Path, vocab: BlockVocab, config: Config) -> None:
    """A run resumes on the data it was trained on: same vocabulary, or a clear error."""
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
        trained = BlockVocab(raw["hyper_parameters"]["vocab"])
    except FileNotFoundError:
        raise ModelError(f"checkpoint {path} does not exist") from None
    except Exception:  # noqa: BLE001 -- not ours to judge here; Lightning reports a broken file
        return
    if trained != vocab:
        data = config.data.dataset or "the built-in corpus"
        raise ConfigError(
            f"--resume {path}: the run was trained on a vocabulary of {len(trained)} block states "
            f"({trained.content_hash[:12]}), but the recipe's data ({data}) has {len(vocab)} "
            f"({vocab.content_hash[:12]}); resume with the data it was trained on, or start a new run "
            "from it with --init-from"
        )


def resolve_precision(precision: str, accelerator: str) -> str:
    """A recipe's ``training.precision`` as Lightning takes it: "auto" is bf16 autocast where it pays
    (``bf16_pays``: a GPU that computes bf16, a CPU with bf16 units) and fp32 elsewhere."""
    if precision != "auto":
        return precision
    from sapling.model.checkpoint import bf16_pays

    gpu = accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available()
    if gpu:
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "32-true"
    return "bf16-mixed" if bf16_pays(torch.device("cpu")) else "32-true"


def _load_initial_weights(module: TreeDiffusionModule, config: Config, vocab: BlockVocab, path: Path) -> None:
    """Copy a checkpoint's EMA weights into both the trained network and its EMA.

    A checkpoint over another vocabulary is fine-tuned onto this one: the rows of shared
    states are copied, new states start from a similar state (``training.transfer``).
    """
    from sapling.model.checkpoint import Checkpoint

    ckpt = Checkpoint.load(path)
    same_but_vocab = replace(ckpt.model_config, vocab_size=config.model.vocab_size)
    if same_but_vocab != config.model:
        raise ConfigError(f"--init-from {path}: its model section differs from the recipe's "
                          "(same architecture needed; take the model section from the checkpoint)")
    state_dict = ckpt.state_dict
    if ckpt.vocab != vocab:
        state_dict, report = transfer_weights(state_dict, ckpt.vocab, vocab)
        print(f"--init-from {path}: vocabulary of {len(ckpt.vocab)} -> {len(vocab)} states: {report.to_text()}")
    weights = {k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()}
    module.model.load_state_dict(weights)
    module.ema.load_state_dict(weights)


__all__ = ["TrainResult", "config_from_checkpoint", "train", "apply_overrides", "config_to_dict"]
