"""Checkpoint files: what a ``.ckpt`` (Lightning) or the shipped ``.pt`` holds for sampling.

A checkpoint carries, under the key ``"sapling"``, everything loading needs: the model
config, the block vocabulary, the (EMA) weights, the sampling defaults and run info.
Loading is ``Checkpoint.load`` (data only: ``weights_only``) then ``load_network``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from sapling.blocks import BlockVocab
from sapling.config import DEFAULT_DEVICE, ModelConfig, SampleConfig, config_from_dict
from sapling.errors import BlockError, ConfigError, ModelError
from sapling.model.unet3d import UNet3D

CHECKPOINT_FORMAT = 1


@dataclass
class Checkpoint:
    """What a checkpoint file holds for sampling (see module docstring)."""

    model_config: ModelConfig
    vocab: BlockVocab
    state_dict: dict[str, torch.Tensor]
    sample_config: SampleConfig = field(default_factory=SampleConfig)
    info: dict[str, Any] = field(default_factory=dict)  # recipe name, epoch, step, ...

    def payload(self, dtype: torch.dtype | None = None) -> dict[str, Any]:
        """The ``"sapling"`` entry of a checkpoint file (weights cast to ``dtype`` if given)."""
        from sapling.config import config_to_dict

        weights = {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v).detach().cpu()
                   for k, v in self.state_dict.items()}
        return {
            "format": CHECKPOINT_FORMAT,
            "model_config": config_to_dict(self.model_config),
            "sample_config": config_to_dict(self.sample_config),
            "vocab": list(self.vocab.states),
            "vocab_hash": self.vocab.content_hash,
            "weights": weights,
            "info": dict(self.info),
        }

    def save(self, path: str | Path, dtype: torch.dtype | None = None) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"sapling": self.payload(dtype)}, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Checkpoint":
        """Read the ``"sapling"`` entry of a checkpoint; ``ModelError`` if it is missing or broken."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"checkpoint {path} does not exist")
        try:
            # weights_only: a checkpoint is data, never code; Lightning's extras are plain containers.
            raw = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001  (pickle, zip and torch raise many types)
            raise ModelError(f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc})") from None
        entry = raw.get("sapling") if isinstance(raw, dict) else None
        if not isinstance(entry, dict):
            raise ModelError(f"{path} is not a Sapling checkpoint (no 'sapling' entry)")
        if entry.get("format") != CHECKPOINT_FORMAT:
            raise ModelError(f"checkpoint {path} has format {entry.get('format')!r}; this Sapling reads {CHECKPOINT_FORMAT}")
        try:
            vocab = BlockVocab(entry["vocab"])
            if entry.get("vocab_hash") not in (None, vocab.content_hash):
                raise ModelError(f"checkpoint {path}: the vocabulary does not match its hash")
            model_config = config_from_dict(ModelConfig, entry["model_config"])
            sample_config = config_from_dict(SampleConfig, entry.get("sample_config") or {})
            weights = entry["weights"]
        except (KeyError, TypeError, BlockError, ConfigError) as exc:
            raise ModelError(f"checkpoint {path} is incomplete or inconsistent: {exc}") from None
        if model_config.vocab_size != len(vocab):
            raise ModelError(
                f"checkpoint {path}: the model predicts {model_config.vocab_size} blocks "
                f"but carries a vocabulary of {len(vocab)}"
            )
        return cls(model_config, vocab, weights, sample_config, dict(entry.get("info") or {}))


def resolve_device(device: str | torch.device = DEFAULT_DEVICE) -> torch.device:
    """``"auto"`` (the default) -> CUDA when there is one, else CPU; ``ModelError`` for an unavailable device."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ModelError(f"unknown device {device!r}; use auto, cpu or cuda") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ModelError("device cuda was asked for but no CUDA GPU is available (use --device cpu)")
    if dev.type not in ("cpu", "cuda"):
        raise ModelError(f"unsupported device {device!r}; use auto, cpu or cuda")
    return dev


@lru_cache(maxsize=1)
def _cpu_has_bf16_units() -> bool:
    """True when this CPU computes bf16 natively (AVX512-BF16 or AMX): there bf16 convolutions run
    ~2.3x faster than fp32; on an AVX2-only CPU they are emulated and run ~18x slower (measured)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
        return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:  # not Linux: trust torch's view of the CPU
        return "AVX512" in torch.backends.cpu.get_cpu_capability()


def bf16_pays(device: torch.device) -> bool:
    """Whether bf16 autocast makes sampling faster on ``device``: on GPUs, and on CPUs with bf16 units."""
    return device.type == "cuda" or (device.type == "cpu" and _cpu_has_bf16_units())


def load_network(ckpt: Checkpoint, where: str | Path = "checkpoint") -> UNet3D:
    """The UNet of a checkpoint, weights loaded in fp32 (``ModelError`` if they do not fit its config)."""
    model = UNet3D(ckpt.model_config)
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt.state_dict.items()})
    except RuntimeError as exc:
        raise ModelError(f"checkpoint {where}: weights do not fit its model config ({str(exc)[:200]})") from None
    return model


__all__ = ["CHECKPOINT_FORMAT", "Checkpoint", "bf16_pays", "load_network", "resolve_device"]
