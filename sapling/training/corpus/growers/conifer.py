"""Conifers of vanilla Java 1.21: spruce, pine, mega spruce, mega pine.

=========== ============================ ==================================================
type        trunk placer (base, a, b)    foliage placer
=========== ============================ ==================================================
spruce      StraightTrunkPlacer(5, 2, 1) SpruceFoliagePlacer(r 2-3, offset 0-2, trunk 1-2)
pine        StraightTrunkPlacer(6, 4, 0) PineFoliagePlacer(r1, offset 1, height 3-4)
mega_spruce GiantTrunkPlacer(13, 2, 14)  MegaPineFoliagePlacer(r0, offset 0, crown 13-17)
mega_pine   GiantTrunkPlacer(13, 2, 14)  MegaPineFoliagePlacer(r0, offset 0, crown 3-7)
=========== ============================ ==================================================

The mega trees' ``AlterGroundDecorator`` turns the ground around them to podzol:
here that is the ``ground`` attribute. Small spruces and pines stand on podzol in
old growth taigas (their ``ground`` and ``biome`` say which).
"""

from __future__ import annotations

import math
import random
from typing import Any

from sapling.training.corpus.base import (
    Pos, TreeCanvas, crown_fill, density_word, leaves_row, register, straight_trunk, trunk_height,
)

# Share of small spruces and pines grown as old growth taiga trees, on podzol.
OLD_GROWTH_SHARE = 0.3

# crown_fill thresholds per type (sparse below, dense above): about the 20th and 80th
# percentiles of each type's own trees, so the words compare a tree with its kind.
_DENSITY = {
    "spruce": (0.2645, 0.38),
    "pine": (0.30, 0.415),  # most pines share the narrowest cone: none is called sparse
    "mega_spruce": (0.231, 0.255),
    "mega_pine": (0.276, 0.335),
}


def _spruce_canvas(canvas: TreeCanvas) -> None:
    canvas.wood, canvas.leaf_block = "spruce", "spruce_leaves"


def _corner_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``Spruce/PineFoliagePlacer.shouldSkipLocation``: the four corners of every layer but a single leaf."""
    return dx == radius and dz == radius and radius > 0


def _mega_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``MegaPineFoliagePlacer.shouldSkipLocation``: a disc, its far diagonals cut off."""
    return dx + dz >= 7 or dx * dx + dz * dz > radius * radius


def spruce_foliage(
    canvas: TreeCanvas, rng: random.Random, attach: Pos, radius: int, height: int, offset: int,
) -> None:
    """``SpruceFoliagePlacer``: layers from ``offset`` down to ``-height`` whose radius cycles.

    The radius climbs from 0 (or 1) to a limit that itself grows by one per cycle
    up to ``radius``: the stacked cones of a spruce.
    """
    r, limit, restart = rng.randrange(2), 1, 0
    for dy in range(offset, -height - 1, -1):
        leaves_row(canvas, rng, attach, r, dy, skip=_corner_skip)
        if r >= limit:
            r, restart, limit = restart, 1, min(limit + 1, radius)
        else:
            r += 1


def pine_foliage(
    canvas: TreeCanvas, rng: random.Random, attach: Pos, radius: int, height: int, offset: int = 1,
) -> None:
    """``PineFoliagePlacer``: a narrow cone widening by one per layer, narrowed again at the bottom."""
    r = 0
    for dy in range(offset, offset - height - 1, -1):
        leaves_row(canvas, rng, attach, r, dy, skip=_corner_skip)
        if r >= 1 and dy == offset - height + 1:
            r -= 1
        elif r < radius:
            r += 1


def giant_trunk(canvas: TreeCanvas, height: int) -> Pos:
    """``GiantTrunkPlacer``: a 2x2 trunk at x, z in {0, 1}; only (0, 0) reaches the top layer.

    Returns the (2x2) foliage attachment above the top log.
    """
    for y in range(height):
        canvas.log((0, y, 0))
        if y < height - 1:
            for x, z in ((1, 0), (1, 1), (0, 1)):
                canvas.log((x, y, z))
    return (0, height, 0)


def mega_pine_foliage(
    canvas: TreeCanvas, rng: random.Random, attach: Pos, crown: int, parity: int = 0,
) -> None:
    """``MegaPineFoliagePlacer``: a long cone of ``crown + 1`` layers ending at the attachment.

    The radius grows as 3.5 x depth / crown; on even world heights a layer that
    would repeat the one above juts out by one, giving the ragged outline.
    ``parity`` stands for the world height of the trunk base (vanilla tests the
    absolute y). Layers below the trunk base would be underground and are left out.
    """
    x, top, z = attach
    prev = 0
    for y in range(top - crown, top + 1):
        depth = top - y
        smooth = math.floor(depth / crown * 3.5)
        jagged = smooth + 1 if depth > 0 and smooth == prev and (y + parity) & 1 == 0 else smooth
        if y >= 0:
            leaves_row(canvas, rng, (x, y, z), jagged, 0, giant=True, skip=_mega_skip)
        prev = smooth


def _habitat(rng: random.Random) -> dict[str, str]:
    """Ground and biome of a small conifer: a taiga on grass, or an old growth taiga on podzol."""
    if rng.random() < OLD_GROWTH_SHARE:
        return {"ground": "podzol", "biome": rng.choice(["old_growth_spruce_taiga", "old_growth_pine_taiga"])}
    return {"ground": "grass_block", "biome": "taiga"}


def _attrs(canvas: TreeCanvas, name: str, height: int, width: int) -> dict[str, Any]:
    lo, hi = _DENSITY[name]
    return {
        "trunk_height": height, "trunk_width": width, "decorations": [],
        "leaf_density": density_word(crown_fill(canvas), lo, hi),
    }


@register("spruce", "spruce", biome="taiga")
def spruce(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Spruce: 5-9 logs in stacked cones of leaves that reach nearly to the ground."""
    _spruce_canvas(canvas)
    height = trunk_height(rng, 5, 2, 1)
    foliage_height = max(4, height - rng.randint(1, 2))
    radius = rng.randint(2, 3)
    attach = straight_trunk(canvas, height)
    spruce_foliage(canvas, rng, attach, radius, foliage_height, offset=rng.randint(0, 2))
    return {**_attrs(canvas, "spruce", height, 1), **_habitat(rng)}


@register("pine", "spruce", biome="taiga")
def pine(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Pine: a bare trunk of 6-10 logs topped by a small pointed cone."""
    _spruce_canvas(canvas)
    height = trunk_height(rng, 6, 4, 0)
    foliage_height = rng.randint(3, 4)
    # PineFoliagePlacer.foliageRadius: 1 + rand(0..bare trunk length); the cone's layers cap it.
    radius = 1 + rng.randrange(max(height - foliage_height + 1, 1))
    attach = straight_trunk(canvas, height)
    pine_foliage(canvas, rng, attach, radius, foliage_height)
    return {**_attrs(canvas, "pine", height, 1), **_habitat(rng)}


def _mega(rng: random.Random, canvas: TreeCanvas, name: str, crown: tuple[int, int]) -> dict[str, Any]:
    _spruce_canvas(canvas)
    height = trunk_height(rng, 13, 2, 14)
    crown_height = rng.randint(*crown)
    attach = giant_trunk(canvas, height)
    mega_pine_foliage(canvas, rng, attach, crown_height, parity=rng.randrange(2))
    return {**_attrs(canvas, name, height, 2), "ground": "podzol", "crown_height": crown_height}


@register("mega_spruce", "spruce", biome="old_growth_spruce_taiga", ground="podzol", size="big")
def mega_spruce(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Mega spruce: a 2x2 trunk of 13-29 logs with a long conical crown down most of it."""
    return _mega(rng, canvas, "mega_spruce", (13, 17))


@register("mega_pine", "spruce", biome="old_growth_pine_taiga", ground="podzol", size="big")
def mega_pine(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """Mega pine: a 2x2 trunk of 13-29 logs, mostly bare, with a short cone on top."""
    return _mega(rng, canvas, "mega_pine", (3, 7))
