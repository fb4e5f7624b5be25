"""Forward-pass time of UNet3D for the small CPU config: fp32 vs bf16 autocast, batch 1 and 16,
the three grid sizes. Prints a table; record results in docs/BENCHMARKS.md.

    python benchmarks/unet.py [--batches 1 16] [--sizes normal big huge] [--seconds 2] [--threads N]
"""

from __future__ import annotations

import argparse
import time

import torch

from sapling.config import ModelConfig
from sapling.model.unet3d import UNet3D, count_parameters
from sapling.structure import SIZES

# The small config of DESIGN.md's findings: channels 32-64-128, 2 res blocks, attention at the lowest level.
SMALL = ModelConfig(base_channels=32, channel_mult=(1, 2, 4), num_res_blocks=2, attention_levels=(2,))
PROMPT_TOKENS = 32


def time_forward(model: UNet3D, batch: int, shape: tuple[int, int, int], bf16: bool, seconds: float) -> float:
    """Median seconds per forward, after one warm-up call; runs for about ``seconds``."""
    cfg = model.config
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, cfg.vocab_size + 1, (batch,) + shape, generator=g)
    ratio = torch.rand(batch, generator=g)
    text = torch.randn(batch, PROMPT_TOKENS, cfg.text_dim, generator=g)
    text_mask = torch.zeros(batch, PROMPT_TOKENS, dtype=torch.bool)
    text_mask[:, :6] = True  # a typical prompt is a handful of tokens
    pooled = torch.randn(batch, cfg.text_dim, generator=g)
    times = []
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        model(tokens, ratio, text, text_mask, pooled)
        start = time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - start < seconds and len(times) < 50):
            t0 = time.perf_counter()
            model(tokens, ratio, text, text_mask, pooled)
            times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    model = UNet3D(SMALL).eval()
    print(f"UNet3D small config: channels {[SMALL.level_channels(i) for i in range(SMALL.num_levels)]}, "
          f"{SMALL.num_res_blocks} res blocks, attention at levels {list(SMALL.attention_levels)}, "
          f"{count_parameters(model) / 1e6:.2f} M parameters, vocab {SMALL.vocab_size}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"{'size':<8}{'grid':<10}{'batch':>6}{'fp32 ms':>10}{'bf16 ms':>10}{'bf16 ms/tree':>14}{'speed-up':>10}")
    for size in args.sizes:
        shape = SIZES[size]
        for batch in args.batches:
            fp32 = time_forward(model, batch, shape, False, args.seconds)
            bf16 = time_forward(model, batch, shape, True, args.seconds)
            print(f"{size:<8}{'x'.join(map(str, shape)):<10}{batch:>6}{fp32 * 1e3:>10.1f}{bf16 * 1e3:>10.1f}"
                  f"{bf16 * 1e3 / batch:>14.1f}{fp32 / bf16:>9.1f}x", flush=True)


if __name__ == "__main__":
    main()
