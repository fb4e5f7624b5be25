"""Jungle trees, jungle bushes, mega jungle trees and acacias (vanilla Java 1.21 ``TreeFeatures``).

Each grower follows its vanilla trunk placer, foliage placer and decorators
(names in the docstrings) with ``random.Random`` in place of the game's random
source. Two deliberate departures, shared with the other corpus growers: a
diagonal log step becomes a small stair (``face_path``) so that every tree is
face-connected, and leaves the game would decay are removed.
"""

from __future__ import annotations

import math
import random
from typing import Any

from sapling.training.corpus.base import (
    HORIZONTAL, Pos, TreeCanvas, blob_foliage, clip_decorations, crown_fill, density_word,
    drop_decaying_leaves, face_path, leaf_vines, leaves_row, register, straight_trunk, trunk_height,
    trunk_vines, wants,
)

# Crown fill (``crown_fill``) below / above which a tree reads "sparse" / "dense":
# roughly the lower and upper quartiles of each type over many seeds.
DENSITY = {
    "jungle": (0.57, 0.59),
    "jungle_bush": (0.42, 0.59),
    "mega_jungle": (0.165, 0.225),
    "acacia": (0.32, 0.59),
}

_DIRECTIONS = tuple(HORIZONTAL)  # north, south, west, east


def _log_to(canvas: TreeCanvas, prev: Pos, pos: Pos) -> None:
    """A log at ``pos``, with stair logs from ``prev`` when the step is diagonal (vanilla logs are axis y)."""
    for p in face_path(prev, pos):
        canvas.log(p)


def _attrs(name: str, canvas: TreeCanvas, trunk: int, width: int, decorations: list[str], **extra: Any) -> dict[str, Any]:
    lo, hi = DENSITY[name]
    return {
        "trunk_height": trunk,
        "trunk_width": width,
        "decorations": decorations,
        "leaf_density": density_word(crown_fill(canvas), lo, hi),
        **extra,
    }


# --- decorators ---


def cocoa(canvas: TreeCanvas, rng: random.Random, probability: float = 0.2) -> bool:
    """``CocoaDecorator``: with ``probability``, pods on the lowest three log layers.

    Each free side of such a log gets a pod with chance 1/4; ``facing`` points from
    the pod to its log, ``age`` is 0-2.
    """
    if rng.random() >= probability:
        return False
    logs = sorted(canvas.positions("log"), key=lambda p: (p[1], p[0], p[2]))
    if not logs:
        return False
    lowest = logs[0][1]
    placed = False
    for (x, y, z) in logs:
        if y - lowest > 2:
            break
        for facing, (dx, dz) in HORIZONTAL.items():
            if rng.random() <= 0.25:
                state = f"minecraft:cocoa[age={rng.randrange(3)},facing={facing}]"
                placed |= canvas.place_if_air((x - dx, y, z - dz), state)
    return placed


def _vines(canvas: TreeCanvas, rng: random.Random, leaf_probability: float = 0.25) -> bool:
    """``TrunkVineDecorator`` then ``LeaveVineDecorator``; vines stop at the ground (y = -1)."""
    placed = trunk_vines(canvas, rng)
    placed = leaf_vines(canvas, rng, leaf_probability) or placed
    clip_decorations(canvas, 0)
    return placed


# --- jungle tree and jungle bush ---


@register("jungle", "jungle", biome="jungle")
def jungle(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``JUNGLE_TREE``: straight trunk 4+8+0, blob foliage r2 h3, cocoa, trunk and leaf vines.

    Vanilla's cocoa (0.2) and vines (always) come at the corpus's rates, ``base.DECORATION_CHANCE``.
    """
    canvas.wood, canvas.leaf_block = "jungle", "jungle_leaves"
    height = trunk_height(rng, 4, 8, 0)
    blob_foliage(canvas, rng, straight_trunk(canvas, height), radius=2, height=3)
    decorations = []
    if wants(rng, "cocoa") and cocoa(canvas, rng, 1.0):
        decorations.append("cocoa")
    if wants(rng, "vines") and _vines(canvas, rng):
        decorations.append("vines")
    return _attrs("jungle", canvas, height, 1, decorations)


def bush_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``BushFoliagePlacer.shouldSkipLocation``: each corner is skipped with chance 1/2."""
    return dx == radius and dz == radius and rng.randrange(2) == 0


@register("jungle_bush", "jungle", biome="jungle")
def jungle_bush(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``JUNGLE_BUSH``: one jungle log under a ``BushFoliagePlacer`` (r2, offset 1, height 2).

    Vanilla uses oak leaves here; the corpus uses jungle leaves so that a "jungle"
    prompt stays one species (species purity counts logs and leaves alike).
    """
    canvas.wood, canvas.leaf_block = "jungle", "jungle_leaves"
    attach = straight_trunk(canvas, trunk_height(rng, 1, 0, 0))
    radius, offset, height = 2, 1, 2
    for dy in range(offset, offset - height - 1, -1):
        leaves_row(canvas, rng, attach, radius - 1 - dy, dy, skip=bush_skip)
    return _attrs("jungle_bush", canvas, 1, 1, [], bush=True)


# --- mega jungle tree ---


def mega_jungle_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``MegaJungleFoliagePlacer.shouldSkipLocation``: a disc of ``radius``, never 7 or more out."""
    return dx + dz >= 7 or dx * dx + dz * dz > radius * radius


def _mega_jungle_foliage(canvas: TreeCanvas, rng: random.Random, attach: Pos, radius_offset: int, giant: bool) -> None:
    """``MegaJungleFoliagePlacer`` (radius 2, offset 0, height 2): discs widening downwards."""
    layers = 2 if giant else 1 + rng.randrange(2)
    for dy in range(0, -layers - 1, -1):
        leaves_row(canvas, rng, attach, 2 + radius_offset + 1 - dy, dy, giant, mega_jungle_skip)


@register("mega_jungle", "jungle", biome="jungle", size="big")
def mega_jungle(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``MEGA_JUNGLE_TREE``: ``MegaJungleTrunkPlacer`` 10+2+19, mega jungle foliage, trunk and leaf vines.

    The 2x2 giant trunk (``GiantTrunkPlacer``: the top layer is a single log) carries
    limbs every 2-5 blocks in its upper half: five logs fanning out at a random
    angle from the trunk centre, rising one block every two, each ending in a small
    crown. Vanilla limb logs keep axis y.
    """
    canvas.wood, canvas.leaf_block = "jungle", "jungle_leaves"
    height = trunk_height(rng, 10, 2, 19)
    for y in range(height):
        canvas.log((0, y, 0))
        if y < height - 1:
            for x, z in ((1, 0), (1, 1), (0, 1)):
                canvas.log((x, y, z))
    crowns: list[tuple[Pos, int, bool]] = [((0, height, 0), 0, True)]
    limb_y = height - 2 - rng.randrange(4)
    while limb_y > height // 2:
        angle = rng.random() * 2 * math.pi
        prev = (1, limb_y - 3, 1)  # the first limb log lies inside the trunk
        for j in range(5):
            pos = (int(1.5 + math.cos(angle) * j), limb_y - 3 + j // 2, int(1.5 + math.sin(angle) * j))
            _log_to(canvas, prev, pos)
            prev = pos
        crowns.append(((prev[0], limb_y, prev[2]), -2, False))
        limb_y -= 2 + rng.randrange(4)
    for attach, radius_offset, giant in crowns:
        _mega_jungle_foliage(canvas, rng, attach, radius_offset, giant)
    drop_decaying_leaves(canvas)
    decorations = ["vines"] if wants(rng, "vines") and _vines(canvas, rng) else []
    if wants(rng, "cocoa") and cocoa(canvas, rng, 1.0):
        decorations.append("cocoa")
    return _attrs("mega_jungle", canvas, height, 2, decorations, branches=len(crowns) - 1)


# --- acacia ---


def acacia_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``AcaciaFoliagePlacer.shouldSkipLocation``: a plus on the top layer, no corners below."""
    if dy == 0:
        return (dx > 1 or dz > 1) and dx != 0 and dz != 0
    return dx == radius and dz == radius and radius > 0


def _acacia_foliage(canvas: TreeCanvas, rng: random.Random, attach: Pos, radius_offset: int) -> None:
    """``AcaciaFoliagePlacer`` (radius 2, offset 0): a wide flat layer and a small cap above it."""
    radius = 2
    leaves_row(canvas, rng, attach, radius + radius_offset, -1, skip=acacia_skip)
    leaves_row(canvas, rng, attach, radius - 1, 0, skip=acacia_skip)
    leaves_row(canvas, rng, attach, radius + radius_offset - 1, 0, skip=acacia_skip)


@register("acacia", "acacia", biome="savanna")
def acacia(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``ACACIA``: ``ForkingTrunkPlacer`` 5+2+2 and acacia foliage.

    The trunk leans 1-3 blocks one way near its top; a second fork may branch off
    lower down in another direction, each with its own flat crown.
    """
    canvas.wood, canvas.leaf_block = "acacia", "acacia_leaves"
    height = trunk_height(rng, 5, 2, 2)
    dx, dz = HORIZONTAL[rng.choice(_DIRECTIONS)]
    lean_from = height - rng.randrange(4) - 1
    lean = 3 - rng.randrange(3)
    x = z = 0
    prev = (0, -1, 0)
    for y in range(height):
        if y >= lean_from and lean > 0:
            x, z, lean = x + dx, z + dz, lean - 1
        _log_to(canvas, prev, (x, y, z))
        prev = (x, y, z)
    crowns = [((x, height, z), 1)]
    fdx, fdz = HORIZONTAL[rng.choice(_DIRECTIONS)]
    forked = (fdx, fdz) != (dx, dz)
    if forked:
        start = lean_from - rng.randrange(2) - 1
        steps = 1 + rng.randrange(3)
        x = z = 0
        prev = None
        for y in range(start, height):
            if steps <= 0:
                break
            steps -= 1
            if y < 1:
                continue
            x, z = x + fdx, z + fdz
            if prev is None:
                canvas.log((x, y, z))  # beside the trunk, which is still straight down here
            else:
                _log_to(canvas, prev, (x, y, z))
            prev = (x, y, z)
        forked = prev is not None
        if forked:
            crowns.append(((prev[0], prev[1] + 1, prev[2]), 0))
    for attach, radius_offset in crowns:
        _acacia_foliage(canvas, rng, attach, radius_offset)
    return _attrs("acacia", canvas, height, 1, [], forked=forked)
