import math

import pytest
import torch

from sapling.errors import ConfigError
from sapling.model.schedule import MaskSchedule, masked_fraction

SHAPE = (8, 8, 8)
N = 8 * 8 * 8
VOCAB = 10
MASK_ID = VOCAB


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def random_logits(batch: int, seed: int) -> torch.Tensor:
    return torch.randn((batch, VOCAB) + SHAPE, generator=gen(seed))


def sample(schedule, steps, batch=2, seed=0, start_mask=None, **kw):
    """Run the full sampling loop with random logits; return the per-step outputs."""
    tokens = torch.zeros((batch,) + SHAPE, dtype=torch.long)
    mask = torch.ones((batch,) + SHAPE, dtype=torch.bool) if start_mask is None else start_mask.clone()
    tokens[mask] = MASK_ID
    g = gen(seed)
    outs = []
    for s in range(steps):
        out = schedule.step(random_logits(batch, 1000 + s), tokens, mask, s, steps, generator=g, **kw)
        tokens, mask = out.tokens, out.mask
        outs.append(out)
    return outs


@pytest.mark.parametrize("kind", ["cosine", "linear"])
def test_mask_ratio_runs_from_all_to_none_and_decreases(kind):
    sched = MaskSchedule(kind)
    assert sched.mask_ratio(0.0) == 1.0
    assert sched.mask_ratio(1.0) == 0.0
    r = torch.linspace(0, 1, 101)
    values = sched.mask_ratio(r)
    assert torch.all(values[1:] <= values[:-1])
    assert values[0] == 1.0 and values[-1] == 0.0
    assert math.isclose(float(values[50]), sched.mask_ratio(0.5), rel_tol=1e-6)


def test_cosine_is_the_maskgit_convention():
    sched = MaskSchedule("cosine")
    assert math.isclose(sched.mask_ratio(0.5), math.cos(math.pi / 4))
    assert math.isclose(MaskSchedule("linear").mask_ratio(0.25), 0.75)


def test_unknown_schedule_is_a_config_error():
    with pytest.raises(ConfigError, match="cosine"):
        MaskSchedule("quadratic")


@pytest.mark.parametrize("kind", ["cosine", "linear"])
def test_num_to_keep_masked_is_monotonic_and_ends_at_zero(kind):
    sched = MaskSchedule(kind)
    for steps in (1, 4, 16, 100):
        counts = [sched.num_to_keep_masked(s, steps, N) for s in range(steps)]
        assert all(b <= a for a, b in zip(counts, counts[1:]))
        assert counts[-1] == 0
        assert all(0 <= c <= N for c in counts)
    with pytest.raises(ConfigError):
        sched.num_to_keep_masked(0, 0, N)


@pytest.mark.parametrize("kind", ["cosine", "linear"])
@pytest.mark.parametrize("steps", [1, 2, 5, 16, 32])
def test_sampling_ends_fully_unmasked_in_exactly_steps_steps(kind, steps):
    sched = MaskSchedule(kind)
    outs = sample(sched, steps)
    remaining = [int(o.mask[0].sum()) for o in outs]
    assert remaining[-1] == 0
    assert all(r > 0 for r in remaining[:-1])  # not finished early
    assert all(b < a for a, b in zip([N] + remaining, remaining))  # every step fixes something
    # Counts follow the schedule's one formula exactly when starting fully masked.
    assert remaining == [sched.num_to_keep_masked(s, steps, N) for s in range(steps)]
    # Each voxel is fixed exactly once, and fixed tokens never change afterwards.
    fixed_count = sum(o.newly_fixed.long() for o in outs)
    assert torch.all(fixed_count == 1)
    final = outs[-1].tokens
    assert torch.all((final >= 0) & (final < VOCAB))
    for o in outs:
        assert torch.equal(o.tokens[o.newly_fixed], final[o.newly_fixed])
        assert torch.all(o.tokens[o.mask] == MASK_ID)


def test_step_never_touches_already_fixed_voxels():
    start = torch.ones((1,) + SHAPE, dtype=torch.bool)
    start[:, :, :4] = False  # the bottom half is given (inpainting)
    outs = sample(MaskSchedule(), 6, batch=1, start_mask=start, num_masked_at_start=int(start.sum()))
    assert int(outs[-1].mask.sum()) == 0
    assert all(int(o.mask.sum()) > 0 for o in outs[:-1])
    for o in outs:
        assert not o.newly_fixed[~start].any()
        assert torch.all(o.tokens[~start] == 0)


def test_most_confident_voxels_are_fixed_first():
    # Voxel i's best token has logit i: without noise, the highest-logit voxels are fixed first.
    logits = torch.zeros((1, VOCAB) + SHAPE)
    logits[0, 3] = torch.arange(N, dtype=torch.float32).reshape(SHAPE) / 10
    tokens = torch.full((1,) + SHAPE, MASK_ID)
    mask = torch.ones((1,) + SHAPE, dtype=torch.bool)
    sched = MaskSchedule()
    out = sched.step(logits, tokens, mask, 0, 8, generator=gen(), temperature=0.0, token_temperature=0.0)
    fixed = out.newly_fixed.flatten()
    k = N - sched.num_to_keep_masked(0, 8, N)
    assert int(fixed.sum()) == k
    assert fixed[N - k:].all() and not fixed[: N - k].any()
    assert torch.all(out.tokens.flatten()[fixed] == 3)


def test_sampling_is_deterministic_for_a_seed():
    sched = MaskSchedule()
    a = sample(sched, 8, seed=5, temperature=2.0)
    b = sample(sched, 8, seed=5, temperature=2.0)
    c = sample(sched, 8, seed=6, temperature=2.0)
    assert all(torch.equal(x.tokens, y.tokens) and torch.equal(x.mask, y.mask) for x, y in zip(a, b))
    assert not torch.equal(a[0].mask, c[0].mask)


def test_drawn_blocks_follow_the_models_distribution_and_skip_fixed_voxels():
    probs = torch.tensor([0.6, 0.3, 0.1] + [0.0] * (VOCAB - 3))
    logits = probs.clamp(min=1e-12).log()[None, :, None, None, None].expand((4, VOCAB) + SHAPE).contiguous()
    tokens = torch.full((4,) + SHAPE, MASK_ID)
    mask = torch.ones((4,) + SHAPE, dtype=torch.bool)
    tokens[:, 0], mask[:, 0] = 7, False  # already fixed: must stay 7
    out = MaskSchedule().step(logits, tokens, mask, 0, 1, generator=[gen(i) for i in range(4)])
    assert torch.all(out.tokens[:, 0] == 7) and not out.newly_fixed[:, 0].any()
    drawn = out.tokens[:, 1:].flatten()
    freq = torch.bincount(drawn, minlength=VOCAB).float() / drawn.numel()
    assert torch.allclose(freq[:3], probs[:3], atol=0.02)  # 1,792 draws
    assert freq[3:].sum() == 0


def test_add_noise_masks_the_scheduled_count_and_only_writes_mask_id():
    sched = MaskSchedule("cosine")
    x0 = torch.randint(0, VOCAB, (4,) + SHAPE, generator=gen(1))
    t = torch.tensor([0.0, 0.3, 0.7, 1.0])
    out = sched.add_noise(x0, t, MASK_ID, generator=gen(2))
    counts = out.mask.flatten(1).sum(1)
    expected = [max(1, math.ceil(sched.mask_ratio(float(v)) * N - 1e-6)) for v in t]
    assert counts.tolist() == expected
    assert counts[0] == N and counts[-1] == 1  # all at t=0, still one at t=1
    assert torch.all(out.tokens[out.mask] == MASK_ID)
    assert torch.equal(out.tokens[~out.mask], x0[~out.mask])
    assert torch.allclose(out.ratio, masked_fraction(out.mask))


@pytest.mark.parametrize("kind, mean", [("cosine", 2 / math.pi), ("linear", 0.5)])
def test_add_noise_masks_the_expected_fraction_on_average(kind, mean):
    x0 = torch.zeros((512, 4, 4, 4), dtype=torch.long)
    out = MaskSchedule(kind).add_noise(x0, None, MASK_ID, generator=gen(3))
    # E[gamma(U)] for U ~ U(0, 1): 2/pi for cosine, 1/2 for linear.
    assert abs(float(out.ratio.mean()) - mean) < 0.04
    assert int(out.mask.flatten(1).sum(1).min()) >= 1


def test_add_noise_is_deterministic_for_a_seed():
    x0 = torch.randint(0, VOCAB, (3,) + SHAPE, generator=gen(1))
    a = MaskSchedule().add_noise(x0, None, MASK_ID, generator=gen(9))
    b = MaskSchedule().add_noise(x0, None, MASK_ID, generator=gen(9))
    c = MaskSchedule().add_noise(x0, None, MASK_ID, generator=gen(10))
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.mask, b.mask)
    assert not torch.equal(a.mask, c.mask)
