"""Broadleaf trees of vanilla Java 1.21: oak, fancy (big) oak, birch, tall birch, swamp oak.

Each follows its configured feature in vanilla ``TreeFeatures``:

=========== ===================================== ================================ ==================
type        trunk placer (base, a, b)             foliage placer                   decorators
=========== ===================================== ================================ ==================
oak         StraightTrunkPlacer(4, 2, 0)          BlobFoliagePlacer(r2, off0, h3)  BeehiveDecorator
fancy_oak   FancyTrunkPlacer(3, 11, 0)            FancyFoliagePlacer(r2, off4, h4) BeehiveDecorator
birch       StraightTrunkPlacer(5, 2, 0)          BlobFoliagePlacer(r2, off0, h3)  BeehiveDecorator
tall_birch  StraightTrunkPlacer(5, 2, 6)          BlobFoliagePlacer(r2, off0, h3)  BeehiveDecorator
swamp_oak   StraightTrunkPlacer(5, 3, 0)          BlobFoliagePlacer(r3, off0, h3)  LeaveVineDecorator
=========== ===================================== ================================ ==================

Bee nests are far more common here than in vanilla (0.002 in forests, up to 0.05 in
meadows and flower forests), and swamp oaks carry vines only some of the time
(``base.DECORATION_CHANCE``), so that the corpus holds enough of each to learn from and
trees without them too.
"""

from __future__ import annotations

import math
import random
from typing import Any

from sapling.training.corpus.base import (
    DECORATION_CHANCE, Pos, TreeCanvas, beehive, blob_foliage, crown_fill, density_word, leaf_vines,
    leaves_row, register, straight_trunk, trunk_height, wants,
)

# Bee nest probability of oaks and birches (see module docstring); vanilla's rule for
# where the nest goes fails on some trees (leaves in the way), so fewer get one.
BEES = DECORATION_CHANCE["bee_nest"]

# crown_fill thresholds per type (sparse below, dense above): about the 20th and 80th
# percentiles of each type's own trees, so the words compare a tree with its kind.
_DENSITY = {
    "oak": (0.565, 0.595),
    "fancy_oak": (0.38, 0.58),  # the small one-cluster "ball" oaks (about a third) are dense
    "birch": (0.565, 0.595),
    "tall_birch": (0.565, 0.595),
    "swamp_oak": (0.696, 0.712),
}


def _blob_tree(
    rng: random.Random, canvas: TreeCanvas, name: str, trunk: tuple[int, int, int],
    radius: int, bees: float = 0.0,
) -> dict[str, Any]:
    """A straight trunk under one blob of foliage (oak, birch, swamp oak), optionally with bees."""
    height = trunk_height(rng, *trunk)
    attach = straight_trunk(canvas, height)
    blob_foliage(canvas, rng, attach, radius=radius, height=3, offset=0)
    decorations = ["bee_nest"] if bees and beehive(canvas, rng, bees) else []
    lo, hi = _DENSITY[name]
    return {
        "trunk_height": height, "trunk_width": 1, "decorations": decorations,
        "leaf_density": density_word(crown_fill(canvas), lo, hi),
    }


@register("oak", "oak", biome="forest")
def oak(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """The common oak: 4-6 logs under a round blob of leaves."""
    return _blob_tree(rng, canvas, "oak", (4, 2, 0), radius=2, bees=BEES)


@register("birch", "birch", biome="birch_forest")
def birch(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Birch: a white trunk of 5-7 logs under a blob of leaves; bee nests now and then."""
    canvas.wood, canvas.leaf_block = "birch", "birch_leaves"
    return _blob_tree(rng, canvas, "birch", (5, 2, 0), radius=2, bees=BEES)


@register("tall_birch", "birch", biome="old_growth_birch_forest")
def tall_birch(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Super birch of old growth birch forests: a trunk of 5-13 logs."""
    canvas.wood, canvas.leaf_block = "birch", "birch_leaves"
    return _blob_tree(rng, canvas, "tall_birch", (5, 2, 6), radius=2, bees=BEES)


@register("swamp_oak", "oak", biome="swamp")
def swamp_oak(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Swamp oak: a wide radius-3 blob, hung with vines (``LeaveVineDecorator(0.25)``) when ``wants`` them."""
    attrs = _blob_tree(rng, canvas, "swamp_oak", (5, 3, 0), radius=3)
    if wants(rng, "vines") and leaf_vines(canvas, rng, 0.25):
        attrs["decorations"].append("vines")
    _clip_below_ground(canvas)
    return attrs


def _clip_below_ground(canvas: TreeCanvas) -> None:
    """Drop decorations below the trunk base: in game a hanging vine stops at the ground."""
    for pos in [p for p in canvas.positions("decoration") if p[1] < 0]:
        canvas.remove(pos)


# --- fancy oak: FancyTrunkPlacer + FancyFoliagePlacer ---

def _fancy_shape(height: int, y: int) -> float:
    """``FancyTrunkPlacer.treeShape``: half the crown's width at ``y``; negative below the crown."""
    if y < height * 0.3:
        return -1.0
    half = height / 2.0
    off = half - y
    if off == 0:
        return half * 0.5
    if abs(off) >= half:
        return 0.0
    return math.sqrt(half * half - off * off) * 0.5


def _limb_axis(start: Pos, pos: Pos) -> str:
    """``FancyTrunkPlacer.getLogAxis``: y until the limb leaves the column, then its main horizontal axis."""
    dx, dz = abs(pos[0] - start[0]), abs(pos[2] - start[2])
    if max(dx, dz) == 0:
        return "y"
    return "x" if dx >= dz else "z"


def _limb(canvas: TreeCanvas, start: Pos, end: Pos) -> None:
    """``FancyTrunkPlacer.makeLimb``: logs on the rounded line from ``start`` to ``end``.

    Vanilla steps diagonally, so a branch's logs may touch only at edges or
    corners; here each diagonal step also gets the log(s) that join the two
    along faces (horizontal move first), so every tree is face-connected.
    """
    delta = [e - s for s, e in zip(start, end)]
    steps = max(abs(c) for c in delta)
    prev = None
    for j in range(steps + 1):
        pos = tuple(s + (math.floor(0.5 + j * c / steps) if steps else 0) for s, c in zip(start, delta))
        if prev is not None:
            cur = list(prev)
            for axis in (0, 2, 1):
                if cur[axis] != pos[axis]:
                    cur[axis] = pos[axis]
                    if tuple(cur) != pos:
                        canvas.log(tuple(cur), _limb_axis(start, tuple(cur)))
        canvas.log(pos, _limb_axis(start, pos))
        prev = pos


def _fancy_foliage(canvas: TreeCanvas, rng: random.Random, attach: Pos) -> None:
    """``FancyFoliagePlacer`` (radius 2, offset 4, height 4): five layers of radius 2, 3, 3, 3, 2.

    Skip rule: (dx + 0.5)^2 + (dz + 0.5)^2 > radius^2, which rounds the squares.
    """
    offset, height, radius = 4, 4, 2
    for dy in range(offset, offset - height - 1, -1):
        r = radius + (1 if dy not in (offset, offset - height) else 0)
        leaves_row(canvas, rng, attach, r, dy, skip=_fancy_skip)


def _fancy_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    return (dx + 0.5) ** 2 + (dz + 0.5) ** 2 > radius * radius


@register("fancy_oak", "oak", biome="forest")
def fancy_oak(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Big oak: a trunk ~0.618 of the height with sloping branches, each ending in a leaf cluster."""
    height = trunk_height(rng, 3, 11, 0) + 2  # vanilla works with treeHeight + 2
    trunk_top = math.floor(height * 0.618)
    # Foliage clusters as (attachment, y where its branch leaves the trunk); the first crowns the trunk.
    clusters: list[tuple[Pos, int]] = [((0, height - 5, 0), trunk_top)]
    for y in range(height - 5, -1, -1):
        shape = _fancy_shape(height, y)
        if shape < 0:
            continue
        length = shape * (rng.random() + 0.328)
        angle = rng.random() * 2.0 * math.pi
        end = (math.floor(length * math.sin(angle) + 0.5), y - 1, math.floor(length * math.cos(angle) + 0.5))
        base = min(trunk_top, int(end[1] - math.sqrt(end[0] ** 2 + end[2] ** 2) * 0.381))
        clusters.append((end, base))
    _limb(canvas, (0, 0, 0), (0, trunk_top, 0))
    # Branches leaving the trunk below 0.2 of the height are trimmed with their cluster.
    kept = [(end, base) for end, base in clusters if base >= height * 0.2]
    for end, base in kept:
        if end != (0, base, 0):
            _limb(canvas, (0, base, 0), end)
    for end, _ in kept:
        _fancy_foliage(canvas, rng, end)
    decorations = ["bee_nest"] if beehive(canvas, rng, BEES) else []
    column = 0
    while canvas.kind((0, column, 0)) == "log":
        column += 1
    lo, hi = _DENSITY["fancy_oak"]
    return {
        "trunk_height": column, "trunk_width": 1, "decorations": decorations,
        "branches": sum(1 for end, base in kept if end[0] or end[2]),
        "leaf_density": density_word(crown_fill(canvas), lo, hi),
    }
