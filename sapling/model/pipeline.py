"""TreePipeline: the one way to sample trees (CLI, evaluation, training callbacks, server).

Confidence-ordered parallel unmasking (MaskGIT) over a fully masked grid: at each
step the network predicts every masked voxel, a block is drawn per voxel, and
the most confident draws (log-probability plus annealed Gumbel noise) are fixed;
after exactly ``steps`` steps nothing is masked. Classifier-free guidance runs
the prompted and the null-prompt halves in one batched forward. bf16 autocast on
CPU and CUDA.

A checkpoint file (a Lightning ``.ckpt`` or the shipped ``.pt``) carries, under
the key ``"sapling"``, everything loading needs: the model config, the block
vocabulary, the (EMA) weights and the sampling defaults.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from sapling.blocks import KIND_ID, BlockVocab
from sapling.config import (MAX_PROMPT_CHARS, MAX_SAMPLES, MAX_STEPS, POSTPROCESS_MODES, ModelConfig,
                            SampleConfig, config_from_dict)
from sapling.errors import BlockError, ConfigError, GenerationError, ModelError
from sapling.model.schedule import MaskSchedule, masked_fraction
from sapling.model.text import TextEncoder
from sapling.model.unet3d import UNet3D
from sapling.structure import SIZES, Structure, size_of

CHECKPOINT_FORMAT = 1


@dataclass(frozen=True)
class StepEvent:
    """Blocks fixed at one sampling step, for progressive display.

    ``positions`` (K, 4) int rows ``(sample, x, y, z)`` of the non-air voxels fixed
    at this step, ``block_ids`` (K,) their ids in ``vocab``.
    """

    step: int  # 1-based
    steps: int
    positions: np.ndarray
    block_ids: np.ndarray
    vocab: BlockVocab

    def blocks(self, sample: int) -> list[tuple[int, int, int, str]]:
        """``[(x, y, z, state), ...]`` fixed at this step in one sample (grid coordinates)."""
        rows = self.positions[:, 0] == sample
        return [
            (int(x), int(y), int(z), self.vocab.states[int(i)])
            for (_, x, y, z), i in zip(self.positions[rows], self.block_ids[rows])
        ]


StepCallback = Callable[[StepEvent], None]


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


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when there is one, else CPU; ``ModelError`` for an unavailable device."""
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


class TreePipeline:
    """Generate trees from prompts with a trained masked-diffusion UNet.

    Build it with ``from_checkpoint`` (or directly from parts, as training does),
    then call it. The network must be in eval mode; the pipeline never trains.
    """

    def __init__(
        self,
        model: UNet3D,
        text_encoder: TextEncoder,
        vocab: BlockVocab,
        sample_config: SampleConfig | None = None,
        device: str | torch.device = "cpu",
        bf16: bool = True,
    ):
        if model.config.vocab_size != len(vocab):
            raise ModelError(f"model predicts {model.config.vocab_size} blocks, vocabulary has {len(vocab)}")
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.text_encoder = text_encoder
        self.vocab = vocab
        self.defaults = sample_config or SampleConfig()
        self.schedule = MaskSchedule(model.config.mask_schedule)
        self.bf16 = bf16  # bf16 autocast: ~2.3x faster convolutions on these CPUs, and on GPUs
        self.info: dict[str, Any] = {}

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, device: str | torch.device = "auto", text_encoder: TextEncoder | None = None
    ) -> "TreePipeline":
        ckpt = Checkpoint.load(path)
        dev = resolve_device(device)
        model = UNet3D(ckpt.model_config)
        try:
            model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt.state_dict.items()})
        except RuntimeError as exc:
            raise ModelError(f"checkpoint {path}: weights do not fit its model config ({str(exc)[:200]})") from None
        if text_encoder is None:
            text_encoder = TextEncoder(ckpt.model_config.text_encoder, device=dev,
                                       max_length=ckpt.model_config.text_max_length)
        pipe = cls(model, text_encoder, ckpt.vocab, ckpt.sample_config, dev)
        pipe.info = ckpt.info
        return pipe

    @property
    def default_postprocess(self) -> str:
        """What a request without ``postprocess`` gets (the checkpoint's sampling default)."""
        return self.defaults.postprocess

    # --- validation ---
    @staticmethod
    def check_request(prompts: Sequence[str], size: str, num_samples: int, steps: int,
                      guidance_scale: float, postprocess: str | None) -> None:
        """Raise ``GenerationError`` for a request the pipeline would refuse (cheap; no model needed)."""
        if not prompts:
            raise GenerationError("give at least one prompt")
        for p in prompts:
            if not isinstance(p, str) or not p.strip():
                raise GenerationError("a prompt must be non-empty text")
            if len(p) > MAX_PROMPT_CHARS:
                raise GenerationError(f"prompt is {len(p)} characters long; at most {MAX_PROMPT_CHARS} are accepted")
        if size not in SIZES:
            raise GenerationError(f"unknown size {size!r}; choose one of: {', '.join(SIZES)}")
        if not 1 <= steps <= MAX_STEPS:
            raise GenerationError(f"sampling steps must be between 1 and {MAX_STEPS}, got {steps}")
        if not 1 <= num_samples * len(prompts) <= MAX_SAMPLES:
            raise GenerationError(
                f"number of samples must be between 1 and {MAX_SAMPLES} per call, got {num_samples * len(prompts)}")
        if not 0.0 <= guidance_scale <= 20.0:
            raise GenerationError(f"guidance scale must be between 0 and 20, got {guidance_scale}")
        if postprocess is not None and postprocess not in POSTPROCESS_MODES:
            raise GenerationError(
                f"unknown post-processing {postprocess!r}; choose one of: {', '.join(POSTPROCESS_MODES)}")

    # --- sampling ---
    def _logits(self, tokens: torch.Tensor, mask: torch.Tensor, cond, uncond, guidance_scale: float) -> torch.Tensor:
        """(B, X, Y, Z) tokens -> (B, V, X, Y, Z) guided logits (one batched forward)."""
        ratio = masked_fraction(mask)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)
        if uncond is None:
            with autocast:
                return self.model(tokens, ratio, cond.tokens, cond.mask, cond.pooled).float()
        both = torch.cat([tokens, tokens])
        with autocast:
            out = self.model(both, torch.cat([ratio, ratio]), uncond.tokens, uncond.mask, uncond.pooled).float()
        c, u = out.chunk(2)
        return u + guidance_scale * (c - u)

    def _anchor(self, logits: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> list[tuple[int, int, int]]:
        """Commit the most log-like voxel of the centre column's lower half as each sample's anchor.

        Training data stands every trunk on the centre column, so this is the trunk;
        growth from it is what the connected sampler accepts. Returns the anchors
        (``None`` each when the vocabulary has no log).
        """
        b, _, sx, sy, sz = logits.shape
        cx, cz = sx // 2, sz // 2
        log_ids = torch.as_tensor(self.vocab.ids_of_kind("log"), device=logits.device)
        if not len(log_ids):  # a vocabulary without logs: nothing to grow from, sample plainly
            return [None] * b
        col = torch.softmax(logits[:, :, cx, : max(1, sy // 2), cz].float(), dim=1)  # (B, V, Y/2)
        p_log = col[:, log_ids].sum(dim=1)  # (B, Y/2)
        ys = p_log.argmax(dim=1)
        anchors = []
        for i in range(b):
            y = int(ys[i])
            best = log_ids[col[i, log_ids, y].argmax()]
            tokens[i, cx, y, cz] = best
            mask[i, cx, y, cz] = False
            anchors.append((cx, y, cz))
        return anchors

    def _species_lock(self, logits: torch.Tensor) -> torch.Tensor:
        """(B, V, X, Y, Z) logits -> (B, V) bool: the blocks a tree may still use.

        Per tree, the species with the largest expected number of logs (and, separately,
        of leaves: azalea trees grow azalea leaves on oak logs) and the most expected
        ground block win; blocks of other species and other ground blocks are ruled
        out, as are species decorations (cocoa, propagules, pale moss) of neither species.
        A vocabulary without log (or leaf) species locks nothing for that kind; one
        without ground blocks leaves the rest alone: the lock works with any vocabulary.
        """
        vocab = self.vocab
        if not hasattr(self, "_kind_t"):
            names = sorted({s for s in vocab.species if s is not None})
            self._species_names = names
            self._kind_t = torch.as_tensor(vocab.kind_ids.astype("int64"))
            self._species_t = torch.tensor([names.index(s) if s is not None else -1 for s in vocab.species])
        kind, species = self._kind_t.to(logits.device), self._species_t.to(logits.device)
        expected = torch.softmax(logits.float(), dim=1).flatten(2).sum(dim=2)  # (B, V)
        b, v = expected.shape
        allowed = torch.ones(b, v, dtype=torch.bool, device=logits.device)
        n_species = len(self._species_names)
        chosen = []
        for k in ("log", "leaves"):
            ids = (kind == KIND_ID[k]) & (species >= 0)
            if not ids.any():
                chosen.append(torch.full((b,), -2, device=logits.device))  # matches no species
                continue
            per_species = torch.zeros(b, n_species, device=logits.device)
            per_species.index_add_(1, species[ids], expected[:, ids])
            best = per_species.argmax(dim=1)  # (B,)
            chosen.append(best)
            allowed &= ~(ids[None, :] & (species[None, :] != best[:, None]))
        deco = (kind == KIND_ID["decoration"]) & (species >= 0)
        ok = (species[None, :] == chosen[0][:, None]) | (species[None, :] == chosen[1][:, None])
        allowed &= ~(deco[None, :] & ~ok)
        ground = kind == KIND_ID["ground"]
        if ground.any():
            best_ground = torch.where(ground[None, :], expected, torch.full_like(expected, -1.0)).argmax(dim=1)
            allowed &= ~(ground[None, :] & (torch.arange(v, device=logits.device)[None, :] != best_ground[:, None]))
        return allowed

    def _keep_connected(self, tokens: torch.Tensor, mask: torch.Tensor, newly: torch.Tensor,
                        anchors: list[tuple[int, int, int]], final: bool) -> None:
        """Re-mask newly fixed solid voxels that do not touch the anchored structure (in place).

        On the ``final`` step nothing may stay masked: such voxels become air instead.
        """
        from scipy import ndimage

        solid = ((tokens != 0) & ~mask).cpu().numpy()
        newly_np = newly.cpu().numpy()
        reject = np.zeros_like(solid)
        for i, anchor in enumerate(anchors):
            if anchor is None:  # nothing to grow from (repair of a sample without a main structure)
                continue
            labels, _ = ndimage.label(solid[i])
            ax, ay, az = anchor  # faces only: vanilla-strict attachment
            keep = labels == labels[ax, ay, az]
            reject[i] = newly_np[i] & solid[i] & ~keep
        if not reject.any():
            return
        r = torch.from_numpy(reject).to(tokens.device)
        if final:
            tokens[r] = 0
        else:
            tokens[r] = self.model.config.vocab_size
            mask |= r

    def _sample(self, tokens: torch.Tensor, mask: torch.Tensor, emb, uncond, guidance_scale: float, steps: int,
                gen: list[torch.Generator], temperature: float, connected: bool, anchors: list | None,
                callback: StepCallback | None) -> torch.Tensor:
        """Run ``steps`` unmasking steps from ``tokens``/``mask``; returns the final tokens."""
        start_masked = mask.flatten(1).sum(dim=1)
        allowed = None
        for step in range(steps):
            logits = self._logits(tokens, mask, emb, uncond, guidance_scale)
            if self.defaults.species_lock:
                if allowed is None:
                    allowed = self._species_lock(logits)
                logits = logits.masked_fill(~allowed[:, :, None, None, None], float("-inf"))
            if connected and anchors is None:
                anchors = self._anchor(logits, tokens, mask)
            out = self.schedule.step(logits, tokens, mask, step, steps, generator=gen, temperature=temperature,
                                     num_masked_at_start=start_masked)
            tokens, mask = out.tokens.clone(), out.mask.clone()
            newly = out.newly_fixed
            if connected:
                self._keep_connected(tokens, mask, newly, anchors, final=step == steps - 1)
                newly = newly & ~mask
            if callback is not None:
                fixed = newly & (tokens != 0)
                if step == 0 and connected:
                    for i, anchor in enumerate(anchors):
                        if anchor is not None:
                            fixed[i, anchor[0], anchor[1], anchor[2]] = True
                pos = fixed.nonzero().cpu().numpy()
                callback(StepEvent(step + 1, steps, pos, tokens[fixed].cpu().numpy(), self.vocab))
        return tokens

    @torch.inference_mode()
    def __call__(
        self,
        prompts: str | Sequence[str],
        size: str = "normal",
        num_samples: int = 1,
        steps: int | None = None,
        guidance_scale: float | None = None,
        seed: int | Sequence[int] = 0,
        postprocess: str | None = None,
        callback: StepCallback | None = None,
        temperature: float | None = None,
        sampler: str | None = None,
    ) -> list[Structure]:
        """Sample ``num_samples`` trees for each prompt; structures come back prompt-major.

        Each ``Structure`` is over the model vocabulary (post-processing may extend
        the palette with leaf distances), has the grid of ``size``, its origin at the
        trunk base, and metadata (prompt, seed, index, steps, guidance, seconds, and
        a ``postprocess`` report). ``postprocess``: ``none`` (the sampler's output),
        ``prune`` (``postprocess.clean``: keep the main structure, fix states) or
        ``repair`` (re-predict disconnected parts with the model, then clean).
        ``seed``: sample ``k`` of a prompt draws from its own generator seeded
        ``seed + k`` (a sequence gives each prompt its own seed), so a tree depends
        only on its prompt, seed and settings, not on what else shares the batch.
        """
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        d = self.defaults
        steps = int(d.sampling_steps if steps is None else steps)
        guidance_scale = float(d.guidance_scale if guidance_scale is None else guidance_scale)
        temperature = float(d.temperature if temperature is None else temperature)
        postprocess = postprocess or d.postprocess
        sampler = sampler or d.sampler
        self.check_request(prompts, size, num_samples, steps, guidance_scale, postprocess)
        if sampler not in ("connected", "plain"):
            raise GenerationError(f"unknown sampler {sampler!r}; choose connected or plain")

        seeds = [int(seed)] * len(prompts) if isinstance(seed, (int, np.integer)) else [int(s) for s in seed]
        if len(seeds) != len(prompts):
            raise GenerationError(f"{len(seeds)} seeds for {len(prompts)} prompts; give one seed or one per prompt")

        start = time.perf_counter()
        dims = size_of(size)
        expanded = [p for p in prompts for _ in range(num_samples)]
        b = len(expanded)
        gen = [torch.Generator(device=self.device).manual_seed(seeds[i // num_samples] + i % num_samples)
               for i in range(b)]
        emb = self.text_encoder.encode(expanded).to(self.device)
        uncond = None
        if guidance_scale != 1.0:
            from sapling.model.text import TextEmbedding

            uncond = TextEmbedding.cat([emb, self.text_encoder.empty(b).to(self.device)])
        mask_id = self.model.config.vocab_size
        tokens = torch.full((b, *dims), mask_id, dtype=torch.long, device=self.device)
        mask = torch.ones((b, *dims), dtype=torch.bool, device=self.device)
        tokens = self._sample(tokens, mask, emb, uncond, guidance_scale, steps, gen, temperature,
                              sampler == "connected", None, callback)
        sampled = tokens.cpu().numpy()  # the sampler's own output: what "raw" metrics describe
        if postprocess == "repair":
            tokens = self._repair(tokens, emb, uncond, guidance_scale, steps, gen, temperature)

        grids = tokens.cpu().numpy()
        out = [
            self.postprocess(self._structure(grids[i], expanded[i], seeds[i // num_samples], i % num_samples,
                                             steps, guidance_scale, sampler),
                             postprocess, before=Structure(sampled[i], self.vocab))
            for i in range(b)
        ]
        seconds = (time.perf_counter() - start) / b
        for s in out:
            s.metadata["seconds"] = round(seconds, 4)
        return out

    def _repair(self, tokens: torch.Tensor, emb, uncond, guidance_scale: float, steps: int,
                gen: list[torch.Generator], temperature: float) -> torch.Tensor:
        """Re-mask every part outside the main structure plus an air shell around it, and let the
        model predict those voxels again with the connected sampler for a quarter of the steps."""
        from scipy import ndimage

        from sapling.metrics import main_structure

        grids = tokens.cpu().numpy()
        remask = np.zeros(grids.shape, dtype=bool)
        anchors = []
        for i, g in enumerate(grids):
            s = Structure(g, self.vocab)
            main = main_structure(s, "face")
            solid = g != 0
            if main is None or not main.any():
                anchors.append(None)
                continue
            stray = solid & ~main
            if stray.any():
                # The shell lets the model rebuild a bridge to the main structure.
                remask[i] = ndimage.binary_dilation(stray, structure=np.ones((3, 3, 3), bool)) & ~main
            anchors.append(tuple(int(v) for v in np.argwhere(main)[0]))
        if not remask.any():
            return tokens
        r = torch.from_numpy(remask).to(tokens.device)
        tokens = tokens.masked_fill(r, self.model.config.vocab_size)
        mask = r.clone()
        return self._sample(tokens, mask, emb, uncond, guidance_scale, max(2, steps // 4), gen, temperature,
                            True, anchors, None)

    def postprocess(self, structure: Structure, mode: str, before: Structure | None = None) -> Structure:
        """Apply a post-processing mode to one structure, recording a report in its metadata.

        ``before`` is the sampler's raw output when it differs from ``structure``
        (repair re-predicts parts of it): the report's "before" figures describe it.
        """
        if mode == "none":
            return structure
        from sapling.metrics import connectivity
        from sapling.postprocess import clean

        before = structure if before is None else before
        cleaned, report = clean(structure)
        cleaned.metadata["postprocess"] = {
            "mode": mode, **report.as_dict(),
            # last, so that "before" means the sampler's output, not clean's input
            "connectivity_before": round(connectivity(before), 4), "blocks_before": before.num_blocks,
        }
        return cleaned

    def _structure(self, grid: np.ndarray, prompt: str, seed: int, index: int, steps: int,
                   guidance: float, sampler: str) -> Structure:
        from sapling.metrics import trunk_base

        s = Structure(grid, self.vocab, metadata={
            "prompt": prompt, "seed": seed, "sample": index, "sampling_steps": steps,
            "guidance_scale": guidance, "sampler": sampler,
        })
        base = trunk_base(s)
        # Training data puts the trunk on the centre column; the base is its lowest log layer.
        s.origin = (grid.shape[0] // 2, 0 if base is None else base, grid.shape[2] // 2)
        return s


__all__ = ["Checkpoint", "StepEvent", "TreePipeline", "resolve_device", "MAX_STEPS", "MAX_SAMPLES"]
