"""Draw one corpus tree of every type into docs/images/species.png (the README's species grid).

    python scripts/species_grid.py [--seed 3] [--out docs/images/species.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sapling.render import save_preview
from sapling.training.corpus.generate import generate_tree, tree_types


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("docs/images/species.png"))
    args = ap.parse_args()
    trees = [generate_tree(t, args.seed) for t in tree_types()]
    # Crop so each tile shows the tree itself, not its bucket's empty space.
    path = save_preview([t.structure.crop() for t in trees], args.out,
                        captions=[t.attributes["type"].replace("_", " ") for t in trees], columns=7)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
