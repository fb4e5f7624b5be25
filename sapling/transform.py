"""Rotations and mirrors of a ``Structure``, block states included (pure; no torch).

Conventions are the game's (``Rotation``, ``Mirror`` and structure placement) and
WorldEdit's ``//rotate``: a rotation turns about the vertical axis, clockwise seen from
above, so 90 takes north to east (x east, z south: ``(x, z) -> (-z, x)``). A mirror flips
one horizontal axis: ``"x"`` swaps east and west, ``"z"`` north and south. ``transform``
mirrors first, then rotates, as structure placement does. The origin (the trunk base)
moves with its block, so a paste still puts the trunk at the player's feet.

Block states turn with the blocks, for every property the game's block table gives a
block (``sapling.game_data``; a block it does not know is turned by the same rules):

* ``facing`` and the horizontal faces ``north``/``east``/``south``/``west`` (vines, fences,
  walls, panes, redstone, mushroom blocks, moss carpets), in any value (true, low, side...);
* ``axis``: ``x`` and ``z`` swap on 90 and 270;
* ``rotation`` (0-15, signs, banners, heads): 4 steps per quarter turn, reflected by mirrors;
* the direction words of ``shape`` (rails) and ``orientation`` (jigsaws, crafters);
* under a mirror, the hand of a block swaps: stairs ``shape`` (``inner_left`` <->
  ``inner_right``...), door ``hinge``, chest ``type``. (The game keeps a stair's shape
  when its facing lies along the mirror plane; a mirror image always swaps hands.)

Blocks with none of these keep their state: upright logs, leaves, and mangrove propagules
(a propagule has ``age``, ``hanging``, ``stage`` and no facing).
"""

from __future__ import annotations

from functools import lru_cache
from collections.abc import Callable

import numpy as np

from sapling.blocks import BlockVocab, format_state, parse_state
from sapling.errors import StructureError
from sapling.game_data import block_info
from sapling.structure import Structure

ROTATIONS = (0, 90, 180, 270)  # degrees, clockwise seen from above
MIRRORS = ("x", "z")  # the axis whose coordinates are negated
DEFAULT_ROTATION = 0
DEFAULT_MIRROR: str | None = None

# A quarter turn clockwise seen from above, and the flips: direction -> direction.
_TURN = {"north": "east", "east": "south", "south": "west", "west": "north"}
_FLIP = {"x": {"east": "west", "west": "east"}, "z": {"north": "south", "south": "north"}}
_HAND = {"left": "right", "right": "left"}
_FACES = ("north", "east", "south", "west")


def check_transform(rotate: int = DEFAULT_ROTATION, mirror: str | None = DEFAULT_MIRROR) -> tuple[int, str | None]:
    """``(rotate, mirror)`` checked; ``StructureError`` naming what is accepted."""
    if isinstance(rotate, bool) or rotate not in ROTATIONS:
        raise StructureError(f"unknown rotation {rotate!r}; choose one of: {', '.join(map(str, ROTATIONS))} "
                             "(degrees, clockwise seen from above)")
    if mirror is not None and mirror not in MIRRORS:
        raise StructureError(f"unknown mirror {mirror!r}; choose one of: {', '.join(MIRRORS)} "
                             "(the axis that is flipped)")
    return int(rotate), mirror


# --- block states ---

def _turn(direction: str, quarters: int) -> str:
    for _ in range(quarters):
        direction = _TURN.get(direction, direction)
    return direction


def _words(value: str, move) -> str:
    """``"ascending_east"`` / ``"north_up"`` with each direction word moved by ``move``."""
    return "_".join(move(w) for w in value.split("_"))


def _same_words(value: str, allowed: tuple[str, ...] | None) -> str:
    """The allowed value with the words of ``value`` in any order (``"south_north"`` -> ``"north_south"``)."""
    if allowed is None or value in allowed:
        return value
    words = sorted(value.split("_"))
    return next((a for a in allowed if sorted(a.split("_")) == words), value)


def _moved(state: str, move: Callable[[str], str], rotation: Callable[[int], int], *, swap_axes: bool,
           hand: bool) -> str:
    """``state`` with every direction-bearing property moved: ``move`` a direction, ``rotation`` a
    16-step rotation; ``swap_axes`` for an odd number of quarter turns, ``hand`` for a mirror."""
    name, props = parse_state(state)
    if not props:
        return state
    info = block_info(name)
    allowed = info.properties if info is not None else {}
    out: dict[str, str] = {}
    for key, value in props.items():
        if key in _FACES:
            out[move(key)] = value
            continue
        if key == "facing":
            value = move(value)
        elif key == "axis" and swap_axes:
            value = {"x": "z", "z": "x"}.get(value, value)
        elif key == "rotation" and value.isdigit():
            value = str(rotation(int(value)) % 16)
        elif key in ("shape", "orientation"):
            if hand and ("left" in value or "right" in value):  # stairs
                value = _words(value, lambda w: _HAND.get(w, w))
            else:
                value = _same_words(_words(value, move), allowed.get(key))
        elif hand and key in ("hinge", "type"):
            value = _HAND.get(value, value)
        out[key] = value
    return format_state(name, out)


@lru_cache(maxsize=65536)
def rotate_state(state: str, degrees: int) -> str:
    """``state`` turned by ``degrees`` (0, 90, 180, 270) clockwise seen from above."""
    rotate, _ = check_transform(degrees)
    quarters = rotate // 90
    if not quarters:
        return state
    return _moved(state, lambda d: _turn(d, quarters), lambda r: r + 4 * quarters, swap_axes=quarters % 2 == 1,
                  hand=False)


@lru_cache(maxsize=65536)
def mirror_state(state: str, axis: str) -> str:
    """``state`` mirrored across the plane that flips ``axis`` (``"x"``: east <-> west)."""
    _, axis = check_transform(0, axis)
    flip = _FLIP[axis]
    # Sign rotation r points at angle 22.5 r clockwise from south: flipping x negates it, flipping z
    # takes it to 180 degrees minus it.
    reflect = (lambda r: 16 - r) if axis == "x" else (lambda r: 8 - r)
    return _moved(state, lambda d: flip.get(d, d), reflect, swap_axes=False, hand=True)


# --- structures ---

def _with_states(structure: Structure, blocks: np.ndarray, states: list[str], origin) -> Structure:
    """``blocks`` (ids of ``structure.vocab``) over the new ``states``, merged where they coincide."""
    order = list(dict.fromkeys(states))
    if len(order) == len(states):
        return structure.with_blocks(blocks, vocab=BlockVocab(states), origin=origin)
    index = {s: i for i, s in enumerate(order)}
    table = np.array([index[s] for s in states], dtype=np.int64)
    return structure.with_blocks(table[blocks], vocab=BlockVocab(order), origin=origin)


def rotate(structure: Structure, degrees: int) -> Structure:
    """The structure turned ``degrees`` clockwise seen from above; ``(X, Y, Z)`` becomes ``(Z, Y, X)``
    on 90 and 270. The origin moves with its block."""
    rotate_by, _ = check_transform(degrees)
    s = structure
    for _ in range(rotate_by // 90):
        # (x, z) -> (Z - 1 - z, x): new[a, y, b] = old[b, y, Z - 1 - a]
        ox, oy, oz = s.origin
        blocks = np.ascontiguousarray(s.blocks[:, :, ::-1].transpose(2, 1, 0))
        s = s.with_blocks(blocks, origin=(s.shape[2] - 1 - oz, oy, ox))
    if rotate_by == 0:
        return structure.with_blocks(structure.blocks.copy())
    return _with_states(s, s.blocks, [rotate_state(st, rotate_by) for st in s.vocab.states], s.origin)


def mirror(structure: Structure, axis: str) -> Structure:
    """The structure mirrored along ``axis`` (``"x"``: east <-> west, ``"z"``: north <-> south)."""
    _, axis = check_transform(0, axis)
    k = MIRRORS.index(axis) * 2  # grid axis 0 (x) or 2 (z)
    blocks = np.ascontiguousarray(np.flip(structure.blocks, axis=k))
    origin = list(structure.origin)
    origin[k] = structure.shape[k] - 1 - origin[k]
    return _with_states(structure, blocks, [mirror_state(st, axis) for st in structure.vocab.states], tuple(origin))


def transform(structure: Structure, rotate_by: int = DEFAULT_ROTATION, mirror_axis: str | None = DEFAULT_MIRROR
              ) -> Structure:
    """Mirror (if asked), then rotate: the order of the game's structure placement."""
    rotate_by, mirror_axis = check_transform(rotate_by, mirror_axis)
    s = mirror(structure, mirror_axis) if mirror_axis is not None else structure
    return rotate(s, rotate_by)


__all__ = ["DEFAULT_MIRROR", "DEFAULT_ROTATION", "MIRRORS", "ROTATIONS", "check_transform", "mirror",
           "mirror_state", "rotate", "rotate_state", "transform"]
