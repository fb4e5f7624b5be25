"""Draw big and huge corpus trees of every species into PNG sheets (docs/images/big_trees.png, huge_trees.png).

    python scripts/large_trees_grid.py [--seeds 0,1] [--out docs/images]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sapling.blocks import SPECIES
from sapling.render import render_grid
from sapling.training.corpus.generate import generate_tree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1", help="Comma-separated seeds: one row of trees per seed.")
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    ap.add_argument("--sizes", default="big,huge")
    ap.add_argument("--width", type=int, default=1800, help="Scale each sheet down to this many pixels wide.")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    for size in args.sizes.split(","):
        trees = [generate_tree(f"{size}_{species}", seed) for seed in seeds for species in SPECIES]
        captions = [
            f"{t.attributes['species'].replace('_', ' ')} {t.attributes['height']}"
            + (" +" + "+".join(t.attributes["decorations"]) if t.attributes["decorations"] else "")
            for t in trees
        ]
        # Crop so each tile shows the tree itself, not its bucket's empty space.
        image = render_grid([t.structure.crop() for t in trees], captions=captions, columns=len(SPECIES))
        if image.width > args.width:
            image = image.resize((args.width, round(image.height * args.width / image.width)))
        path = args.out / f"{size}_trees.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format="PNG", optimize=True)
        print(f"wrote {path} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
