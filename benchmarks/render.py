"""Time ``sapling.render`` on hand-built trees filling the normal, big and huge grids.

    python benchmarks/render.py [--repeat 5] [--out previews.png]

Prints the median wall time of ``render_structure`` per size (and of a 3x3
``render_grid``), with the number of blocks drawn. ``--out`` also writes a sheet of
one tree per species, for a look at the colours.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sapling.blocks import BlockVocab
from sapling.render import render_grid, render_structure, save_preview
from sapling.structure import SIZES, Structure

SPECIES = ("oak", "birch", "spruce", "jungle", "acacia", "dark_oak", "mangrove", "cherry", "pale_oak", "azalea")


def build_tree(species: str, size: str, seed: int = 0) -> Structure:
    """A plausible tree of ``species`` that fills most of the ``size`` grid.

    A trunk (2x2 for tall grids) with a few branches and a crown of leaf blobs (a cone
    for spruce); vines on jungle trees, cocoa and a bee nest here and there, a ground
    patch of grass. Not vanilla-exact, just a realistic load for the renderer.
    """
    rng = random.Random(seed)
    X, Y, Z = SIZES[size]
    wood = "oak" if species == "azalea" else species
    leaf = {"azalea": "flowering_azalea_leaves"}.get(species, f"{species}_leaves")
    blocks: dict[tuple[int, int, int], str] = {}
    cx, cz = X // 2, Z // 2
    thick = 2 if Y >= 32 else 1
    height = Y - 3
    radius = min(X, Z) // 2 - 1

    for x in range(cx - radius, cx + radius + 1):
        for z in range(cz - radius, cz + radius + 1):
            if (x - cx) ** 2 + (z - cz) ** 2 <= 16:
                blocks[(x, 0, z)] = "minecraft:grass_block[snowy=false]"
    for y in range(1, height):
        for dx in range(thick):
            for dz in range(thick):
                blocks[(cx + dx, y, cz + dz)] = f"minecraft:{wood}_log[axis=y]"

    def leaf_ball(px: int, py: int, pz: int, r: float) -> None:
        for x in range(int(px - r), int(px + r) + 1):
            for y in range(int(py - r), int(py + r) + 1):
                for z in range(int(pz - r), int(pz + r) + 1):
                    inside = (x - px) ** 2 + 1.6 * (y - py) ** 2 + (z - pz) ** 2 <= r * r
                    if inside and 0 <= x < X and 1 <= y < Y and 0 <= z < Z and (x, y, z) not in blocks:
                        if rng.random() < 0.92:
                            blocks[(x, y, z)] = f"minecraft:{leaf}[persistent=false]"

    if species == "spruce":
        for y in range(3, height + 1):
            r = 1 + (height - y) * (radius - 1) / height
            if y % 2 == 0:
                r *= 0.7
            for x in range(cx - radius, cx + radius + 1):
                for z in range(cz - radius, cz + radius + 1):
                    if (x - cx) ** 2 + (z - cz) ** 2 <= r * r and (x, y, z) not in blocks:
                        blocks[(x, y, z)] = f"minecraft:{leaf}[persistent=false]"
    else:
        for _ in range(3 + Y // 8):
            by = rng.randint(height // 2, height - 1)
            dx, dz = rng.choice([(1, 0), (-1, 0), (0, 1), (0, -1)])
            length = rng.randint(2, radius - 2)
            for i in range(1, length + 1):
                axis = "x" if dx else "z"
                blocks[(cx + dx * i, by + i // 2, cz + dz * i)] = f"minecraft:{wood}_log[axis={axis}]"
            leaf_ball(cx + dx * length, by + length // 2 + 1, cz + dz * length, radius * 0.55)
        leaf_ball(cx, height, cz, radius * 0.75)

    logs = [p for p, s in blocks.items() if "_log" in s and p[1] > 1]
    if species == "jungle":
        for (x, y, z) in logs[: len(logs) // 2]:
            for dx, dz, face in ((-1, 0, "east"), (0, -1, "south"), (thick, 0, "west"), (0, thick, "north")):
                if (x + dx, y, z + dz) not in blocks and rng.random() < 0.5:
                    blocks[(x + dx, y, z + dz)] = f"minecraft:vine[east={str(face == 'east').lower()},north={str(face == 'north').lower()},south={str(face == 'south').lower()},up=false,west={str(face == 'west').lower()}]"
        x, y, z = logs[0]
        blocks.setdefault((x + thick, y + 1, z), "minecraft:cocoa[age=2,facing=west]")
    if species in ("oak", "birch"):
        x, y, z = logs[len(logs) // 3]
        blocks.setdefault((x + thick, y, z), "minecraft:bee_nest[facing=east,honey_level=0]")
    return Structure.from_blocks({k: v for k, v in blocks.items()}).place_in(size)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=None, help="also write a species sheet to this PNG")
    args = parser.parse_args()

    vocab = BlockVocab.default()
    for size in SIZES:
        tree = build_tree("oak", size).remap(vocab, unknown="air")[0]
        render_structure(tree)  # warm the texture and sprite caches
        t = median_time(lambda: render_structure(tree), args.repeat)
        img = render_structure(tree)
        print(f"render_structure {size:6s} {'x'.join(map(str, tree.shape)):9s} "
              f"{tree.num_blocks:5d} blocks  {img.width}x{img.height} px  {t * 1000:7.1f} ms")
    trees = [build_tree(sp, "normal", seed=i) for i, sp in enumerate(SPECIES[:9])]
    t = median_time(lambda: render_grid(trees, captions=list(SPECIES[:9])), args.repeat)
    print(f"render_grid      3x3 normal trees with captions            {t * 1000:7.1f} ms")
    if args.out:
        sheet = [build_tree(sp, "big", seed=i) for i, sp in enumerate(SPECIES)]
        print("wrote", save_preview(sheet, args.out, captions=[s.replace("_", " ") for s in SPECIES], columns=5))


if __name__ == "__main__":
    main()
