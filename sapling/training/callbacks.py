"""Training callbacks: periodic samples with metrics and previews, and curve plots at the end."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import lightning as L
import numpy as np

from sapling.metrics import tree_metrics
from sapling.structure import DEFAULT_SIZE, SIZES


def _log_dir(trainer: L.Trainer) -> Path:
    """The run's log folder, as this process knows it.

    Not ``trainer.log_dir``: that broadcasts from rank 0, a collective every DDP rank must
    join, and these callbacks write on rank 0 alone (a lone broadcast would stall the run).
    """
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

    if not trainer.loggers:
        return Path(trainer.default_root_dir)
    logger = trainer.loggers[0]
    path = logger.log_dir if isinstance(logger, (CSVLogger, TensorBoardLogger)) else logger.save_dir
    return Path(path or trainer.default_root_dir)


def prompt_size(prompt: str, sizes: tuple[str, ...]) -> str:
    """The size a sample prompt is drawn at: its first word when that names a trained size
    ("huge acacia tree" -> huge, as ``!tree huge ...`` in chat), else the default size."""
    words = prompt.split(maxsplit=1)
    first = words[0].lower() if words else ""
    return first if first in sizes and first in SIZES else DEFAULT_SIZE


class SampleEvaluation(L.Callback):
    """Every ``every_n_epochs`` epochs: sample fixed prompts through ``TreePipeline``.

    Logs mean connectivity, species purity and leaf decay (``samples/...``) and saves
    a preview grid ``checkpoints/samples-epoch=N.png`` beside the checkpoints: the
    "test after epoch 50, 100, 150" routine, done by itself. A prompt that starts with one
    of the trained ``sizes`` ("huge acacia tree") is drawn at that size (``prompt_size``).
    """

    def __init__(self, prompts: tuple[str, ...], every_n_epochs: int, num_samples: int, steps: int, seed: int = 0,
                 sizes: tuple[str, ...] = (DEFAULT_SIZE,)):
        self.prompts, self.every, self.num_samples, self.steps, self.seed = prompts, every_n_epochs, num_samples, steps, seed
        self.sizes = tuple(sizes)

    def on_validation_epoch_end(self, trainer: L.Trainer, module) -> None:
        epoch = trainer.current_epoch + 1
        if not self.prompts or self.every < 1 or epoch % self.every or trainer.sanity_checking:
            return
        if not trainer.is_global_zero:
            return
        from sapling.render import save_preview
        from sapling.prompts import species_from_prompt

        was_training = module.ema.training
        pipe = module.pipeline()
        # Raw samples (no post-processing): the metrics judge the model, not the clean-up.
        sizes = [prompt_size(p, self.sizes) for p in self.prompts]
        drawn: dict[int, list] = {}  # prompt index -> its samples; one pipeline call per size
        for size in dict.fromkeys(sizes):
            picked = [i for i, s in enumerate(sizes) if s == size]
            out = pipe([self.prompts[i] for i in picked], num_samples=self.num_samples, size=size, steps=self.steps,
                       seed=self.seed, postprocess="none")
            for k, i in enumerate(picked):
                drawn[i] = out[k * self.num_samples:(k + 1) * self.num_samples]
        structures = [s for i in range(len(self.prompts)) for s in drawn[i]]
        module.ema.train(was_training)
        rows = [tree_metrics(s, species_from_prompt(s.metadata["prompt"])) for s in structures]
        purity = [r.species_purity for r in rows if r.species_purity is not None]
        values = {
            "samples/connectivity": float(np.mean([r.connectivity for r in rows])),
            "samples/fully_connected": float(np.mean([r.fully_connected for r in rows])),
            "samples/leaf_decay": float(np.mean([r.leaf_decay_fraction for r in rows])),
            "samples/species_purity": float(np.mean(purity)) if purity else 0.0,
            "samples/blocks": float(np.mean([r.blocks for r in rows])),
        }
        module.log_dict(values, rank_zero_only=True)
        captions = [f"{s.metadata['prompt']} · conn {r.connectivity:.2f}" for s, r in zip(structures, rows)]
        out = _log_dir(trainer) / "checkpoints" / f"samples-epoch={epoch}.png"
        save_preview(structures, out, captions=captions, columns=self.num_samples)


def plot_curves(metrics_csv: Path, out: Path) -> Path | None:
    """Plot every logged series of a CSVLogger ``metrics.csv`` against the step; None if empty."""
    if not metrics_csv.exists():
        return None
    series: dict[str, list[tuple[float, float]]] = {}
    with open(metrics_csv) as f:
        for row in csv.DictReader(f):
            step = float(row.get("step") or 0)
            for key, value in row.items():
                if key in ("step", "epoch") or value in (None, ""):
                    continue
                v = float(value)
                if math.isfinite(v):
                    series.setdefault(key, []).append((step, v))
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted(series)
    cols = 3
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        xs, ys = zip(*series[key])
        ax.plot(xs, ys, marker="." if len(xs) < 50 else None)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


class CurvePlot(L.Callback):
    """Writes ``training_curves.png`` (loss, accuracy, sample metrics) when fitting ends."""

    def on_fit_end(self, trainer: L.Trainer, module) -> None:
        if trainer.is_global_zero:
            d = _log_dir(trainer)
            plot_curves(d / "metrics.csv", d / "training_curves.png")
