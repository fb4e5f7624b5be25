"""Corpus speed: procedural trees per minute, per size bucket and for a whole `sapling dataset build`.

    python benchmarks/corpus_speed.py [--trees 40] [--count 600] [--seed 0]

Grows ``--trees`` trees of every type grown for each bucket (``TreeType.size``) with
``generate_tree`` and prints trees per minute per bucket; then times
``build_dataset(count, default size mix)`` end to end (growing, captions, shards, manifest)
and prints trees per minute. One process, single-threaded.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sapling.training.corpus.base import REGISTRY  # noqa: E402
from sapling.training.corpus.generate import generate_tree, tree_types  # noqa: E402
from sapling.training.dataset import build_dataset  # noqa: E402
from sapling.training.dataset.build import DEFAULT_SIZE_MIX  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=int, default=40, help="trees per type for the per-bucket figures")
    ap.add_argument("--count", type=int, default=600, help="trees of the timed dataset build")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.platform()} ({platform.processor() or platform.machine()})")
    per_bucket: dict[str, list[str]] = {}
    for t in tree_types():
        per_bucket.setdefault(REGISTRY[t].size, []).append(t)
    for size, types in per_bucket.items():
        t0 = time.perf_counter()
        blocks = 0
        for tree_type in types:
            for seed in range(args.seed, args.seed + args.trees):
                blocks += generate_tree(tree_type, seed).structure.num_blocks
        n = len(types) * args.trees
        dt = time.perf_counter() - t0
        print(f"{size:>6}: {len(types)} types x {args.trees} trees in {dt:.1f} s = {60 * n / dt:,.0f} trees/min "
              f"({1000 * dt / n:.1f} ms/tree, {blocks / n:,.0f} blocks/tree)")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = build_dataset(Path(tmp) / "ds", args.count, seed=args.seed, progress=False)
        dt = time.perf_counter() - t0
    sizes = Counter(summary.counts["size"])
    print(f"dataset build, {args.count} trees, size mix {DEFAULT_SIZE_MIX} -> {dict(sizes)}: {dt:.1f} s = "
          f"{60 * args.count / dt:,.0f} trees/min")


if __name__ == "__main__":
    main()
