"""Dark oaks, pale oaks, cherries, mangroves and azaleas (vanilla Java 1.21 ``TreeFeatures``).

Each grower follows its vanilla trunk placer, foliage placer, root placer and
decorators (names in the docstrings) with ``random.Random`` in place of the
game's random source. Departures shared with the other corpus growers: a
diagonal log step becomes a small stair (``face_path``) so that every tree is
face-connected, and leaves the game would decay are removed.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from sapling.blocks import base_name
from sapling.training.corpus.base import (
    DECORATION_CHANCE, HORIZONTAL, OPPOSITE, Pos, TreeCanvas, beehive, clip_decorations, crown_fill,
    density_word, drop_decaying_leaves, face_path, leaf_vines, leaves_row, register, trunk_height, wants,
)

# Crown fill (``crown_fill``) below / above which a tree reads "sparse" / "dense":
# roughly the lower and upper quartiles of each type over many seeds.
DENSITY = {
    "dark_oak": (0.5, 0.63),
    "pale_oak": (0.5, 0.63),
    "cherry": (0.41, 0.47),
    "mangrove": (0.515, 0.63),
    "tall_mangrove": (0.35, 0.52),
    "azalea": (0.48, 0.54),
}

# Vanilla's ``Direction.Plane.HORIZONTAL`` order (the root placer walks it in turn).
_DIRECTIONS = ("north", "east", "south", "west")


def _log_to(canvas: TreeCanvas, prev: Pos, pos: Pos, axis: str = "y") -> None:
    """A log at ``pos``, with stair logs from ``prev`` when the step is diagonal."""
    for p in face_path(prev, pos):
        canvas.log(p, axis)


def _attrs(name: str, canvas: TreeCanvas, trunk: int, width: int, decorations: list[str], **extra: Any) -> dict[str, Any]:
    lo, hi = DENSITY[name]
    return {
        "trunk_height": trunk,
        "trunk_width": width,
        "decorations": decorations,
        "leaf_density": density_word(crown_fill(canvas), lo, hi),
        **extra,
    }


def random_spread_foliage(
    canvas: TreeCanvas, rng: random.Random, attach: Pos, radius: int, height: int, attempts: int,
    floor: int = 0, leaf: Callable[[random.Random], str] | None = None,
) -> None:
    """``RandomSpreadFoliagePlacer``: ``attempts`` leaves at random offsets around ``attach``.

    Offsets are ``rand(radius) - rand(radius)`` sideways and ``rand(height) -
    rand(height)`` up, so they cluster near the middle. Spots below ``floor``
    (the ground) or not air stay empty; ``leaf(rng)`` picks the leaf block of
    each placed leaf (azalea's weighted leaves).
    """
    ax, ay, az = attach
    for _ in range(attempts):
        p = (
            ax + rng.randrange(radius) - rng.randrange(radius),
            ay + rng.randrange(height) - rng.randrange(height),
            az + rng.randrange(radius) - rng.randrange(radius),
        )
        if p[1] >= floor and canvas.is_air(p):
            canvas.leaves(p, leaf(rng) if leaf else None)


# --- dark oak and pale oak ---


def dark_oak_skip(rng: random.Random, x: int, dy: int, z: int, radius: int, giant: bool) -> bool:
    """``DarkOakFoliagePlacer`` skip rule on *signed* offsets ``x, z`` (vanilla checks them signed).

    The wide middle layer of the 2x2 crown loses its corners (asymmetrically, as in
    the game); the small side crowns lose the corners of their lower layer; the
    layer above the middle is a rounded square.
    """
    if dy == 0 and giant and (x == -radius or x >= radius) and (z == -radius or z >= radius):
        return True
    ax = min(abs(x), abs(x - 1)) if giant else abs(x)
    az = min(abs(z), abs(z - 1)) if giant else abs(z)
    if dy == -1 and not giant:
        return ax == radius and az == radius
    if dy == 1:
        return ax + az > radius * 2 - 2
    return False


def _dark_oak_row(canvas: TreeCanvas, rng: random.Random, center: Pos, radius: int, dy: int, giant: bool) -> None:
    extra = 1 if giant else 0
    cx, cy, cz = center
    for x in range(-radius, radius + 1 + extra):
        for z in range(-radius, radius + 1 + extra):
            if not dark_oak_skip(rng, x, dy, z, radius, giant):
                canvas.leaves((cx + x, cy + dy, cz + z))


def _dark_oak_foliage(canvas: TreeCanvas, rng: random.Random, attach: Pos, giant: bool) -> None:
    """``DarkOakFoliagePlacer`` (radius 0, offset 0): a flat 2x2 crown, or a small one on a side limb."""
    if giant:
        for radius, dy in ((2, -1), (3, 0), (2, 1)):
            _dark_oak_row(canvas, rng, attach, radius, dy, True)
        if rng.random() < 0.5:
            _dark_oak_row(canvas, rng, attach, 0, 2, True)
    else:
        _dark_oak_row(canvas, rng, attach, 2, -1, False)
        _dark_oak_row(canvas, rng, attach, 1, 0, False)


def _dark_oak_tree(canvas: TreeCanvas, rng: random.Random) -> tuple[int, int]:
    """``DarkOakTrunkPlacer`` 6+2+1 with its crowns; returns (trunk height, side limbs).

    The 2x2 trunk may shift up to two blocks one way over its top four layers.
    Around it, each of the 12 surrounding columns grows with chance 1/3 a limb of
    2-4 logs hanging from just under the top, crowned by a small foliage blob.
    """
    height = trunk_height(rng, 6, 2, 1)
    dx, dz = HORIZONTAL[rng.choice(_DIRECTIONS)]
    lean_from = height - rng.randrange(4)
    lean = 2 - rng.randrange(3)
    x = z = 0
    top = height - 1
    for y in range(height):
        if y >= lean_from and lean > 0:
            x, z, lean = x + dx, z + dz, lean - 1
        if canvas.kind((x, y, z)) in ("air", "leaves"):
            for ox, oz in ((0, 0), (1, 0), (0, 1), (1, 1)):
                canvas.log((x + ox, y, z + oz))
    crowns = [((x, top, z), True)]
    for sx in range(-1, 3):
        for sz in range(-1, 3):
            if (0 <= sx <= 1 and 0 <= sz <= 1) or rng.randrange(3) > 0:
                continue
            for k in range(rng.randrange(3) + 2):
                canvas.log((sx, top - k - 1, sz))
            crowns.append(((sx, top, sz), False))
    for attach, giant in crowns:
        _dark_oak_foliage(canvas, rng, attach, giant)
    drop_decaying_leaves(canvas)
    return height, len(crowns) - 1


@register("dark_oak", "dark_oak", biome="dark_forest")
def dark_oak(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``DARK_OAK``: a 2x2 dark oak trunk under a flat, wide crown."""
    canvas.wood, canvas.leaf_block = "dark_oak", "dark_oak_leaves"
    height, limbs = _dark_oak_tree(canvas, rng)
    return _attrs("dark_oak", canvas, height, 2, [], limbs=limbs)


PALE_MOSS_CARPET = "minecraft:pale_moss_carpet[bottom=true,east=none,north=none,south=none,west=none]"


def pale_moss(
    canvas: TreeCanvas, rng: random.Random, leaves_p: float = 0.15, trunk_p: float = 0.4, ground_p: float = 0.8,
    hanging: bool = True,
) -> tuple[bool, bool]:
    """``PaleMossDecorator``: a pale moss ground patch, and hanging moss under logs and leaves.

    With ``ground_p`` the ground becomes pale moss blocks (the grower reports it as
    its ground) with carpets on some cells beside the trunk base. Then, with
    ``hanging``, each log (chance ``trunk_p``) and each leaf (``leaves_p``) with air
    below grows a pale hanging moss strand, one block more while the next is air and
    a coin says so, ending in a tip. Returns (ground patch, hanging moss placed).
    """
    def air(p: Pos) -> bool:
        return p[1] >= 0 and canvas.is_air(p)  # y < 0 is the ground

    def hanger(p: Pos) -> None:
        x, y, z = p
        while air((x, y - 1, z)) and rng.random() >= 0.5:
            canvas.set((x, y, z), "pale_hanging_moss[tip=false]")
            y -= 1
        canvas.set((x, y, z), "pale_hanging_moss[tip=true]")

    ground = rng.random() < ground_p
    if ground:
        # Only cells touching a trunk-base log at a face, so a carpet is attached even without ground.
        base = [p for p in canvas.positions("log") if p[1] == 0]
        cells = sorted({(x + dx, 0, z + dz) for (x, _, z) in base for dx, dz in HORIZONTAL.values()})
        for p in cells:
            if canvas.is_air(p) and rng.random() < 0.3:
                canvas.set(p, PALE_MOSS_CARPET)
    placed = False
    order = lambda p: (p[1], p[0], p[2])  # noqa: E731  (vanilla walks logs and leaves bottom-up)
    for kind, chance in (("log", trunk_p), ("leaves", leaves_p)) if hanging else ():
        for (x, y, z) in sorted(canvas.positions(kind), key=order):
            if rng.random() < chance and air((x, y - 1, z)):
                hanger((x, y - 1, z))
                placed = True
    return ground, placed


@register("pale_oak", "pale_oak", biome="pale_garden")
def pale_oak(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``PALE_OAK``: the dark oak shape in pale oak wood, with pale moss (0.15 leaves, 0.4 trunk, 0.8 ground).

    The moss hangs only from the pale oaks that ``wants`` it (``base.DECORATION_CHANCE``);
    the ground patch keeps vanilla's chance and is not a decoration word.
    """
    canvas.wood, canvas.leaf_block = "pale_oak", "pale_oak_leaves"
    height, limbs = _dark_oak_tree(canvas, rng)
    ground, hanging = pale_moss(canvas, rng, hanging=wants(rng, "hanging_moss"))
    attrs = _attrs("pale_oak", canvas, height, 2, ["hanging_moss"] if hanging else [], limbs=limbs)
    if ground:
        attrs["ground"] = "pale_moss_block"
    return attrs


# --- cherry ---


def cherry_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``CherryFoliagePlacer.shouldSkipLocation`` (wide bottom layer hole 0.25, corner hole 0.5)."""
    if dy == -1 and (dx == radius or dz == radius) and rng.random() < 0.25:
        return True
    corner = dx == radius and dz == radius
    if radius > 2:
        return corner or (dx + dz > radius * 2 - 2 and rng.random() < 0.5)
    return corner and rng.random() < 0.5


def _square_edge(radius: int) -> list[tuple[int, int]]:
    """The ring of a square of ``radius`` as vanilla walks it: east, south, west, north sides."""
    r = radius
    return (
        [(r, z) for z in range(r, -r, -1)]
        + [(x, r) for x in range(-r, r)]
        + [(-r, z) for z in range(-r, r)]
        + [(x, -r) for x in range(r, -r, -1)]
    )


def _cherry_row_with_hanging(canvas: TreeCanvas, rng: random.Random, center: Pos, radius: int, dy: int) -> list[Pos]:
    """``placeLeavesRowWithHangingLeavesBelow``: a row, then leaves hanging one or two under its rim.

    Under each rim leaf a leaf hangs with chance 1/6, and under that another with
    chance 1/3, never 7 or more blocks (Manhattan) from the branch end. Returns
    the hanging leaves.
    """
    leaves_row(canvas, rng, center, radius, dy, skip=cherry_skip)
    cx, cy, cz = center
    end = (cx, cy - 1, cz)  # the branch's last log

    def extend(p: Pos, chance: float) -> bool:
        if abs(p[0] - end[0]) + abs(p[1] - end[1]) + abs(p[2] - end[2]) >= 7 or rng.random() > chance:
            return False
        return canvas.leaves(p)

    y = cy + dy - 1
    hung = []
    for ox, oz in _square_edge(radius):
        x, z = cx + ox, cz + oz
        if canvas.kind((x, y + 1, z)) == "leaves" and extend((x, y, z), 1 / 6):
            hung.append((x, y, z))
            if extend((x, y - 1, z), 1 / 3):
                hung.append((x, y - 1, z))
    return hung


def cherry_foliage(canvas: TreeCanvas, rng: random.Random, attach: Pos, radius: int = 4) -> list[Pos]:
    """``CherryFoliagePlacer`` (radius 4, offset 0, height 5): a broad dome with hanging leaves below.

    ``radius`` scales it (the big and huge cherries). Returns the hanging leaves.
    """
    r = radius - 1
    leaves_row(canvas, rng, attach, r - 2, 2, skip=cherry_skip)
    leaves_row(canvas, rng, attach, r - 1, 1, skip=cherry_skip)
    leaves_row(canvas, rng, attach, r, 0, skip=cherry_skip)
    hung = _cherry_row_with_hanging(canvas, rng, attach, r, -1)
    return hung + _cherry_row_with_hanging(canvas, rng, attach, r - 1, -2)


def _cherry_branch(canvas: TreeCanvas, rng: random.Random, height: int, direction: str, start: int, trunk_above: bool) -> Pos:
    """``CherryTrunkPlacer.generateBranch``: out sideways, then a random walk up to the branch end.

    Sideways logs lie along the branch (axis x or z), rising logs stand (axis y).
    Returns the foliage attachment, just above the branch end.
    """
    dx, dz = HORIZONTAL[direction]
    axis = "x" if dx else "z"
    end_y = height - 1 + rng.randint(-1, 0)
    long = trunk_above or end_y < start
    length = rng.randint(2, 4) + (1 if long else 0)
    end = (dx * length, end_y, dz * length)
    x, y, z = 0, start, 0
    for _ in range(2 if long else 1):
        x, z = x + dx, z + dz
        canvas.log((x, y, z), axis)
    step = 1 if end_y > y else -1
    while (dist := abs(end[0] - x) + abs(end_y - y) + abs(end[2] - z)) != 0:
        if rng.random() < abs(end_y - y) / dist:
            y += step
            canvas.log((x, y, z), "y")
        else:
            x, z = x + dx, z + dz
            canvas.log((x, y, z), axis)
    return (end[0], end_y + 1, end[2])


@register("cherry", "cherry", biome="cherry_grove")
def cherry(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``CHERRY``: ``CherryTrunkPlacer`` 7+1+0 with 1-3 branches, cherry foliage with hanging leaves.

    With three branches the trunk runs to the top and carries its own crown; with
    one or two it stops just above the highest branch. Branches leave the trunk
    3-5 blocks under the top, in opposite directions.
    """
    canvas.wood, canvas.leaf_block = "cherry", "cherry_leaves"
    height = trunk_height(rng, 7, 1, 0)
    start1 = max(0, height - 1 + rng.randint(-4, -3))
    start2 = max(0, height - 1 - 4)
    if start2 >= start1:
        start2 += 1
    branches = rng.choice((1, 2, 3))
    logs = height if branches == 3 else (max(start1, start2) + 1 if branches == 2 else start1 + 1)
    for y in range(logs):
        canvas.log((0, y, 0))
    crowns = [(0, logs, 0)] if branches == 3 else []
    direction = rng.choice(_DIRECTIONS)
    crowns.append(_cherry_branch(canvas, rng, height, direction, start1, start1 < logs - 1))
    if branches >= 2:
        crowns.append(_cherry_branch(canvas, rng, height, OPPOSITE[direction], start2, start2 < logs - 1))
    hung = []
    for attach in crowns:
        hung += cherry_foliage(canvas, rng, attach)
    drop_decaying_leaves(canvas)
    hung = any(canvas.kind(p) == "leaves" for p in hung)
    # Vanilla's cherry groves also grow CHERRY_BEES_005; here at the corpus's bee rate.
    bees = beehive(canvas, rng, DECORATION_CHANCE["bee_nest"])
    decorations = (["hanging_leaves"] if hung else []) + (["bee_nest"] if bees else [])
    return _attrs("cherry", canvas, logs, 1, decorations, branches=branches)


# --- mangrove ---

MUDDY_ROOTS = "minecraft:muddy_mangrove_roots[axis=y]"
ROOTS = "minecraft:mangrove_roots"
# ``MANGROVE_ROOTS_CAN_GROW_THROUGH``: roots pass through these (and air).
_ROOTS_GROW_THROUGH = {"mangrove_roots", "muddy_mangrove_roots", "moss_carpet", "vine", "mangrove_propagule", "mud"}


def _root_candidates(rng: random.Random, pos: Pos, step: tuple[int, int]) -> list[Pos]:
    """``MangroveRootPlacer.potentialRootPositions`` (max width 8, skew chance 0.2).

    Near the trunk a root goes out or down at random; 6-8 blocks (Manhattan) from
    the trunk base it goes down, sometimes also down-and-out; farther, only down.
    """
    x, y, z = pos
    dx, dz = step
    below, out = (x, y - 1, z), (x + dx, y, z + dz)
    dist = abs(x) + abs(y) + abs(z)
    if 5 < dist <= 8:
        return [below, (x + dx, y - 1, z + dz)] if rng.random() < 0.2 else [below]
    if dist > 8:
        return [below]
    if rng.random() < 0.2:
        return [below]
    return [out] if rng.random() < 0.5 else [below]


def mangrove_roots(canvas: TreeCanvas, rng: random.Random, ground: int) -> bool:
    """``MangroveRootPlacer``: roots from the trunk base down to the mud at y = ``ground``.

    One root under the trunk, and from the block beside the trunk base on each side
    a root system growing out and down until it reaches the mud layer, where roots
    become muddy roots and stop (solid ground lies below). Each root system may
    hold 15 roots and run 15 deep; when one does not fit, vanilla abandons the
    tree, and so does this function (returns False, having placed nothing). A
    down-and-out root always comes with the root straight below it, so roots are
    face-connected. Non-muddy roots carry a moss carpet with chance 1/2.
    """
    def can_place(p: Pos) -> bool:
        if p[1] < ground:
            return False
        s = canvas.get(p)
        return s is None or base_name(s) in _ROOTS_GROW_THROUGH

    def grow(pos: Pos, step: tuple[int, int], found: list[Pos], depth: int) -> bool:
        if depth == 15 or len(found) > 15:
            return False
        for p in _root_candidates(rng, pos, step):
            if can_place(p):
                found.append(p)
                if not grow(p, step, found, depth + 1):
                    return False
        return True

    roots = [(0, -1, 0)]
    for name in _DIRECTIONS:
        dx, dz = HORIZONTAL[name]
        found: list[Pos] = []
        if not grow((dx, 0, dz), (dx, dz), found, 0):
            return False
        roots += found + [(dx, 0, dz)]
    for p in roots:
        current = canvas.get(p)
        if p[1] == ground or (current is not None and base_name(current) == "muddy_mangrove_roots"):
            canvas.set(p, MUDDY_ROOTS)
            continue
        canvas.set(p, ROOTS)
        above = (p[0], p[1] + 1, p[2])
        if rng.random() < 0.5 and canvas.is_air(above):
            canvas.set(above, "moss_carpet")
    return True


def _mangrove_branch(canvas: TreeCanvas, height: int, y: int, direction: str, steps: int, attachments: list[Pos]) -> None:
    """``UpwardsBranchingTrunkPlacer.placeBranch``: a limb rising diagonally from the trunk log at ``y``.

    The first of ``steps`` is spent at the trunk; every other step goes one up and
    one out, with foliage on each limb log, and a long limb gets foliage above its
    end and two below that too.
    """
    dx, dz = HORIZONTAL[direction]
    top = y
    x = z = 0
    prev = (0, y, 0)
    for k in range(1, min(steps, height)):  # step 0 is spent at the trunk
        x, z = x + dx, z + dz
        pos = (x, y + k, z)
        _log_to(canvas, prev, pos)
        top = y + k + 1
        attachments.append(pos)
        prev = pos
    if top - y > 1:
        attachments += [(x, top, z), (x, top - 2, z)]


def _mangrove(canvas: TreeCanvas, rng: random.Random, trunk: tuple[int, int, int], max_steps: int, lift: tuple[int, int]) -> dict[str, Any]:
    """A mangrove: ``UpwardsBranchingTrunkPlacer`` on ``MangroveRootPlacer`` roots, random spread foliage
    (r3, h2, 70 attempts), leaf vines 0.125, hanging propagules 0.14 and a bee nest 0.01."""
    canvas.wood, canvas.leaf_block = "mangrove", "mangrove_leaves"
    while True:  # vanilla gives up on a tree whose roots do not fit; the corpus draws again
        height = trunk_height(rng, *trunk)
        ground = -rng.randint(*lift) - 1  # roots lift the trunk 1-3 (tall: 3-7) above the sapling
        if mangrove_roots(canvas, rng, ground):
            break
    attachments: list[Pos] = []
    for y in range(height):
        canvas.log((0, y, 0))
        if y < height - 1 and rng.random() < 0.5:
            # Vanilla also draws an "extra branch length" here, but its formula always gives 0.
            direction = rng.choice(_DIRECTIONS)
            _mangrove_branch(canvas, height, y, direction, rng.randint(1, max_steps), attachments)
    attachments.append((0, height, 0))
    for attach in attachments:
        random_spread_foliage(canvas, rng, attach, 3, 2, 70, floor=ground + 1)
    drop_decaying_leaves(canvas)
    if wants(rng, "vines"):  # vanilla: always; the corpus: base.DECORATION_CHANCE
        leaf_vines(canvas, rng, 0.125)
    hanging_propagules(canvas, rng, 0.14, ground)
    beehive(canvas, rng, 0.01)
    clip_decorations(canvas, ground + 1)
    names = {base_name(s) for s in canvas.blocks.values()}
    decorations = ["roots"] + [
        word for name, word in (("vine", "vines"), ("mangrove_propagule", "propagules"), ("bee_nest", "bee_nest"))
        if name in names
    ]
    return {"trunk_height": height, "trunk_width": 1, "decorations": decorations,
            "ground_level": ground, "root_height": -ground - 1}


def hanging_propagules(canvas: TreeCanvas, rng: random.Random, probability: float, ground: int) -> bool:
    """``AttachedToLeavesDecorator`` for mangroves: a hanging propagule (age 0-4) under some leaves.

    Leaves are visited in random order; a propagule needs two free blocks under
    its leaf, and no other propagule may hang in the 3x3 around it.
    """
    leaves = sorted(canvas.positions("leaves"))
    rng.shuffle(leaves)
    taken: set[Pos] = set()
    placed = False
    for (x, y, z) in leaves:
        below = (x, y - 1, z)
        if below in taken or rng.random() >= probability:
            continue
        if not all(y - i > ground and canvas.is_air((x, y - i, z)) for i in (1, 2)):
            continue
        taken.update((x + a, y - 1, z + b) for a in (-1, 0, 1) for b in (-1, 0, 1))
        canvas.set(below, f"minecraft:mangrove_propagule[age={rng.randint(0, 4)},hanging=true]")
        placed = True
    return placed


@register("mangrove", "mangrove", biome="mangrove_swamp", ground="mud")
def mangrove(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``MANGROVE``: trunk 2+1+4, limbs of 1-4 steps, roots lifting it 1-3 blocks."""
    attrs = _mangrove(canvas, rng, (2, 1, 4), 4, (1, 3))
    return {**attrs, "leaf_density": density_word(crown_fill(canvas), *DENSITY["mangrove"])}


@register("tall_mangrove", "mangrove", biome="mangrove_swamp", ground="mud", size="big")
def tall_mangrove(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``TALL_MANGROVE``: trunk 4+1+9, limbs of 1-6 steps, roots lifting it 3-7 blocks."""
    attrs = _mangrove(canvas, rng, (4, 1, 9), 6, (3, 7))
    return {**attrs, "leaf_density": density_word(crown_fill(canvas), *DENSITY["tall_mangrove"])}


# --- azalea ---


def _azalea_leaf(rng: random.Random) -> str:
    """Azalea leaves and flowering azalea leaves, 3:1."""
    return "flowering_azalea_leaves" if rng.randrange(4) == 0 else "azalea_leaves"


@register("azalea", "azalea", biome="lush_caves", ground="rooted_dirt")
def azalea(rng: random.Random, canvas: TreeCanvas) -> dict[str, Any]:
    """``AZALEA_TREE``: ``BendingTrunkPlacer`` 4+2+0 of oak logs, random spread foliage (r3, h2, 50).

    The trunk steps sideways once or twice near its top, then bends over for 1-2
    more logs; every log from the fourth up carries a leaf cluster of azalea and
    flowering azalea leaves, on rooted dirt.
    """
    canvas.wood, canvas.leaf_block = "oak", "azalea_leaves"
    height = trunk_height(rng, 4, 2, 0)
    dx, dz = HORIZONTAL[rng.choice(_DIRECTIONS)]
    top = height - 1
    x = z = 0
    prev = (0, -1, 0)
    attachments = []
    for y in range(top + 1):
        if y + 1 >= top + rng.randrange(2):
            x, z = x + dx, z + dz
        if canvas.is_air((x, y, z)):
            _log_to(canvas, prev, (x, y, z))
        if y >= 3:
            attachments.append((x, y, z))
        prev = (x, y, z)
    for _ in range(rng.randint(1, 2) + 1):
        pos = (x, top + 1, z)
        if canvas.is_air(pos):
            _log_to(canvas, prev, pos)
        attachments.append(pos)
        prev = pos
        x, z = x + dx, z + dz
    for attach in attachments:
        random_spread_foliage(canvas, rng, attach, 3, 2, 50, leaf=_azalea_leaf)
    drop_decaying_leaves(canvas)
    flowering = any(base_name(s) == "flowering_azalea_leaves" for s in canvas.blocks.values())
    biome = rng.choice(("lush_caves", "meadow"))
    return _attrs("azalea", canvas, height, 1, ["flowers"] if flowering else [], biome=biome)
