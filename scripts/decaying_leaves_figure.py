"""Draw raw normal cherry trees with and without the decaying-leaf redraw (docs/images/decaying_leaves.png).

    python scripts/decaying_leaves_figure.py [--checkpoint CKPT] [--prompt "cherry tree"] [--out PNG]

Top row: the sampler with ``redraw_decaying_leaves`` off; bottom row: on (same seeds), each caption
with the tree's leaves and the share of them that would decay (``metrics.leaf_decay_fraction``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from sapling.generate import default_checkpoint
from sapling.metrics import leaf_decay_fraction
from sapling.model.pipeline import TreePipeline
from sapling.render import save_preview


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, default=None, help="default: the shipped model")
    ap.add_argument("--prompt", default="cherry tree")
    ap.add_argument("--num-samples", type=int, default=4)
    ap.add_argument("--out", type=Path, default=Path("docs/images/decaying_leaves.png"))
    args = ap.parse_args()
    pipe = TreePipeline.from_checkpoint(args.checkpoint or default_checkpoint(), device="cpu")
    trees, captions = [], []
    for redraw in (False, True):
        pipe.defaults = replace(pipe.defaults, redraw_decaying_leaves=redraw)
        for t in pipe([args.prompt], num_samples=args.num_samples, seed=0, postprocess="none"):
            trees.append(t.crop())
            captions.append(f"{'redrawn' if redraw else 'raw'}: {int(t.mask_of('leaves').sum())} leaves, "
                            f"{100 * leaf_decay_fraction(t):.0f}% would decay")
    print(f"wrote {save_preview(trees, args.out, captions=captions, columns=args.num_samples)}")


if __name__ == "__main__":
    main()
