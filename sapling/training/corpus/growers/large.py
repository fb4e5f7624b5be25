"""Big (16x32x16) and huge (24x64x24) trees of every species, grown from the vanilla placers.

Vanilla grows few trees taller than 16 blocks (mega spruces, mega jungle trees, some tall
mangroves) and none of most species. Players build them: a thick trunk with a root
flare, branches that climb out of its upper part, a foliage cluster at every branch
end. These types grow that shape from each species' own trunk and foliage placers with
scaled parameters (the vanilla names in the table), a ``big_<species>`` and a
``huge_<species>`` type for every species:

========== ========================================== =======================================
species    trunk placer, scaled                       foliage placer at each branch end
========== ========================================== =======================================
oak        FancyTrunkPlacer (branches up the crown)   FancyFoliagePlacer, radius 2 (huge 3)
birch      StraightTrunkPlacer with short limbs       BlobFoliagePlacer, radius 2 (huge 3)
spruce     GiantTrunkPlacer                           SpruceFoliagePlacer tiers, radius to 6/10
jungle     MegaJungleTrunkPlacer (limbs)              MegaJungleFoliagePlacer discs
acacia     ForkingTrunkPlacer (2-5 forks)             AcaciaFoliagePlacer, radius 3 (huge 4-5)
dark_oak   DarkOakTrunkPlacer (side limbs)            DarkOakFoliagePlacer, radius 2-3 (huge 3-4)
pale_oak   DarkOakTrunkPlacer (side limbs)            DarkOakFoliagePlacer, pale moss
cherry     CherryTrunkPlacer (branches)               CherryFoliagePlacer, radius 4 (huge 5)
mangrove   UpwardsBranchingTrunkPlacer, prop roots    RandomSpreadFoliagePlacer r3 (huge r4)
azalea     BendingTrunkPlacer (branches)              RandomSpreadFoliagePlacer, azalea leaves
========== ========================================== =======================================

Big trunks are 2x2 (birches and mangroves 1x1 or 2x2), huge ones 3x3 narrowing to 2x2
and 1x1 higher up (birches, mangroves: 2x2). Branch ends lie in one band at the top of
the trunk, close enough that their clusters join into one crown (jungle trees keep
vanilla's crowns on limbs down the trunk). Logs step one face at a time, leaves the
game would decay are removed, and a tree that does not need exactly its bucket (too
wide, or small enough for the one below) is drawn again with shorter branches, so every
tree is face-connected, keeps its leaves and fills its bucket. Decorations come at
``base.DECORATION_CHANCE``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import Any, Callable

from sapling.blocks import block_kind
from sapling.errors import StructureError
from sapling.structure import bucket_for
from sapling.training.corpus.base import (
    HORIZONTAL, MAX_HONEY, Pos, TreeCanvas, bee_nest_state, blob_foliage, clip_decorations, crown_fill,
    density_word, drop_decaying_leaves, face_path, leaf_vines, leaves_row, register, trunk_vines, wants,
)
from sapling.training.corpus.growers.special import (
    MUDDY_ROOTS, ROOTS, cherry_foliage, dark_oak_skip, hanging_propagules, pale_moss, random_spread_foliage,
)
from sapling.training.corpus.growers.tropical import acacia_skip, cocoa, mega_jungle_skip

LARGE_SIZES = ("big", "huge")  # the buckets these types are grown for
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))  # radians between successive branches: they surround the trunk
# Draws of one tree before giving up; each later draw shortens the branches a little more.
MAX_ATTEMPTS = 12
# crown_fill thresholds (sparse below, dense above), about the 20th and 80th percentiles
# of each type's own trees over 60 seeds.
DENSITY: dict[str, tuple[float, float]] = {
    "big_oak": (0.281, 0.361), "huge_oak": (0.254, 0.306),
    "big_birch": (0.314, 0.393), "huge_birch": (0.296, 0.382),
    "big_spruce": (0.241, 0.303), "huge_spruce": (0.213, 0.25),
    "big_jungle": (0.179, 0.223), "huge_jungle": (0.096, 0.128),
    "big_acacia": (0.289, 0.407), "huge_acacia": (0.252, 0.336),
    "big_dark_oak": (0.292, 0.361), "huge_dark_oak": (0.214, 0.296),
    "big_pale_oak": (0.294, 0.37), "huge_pale_oak": (0.218, 0.303),
    "big_cherry": (0.349, 0.406), "huge_cherry": (0.366, 0.44),
    "big_mangrove": (0.288, 0.38), "huge_mangrove": (0.237, 0.288),
    "big_azalea": (0.178, 0.236), "huge_azalea": (0.119, 0.162),
}

Cluster = Callable[[TreeCanvas, random.Random, Pos], None]


# --- trunk, flare, branches ---


def footprint(width: int) -> list[tuple[int, int]]:
    """The (x, z) cells of a trunk ``width`` blocks across: 1x1 at 0, 2x2 at 0..1 (vanilla's giant trunk), 3x3 at -1..1.

    Each narrower footprint lies inside the wider one, so a tapering trunk stays face-connected.
    """
    lo = -1 if width == 3 else 0
    return [(x, z) for x in range(lo, lo + width) for z in range(lo, lo + width)]


def thick_trunk(canvas: TreeCanvas, height: int, width: int, narrow_at: tuple[int, ...] = ()) -> None:
    """``GiantTrunkPlacer`` widened: ``height`` layers of a ``width`` x ``width`` trunk, one block narrower from each y in ``narrow_at``."""
    w = width
    for y in range(height):
        w = width - sum(1 for n in narrow_at if y >= n)
        for x, z in footprint(max(w, 1)):
            canvas.log((x, y, z))


def root_flare(canvas: TreeCanvas, rng: random.Random, width: int, chance: float, reach: int = 1) -> None:
    """Buttress logs at the trunk base: beside each side cell with ``chance``, lying outwards, up to ``reach`` long.

    Players widen the foot of a big trunk this way; each flare log touches the trunk (or
    the flare log before it) at a face.
    """
    cells = set(footprint(width))
    for (x, z) in sorted(cells):
        for dx, dz in HORIZONTAL.values():
            if (x + dx, z + dz) in cells or rng.random() >= chance:
                continue
            axis = "x" if dx else "z"
            for k in range(1, 1 + rng.randint(1, reach)):
                canvas.log((x + dx * k, 0, z + dz * k), axis)
            if width >= 3 and rng.random() < 0.5:
                canvas.log((x + dx, 1, z + dz))


def branch(canvas: TreeCanvas, start: Pos, end: Pos) -> None:
    """Logs on the rounded straight line from ``start`` to ``end`` (``FancyTrunkPlacer.makeLimb``), face-connected.

    A diagonal step gets the logs that join it along faces (sideways first, then up), and
    each log's axis is the direction of the step that reached it.
    """
    delta = [e - s for s, e in zip(start, end)]
    steps = max(abs(c) for c in delta)
    cur = list(start)
    for j in range(1, steps + 1):
        pos = [s + math.floor(0.5 + j * c / steps) for s, c in zip(start, delta)]
        for axis in (0, 2, 1):
            if cur[axis] != pos[axis]:
                cur[axis] = pos[axis]
                canvas.log(tuple(cur), "xyz"[axis])


def twigs(canvas: TreeCanvas, end: Pos, length: int, up: int = 1) -> None:
    """Short logs inside a large cluster: ``length`` out each way along x and z, ``up`` above, so no leaf sits far from wood."""
    x, y, z = end
    for dx, dz in HORIZONTAL.values():
        for k in range(1, length + 1):
            canvas.log((x + dx * k, y, z + dz * k), "x" if dx else "z")
    for k in range(1, up + 1):
        canvas.log((x, y + k, z))


def _spread_ends(rng: random.Random, n: int, y_lo: int, y_hi: int, reach: tuple[float, float], spacing: int) -> list[tuple[float, int, float]]:
    """``n`` or more branch ends as (angle, y, length): heights from ``y_hi`` down to ``y_lo`` at most ``spacing`` apart,
    angles a golden-angle spiral (so branches surround the trunk), lengths shorter towards the top (a dome)."""
    span = max(y_hi - y_lo, 0)
    n = max(n, math.ceil(span / spacing) + 1 if spacing else n)
    theta = rng.random() * 2 * math.pi
    ends = []
    for i in range(n):
        y = y_hi - (round(i * span / (n - 1)) if n > 1 else 0)
        y = min(y_hi, max(y_lo, y + rng.randint(-1, 1) * (spacing > 2)))
        t = (y - y_lo) / span if span else 0.0  # 0 at the bottom of the crown, 1 at the top
        length = rng.uniform(*reach) * (1.0 - 0.35 * t)
        ends.append((theta + i * GOLDEN_ANGLE + rng.uniform(-0.3, 0.3), y, length))
    return ends


def _end_point(angle: float, y: int, length: float, width: int) -> Pos:
    """Where a branch of ``length`` at ``angle`` ends, measured from the trunk's middle (2x2: the corner at 0.5, 0.5)."""
    c = 0.5 if width == 2 else 0.0
    x, z = math.floor(c + length * math.cos(angle) + 0.5), math.floor(c + length * math.sin(angle) + 0.5)
    if x == 0 and z == 0:
        x = 1 if math.cos(angle) >= 0 else -1
    return (x, y, z)


def _beside(angle: float, y: int, width: int) -> Pos:
    """The cell just outside the trunk's footprint towards ``angle`` (along its main axis), touching the trunk at a face."""
    lo, hi = (-1, 1) if width == 3 else (0, width - 1)
    if abs(math.cos(angle)) >= abs(math.sin(angle)):
        return (hi + 1 if math.cos(angle) > 0 else lo - 1, y, 0)
    return (0, y, hi + 1 if math.sin(angle) > 0 else lo - 1)


# --- foliage clusters (vanilla placers with a radius) ---


def _fancy_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    return (dx + 0.5) ** 2 + (dz + 0.5) ** 2 > radius * radius


def fancy_cluster(radius: int) -> Cluster:
    """``FancyFoliagePlacer`` (offset 4, height 4) of ``radius``: five rounded layers rising from the branch end."""
    def place(canvas: TreeCanvas, rng: random.Random, end: Pos) -> None:
        if radius >= 3:
            twigs(canvas, end, radius - 2, up=2)
        for dy in range(5):
            leaves_row(canvas, rng, end, radius + (0 if dy in (0, 4) else 1), dy, skip=_fancy_skip)
    return place


def blob_cluster(radius: int) -> Cluster:
    """``BlobFoliagePlacer`` (height 3) of ``radius`` on the block above the branch end."""
    def place(canvas: TreeCanvas, rng: random.Random, end: Pos) -> None:
        blob_foliage(canvas, rng, (end[0], end[1] + 1, end[2]), radius=radius, height=3)
    return place


def acacia_cluster(radius_offset: int) -> Cluster:
    """``AcaciaFoliagePlacer`` with ``radius_offset``: a flat layer of radius 2 + offset and a small cap."""
    def place(canvas: TreeCanvas, rng: random.Random, end: Pos) -> None:
        attach = (end[0], end[1] + 1, end[2])
        if radius_offset >= 2:
            twigs(canvas, end, radius_offset, up=0)
        leaves_row(canvas, rng, attach, 2 + radius_offset, -1, skip=acacia_skip)
        leaves_row(canvas, rng, attach, 1, 0, skip=acacia_skip)
        leaves_row(canvas, rng, attach, 1 + radius_offset, 0, skip=acacia_skip)
    return place


def _dark_oak_row(canvas: TreeCanvas, rng: random.Random, center: Pos, radius: int, dy: int, giant: bool) -> None:
    cx, cy, cz = center
    for x in range(-radius, radius + 1 + giant):
        for z in range(-radius, radius + 1 + giant):
            if not dark_oak_skip(rng, x, dy, z, radius, giant):
                canvas.leaves((cx + x, cy + dy, cz + z))


def dark_oak_cluster(radius: int, giant: bool = False) -> Cluster:
    """``DarkOakFoliagePlacer`` of ``radius``: a wide flat layer, a narrower one under it and a rounded one above."""
    def place(canvas: TreeCanvas, rng: random.Random, end: Pos) -> None:
        attach = (end[0], end[1] + 1, end[2])
        if radius >= 3:
            twigs(canvas, end, radius - 2, up=0)
        for r, dy in ((radius - 1, -1), (radius, 0), (radius - 1, 1)):
            _dark_oak_row(canvas, rng, attach, r, dy, giant)
        if giant:
            _dark_oak_row(canvas, rng, attach, radius - 2, 2, giant)
    return place


def cherry_cluster(canvas: TreeCanvas, rng: random.Random, end: Pos, radius: int) -> list[Pos]:
    """``CherryFoliagePlacer`` of ``radius`` above the branch end; returns its hanging leaves."""
    if radius >= 5:
        twigs(canvas, end, radius - 3, up=1)
    return cherry_foliage(canvas, rng, (end[0], end[1] + 1, end[2]), radius)


def mega_jungle_cluster(radius_offset: int, layers: int, giant: bool = False) -> Cluster:
    """``MegaJungleFoliagePlacer``: discs widening downwards from the branch end, ``layers`` + 1 of them."""
    def place(canvas: TreeCanvas, rng: random.Random, end: Pos) -> None:
        if radius_offset >= 0:
            twigs(canvas, (end[0], end[1] - 1, end[2]), radius_offset + 2, up=0)
        for dy in range(0, -layers - 1, -1):
            leaves_row(canvas, rng, end, 2 + radius_offset + 1 - dy, dy, giant, mega_jungle_skip)
    return place


def spread_cluster(radius: int, height: int, attempts: int, leaf: Callable[[random.Random], str] | None = None,
                   floor: int = 0) -> Cluster:
    """``RandomSpreadFoliagePlacer``: ``attempts`` leaves scattered around the branch end."""
    def place(canvas: TreeCanvas, rng: random.Random, end: Pos) -> None:
        random_spread_foliage(canvas, rng, end, radius, height, attempts, floor=floor, leaf=leaf)
    return place


# --- decorations of the large trees ---


def large_vines(canvas: TreeCanvas, rng: random.Random, floor: int = 0) -> bool:
    """``TrunkVineDecorator`` (a third of the free log sides) and a sparse ``LeaveVineDecorator``, stopping at the ground."""
    placed = trunk_vines(canvas, rng, 0.3)
    placed = leaf_vines(canvas, rng, 0.05) or placed
    clip_decorations(canvas, floor)
    return placed


def large_bee_nest(canvas: TreeCanvas, rng: random.Random) -> bool:
    """A bee nest on the side of a log near the crown's underside, its front (``facing``) to the open air.

    Placed as ``BeehiveDecorator`` would (beside a log, just under the leaves), but facing
    away from its log on any side, with ``honey_level`` 0-5. Returns whether one was placed.
    """
    leaves = canvas.positions("leaves")
    if not leaves:
        return False
    low = min(p[1] for p in leaves)
    spots = []
    for (x, y, z) in sorted(canvas.positions("log")):
        if not low - 2 <= y <= low + 1 or y < 1:
            continue
        for face, (dx, dz) in HORIZONTAL.items():
            p, front = (x + dx, y, z + dz), (x + 2 * dx, y, z + 2 * dz)
            if canvas.is_air(p) and canvas.is_air(front):
                spots.append((p, face))
    if not spots:
        return False
    p, face = rng.choice(spots)
    canvas.set(p, bee_nest_state(face, rng.randint(0, MAX_HONEY)))
    return True


# --- the growers ---


@dataclass(frozen=True)
class Crowned:
    """One size of a broadleaf form: a thick trunk, branches climbing out of its top, a cluster on each end.

    Heights are trunk layers; ``band`` says where branch ends lie, as fractions of the trunk
    height; ``spacing`` is the largest height step between two ends (less than a cluster's
    own height, so the clusters make one crown).
    """

    trunk: tuple[int, int]
    width: int
    narrow: tuple[float, ...]  # fractions of the trunk height where it narrows by one block
    branches: tuple[int, int]
    band: tuple[float, float]
    reach: tuple[float, float]
    rise: tuple[int, int]
    spacing: int
    cluster: Cluster
    top: bool = True  # a cluster on the trunk top too
    flare: float = 0.0


def grow_crowned(rng: random.Random, canvas: TreeCanvas, form: Crowned, shrink: float, width: int | None = None) -> dict[str, Any]:
    """Grow ``form``: trunk, flare, branches to ends in the crown band, clusters, then drop decaying leaves."""
    height = rng.randint(*form.trunk)
    width = width or form.width
    thick_trunk(canvas, height, width, tuple(round(f * height) for f in form.narrow))
    if form.flare:
        root_flare(canvas, rng, width, form.flare, reach=1 + (width >= 3))
    y_lo, y_hi = round(form.band[0] * height), min(round(form.band[1] * height), height - 1)
    reach = (form.reach[0] * (1 - 0.5 * shrink), form.reach[1] * (1 - 0.5 * shrink))
    ends = []
    for angle, y, length in _spread_ends(rng, rng.randint(*form.branches), y_lo, y_hi, reach, form.spacing):
        end = _end_point(angle, y, length, width)
        start_y = max(min(y - rng.randint(*form.rise), height - 1), 1)
        branch(canvas, (0, start_y, 0), end)
        ends.append(end)
    if form.top:
        ends.append((0, height - 1, 0))
    for end in ends:
        form.cluster(canvas, rng, end)
    drop_decaying_leaves(canvas)
    return {"trunk_height": height, "trunk_width": width, "branches": len(ends) - form.top}


def _extent(canvas: TreeCanvas, level: int, ground: bool = True) -> tuple[int, int, int]:
    """``(X, Y, Z)`` of the canvas, with the ground patch ``generate_tree`` lays at y = ``level`` under the base logs."""
    cells = list(canvas.blocks)
    cells += [
        (x + dx, level, z + dz)
        for (x, y, z), s in canvas.blocks.items() if ground and y in (level, level + 1) and block_kind(s) == "log"
        for dx in (-1, 0, 1) for dz in (-1, 0, 1)
    ]
    return tuple(max(c[i] for c in cells) - min(c[i] for c in cells) + 1 for i in range(3))  # type: ignore[return-value]


def grown_in(size: str, rng: random.Random, canvas: TreeCanvas, build: Callable[[float], dict[str, Any]]) -> dict[str, Any]:
    """``build(shrink)`` until the tree needs exactly bucket ``size``; ``shrink`` grows from 0 with each draw.

    It must need that bucket with its ground patch and without it, so that its height
    above the ground (what its caption's size word says) is a height of the bucket too.
    Raises ``StructureError`` after ``MAX_ATTEMPTS`` draws (never seen: the forms are sized to fit).
    """
    for attempt in range(MAX_ATTEMPTS):
        canvas.blocks.clear()
        attrs = build(attempt / MAX_ATTEMPTS)
        level = attrs.get("ground_level", -1)
        if bucket_for(_extent(canvas, level)) == size == bucket_for(_extent(canvas, level, ground=False)):
            return attrs
    raise StructureError(f"a {size} tree did not fit its bucket in {MAX_ATTEMPTS} draws")


def _finish(name: str, canvas: TreeCanvas, attrs: dict[str, Any], decorations: list[str]) -> dict[str, Any]:
    lo, hi = DENSITY[name]
    return {**attrs, "decorations": decorations, "leaf_density": density_word(crown_fill(canvas), lo, hi)}


def _bees(canvas: TreeCanvas, rng: random.Random) -> list[str]:
    return ["bee_nest"] if wants(rng, "bee_nest") and large_bee_nest(canvas, rng) else []


# Per species: {size: form}. Heights keep big trees 17-31 blocks tall and huge ones 34-62.
OAK = {
    "big": Crowned((15, 25), 2, (0.8,), (6, 9), (0.45, 1.0), (2.5, 5.0), (1, 3), 4, fancy_cluster(2), flare=0.3),
    "huge": Crowned((31, 55), 3, (0.45, 0.8), (12, 18), (0.45, 1.0), (4.0, 8.0), (2, 5), 4, fancy_cluster(3), flare=0.5),
}
BIRCH = {
    "big": Crowned((17, 29), 1, (), (5, 8), (0.5, 1.0), (1.0, 3.0), (1, 2), 3, blob_cluster(2)),
    "huge": Crowned((34, 58), 2, (0.85,), (10, 14), (0.5, 1.0), (2.0, 5.0), (1, 3), 3, blob_cluster(3), flare=0.2),
}
JUNGLE = {
    "big": Crowned((17, 27), 2, (), (3, 5), (0.5, 0.85), (3.0, 4.5), (2, 3), 4, mega_jungle_cluster(-1, 1), flare=0.4),
    "huge": Crowned((32, 54), 3, (0.6,), (5, 8), (0.5, 0.85), (4.0, 7.0), (2, 4), 5, mega_jungle_cluster(0, 1), flare=0.6),
}
JUNGLE_TOP = {"big": mega_jungle_cluster(0, 2, giant=True), "huge": mega_jungle_cluster(1, 2)}
DARK_OAK = {
    "big": Crowned((15, 27), 2, (), (6, 10), (0.65, 1.0), (2.0, 4.0), (1, 3), 2, dark_oak_cluster(2), flare=0.4),
    "huge": Crowned((31, 55), 3, (0.7,), (12, 18), (0.65, 1.0), (4.0, 8.0), (1, 3), 2, dark_oak_cluster(3), flare=0.6),
}
DARK_OAK_TOP = {"big": dark_oak_cluster(3, giant=True), "huge": dark_oak_cluster(4)}


def _azalea_leaf(rng: random.Random) -> str:
    """Azalea and flowering azalea leaves, 3:1 (as the vanilla azalea tree)."""
    return "flowering_azalea_leaves" if rng.randrange(4) == 0 else "azalea_leaves"


AZALEA = {
    "big": Crowned((15, 28), 2, (0.75,), (5, 8), (0.45, 1.0), (2.0, 4.0), (1, 3), 2,
                   spread_cluster(3, 2, 50, _azalea_leaf)),
    "huge": Crowned((31, 56), 3, (0.5, 0.8), (10, 16), (0.45, 1.0), (3.0, 7.0), (1, 3), 4,
                    spread_cluster(4, 3, 110, _azalea_leaf)),
}


def _oak(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge oak: a fancy oak's branches up a thick trunk; now and then a swamp oak hung with vines."""
        swamp = rng.random() < 0.25
        attrs = grown_in(size, rng, canvas, lambda shrink: grow_crowned(rng, canvas, OAK[size], shrink))
        decorations = _bees(canvas, rng)
        if swamp and wants(rng, "vines") and large_vines(canvas, rng):
            decorations.append("vines")
        return {**_finish(f"{size}_oak", canvas, attrs, decorations), "biome": "swamp" if swamp else "forest"}
    return grow


def _birch(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge birch: a tall white trunk with short limbs, each under a blob of leaves."""
        canvas.wood, canvas.leaf_block = "birch", "birch_leaves"
        width = rng.choice((1, 2)) if size == "big" else 2
        attrs = grown_in(size, rng, canvas, lambda shrink: grow_crowned(rng, canvas, BIRCH[size], shrink, width))
        return _finish(f"{size}_birch", canvas, attrs, _bees(canvas, rng))
    return grow


def _jungle(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge jungle tree: a mega jungle trunk, limbs with small crowns, a wide crown on top."""
        canvas.wood, canvas.leaf_block = "jungle", "jungle_leaves"

        def build(shrink: float) -> dict[str, Any]:
            form = JUNGLE[size]
            attrs = grow_crowned(rng, canvas, replace(form, top=False), shrink)
            top = (0, attrs["trunk_height"] - 1, 0)
            JUNGLE_TOP[size](canvas, rng, (top[0], top[1] + 1, top[2]))
            drop_decaying_leaves(canvas)
            return attrs

        attrs = grown_in(size, rng, canvas, build)
        decorations = []
        if wants(rng, "cocoa") and cocoa(canvas, rng, 1.0):
            decorations.append("cocoa")
        if wants(rng, "vines") and large_vines(canvas, rng):
            decorations.append("vines")
        return _finish(f"{size}_jungle", canvas, attrs, decorations)
    return grow


def _dark_oak(size: str, pale: bool):
    species = "pale_oak" if pale else "dark_oak"

    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge dark (or pale) oak: side limbs around a thick trunk under one flat, wide crown."""
        canvas.wood, canvas.leaf_block = species, f"{species}_leaves"

        def build(shrink: float) -> dict[str, Any]:
            attrs = grow_crowned(rng, canvas, replace(DARK_OAK[size], top=False), shrink)
            h = attrs["trunk_height"]
            DARK_OAK_TOP[size](canvas, rng, (0, h - 1, 0))
            drop_decaying_leaves(canvas)
            return attrs

        attrs = grown_in(size, rng, canvas, build)
        decorations: list[str] = []
        if pale:
            ground, hanging = pale_moss(canvas, rng, 0.08, 0.25, 0.8, hanging=wants(rng, "hanging_moss"))
            decorations = ["hanging_moss"] if hanging else []
            if ground:
                attrs["ground"] = "pale_moss_block"
        return _finish(f"{size}_{species}", canvas, attrs, decorations)
    return grow


def _azalea(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge azalea: an oak trunk bending into branches, clusters of azalea and flowering leaves."""
        canvas.wood, canvas.leaf_block = "oak", "azalea_leaves"
        attrs = grown_in(size, rng, canvas, lambda shrink: grow_crowned(rng, canvas, AZALEA[size], shrink))
        flowering = any("flowering_azalea_leaves" in s for s in canvas.blocks.values())
        out = _finish(f"{size}_azalea", canvas, attrs, ["flowers"] if flowering else [])
        return {**out, "biome": rng.choice(("lush_caves", "meadow"))}
    return grow


# --- acacia: ForkingTrunkPlacer with several forks ---

ACACIA = {  # straight trunk, forks, fork rise, fork reach, canopy radius offset
    "big": ((10, 15), (2, 3), (7, 12), (2.5, 4.0), 1),
    "huge": ((20, 32), (3, 5), (14, 24), (4.5, 7.5), 2),
}


def _acacia(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge acacia: a thick straight trunk splitting into leaning forks, each under a flat canopy.

        The forks end within two layers of each other, so their canopies make one crown.
        """
        canvas.wood, canvas.leaf_block = "acacia", "acacia_leaves"
        trunk, forks, rise, reach, offset = ACACIA[size]
        width = 2 if size == "big" else 3

        def build(shrink: float) -> dict[str, Any]:
            height = rng.randint(*trunk)
            thick_trunk(canvas, height, width)
            root_flare(canvas, rng, width, 0.3, reach=1)
            top = height - 1 + rng.randint(*rise)
            n = rng.randint(*forks)
            theta = rng.random() * 2 * math.pi
            for i in range(n):
                angle = theta + i * 2 * math.pi / n + rng.uniform(-0.4, 0.4)
                end = _end_point(angle, top - rng.randint(0, 2), rng.uniform(*reach) * (1 - 0.5 * shrink), width)
                branch(canvas, (0, height - 1, 0), end)
                acacia_cluster(offset + (size == "huge" and rng.random() < 0.5))(canvas, rng, end)
            drop_decaying_leaves(canvas)
            return {"trunk_height": height, "trunk_width": width, "branches": n, "forked": True}

        attrs = grown_in(size, rng, canvas, build)
        return _finish(f"{size}_acacia", canvas, attrs, [])
    return grow


# --- cherry: CherryTrunkPlacer with more branches ---

CHERRY = {  # trunk, branches, branch start below the top, branch reach, foliage radius
    "big": ((14, 26), (2, 4), (3, 6), (2.5, 4.0), 4),
    "huge": ((31, 52), (3, 6), (6, 14), (4.5, 7.5), 5),
}


def _cherry(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge cherry: branches leave the thick trunk below its top, climb out and carry broad pink domes."""
        canvas.wood, canvas.leaf_block = "cherry", "cherry_leaves"
        trunk, count, below, reach, radius = CHERRY[size]
        width = 2 if size == "big" else 3

        hung: list[Pos] = []

        def build(shrink: float) -> dict[str, Any]:
            hung.clear()
            height = rng.randint(*trunk)
            thick_trunk(canvas, height, width, (round(0.75 * height),) if size == "huge" else ())
            root_flare(canvas, rng, width, 0.3, reach=1)
            n = rng.randint(*count)
            theta = rng.random() * 2 * math.pi
            ends = []
            for i in range(n):
                angle = theta + i * 2 * math.pi / n + rng.uniform(-0.3, 0.3)
                end = _end_point(angle, height - 1 + rng.randint(-1, 0), rng.uniform(*reach) * (1 - 0.5 * shrink), width)
                start = height - 1 - rng.randint(*below)
                # CherryTrunkPlacer.generateBranch: out sideways first, then on to the end.
                knee = _end_point(angle, start, 1.5, width)
                branch(canvas, (0, start, 0), knee)
                branch(canvas, knee, end)
                ends.append(end)
            if n >= 3 or rng.random() < 0.5:
                ends.append((0, height - 1, 0))
            for end in ends:
                hung.extend(cherry_cluster(canvas, rng, end, radius))
            drop_decaying_leaves(canvas)
            return {"trunk_height": height, "trunk_width": width, "branches": n}

        attrs = grown_in(size, rng, canvas, build)
        hanging = ["hanging_leaves"] if any(canvas.kind(p) == "leaves" for p in hung) else []
        return _finish(f"{size}_cherry", canvas, attrs, hanging + _bees(canvas, rng))
    return grow


# --- spruce: GiantTrunkPlacer under tiers of SpruceFoliagePlacer ---

SPRUCE = {  # trunk, width, widest radius, lowest foliage as a fraction of the trunk
    "big": ((17, 29), 2, (5, 6), (0.15, 0.35)),
    "huge": ((35, 60), 3, (8, 10), (0.15, 0.3)),
}


def _disc_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """A rounded disc with a ragged rim (a big spruce tier)."""
    d = dx * dx + dz * dz
    return d > radius * radius + radius or (d > (radius - 1) ** 2 and rng.random() < 0.15)


def _arms(canvas: TreeCanvas, y: int, width: int, length: int) -> None:
    """Branch logs of one tier: along x and z from the trunk, and (for long ones) diagonal stairs."""
    lo, hi = (-1, 1) if width == 3 else (0, width - 1)
    for dx, dz in HORIZONTAL.values():
        x0 = hi if dx > 0 else lo if dx < 0 else 0
        z0 = hi if dz > 0 else lo if dz < 0 else 0
        for k in range(1, length + 1):
            canvas.log((x0 + dx * k, y, z0 + dz * k), "x" if dx else "z")
    if length >= 5:
        for sx in (-1, 1):
            for sz in (-1, 1):
                prev = (hi if sx > 0 else lo, y, hi if sz > 0 else lo)
                for k in range(1, length - 1):
                    cell = (prev[0] + sx * (k % 2), y, prev[2] + sz * (1 - k % 2))
                    for p in face_path(prev, cell):
                        canvas.log(p, "x" if p[0] != prev[0] else "z")
                    prev = cell


def _spruce(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge spruce: a thick trunk in stacked tiers of rounded leaf discs, widening downwards.

        Each tier climbs from a narrow layer to its widest one, where branch logs hold the
        leaves (``SpruceFoliagePlacer``'s radius cycle on a cone).
        """
        canvas.wood, canvas.leaf_block = "spruce", "spruce_leaves"
        trunk, width, widest, lowest = SPRUCE[size]

        def build(shrink: float) -> dict[str, Any]:
            height = rng.randint(*trunk)
            thick_trunk(canvas, height, width, (round(0.6 * height),) if width == 3 else ())
            root_flare(canvas, rng, width, 0.3, reach=1)
            top = height + rng.randint(0, 1)
            bottom = round(rng.uniform(*lowest) * height)
            big_r = max(2, round(rng.randint(*widest) * (1 - 0.4 * shrink)))
            r, tiers = 0, 0
            for y in range(top, bottom - 1, -1):
                w = max(width - sum(1 for n in ((round(0.6 * height),) if width == 3 else ()) if y >= n), 1)
                cone = 1 + round((big_r - 1) * (top - y) / max(top - bottom, 1))
                giant = w == 2
                centre = (0, y, 0)
                leaves_row(canvas, rng, centre, r, 0, giant, _disc_skip)
                if r >= cone or y == bottom:
                    if r >= 2 and y < height:
                        _arms(canvas, y, w, r - 1)
                    tiers += 1
                    r = max(1, r - rng.randint(2, 3))
                else:
                    r += 1
            drop_decaying_leaves(canvas)
            return {"trunk_height": height, "trunk_width": width, "tiers": tiers, "ground": "podzol"}

        attrs = grown_in(size, rng, canvas, build)
        return {**_finish(f"{size}_spruce", canvas, attrs, []),
                "biome": "old_growth_spruce_taiga" if size == "huge" else rng.choice(("taiga", "old_growth_spruce_taiga"))}
    return grow


# --- mangrove: UpwardsBranchingTrunkPlacer on arching prop roots ---

MANGROVE = {  # trunk, width, lift, limbs, limb steps, roots, root reach, foliage (radius, height, attempts)
    "big": ((12, 20), 1, (4, 7), (4, 7), (2, 4), (4, 6), (2, 4), (3, 2, 70)),
    "huge": ((26, 44), 2, (7, 11), (8, 12), (3, 6), (6, 9), (3, 6), (4, 2, 100)),
}


def _prop_roots(canvas: TreeCanvas, rng: random.Random, width: int, ground: int, count: int, reach: tuple[int, int]) -> None:
    """``MangroveRootPlacer`` widened: a root column under the trunk and ``count`` roots arching out and down to the mud.

    Roots leave the trunk's foot and reach the mud layer at y = ``ground`` as muddy roots;
    every root cell touches the one before at a face. Some roots carry a moss carpet.
    """
    for x, z in footprint(width):
        for y in range(-1, ground - 1, -1):
            canvas.set((x, y, z), MUDDY_ROOTS if y == ground else ROOTS)
    theta = rng.random() * 2 * math.pi
    for i in range(count):
        angle = theta + i * 2 * math.pi / count + rng.uniform(-0.3, 0.3)
        out = rng.randint(*reach)
        start = _beside(angle, rng.randint(-1, 1), width)
        knee = _end_point(angle, (start[1] + ground) // 2 + 1, out * 0.7, width)
        end = _end_point(angle, ground, out, width)
        prev = start
        if canvas.is_air(start):
            canvas.set(start, ROOTS)
        for leg in ((start, knee), (knee, end)):
            for p in _line(*leg):
                for q in face_path(prev, p):
                    if canvas.is_air(q):
                        canvas.set(q, MUDDY_ROOTS if q[1] == ground else ROOTS)
                prev = p
    for p in [p for p, s in canvas.blocks.items() if s == ROOTS]:
        above = (p[0], p[1] + 1, p[2])
        if rng.random() < 0.3 and canvas.is_air(above):
            canvas.set(above, "moss_carpet")


def _line(start: Pos, end: Pos) -> list[Pos]:
    """The rounded straight line from ``start`` (excluded) to ``end`` (``FancyTrunkPlacer.makeLimb``'s steps)."""
    delta = [e - s for s, e in zip(start, end)]
    steps = max(abs(c) for c in delta)
    return [tuple(s + math.floor(0.5 + j * c / steps) for s, c in zip(start, delta)) for j in range(1, steps + 1)]  # type: ignore[misc]


def _mangrove(size: str):
    def grow(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
        """A big or huge mangrove: a trunk on tall arching roots, limbs rising diagonally, leaves along every limb."""
        canvas.wood, canvas.leaf_block = "mangrove", "mangrove_leaves"
        trunk, width, lift, limbs, steps, roots, root_reach, (fr, fh, fa) = MANGROVE[size]
        box: dict[str, int] = {}

        def build(shrink: float) -> dict[str, Any]:
            height = rng.randint(*trunk)
            ground = -rng.randint(*lift) - 1
            box["ground"] = ground
            _prop_roots(canvas, rng, width, ground, rng.randint(*roots), root_reach)
            thick_trunk(canvas, height, width, (round(0.8 * height),) if width == 2 else ())
            attachments: list[Pos] = [(0, height, 0)]
            n = rng.randint(*limbs)
            theta = rng.random() * 2 * math.pi
            for i in range(n):
                angle = theta + i * GOLDEN_ANGLE
                y = rng.randint(height // 2, height - 2)
                k = max(1, round(rng.randint(*steps) * (1 - 0.5 * shrink)))
                prev = (0, y, 0)
                for j in range(1, k + 1):  # one out and one up per step, as UpwardsBranchingTrunkPlacer
                    pos = _end_point(angle, min(y + j, height + 1), float(j), width)
                    for p in face_path(prev, pos):
                        canvas.log(p)
                    attachments.append(pos)
                    prev = pos
            for attach in attachments:
                random_spread_foliage(canvas, rng, attach, fr, fh, fa, floor=ground + 1)
            drop_decaying_leaves(canvas)
            return {"trunk_height": height, "trunk_width": width, "branches": n,
                    "ground_level": ground, "root_height": -ground - 1}

        attrs = grown_in(size, rng, canvas, build)
        ground = box["ground"]
        decorations = ["roots"]
        if wants(rng, "vines") and large_vines(canvas, rng, ground + 1):
            decorations.append("vines")
        if hanging_propagules(canvas, rng, 0.06, ground):
            decorations.append("propagules")
        clip_decorations(canvas, ground + 1)
        return _finish(f"{size}_mangrove", canvas, attrs, decorations)
    return grow


# --- registration ---

_FORMS: dict[str, tuple[Callable[[str], Callable], str | None, str]] = {
    "oak": (_oak, "forest", "grass_block"),
    "birch": (_birch, "birch_forest", "grass_block"),
    "spruce": (_spruce, "taiga", "podzol"),
    "jungle": (_jungle, "jungle", "grass_block"),
    "acacia": (_acacia, "savanna", "grass_block"),
    "dark_oak": (lambda size: _dark_oak(size, pale=False), "dark_forest", "grass_block"),
    "pale_oak": (lambda size: _dark_oak(size, pale=True), "pale_garden", "grass_block"),
    "cherry": (_cherry, "cherry_grove", "grass_block"),
    "mangrove": (_mangrove, "mangrove_swamp", "mud"),
    "azalea": (_azalea, "lush_caves", "rooted_dirt"),
}

for _species, (_factory, _biome, _ground) in _FORMS.items():
    for _size in LARGE_SIZES:
        register(f"{_size}_{_species}", _species, biome=_biome, ground=_ground, size=_size)(_factory(_size))
