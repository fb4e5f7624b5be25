"""Export a training checkpoint's EMA weights as the shipped default model (16-bit).

    python scripts/export_model.py lightning_logs/version_0/checkpoints/last.ckpt \
        [--out sapling/data/model/default.pt] [--note "trained 62 min on 2 CPU cores"] \
        [--set unasked_decoration_penalty=4]

The result is what `sapling generate` loads when no --checkpoint is given: model
config, vocabulary, sampling defaults and the EMA weights in float16. ``--set`` changes a
sampling default (``sapling.config.SampleConfig``), e.g. one added after the run started.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from sapling.config import SampleConfig, apply_overrides, config_from_dict, config_to_dict
from sapling.generate import DEFAULT_MODEL
from sapling.model.checkpoint import Checkpoint


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--note", default="", help="free text recorded in the model's info (e.g. training time)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a sampling default to change")
    args = ap.parse_args()
    ck = Checkpoint.load(args.checkpoint)
    if args.set:
        sampling = apply_overrides(config_to_dict(ck.sample_config), args.set, SampleConfig)
        ck = replace(ck, sample_config=config_from_dict(SampleConfig, sampling, prefix="sampling."))
    if args.note:
        ck.info["note"] = args.note
    path = ck.save(args.out, dtype=torch.float16)
    n = sum(v.numel() for v in ck.state_dict.values())
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {n / 1e6:.2f} M values, info {ck.info})")


if __name__ == "__main__":
    main()
