"""Training speed of a recipe: optimisation steps per second on this machine (no Lightning loop).

    python benchmarks/training.py [--config config/cpu.yaml] [--steps 20] [--size normal]
        [--batch-size N] [--window X Y Z] [--set key=value ...]

Times forward + backward + AdamW step on random corpus-shaped batches under the recipe's
precision (bf16 autocast or fp32), after two warm-up steps. ``--window`` trains the size on
windows of that shape, as ``data.window`` does.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from sapling.blocks import BlockVocab
from sapling.config import load_config
from sapling.structure import SIZES
from sapling.model.unet3d import Window
from sapling.training.data import window_shape
from sapling.training.module import TreeDiffusionModule
from sapling.training.train import resolve_precision


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config/cpu.yaml")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--size", default="normal", choices=list(SIZES))
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--window", type=int, nargs=3, default=None, metavar=("X", "Y", "Z"))
    ap.add_argument("--set", action="append", default=[], help="recipe overrides, as sapling train --set")
    args = ap.parse_args()

    overrides = list(args.set)
    if args.window:
        overrides += [f"data.window=[{','.join(map(str, args.window))}]"]
    cfg = load_config(args.config, overrides)
    vocab = BlockVocab.default()
    module = TreeDiffusionModule.from_config(cfg, vocab)
    bs = args.batch_size or cfg.training.batch_size
    opt = torch.optim.AdamW(module.model.parameters(), lr=cfg.training.learning_rate)
    g = torch.Generator().manual_seed(0)
    # Trees are mostly air: a realistic batch has ~10% solid voxels.
    grid = SIZES[args.size]
    shape = window_shape(grid, cfg.data.window)
    x0 = torch.where(torch.rand(bs, *shape, generator=g) < 0.9, 0,
                     torch.randint(1, len(vocab), (bs, *shape), generator=g))
    window = Window(torch.zeros(bs, 3, dtype=torch.long), torch.tensor(grid).expand(bs, 3))
    batch = {"tokens": x0, "captions": ["oak tree", "tall birch tree"] * (bs // 2) + ["spruce"] * (bs % 2),
             "window": window}
    module.text_encoder  # load outside the timing
    precision = resolve_precision(cfg.training.precision, "cpu")
    bf16 = precision.startswith("bf16")

    def step() -> float:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss, _ = module._loss(batch, drop_text=True)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(2):
        step()
    t = time.perf_counter()
    for _ in range(args.steps):
        step()
    dt = (time.perf_counter() - t) / args.steps
    params = sum(p.numel() for p in module.model.parameters())
    print(f"recipe {cfg.name}: {params / 1e6:.2f} M parameters, batch {bs}, size {args.size}"
          f"{' in windows of ' + 'x'.join(map(str, shape)) if shape != grid else ''}, "
          f"precision {precision}, threads {torch.get_num_threads()}, {platform.processor() or platform.machine()}")
    voxels = bs * shape[0] * shape[1] * shape[2]
    print(f"{1 / dt:.2f} steps/s  ({dt * 1000:.0f} ms/step, {bs / dt:.1f} trees/s, {voxels / dt / 1000:.0f} k voxels/s)")


if __name__ == "__main__":
    main()
