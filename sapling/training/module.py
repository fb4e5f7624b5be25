"""The LightningModule: masked cross-entropy, EMA weights, warmup + cosine learning rate.

Thin by design: the network is ``UNet3D``, masking is ``MaskSchedule.add_noise``
(the same formula sampling uses), sampling is ``TreePipeline``. Checkpoints carry
a ``"sapling"`` entry (config, vocabulary, EMA weights) so that loading for
generation needs nothing else; Lightning's own entries make ``--resume`` exact.
"""

from __future__ import annotations

import copy
import math

import lightning as L
import torch
import torch.nn.functional as F

from sapling.blocks import BlockVocab
from sapling.config import Config, config_from_dict, config_to_dict
from sapling.model.checkpoint import Checkpoint
from sapling.model.pipeline import TreePipeline
from sapling.model.schedule import MaskSchedule
from sapling.model.text import TextEncoder
from sapling.model.unet3d import UNet3D


def lr_factor(step: int, warmup_steps: int, total_steps: int, min_factor: float = 0.0) -> float:
    """Linear warmup to 1 over ``warmup_steps``, then cosine decay to ``min_factor`` at ``total_steps``."""
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def class_weights(vocab_size: int, air_weight: float) -> torch.Tensor:
    """(V,) per-class loss weights: 1 for every block, ``air_weight`` for air (id 0; trees are mostly air)."""
    weights = torch.ones(vocab_size)
    weights[0] = air_weight
    return weights


def masked_loss(logits: torch.Tensor, x0: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The training loss: (B, V, X, Y, Z) logits against (B, X, Y, Z) blocks, cross-entropy at the
    masked voxels only, each weighted by its class (``class_weights``) and normalised by those weights."""
    ce = F.cross_entropy(logits.float(), x0, weight=weights, reduction="none")
    m = mask.float()
    return (ce * m).sum() / (weights[x0] * m).sum().clamp(min=1.0)


class TreeDiffusionModule(L.LightningModule):
    """Trains ``UNet3D`` to predict the blocks at masked voxels of corpus trees."""

    def __init__(self, config: dict, vocab: list[str]):
        super().__init__()
        # Plain containers only, so checkpoints load with torch.load(weights_only=True).
        self.save_hyperparameters({"config": config, "vocab": list(vocab)})
        self.config: Config = config_from_dict(Config, config)
        self.vocab = BlockVocab(vocab)
        self.model = UNet3D(self.config.model)
        self.ema = copy.deepcopy(self.model).requires_grad_(False).eval()
        self.schedule = MaskSchedule(self.config.model.mask_schedule)
        self.register_buffer("class_weights", class_weights(len(self.vocab), self.config.training.air_weight),
                             persistent=False)
        self._text: TextEncoder | None = None

    # --- text conditioning (frozen, not part of the checkpoint) ---
    @property
    def text_encoder(self) -> TextEncoder:
        if self._text is None:
            m = self.config.model
            self._text = TextEncoder(m.text_encoder, device=self.device, max_length=m.text_max_length)
        return self._text

    def _condition(self, captions: list[str], drop: bool):
        emb = self.text_encoder.encode(captions).to(self.device)
        if not drop or self.config.training.text_drop_prob <= 0:
            return emb
        # Classifier-free guidance: some trees see the null prompt (the pipeline's `empty`).
        keep = torch.rand(len(captions), device=self.device) >= self.config.training.text_drop_prob
        null = self.text_encoder.empty(len(captions)).to(self.device)
        k3 = keep[:, None, None]
        from sapling.model.text import TextEmbedding

        return TextEmbedding(torch.where(k3, emb.tokens, null.tokens), emb.mask & keep[:, None],
                             torch.where(keep[:, None], emb.pooled, null.pooled))

    # --- loss ---
    def _loss(self, batch: dict, drop_text: bool, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        x0 = batch["tokens"]
        noised = self.schedule.add_noise(x0, None, self.model.mask_id, generator=generator)
        cond = self._condition(batch["captions"], drop_text)
        # Where each grid sits in its tree; whole trees (no data.window) need none.
        window = batch.get("window") if self.config.data.window else None
        logits = self.model(noised.tokens, noised.ratio, cond.tokens, cond.mask, cond.pooled, window=window)
        loss = masked_loss(logits, x0, noised.mask, self.class_weights)
        m = noised.mask.float()
        acc = ((logits.argmax(1) == x0).float() * m).sum() / m.sum().clamp(min=1.0)
        return loss, acc

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss, acc = self._loss(batch, drop_text=True)
        bs = batch["tokens"].shape[0]
        self.log("train/loss", loss, prog_bar=True, batch_size=bs)
        self.log("train/acc", acc, batch_size=bs)
        self.log("lr", self.optimizers().param_groups[0]["lr"], prog_bar=False, batch_size=bs)
        return loss

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        # A fixed masking per batch keeps the validation loss comparable between epochs.
        g = torch.Generator(device=self.device).manual_seed(1000 + batch_idx)
        loss, acc = self._loss(batch, drop_text=False, generator=g)
        bs = batch["tokens"].shape[0]
        self.log("val/loss", loss, prog_bar=True, batch_size=bs)
        self.log("val/acc", acc, batch_size=bs)

    # --- EMA ---
    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        decay = self.config.training.ema_decay
        # Warm the average up early so short runs still get useful EMA weights.
        decay = min(decay, (1 + self.global_step) / (10 + self.global_step))
        with torch.no_grad():
            for e, p in zip(self.ema.parameters(), self.model.parameters()):
                e.lerp_(p.detach(), 1.0 - decay)
            for e, b in zip(self.ema.buffers(), self.model.buffers()):
                e.copy_(b)

    # --- optimiser ---
    def configure_optimizers(self):
        t = self.config.training
        opt = torch.optim.AdamW(self.model.parameters(), lr=t.learning_rate, weight_decay=t.weight_decay,
                                betas=(0.9, 0.99))
        # the schedule spans num_epochs even when the run stops earlier (stop_after_epochs)
        run_epochs = t.stop_after_epochs or t.num_epochs
        total = max(1, int(self.trainer.estimated_stepping_batches * t.num_epochs / run_epochs))
        warmup = int(total * t.warmup_epochs / max(1, t.num_epochs))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, warmup, total, t.min_lr_factor))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    # --- sampling and checkpoints ---
    def checkpoint(self) -> Checkpoint:
        """The EMA weights with config and vocabulary, as generation loads them."""
        info = {"epoch": int(self.current_epoch), "global_step": int(self.global_step),
                "recipe": self.config.name}
        return Checkpoint(self.config.model, self.vocab, self.ema.state_dict(), self.config.sampling, info)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["sapling"] = self.checkpoint().payload()

    def pipeline(self) -> TreePipeline:
        """A sampler over the current EMA weights (shares them; does not copy)."""
        return TreePipeline(self.ema, self.text_encoder, self.vocab, self.config.sampling, self.device)

    @classmethod
    def from_config(cls, config: Config, vocab: BlockVocab) -> "TreeDiffusionModule":
        return cls(config_to_dict(config), list(vocab.states))
