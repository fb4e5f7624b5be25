"""Sampling speed: seconds per tree by size, steps, batch, precision and guidance.

    python benchmarks/sampling.py [--checkpoint CKPT] [--quick]

Uses the shipped default model (or --checkpoint); the network's cost does not depend
on its weights. Prints one table row per setting. --quick runs a smaller grid.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import torch

from sapling.generate import default_checkpoint
from sapling.model.pipeline import TreePipeline


def time_call(pipe: TreePipeline, size: str, steps: int, batch: int, guidance: float, repeat: int) -> float:
    pipe(["oak tree"] * batch, size=size, steps=min(steps, 2), guidance_scale=guidance, postprocess="none")  # warm-up
    t = time.perf_counter()
    for r in range(repeat):
        pipe(["oak tree"] * batch, size=size, steps=steps, guidance_scale=guidance, seed=r, postprocess="none")
    return (time.perf_counter() - t) / (repeat * batch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--quick", action="store_true", help="normal size only, 8/16 steps, batch 1 and 16")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sizes", default=None, help="comma-separated sizes (overrides --quick's)")
    ap.add_argument("--steps", default=None, help="comma-separated step counts (overrides --quick's)")
    ap.add_argument("--batches", default="1,16", help="comma-separated batch sizes")
    ap.add_argument("--precisions", default="bf16,fp32")
    ap.add_argument("--guidance", default="1,3")
    ap.add_argument("--memory-format", choices=["contiguous", "channels_last"], default="contiguous",
                    help="the network's weight layout (the pipeline's is contiguous; channels_last was measured "
                         "slower at batch 1 on an AVX2 CPU, docs/BENCHMARKS.md)")
    args = ap.parse_args()
    pipe = TreePipeline.from_checkpoint(args.checkpoint or default_checkpoint(), device="cpu")
    if args.memory_format == "channels_last":
        pipe.model.to(memory_format=torch.channels_last_3d)
    sizes = args.sizes.split(",") if args.sizes else ["normal"] if args.quick else ["normal", "big", "huge"]
    steps_list = ([int(s) for s in args.steps.split(",")] if args.steps
                  else [8, 16] if args.quick else [8, 16, 32, 100])
    batches = [int(b) for b in args.batches.split(",")]
    precisions = [p == "bf16" for p in args.precisions.split(",")]
    guidances = [float(g) for g in args.guidance.split(",")]
    print(f"# {platform.machine()} {platform.processor()}, {torch.get_num_threads()} threads, torch {torch.__version__},"
          f" {args.memory_format} weights")
    print(f"{'size':<7}{'steps':>6}{'batch':>6}{'precision':>10}{'guidance':>9}{'s/tree':>9}")
    for size, steps, batch, bf16, guidance in itertools.product(sizes, steps_list, batches, precisions, guidances):
        if size == "huge" and (batch == 16 or steps == 100) and not bf16:
            continue  # minutes per setting; the bf16 rows tell the story
        pipe.bf16 = bf16
        sec = time_call(pipe, size, steps, batch, guidance, 1 if batch == 16 or steps >= 32 else args.repeat)
        print(f"{size:<7}{steps:>6}{batch:>6}{'bf16' if bf16 else 'fp32':>10}{guidance:>9.1f}{sec:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
