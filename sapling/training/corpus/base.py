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

from sapling.blocks import BlockVocab, block_kind
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


def register(name: str, species: str, biome: str | None = None, ground: str = "grass_block"):
    """Decorator: ``@register("oak", "oak")`` over a ``grow(rng, canvas)`` function."""

    def wrap(fn: Callable[[random.Random, TreeCanvas], dict[str, Any]]):
        REGISTRY[name] = TreeType(name, species, fn, biome, ground)
        return fn

    return wrap


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


def trunk_vines(canvas: TreeCanvas, rng: random.Random) -> bool:
    """``TrunkVineDecorator``: each free side of each log gets a vine with probability 2/3."""
    placed = False
    for (x, y, z) in sorted(canvas.positions("log")):
        for face, (dx, dz) in HORIZONTAL.items():
            if rng.randrange(3) > 0:
                pos = (x - dx, y, z - dz)
                if canvas.place_if_air(pos, vine_state(face)):
                    placed = True
    return placed
