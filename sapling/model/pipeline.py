"""TreePipeline: the one way to sample trees (CLI, evaluation, training callbacks, server).

Confidence-ordered parallel unmasking (MaskGIT) over a fully masked grid: at each
step the network predicts every masked voxel, a block is drawn per voxel, and
the most confident draws (log-probability plus annealed Gumbel noise) are fixed;
after exactly ``steps`` steps nothing is masked. Classifier-free guidance runs
the prompted and the null-prompt halves in one batched forward. bf16 autocast on
GPUs and on CPUs with bf16 units (``checkpoint.bf16_pays``; elsewhere it is emulated and slow).

Checkpoint files are read by ``model.checkpoint``; the constraints the sampler applies
(species lock, trunk anchor, connectivity rejection) are pure functions in
``model.constraints``; ``__call__`` reads as its stages: encode the prompts, prepare
the masked tokens, denoise (huge trees coarse to fine: ``model.coarse``; after the last step,
stray leaves of one-crown trees and leaves that would decay drawn again, asked-for decorations
added; a tree that came without a crown drawn again), repair, turn grids into structures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from sapling.blocks import KIND_ID, BlockVocab
from sapling.config import DEFAULT_DEVICE, SampleConfig, check_request
from sapling.errors import GenerationError, ModelError
from sapling.metrics import ONE_CROWN_SPECIES
from sapling.model import coarse, constraints
from sapling.model.checkpoint import Checkpoint, bf16_pays, load_network, resolve_device
from sapling.model.coarse import COARSE_SIZE
from sapling.model.schedule import MaskSchedule, masked_fraction, uniform
from sapling.model.text import TextEmbedding, TextEncoder
from sapling.model.unet3d import UNet3D
from sapling.prompts import SpeciesPrior, decorations_asked, species_prior
from sapling.structure import DEFAULT_SIZE, Structure, size_of

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
# Draws of a crownless tree after the first (SampleConfig.min_leaf_share): each costs a whole
# sampling pass of the trees that need it; a prompt that never gives leaves still ends
MAX_CROWN_REDRAWS = 3


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
        bf16: bool | None = None,
    ):
        if model.config.vocab_size != len(vocab):
            raise ModelError(f"model predicts {model.config.vocab_size} blocks, vocabulary has {len(vocab)}")
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.text_encoder = text_encoder
        self.vocab = vocab
        self.defaults = sample_config or SampleConfig()
        self.schedule = MaskSchedule(model.config.mask_schedule)
        # bf16 autocast where it pays (GPUs, CPUs with bf16 units); None = decide by the device.
        self.bf16 = bf16_pays(self.device) if bf16 is None else bf16
        self.info: dict[str, Any] = {}
        # The species prior from the prompt (word lists, text similarity) steers the species lock;
        # False leaves the species to the model alone (evaluation compares both).
        self.use_prior = True

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, device: str | torch.device = DEFAULT_DEVICE, text_encoder: TextEncoder | None = None
    ) -> "TreePipeline":
        ckpt = Checkpoint.load(path)
        dev = resolve_device(device)
        model = load_network(ckpt, path)
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

    # --- sampling ---
    def _logits(self, tokens: torch.Tensor, mask: torch.Tensor, cond, uncond, guidance_scale: float) -> torch.Tensor:
        """(B, X, Y, Z) tokens -> (B, V, X, Y, Z) guided logits (one batched forward)."""
        ratio = masked_fraction(mask)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)
        if uncond is None:
            with autocast:
                logits = self.model(tokens, ratio, cond.tokens, cond.mask, cond.pooled).float()
        else:
            both = torch.cat([tokens, tokens])
            with autocast:
                out = self.model(both, torch.cat([ratio, ratio]), uncond.tokens, uncond.mask, uncond.pooled).float()
            c, u = out.chunk(2)
            logits = u + guidance_scale * (c - u)
        if self.defaults.air_logit_bias:  # undo training's air weight (SampleConfig.air_logit_bias)
            logits[:, 0] += self.defaults.air_logit_bias
        return logits

    def _anchor(self, logits: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> list:
        """Fix each sample's anchor (``constraints.pick_anchors``) in ``tokens``/``mask``; return the anchors."""
        anchors = []
        for i, picked in enumerate(constraints.pick_anchors(logits, self.vocab)):
            if picked is None:
                anchors.append(None)
                continue
            (x, y, z), block = picked
            tokens[i, x, y, z] = block
            mask[i, x, y, z] = False
            anchors.append((x, y, z))
        return anchors

    def _keep_connected(self, tokens: torch.Tensor, mask: torch.Tensor, newly: torch.Tensor,
                        anchors: list, final: bool) -> None:
        """Re-mask newly fixed blocks that do not touch the anchored structure (``constraints.disconnected``),
        in place; on the ``final`` step nothing may stay masked, so they become air instead."""
        reject = constraints.disconnected(tokens, mask, newly, anchors)
        if not reject.any():
            return
        r = torch.from_numpy(reject).to(tokens.device)
        if final:
            tokens[r] = 0
        else:
            tokens[r] = self.model.config.vocab_size
            mask |= r

    def _denoise(self, tokens: torch.Tensor, mask: torch.Tensor, emb, uncond, guidance_scale: float, steps: int,
                gen: list[torch.Generator], temperature: float, connected: bool, anchors: list | None,
                callback: StepCallback | None, candidates: list | None = None,
                asked: list[frozenset[str]] | None = None, place: bool = False) -> tuple[torch.Tensor, list, list]:
        """Run ``steps`` unmasking steps from ``tokens``/``mask``; returns the final tokens and, per
        sample, the species the lock chose (None without a lock) and the decorations placed because
        the prompt asked for them. ``candidates``: per sample, the species the lock may choose among
        (None: any); ``asked``: per sample, the decorations its prompt asks for (the others are
        penalised by ``unasked_decoration_penalty``; with ``place``, missing ones are added)."""
        start_masked = mask.flatten(1).sum(dim=1)
        given = (~mask & (tokens != 0)) if callback is not None else None  # blocks fixed before step 1
        allowed = None
        penalty = self.defaults.unasked_decoration_penalty
        # (B, V, 1, 1, 1) added to every step's logits, in place (one pass over them): the penalty on
        # unasked decorations, then also -inf on what the species lock rules out
        bias = None
        if asked is not None and penalty:
            bias = constraints.decoration_bias(self.vocab, asked, penalty).to(tokens.device)[:, :, None, None, None]
        locked: list = [None] * tokens.shape[0]
        placed: list[list[str]] = [[] for _ in range(tokens.shape[0])]
        for step in range(steps):
            before = mask
            logits = self._logits(tokens, mask, emb, uncond, guidance_scale)
            if bias is not None:
                logits += bias
            if self.defaults.species_lock and allowed is None:
                lock = constraints.species_lock(logits, self.vocab, candidates)
                allowed, locked = lock.allowed, lock.species
                ruled_out = torch.zeros(allowed.shape, device=tokens.device).masked_fill(~allowed, float("-inf"))
                ruled_out = ruled_out[:, :, None, None, None]
                logits += ruled_out
                bias = ruled_out if bias is None else bias + ruled_out
            if connected and anchors is None:
                anchors = self._anchor(logits, tokens, mask)
            out = self.schedule.step(logits, tokens, mask, step, steps, generator=gen, temperature=temperature,
                                     num_masked_at_start=start_masked)
            tokens, mask = out.tokens.clone(), out.mask.clone()
            newly = out.newly_fixed
            if connected:
                self._keep_connected(tokens, mask, newly, anchors, final=step == steps - 1)
                newly = newly & ~mask
            if step == steps - 1:
                self._redraw_leaves(tokens, newly, emb, uncond, guidance_scale, locked, bias)
            if step == steps - 1 and place and asked is not None and self.defaults.place_decorations:
                placed = self._place_decorations(logits, tokens, before, asked, newly)
            if callback is not None:
                fixed = newly & (tokens != 0)
                if step == 0:
                    fixed |= given  # a refinement's kept blocks stream with its first step
                if step == 0 and connected:
                    for i, anchor in enumerate(anchors):
                        if anchor is not None:
                            fixed[i, anchor[0], anchor[1], anchor[2]] = True
                pos = fixed.nonzero().cpu().numpy()
                callback(StepEvent(step + 1, steps, pos, tokens[fixed].cpu().numpy(), self.vocab))
        return tokens, locked, placed

    def _redraw_leaves(self, tokens: torch.Tensor, newly: torch.Tensor, emb, uncond, guidance_scale: float,
                       locked: list, bias: torch.Tensor | None) -> None:
        """Draw again the stray leaves of one-crown trees (``constraints.stray_leaves``, with
        ``stray_leaf_fraction``) and the leaves that would decay (``constraints.decaying_leaves``, with
        ``redraw_decaying_leaves``), in ``tokens`` and ``newly``: one forward pass with them masked,
        then the most probable block at each with leaves ruled out and the step's ``bias`` added
        (the species lock, the penalty on unasked decorations)."""
        fraction, decaying = self.defaults.stray_leaf_fraction, self.defaults.redraw_decaying_leaves
        if fraction <= 0 and not decaying:
            return
        grids = tokens.cpu().numpy()
        redraw = np.zeros(grids.shape, dtype=bool)
        for i, species in enumerate(locked):
            if fraction > 0 and species in ONE_CROWN_SPECIES:
                redraw[i] = constraints.stray_leaves(grids[i], self.vocab, fraction)
            if decaying:
                redraw[i] |= constraints.decaying_leaves(grids[i], self.vocab)
        if not redraw.any():
            return
        m = torch.from_numpy(redraw).to(tokens.device)
        logits = self._logits(tokens.masked_fill(m, self.model.config.vocab_size), m, emb, uncond, guidance_scale)
        if bias is not None:
            logits += bias
        leaves = torch.from_numpy(self.vocab.kind_ids == KIND_ID["leaves"]).to(tokens.device)
        logits[:, leaves] = float("-inf")
        tokens[m] = logits.argmax(dim=1)[m]
        newly |= m

    def _place_decorations(self, logits: torch.Tensor, tokens: torch.Tensor, preferred: torch.Tensor,
                           asked: list[frozenset[str]], newly: torch.Tensor) -> list[list[str]]:
        """Add each asked-for decoration a sample lacks at its most probable spot
        (``constraints.place_decorations``), in ``tokens`` and ``newly``; per sample, what was added.
        The network draws decorations rarely (a bee nest is one block of a tree), so a prompt that
        names one would otherwise often go without."""
        placed: list[list[str]] = []
        for i, want in enumerate(asked):
            placed.append([])
            if not want:
                continue
            log_probs = torch.log_softmax(logits[i].float(), dim=0)
            for p in constraints.place_decorations(log_probs, tokens[i].cpu().numpy(), self.vocab, want,
                                                   preferred[i].cpu().numpy()):
                tokens[(i, *p.position)] = p.block
                newly[(i, *p.position)] = True
                placed[i].append(p.decoration)
        return placed

    @torch.inference_mode()
    def __call__(
        self,
        prompts: str | Sequence[str],
        size: str = DEFAULT_SIZE,
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
        check_request(prompts, size, num_samples, steps, guidance_scale, postprocess)
        if sampler not in ("connected", "plain"):
            raise GenerationError(f"unknown sampler {sampler!r}; choose connected or plain")

        seeds = [int(seed)] * len(prompts) if isinstance(seed, (int, np.integer)) else [int(s) for s in seed]
        if len(seeds) != len(prompts):
            raise GenerationError(f"{len(seeds)} seeds for {len(prompts)} prompts; give one seed or one per prompt")

        start = time.perf_counter()
        expanded = [p for p in prompts for _ in range(num_samples)]
        # Sample k of a prompt draws from its own generator: a tree never depends on its batch.
        gen = [torch.Generator(device=self.device).manual_seed(seeds[i // num_samples] + i % num_samples)
               for i in range(len(expanded))]
        priors = self.species_priors(prompts)
        emb, uncond = self._encode_prompts([priors[p].model_prompt or p for p in expanded], guidance_scale)
        candidates = [None if priors[p].source == "none" else priors[p].candidates for p in expanded]
        asked = [decorations_asked(p) for p in expanded]
        connected = sampler == "connected"
        coarse_size = COARSE_SIZE.get(size) if d.coarse_to_fine else None
        if coarse_size is None:
            tokens, locked, placed, redrawn = self._draw(size, emb, uncond, guidance_scale, steps, gen, temperature,
                                                         connected, callback, candidates, asked, True)
        else:
            tokens, locked, placed, redrawn = self._coarse_to_fine(coarse_size, size, emb, uncond, guidance_scale,
                                                                   steps, gen, temperature, connected, callback,
                                                                   candidates, asked)
        raw = tokens.cpu().numpy()  # the sampler's own output: what "raw" metrics describe
        if postprocess == "repair":
            tokens = self._repair(tokens, emb, uncond, guidance_scale, steps, gen, temperature,
                                  [(sp,) if sp else None for sp in locked], asked)
        out = self._to_structures(tokens.cpu().numpy(), raw, expanded, seeds, num_samples, steps, guidance_scale,
                                  sampler, postprocess)
        if coarse_size is not None:
            for s in out:
                s.metadata["coarse_to_fine"] = {"from": coarse_size, "refine_steps": coarse.refine_steps(steps),
                                                "refine_fraction": d.refine_fraction}
        for s, sp, want, added in zip(out, locked, asked, placed):
            s.metadata["species"] = _species_info(priors[s.metadata["prompt"]], sp, self.defaults.species_lock)
            s.metadata["decorations"] = {"asked": sorted(want), "placed": added}
        for s, n in zip(out, redrawn):
            s.metadata["crown_redraws"] = n
        seconds = (time.perf_counter() - start) / len(out)
        for s in out:
            s.metadata["seconds"] = round(seconds, 4)
        return out

    def _coarse_to_fine(self, coarse_size: str, size: str, emb, uncond, guidance_scale: float, steps: int,
                        gen: list[torch.Generator], temperature: float, connected: bool, callback: StepCallback | None,
                        candidates: list, asked: list[frozenset[str]]) -> tuple[torch.Tensor, list, list]:
        """Sample at ``coarse_size``, scale each tree up to ``size`` (``coarse.upscale``) and re-predict
        its leaves and near air there (``coarse.refine_mask``) for half the steps, each tree keeping
        the species it got; returns what ``_draw`` does. Progress streams from the fine pass."""
        small, locked, _, redrawn = self._draw(coarse_size, emb, uncond, guidance_scale, steps, gen, temperature,
                                               connected, None, candidates, asked, False)
        dims = size_of(size)
        grids = np.stack([coarse.upscale(g, dims) for g in small.cpu().numpy()])
        draws = uniform((len(asked), *dims), gen, self.device).cpu().numpy()
        remask = np.stack([coarse.refine_mask(g, self.vocab, u, self.defaults.refine_fraction)
                           for g, u in zip(grids, draws)])
        anchors = constraints.repair_mask(grids, self.vocab)[1] if connected else None
        mask = torch.from_numpy(remask).to(self.device)
        tokens = torch.from_numpy(grids).to(self.device).masked_fill(mask, self.model.config.vocab_size)
        return (*self._denoise(tokens, mask, emb, uncond, guidance_scale, coarse.refine_steps(steps), gen,
                               temperature, connected, anchors, callback, [(sp,) if sp else None for sp in locked],
                               asked, True), redrawn)

    def _draw(self, size: str, emb, uncond, guidance_scale: float, steps: int, gen: list[torch.Generator],
              temperature: float, connected: bool, callback: StepCallback | None, candidates: list,
              asked: list[frozenset[str]], place: bool) -> tuple[torch.Tensor, list, list, list[int]]:
        """Sample fully masked ``size`` grids; a tree without a crown (``constraints.crownless``, with
        ``min_leaf_share``) is drawn again, its generator going on (so still a function of its seed),
        up to ``MAX_CROWN_REDRAWS`` times. Returns what ``_denoise`` does and, per sample, how many
        redraws it took. Redraws do not stream: progress shows the first draw."""
        tokens, mask = self._prepare_tokens(len(asked), size)
        tokens, locked, placed = self._denoise(tokens, mask, emb, uncond, guidance_scale, steps, gen, temperature,
                                               connected, None, callback, candidates, asked, place)
        redrawn = [0] * len(asked)
        share = self.defaults.min_leaf_share
        if share <= 0:
            return tokens, locked, placed, redrawn
        grids = tokens.cpu().numpy()
        bad = [i for i in range(len(asked)) if constraints.crownless(grids[i], self.vocab, share)]
        for _ in range(MAX_CROWN_REDRAWS):
            if not bad:
                break
            fresh, fresh_mask = self._prepare_tokens(len(bad), size)
            # a guided batch holds the prompted rows, then as many null ones: take both of each tree
            sub_uncond = None if uncond is None else uncond.take(bad + [len(asked) + i for i in bad])
            again, sp, added = self._denoise(fresh, fresh_mask, emb.take(bad), sub_uncond, guidance_scale, steps,
                                             [gen[i] for i in bad], temperature, connected, None, None,
                                             [candidates[i] for i in bad], [asked[i] for i in bad], place)
            for j, i in enumerate(bad):
                tokens[i], locked[i], placed[i] = again[j], sp[j], added[j]
                redrawn[i] += 1
            again_grids = again.cpu().numpy()  # only the trees just drawn need looking at again
            bad = [i for j, i in enumerate(bad) if constraints.crownless(again_grids[j], self.vocab, share)]
        return tokens, locked, placed, redrawn

    def species_priors(self, prompts: Sequence[str]) -> dict[str, SpeciesPrior]:
        """Per distinct prompt, its ``SpeciesPrior``: the word lists, and for prompts without a known
        word the similarity to each species' description in this pipeline's text encoder.
        ``use_prior = False`` gives every prompt an empty prior (the model chooses)."""
        unique = list(dict.fromkeys(prompts))
        if not self.use_prior:
            return {p: species_prior("", None) for p in unique}
        priors = {p: species_prior(p) for p in unique}
        silent = [p for p, r in priors.items() if r.source == "none"]
        if silent:
            from sapling.model.text import species_similarity

            for p, sims in zip(silent, species_similarity(self.text_encoder, silent)):
                priors[p] = species_prior(p, sims)
        return priors

    # --- the stages of __call__ ---
    def _encode_prompts(self, prompts: list[str], guidance_scale: float):
        """Text embeddings of the prompts, and (with guidance) prompted + null embeddings in one batch."""
        emb = self.text_encoder.encode(prompts).to(self.device)
        if guidance_scale == 1.0:
            return emb, None
        return emb, TextEmbedding.cat([emb, self.text_encoder.empty(len(prompts)).to(self.device)])

    def _prepare_tokens(self, batch: int, size: str) -> tuple[torch.Tensor, torch.Tensor]:
        """A fully masked grid ``(B, X, Y, Z)`` and its mask (all True)."""
        dims = size_of(size)
        tokens = torch.full((batch, *dims), self.model.config.vocab_size, dtype=torch.long, device=self.device)
        return tokens, torch.ones((batch, *dims), dtype=torch.bool, device=self.device)

    def _to_structures(self, grids: np.ndarray, raw: np.ndarray, prompts: list[str], seeds: list[int],
                       num_samples: int, steps: int, guidance: float, sampler: str, postprocess: str) -> list[Structure]:
        """Final grids -> post-processed ``Structure`` objects (reports describe the ``raw`` samples)."""
        return [
            self.postprocess(self._structure(grids[i], prompts[i], seeds[i // num_samples], i % num_samples,
                                             steps, guidance, sampler),
                             postprocess, before=Structure(raw[i], self.vocab))
            for i in range(len(prompts))
        ]

    def _repair(self, tokens: torch.Tensor, emb, uncond, guidance_scale: float, steps: int,
                gen: list[torch.Generator], temperature: float, candidates: list | None = None,
                asked: list[frozenset[str]] | None = None) -> torch.Tensor:
        """Re-predict what floats (``constraints.repair_mask``) with the connected sampler, for a
        quarter of the steps."""
        remask, anchors = constraints.repair_mask(tokens.cpu().numpy(), self.vocab)
        if not remask.any():
            return tokens
        r = torch.from_numpy(remask).to(tokens.device)
        tokens = tokens.masked_fill(r, self.model.config.vocab_size)
        return self._denoise(tokens, r.clone(), emb, uncond, guidance_scale, max(2, steps // 4), gen, temperature,
                            True, anchors, None, candidates, asked)[0]

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


def _species_info(prior: SpeciesPrior, locked: str | None, lock: bool) -> dict[str, Any]:
    """What a tree's metadata says about its species: the one it got, whether the prompt or the
    model chose it, and why (the prior's reason)."""
    by = "prompt" if prior.species is not None and lock else "model"
    return {"chosen": locked, "by": by, "why": prior.why, "named": prior.named, "prior_source": prior.source,
            "plain": prior.plain}


__all__ = ["StepEvent", "TreePipeline"]
