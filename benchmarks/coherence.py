"""Coherence at three depths: raw samples, prune, the connected sampler and repair.

    python benchmarks/coherence.py [--checkpoint CKPT] [--num-samples 8] [--sizes normal,big]

For each size and each setting, over a fixed prompt list: mean connectivity (any
contact) and face connectivity, fraction of trees fully connected, blocks per tree,
blocks removed by post-processing, species purity, and seconds per tree. "prune keeps"
and "repair keeps" compare block counts against pruning the plain sampler's raw output.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sapling.generate import default_checkpoint
from sapling.metrics import tree_metrics
from sapling.model.pipeline import TreePipeline
from sapling.prompts import species_from_prompt

PROMPTS = ["oak tree", "tall birch tree", "spruce tree", "cherry tree", "acacia tree", "jungle tree",
           "dark oak tree", "mangrove tree"]
SETTINGS = [  # (label, sampler, postprocess)
    ("plain, raw", "plain", "none"),
    ("plain + prune", "plain", "prune"),
    ("plain + repair", "plain", "repair"),
    ("connected, raw", "connected", "none"),
    ("connected + prune", "connected", "prune"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--num-samples", type=int, default=8)
    ap.add_argument("--sizes", default="normal,big")
    ap.add_argument("--steps", type=int, default=None)
    args = ap.parse_args()
    pipe = TreePipeline.from_checkpoint(args.checkpoint or default_checkpoint(), device="cpu")
    print("| size | setting | connectivity | face conn. | fully connected | blocks | removed | purity | s/tree |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        for label, sampler, post in SETTINGS:
            rows, removed, t = [], [], time.perf_counter()
            for p in PROMPTS:
                out = pipe(p, size=size, num_samples=args.num_samples, steps=args.steps, seed=0,
                           postprocess=post, sampler=sampler)
                for s in out:
                    rows.append(tree_metrics(s, species_from_prompt(p)))
                    report = s.metadata.get("postprocess")
                    removed.append(report["blocks_before"] - s.num_blocks if report else 0)
            sec = (time.perf_counter() - t) / len(rows)
            mean = lambda f: float(np.mean([f(r) for r in rows]))  # noqa: E731
            purity = [r.species_purity for r in rows if r.species_purity is not None]
            print(f"| {size} | {label} | {mean(lambda r: r.connectivity):.3f} | {mean(lambda r: r.face_connectivity):.3f} "
                  f"| {mean(lambda r: r.fully_connected):.0%} | {mean(lambda r: r.blocks):.0f} | {np.mean(removed):.1f} "
                  f"| {np.mean(purity) if purity else float('nan'):.3f} | {sec:.2f} |", flush=True)


if __name__ == "__main__":
    main()
