"""The shared machinery of the procedural corpus: a sparse block canvas and the tree registry.

Each tree type (oak, fancy oak, ...) is a function ``grow(rng, canvas) -> dict`` that
writes blocks into a ``TreeCanvas`` with coordinates relative to the trunk base
``(0, 0, 0)`` (y up; the ground patch, if any, lies at y < 0) and returns the
attributes the captioner needs (see ``TreeAttributes``). It is registered with
``@register(...)``. ``generate_tree`` runs one and returns a ``CorpusTree``.

Vanilla placement rules mirrored here: logs overwrite leaves and air (a trunk is
placed first, so this matters for branches); leaves and decorations only go into
air, as the game's ``TreeFeature`` only replaces "replaceable" blocks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from sapling.blocks import BlockVocab, block_kind, in_logs_tag
from sapling.structure import Structure

Pos = tuple[int, int, int]


def trunk_height(rng: random.Random, base: int, a: int, b: int) -> int:
    """Vanilla ``TrunkPlacer.getTreeHeight``: base + rand(0..a) + rand(0..b)."""
    return base + rng.randint(0, a) + rng.randint(0, b)


class TreeCanvas:
    """A sparse ``{(x, y, z): state}`` being grown, relative to the trunk base."""

    def __init__(self, wood: str = "oak", leaves: str = "oak_leaves"):
        self.blocks: dict[Pos, str] = {}
        self.wood = wood  # species prefix of logs, e.g. "oak", "dark_oak"
        self.leaf_block = leaves  # e.g. "oak_leaves", "flowering_azalea_leaves"

    # --- queries ---
    def get(self, pos: Pos) -> str | None:
        return self.blocks.get(pos)

    def is_air(self, pos: Pos) -> bool:
        return pos not in self.blocks

    def kind(self, pos: Pos) -> str:
        s = self.blocks.get(pos)
        return "air" if s is None else block_kind(s)

    # --- writes ---
    def set(self, pos: Pos, state: str) -> None:
        """Unconditional write (ground patches, decorations that replace)."""
        self.blocks[tuple(pos)] = state if ":" in state else f"minecraft:{state}"

    def log(self, pos: Pos, axis: str = "y", wood: str | None = None) -> None:
        """A log of this tree's species; replaces air and leaves, never another log."""
        if self.kind(pos) in ("air", "leaves", "decoration"):
            self.set(pos, f"{wood or self.wood}_log[axis={axis}]")

    def leaves(self, pos: Pos, block: str | None = None) -> bool:
        """A non-persistent leaf, only into air. Returns whether it was placed."""
        if not self.is_air(pos):
            return False
        self.set(pos, f"{block or self.leaf_block}[persistent=false]")
        return True

    def place_if_air(self, pos: Pos, state: str) -> bool:
        if not self.is_air(pos):
            return False
        self.set(pos, state)
        return True

    def remove(self, pos: Pos) -> None:
        self.blocks.pop(tuple(pos), None)

    def positions(self, kind: str) -> list[Pos]:
        return [p for p, s in self.blocks.items() if block_kind(s) == kind]


@dataclass(frozen=True)
class TreeType:
    """A registered tree type: its name, species, usual biome and the function that grows it."""

    name: str  # e.g. "tall_birch"
    species: str  # one of blocks.SPECIES
    grow: Callable[[random.Random, TreeCanvas], dict[str, Any]]
    biome: str | None = None  # "swamp", "taiga", ... for captions
    # Ground block laid under the trunk when the dataset asks for a ground patch.
    ground: str = "grass_block"
    # The size bucket its trees are grown for (``build_dataset`` draws types per bucket); a
    # tree still goes into the smallest bucket that holds it.
    size: str = "normal"


@dataclass
class CorpusTree:
    """One generated tree: the structure (trunk base at ``origin``) and its attributes.

    ``attributes`` always holds ``type``, ``species``, ``seed``, ``trunk_height``,
    ``height`` (blocks above the ground), ``width``, ``trunk_width`` (1 or 2),
    ``decorations`` (list of words: "vines", "cocoa", "bee_nest", ...), ``leaf_count``,
    ``biome`` and ``size`` (the bucket it was placed into), plus whatever the
    grower added.
    """

    structure: Structure
    attributes: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, TreeType] = {}


def register(name: str, species: str, biome: str | None = None, ground: str = "grass_block", size: str = "normal"):
    """Decorator: ``@register("oak", "oak")`` over a ``grow(rng, canvas)`` function."""

    def wrap(fn: Callable[[random.Random, TreeCanvas], dict[str, Any]]):
        REGISTRY[name] = TreeType(name, species, fn, biome, ground, size)
        return fn

    return wrap


# Chance that a tree which can carry one of these decorations gets it. Vanilla puts vines on
# every jungle and swamp tree, moss on every pale oak and bee nests on 1 tree in 50 (at most 1 in
# 20); the corpus gives each to about a third of the trees that can carry it, so the model sees
# enough of each to learn it and captions that do not ask for one mostly get none.
DECORATION_CHANCE = {"vines": 0.35, "cocoa": 0.4, "bee_nest": 0.35, "hanging_moss": 0.4}


def wants(rng: random.Random, decoration: str) -> bool:
    """Whether this tree gets ``decoration`` (a ``DECORATION_CHANCE`` key)."""
    return rng.random() < DECORATION_CHANCE[decoration]


def canvas_to_structure(canvas: TreeCanvas, vocab: BlockVocab | None = None, **metadata: Any) -> Structure:
    """The canvas as a ``Structure`` over the model vocabulary, origin at the trunk base."""
    return Structure.from_blocks(canvas.blocks, vocab or BlockVocab.default(), origin=(0, 0, 0), metadata=metadata)


# --- shared foliage placers and decorators (vanilla names in comments) ---

# Horizontal directions as (dx, dz) with the vine face that points back at the support.
# A vine west of its support has east=true, and so on.
HORIZONTAL = {"north": (0, -1), "south": (0, 1), "west": (-1, 0), "east": (1, 0)}
OPPOSITE = {"north": "south", "south": "north", "west": "east", "east": "west"}


def vine_state(face: str) -> str:
    """A vine attached to its support on ``face`` (the support lies in direction ``face``)."""
    props = {f: "false" for f in ("east", "north", "south", "up", "west")}
    props[face] = "true"
    return "minecraft:vine[" + ",".join(f"{k}={props[k]}" for k in sorted(props)) + "]"


def leaves_row(
    canvas: TreeCanvas, rng: random.Random, center: Pos, radius: int, dy: int,
    giant: bool = False, skip=None, block: str | None = None,
) -> None:
    """Vanilla ``FoliagePlacer.placeLeavesRow``: a square of leaves at ``center.y + dy``.

    ``skip(rng, dx, dy, dz, radius, giant)`` with dx, dz >= 0 decides which corner-ish
    spots stay empty (each foliage placer has its own rule). A giant (2x2) trunk's
    square extends one block further in +x and +z.
    """
    extra = 1 if giant else 0
    cx, cy, cz = center
    for x in range(-radius, radius + 1 + extra):
        for z in range(-radius, radius + 1 + extra):
            # Vanilla normalises offsets of the 2x2 case so the square is symmetric.
            ax = abs(x - 1) if giant and x > 0 else abs(x)
            az = abs(z - 1) if giant and z > 0 else abs(z)
            if skip is not None and skip(rng, ax, dy, az, radius, giant):
                continue
            canvas.leaves((cx + x, cy + dy, cz + z), block)


def blob_skip(rng: random.Random, dx: int, dy: int, dz: int, radius: int, giant: bool) -> bool:
    """``BlobFoliagePlacer.shouldSkipLocation``: corners skipped, always on the top layer."""
    return dx == radius and dz == radius and (rng.randrange(2) == 0 or dy == 0)


def blob_foliage(
    canvas: TreeCanvas, rng: random.Random, attach: Pos, radius: int = 2, height: int = 3,
    offset: int = 0, giant: bool = False, block: str | None = None,
) -> None:
    """``BlobFoliagePlacer``: layers from ``offset`` down to ``offset - height`` around ``attach``.

    ``attach`` is the trunk top's foliage attachment (one above the last log for a
    straight trunk). Layer radius = max(radius - 1 - dy / 2, 0), Java integer division.
    """
    for dy in range(offset, offset - height - 1, -1):
        r = max(radius - 1 - int(dy / 2), 0)
        leaves_row(canvas, rng, attach, r, dy, giant, blob_skip, block)


def hanging_vine(canvas: TreeCanvas, pos: Pos, face: str, length: int = 4) -> None:
    """``TreeDecorator.Context`` vine drop: a vine at ``pos`` and up to ``length`` more below, while air."""
    x, y, z = pos
    if not canvas.place_if_air(pos, vine_state(face)):
        return
    for i in range(1, length + 1):
        if not canvas.place_if_air((x, y - i, z), vine_state(face)):
            break


def leaf_vines(canvas: TreeCanvas, rng: random.Random, probability: float = 0.25) -> bool:
    """``LeaveVineDecorator``: from each leaf, a hanging vine on each free side with ``probability``."""
    placed = False
    for (x, y, z) in sorted(canvas.positions("leaves")):
        for face, (dx, dz) in HORIZONTAL.items():
            pos = (x - dx, y, z - dz)  # the vine hangs on the side opposite to ``face``
            if rng.random() < probability and canvas.is_air(pos):
                hanging_vine(canvas, pos, face)
                placed = True
    return placed


def trunk_vines(canvas: TreeCanvas, rng: random.Random, probability: float | None = None) -> bool:
    """``TrunkVineDecorator``: each free side of each log gets a vine with probability 2/3 (or ``probability``)."""
    placed = False
    for (x, y, z) in sorted(canvas.positions("log")):
        for face, (dx, dz) in HORIZONTAL.items():
            if (rng.randrange(3) > 0) if probability is None else (rng.random() < probability):
                pos = (x - dx, y, z - dz)
                if canvas.place_if_air(pos, vine_state(face)):
                    placed = True
    return placed


# --- trunk placer, beehive decorator and leaf-density measure shared by several types ---


def straight_trunk(canvas: TreeCanvas, height: int, wood: str | None = None) -> Pos:
    """``StraightTrunkPlacer``: ``height`` logs up from the base.

    Returns the foliage attachment, the block above the top log (as in vanilla).
    """
    for y in range(height):
        canvas.log((0, y, 0), wood=wood)
    return (0, height, 0)


BEE_NEST = "minecraft:bee_nest[facing=south,honey_level=0]"
MAX_HONEY = 5  # honey_level runs 0..5


def bee_nest_state(facing: str, honey: int) -> str:
    return f"minecraft:bee_nest[facing={facing},honey_level={honey}]"


def beehive(canvas: TreeCanvas, rng: random.Random, probability: float) -> bool:
    """``BeehiveDecorator``: with ``probability``, a bee nest facing south beside a log.

    The nest goes one below the lowest leaves (at least one above the lowest log),
    east, south or west of a log at that height, into air whose south side is air
    too (the bees' way out). Vanilla generates it empty; the corpus shows nests as
    players find them later, ``honey_level`` 0-5. Returns whether a nest was placed.
    """
    if rng.random() >= probability:
        return False
    logs = sorted(canvas.positions("log"), key=lambda p: (p[1], p[0], p[2]))
    if not logs:
        return False
    leaves = canvas.positions("leaves")
    low_log, top_log = logs[0][1], logs[-1][1]
    if leaves:
        y = max(min(p[1] for p in leaves) - 1, low_log + 1)
    else:
        y = min(low_log + 1 + rng.randrange(3), top_log)
    spots = [
        (x + dx, y, z + dz)
        for (x, ly, z) in logs if ly == y
        for dx, dz in (HORIZONTAL["east"], HORIZONTAL["south"], HORIZONTAL["west"])
    ]
    rng.shuffle(spots)
    south = HORIZONTAL["south"]
    for (x, y, z) in spots:
        if canvas.is_air((x, y, z)) and canvas.is_air((x + south[0], y, z + south[1])):
            canvas.set((x, y, z), bee_nest_state("south", rng.randint(0, MAX_HONEY)))
            return True
    return False


def crown_fill(canvas: TreeCanvas) -> float:
    """Fraction of the leaves' bounding box taken by leaves or logs (0 without leaves).

    A measure of how full the foliage is, comparable between trees of one type
    (growers turn it into a word with ``density_word`` and per-type thresholds).
    """
    leaves = canvas.positions("leaves")
    if not leaves:
        return 0.0
    lo = [min(p[i] for p in leaves) for i in range(3)]
    hi = [max(p[i] for p in leaves) for i in range(3)]
    volume = (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1)
    logs = sum(
        1 for (x, y, z) in canvas.positions("log")
        if lo[0] <= x <= hi[0] and lo[1] <= y <= hi[1] and lo[2] <= z <= hi[2]
    )
    return (len(leaves) + logs) / volume


def density_word(fill: float, sparse_below: float, dense_above: float) -> str:
    """``"sparse"``, ``"normal"`` or ``"dense"`` for a ``crown_fill`` value."""
    if fill < sparse_below:
        return "sparse"
    return "dense" if fill > dense_above else "normal"


# --- face-connected steps, leaf decay and ground clipping (tropical and special growers) ---


def face_path(start: Pos, end: Pos) -> list[Pos]:
    """The cells from ``start`` (excluded) to ``end`` (included), one face step at a time: y, then x, then z.

    Several vanilla placers step diagonally (acacia's lean, mangrove and azalea
    branches, mega jungle limbs), which leaves logs touching only at an edge. The
    corpus keeps trees face-connected, so a diagonal step becomes a small stair:
    the log goes up (or down) first, then sideways.
    """
    x, y, z = start
    ex, ey, ez = end
    cells = []
    while y != ey:
        y += 1 if ey > y else -1
        cells.append((x, y, z))
    while x != ex:
        x += 1 if ex > x else -1
        cells.append((x, y, z))
    while z != ez:
        z += 1 if ez > z else -1
        cells.append((x, y, z))
    return cells


_FACE_STEPS = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))


def drop_decaying_leaves(canvas: TreeCanvas, max_distance: int = 6) -> int:
    """Remove the non-persistent leaves the game would decay; returns how many went.

    Vanilla computes each leaf's ``distance`` (face steps through leaves to a log)
    after growing a tree, and leaves beyond 6 decay on the next random ticks. Some
    placers (mega jungle, cherry) do produce such leaves; the corpus shows the tree
    as it stands once they are gone. Removing them leaves every other distance as it
    was, since a path of at most 6 steps only runs through leaves at most 6 away.
    """
    blocks = canvas.blocks
    dist = {p: 0 for p, s in blocks.items() if in_logs_tag(s)}  # the game's logs tag: not mangrove roots
    frontier = list(dist)
    for d in range(1, max_distance + 1):
        nxt = []
        for (x, y, z) in frontier:
            for dx, dy, dz in _FACE_STEPS:
                q = (x + dx, y + dy, z + dz)
                if q not in dist and q in blocks and block_kind(blocks[q]) == "leaves":
                    dist[q] = d
                    nxt.append(q)
        frontier = nxt
    far = [p for p, s in blocks.items() if p not in dist and block_kind(s) == "leaves" and "persistent=true" not in s]
    for p in far:
        del blocks[p]
    return len(far)


def leaf_layer_gap(canvas: TreeCanvas) -> int:
    """Longest run of leafless y layers between the canvas's lowest and highest leaf layer (``metrics.crown_gap``)."""
    ys = sorted({p[1] for p in canvas.positions("leaves")})
    return max((b - a - 1 for a, b in zip(ys, ys[1:])), default=0)


def clip_decorations(canvas: TreeCanvas, floor: int = 0) -> None:
    """Drop decorations below ``floor``: vines and moss stop at the ground, which the canvas does not hold yet."""
    for p in [p for p, s in canvas.blocks.items() if p[1] < floor and block_kind(s) == "decoration"]:
        del canvas.blocks[p]
