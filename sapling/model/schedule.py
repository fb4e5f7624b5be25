"""The masking schedule of absorbing-state (masked) discrete diffusion, for training and sampling.

Convention (MaskGIT): ``gamma(r)`` is the fraction of voxels still masked at
progress ``r`` in [0, 1]; ``gamma(0) = 1`` (everything masked, the start of
sampling) and ``gamma(1) = 0`` (nothing masked, the end).

* cosine: ``gamma(r) = cos(pi/2 * r)`` (few voxels fixed early, when the model
  knows least; many late)
* linear: ``gamma(r) = 1 - r``

Training draws ``r ~ U(0, 1)`` per sample and masks ``ceil(gamma(r) * n)`` voxels
(at least one). Sampling runs ``steps`` steps; after step ``s`` (0-based)
``floor(gamma((s + 1) / steps) * n)`` voxels stay masked, so after exactly
``steps`` steps none are. Both sides use the one formula ``mask_ratio``; the
schedule knows nothing of the network. The network is told the fraction of
voxels actually masked (``masked_fraction``), in training and in sampling alike.

Everything random takes an explicit ``torch.Generator``: same seed, same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

from sapling.errors import ConfigError

ScheduleKind = Literal["cosine", "linear"]
KINDS: tuple[str, ...] = ("cosine", "linear")


@dataclass(frozen=True)
class NoisedBatch:
    """A training batch after masking: ``tokens`` (B, X, Y, Z) with ``mask_id`` where ``mask`` is
    True, ``mask`` (B, X, Y, Z) bool, and ``ratio`` (B,) the fraction actually masked."""

    tokens: torch.Tensor
    mask: torch.Tensor
    ratio: torch.Tensor


@dataclass(frozen=True)
class StepOutput:
    """One sampling step: ``tokens`` (B, X, Y, Z) with the newly fixed voxels written, ``mask``
    (B, X, Y, Z) the voxels still masked, ``newly_fixed`` (B, X, Y, Z) those fixed at this step."""

    tokens: torch.Tensor
    mask: torch.Tensor
    newly_fixed: torch.Tensor


def masked_fraction(mask: torch.Tensor) -> torch.Tensor:
    """(B, ...) bool -> (B,) float: the fraction of masked voxels, the network's mask-ratio input."""
    return mask.flatten(1).float().mean(dim=1)


Generators = torch.Generator | list[torch.Generator] | None


def uniform(shape: tuple[int, ...], generator: Generators, device: torch.device | str) -> torch.Tensor:
    """U(0, 1) noise of ``shape``; a list of generators draws row ``i`` of dim 0 from generator ``i``,
    so each sample of a batch is reproducible on its own, whatever else shares the batch."""
    if isinstance(generator, (list, tuple)):
        if len(generator) != shape[0]:
            raise ValueError(f"{len(generator)} generators for a batch of {shape[0]}")
        return torch.cat([torch.rand((1, *shape[1:]), generator=g, device=device) for g in generator])
    return torch.rand(shape, generator=generator, device=device)


def gumbel_noise(shape: tuple[int, ...], generator: Generators, device: torch.device | str) -> torch.Tensor:
    """Standard Gumbel noise -log(-log(u)), u clamped away from 0 and 1."""
    u = uniform(shape, generator, device)
    return -torch.log(-torch.log(u.clamp(1e-20, 1.0 - 1e-7)))


@dataclass(frozen=True)
class MaskSchedule:
    """``gamma(r)``: the fraction of voxels still masked at progress ``r`` (see module docstring)."""

    kind: ScheduleKind = "cosine"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown mask schedule {self.kind!r}; choose one of: {', '.join(KINDS)}")

    # --- the one formula -------------------------------------------------------------------------

    def mask_ratio(self, r: torch.Tensor | float) -> torch.Tensor | float:
        """Fraction still masked at progress ``r`` in [0, 1] (clamped); tensor in, tensor out."""
        if isinstance(r, torch.Tensor):
            r = r.clamp(0.0, 1.0)
            return (torch.cos(r * (math.pi / 2)) if self.kind == "cosine" else 1.0 - r).clamp(min=0.0)
        r = min(max(float(r), 0.0), 1.0)
        if r == 1.0:  # cos(pi/2) is 6e-17, not 0
            return 0.0
        return math.cos(r * math.pi / 2) if self.kind == "cosine" else 1.0 - r

    # --- training --------------------------------------------------------------------------------

    def add_noise(
        self,
        x0: torch.Tensor,
        t: torch.Tensor | None,
        mask_id: int,
        generator: torch.Generator | None = None,
    ) -> NoisedBatch:
        """Mask ``ceil(gamma(t_b) * n)`` voxels (at least one) of each sample of ``x0`` (B, X, Y, Z).

        ``t`` (B,) is the progress per sample; None draws it from U(0, 1) with
        ``generator``. Which voxels are masked is uniform at random; only masked
        voxels change, and they become ``mask_id``.
        """
        b, n = x0.shape[0], x0[0].numel()
        device = x0.device
        if t is None:
            t = torch.rand(b, generator=generator, device=device)
        t = torch.as_tensor(t, dtype=torch.float32, device=device).reshape(b)
        num_masked = torch.ceil(self.mask_ratio(t) * n - 1e-6).long().clamp(1, n)  # (B,)
        # The num_masked voxels with the lowest random score are masked: an exact count per sample.
        ranks = _ranks(torch.rand(b, n, generator=generator, device=device))
        mask = (ranks < num_masked[:, None]).reshape(x0.shape)
        tokens = x0.masked_fill(mask, mask_id)
        return NoisedBatch(tokens, mask, num_masked.float() / n)

    # --- sampling --------------------------------------------------------------------------------

    def num_to_keep_masked(self, step: int, steps: int, n: int) -> int:
        """How many of ``n`` voxels are still masked after step ``step`` (0-based) of ``steps``.

        Non-increasing in ``step``; 0 after the last step.
        """
        if steps < 1:
            raise ConfigError(f"the number of sampling steps must be at least 1, got {steps}")
        if not 0 <= step < steps:
            raise ValueError(f"step {step} is outside 0..{steps - 1}")
        if step == steps - 1:
            return 0
        return min(n, math.floor(self.mask_ratio((step + 1) / steps) * n + 1e-6))

    def step(
        self,
        logits: torch.Tensor,
        tokens: torch.Tensor,
        mask: torch.Tensor,
        step: int,
        steps: int,
        generator: Generators = None,
        temperature: float = 1.0,
        token_temperature: float = 1.0,
        num_masked_at_start: torch.Tensor | int | None = None,
    ) -> StepOutput:
        """Fix the most confident masked voxels so ``num_to_keep_masked`` stay masked.

        ``logits`` (B, V, X, Y, Z), ``tokens`` (B, X, Y, Z) long, ``mask`` (B, X, Y, Z)
        bool. A token is drawn per masked voxel from ``softmax(logits /
        token_temperature)`` (0 = argmax); its log-probability plus Gumbel noise
        scaled by ``temperature * (1 - progress)`` is its confidence, and the least
        confident masked voxels stay masked. Progress is ``(step + 1) / steps``, so
        the noise anneals to 0 on the last step, where everything is fixed.

        ``num_masked_at_start`` ((B,) or int) is the ``n`` the schedule counts from;
        default all voxels. Give it when sampling starts partly unmasked (inpainting).
        Every step fixes at least one voxel while any is masked.
        """
        b = tokens.shape[0]
        flat_mask = mask.reshape(b, -1)
        n_total = flat_mask.shape[1]
        device = tokens.device

        # Draw the candidate token of every masked voxel by inverting its CDF with one uniform
        # number: a categorical sample at 1/V of the random numbers and logs of Gumbel-max.
        # Fixed voxels are skipped: late in sampling they are most of the grid.
        u = uniform((b, n_total), generator, device)[flat_mask]  # (M,)
        masked_logits = logits.float().flatten(2).transpose(1, 2)[flat_mask]  # (M, V)
        log_probs = torch.log_softmax(masked_logits, dim=-1)
        if token_temperature > 0:
            probs = log_probs.exp() if token_temperature == 1 else torch.softmax(masked_logits / token_temperature, -1)
            cdf = probs.cumsum(dim=-1)
            drawn = torch.searchsorted(cdf, (u * cdf[:, -1])[:, None]).squeeze(-1)
            drawn = drawn.clamp(max=log_probs.shape[-1] - 1)
        else:
            drawn = log_probs.argmax(dim=-1)
        sampled = torch.zeros((b, n_total), dtype=torch.long, device=device)
        sampled[flat_mask] = drawn
        confidence = torch.full((b, n_total), float("inf"), device=device)  # fixed voxels are never re-masked
        confidence[flat_mask] = log_probs.gather(-1, drawn[:, None]).squeeze(-1)

        progress = (step + 1) / steps
        noise_scale = temperature * (1.0 - progress)
        if noise_scale > 0:
            confidence = confidence + noise_scale * gumbel_noise(tuple(confidence.shape), generator, device)

        if num_masked_at_start is None:
            starts = [n_total] * b
        elif isinstance(num_masked_at_start, int):
            starts = [num_masked_at_start] * b
        else:
            starts = [int(v) for v in num_masked_at_start.reshape(b).tolist()]
        masked_now = flat_mask.sum(dim=1).tolist()
        keep = [
            max(0, min(self.num_to_keep_masked(step, steps, start), now - 1)) if now > 0 else 0
            for start, now in zip(starts, masked_now)
        ]
        keep_t = torch.tensor(keep, device=device)
        new_mask = _ranks(confidence) < keep_t[:, None]  # the `keep` least confident stay masked

        newly_fixed = flat_mask & ~new_mask
        flat_tokens = torch.where(newly_fixed, sampled, tokens.reshape(b, -1))
        shape = tokens.shape
        return StepOutput(flat_tokens.reshape(shape), new_mask.reshape(shape), newly_fixed.reshape(shape))


def _ranks(scores: torch.Tensor) -> torch.Tensor:
    """(B, N) -> (B, N) long: each entry's rank in ascending order along dim 1 (ties by index)."""
    order = scores.argsort(dim=1, stable=True)
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(scores.shape[1], device=scores.device).expand_as(order))
    return ranks
