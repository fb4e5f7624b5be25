"""Build the bundled example tree ``sapling/data/examples/oak.schem``.

A vanilla-looking oak, made the way the game's ``TreeFeatures.OAK`` grows one:
a straight trunk of 5 logs, then a blob canopy (``BlobFoliagePlacer`` radius 2,
height 3): layers at the trunk top + 1 and the top log with radius 1, the two
layers below with radius 2. Corners are always skipped on the top layer and
skipped half the time below (a fixed seed keeps the file reproducible). Leaves
only replace air, and ``write_structure`` gives them their vanilla ``distance``.

Run from the repository root: ``python scripts/make_example.py [OUT]``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from sapling.schematic import write_structure
from sapling.structure import Structure

TRUNK_HEIGHT = 5
LOG = "minecraft:oak_log[axis=y]"
LEAVES = "minecraft:oak_leaves[persistent=false,waterlogged=false]"
OUT = Path(__file__).resolve().parents[1] / "sapling" / "data" / "examples" / "oak.schem"


def oak_blocks(seed: int = 7) -> dict[tuple[int, int, int], str]:
    """``{(x, y, z): state}`` relative to the trunk base."""
    rng = random.Random(seed)
    blocks = {(0, y, 0): LOG for y in range(TRUNK_HEIGHT)}
    top = TRUNK_HEIGHT  # the foliage attachment: just above the top log
    for layer in range(0, -4, -1):  # vanilla: radius = 2 - 1 - layer / 2 (Java division)
        radius = max(1 - int(layer / 2), 0)
        for dx in range(-radius, radius + 1):
            for dz in range(-radius, radius + 1):
                corner = abs(dx) == radius and abs(dz) == radius
                if corner and (layer == 0 or rng.random() < 0.5):
                    continue
                blocks.setdefault((dx, top + layer, dz), LEAVES)
    return blocks


def main(out: Path = OUT) -> Path:
    tree = Structure.from_blocks(
        oak_blocks(), origin=(0, 0, 0), metadata={"prompt": "oak tree", "source": "scripts/make_example.py"}
    )
    return write_structure(tree, out)


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
