"""PNG previews of structures: an isometric voxel view with Minecraft-like colours.

The camera looks down from the high ``+x, +y, +z`` corner (2:1 pixel-art
isometric, y up), so every block shows at most three faces: its top (``up``),
its ``+x`` face (``east``, on the right) and its ``+z`` face (``south``, on the
left). Each face gets a small procedural texture (bark stripes, birch spots,
log rings, leaf speckles, flowers, vines with holes) coloured from ``PALETTE``
and shaded top-brightest. The same colour table is meant for a web viewer:
``block_color(state, face)`` and the ``PALETTE`` / ``END_PALETTE`` dicts are
plain RGB tuples keyed by block name (``blocks.base_name``).

Tree blocks (and a few common ground blocks) have hand-tuned colours in ``PALETTE``;
every other vanilla block takes its colour from the game's own textures, the table
``sapling/data/game/block_colors.json`` (``game_color``; made by
``scripts/gen_block_colors.py``, shipped in the package). Only blocks the game does
not know (modded ones) get a colour hashed from their name.

Drawing is vectorised: every visible face is stamped as a precomputed pixel
sprite, and a z-buffer keyed by ``x + y + z`` keeps the nearest face per pixel.
For a view direction with all-positive components, a unit cube can only hide
another whose coordinates are all smaller or equal, so that key is an exact
painter's order. Faces covered by an opaque neighbour are never drawn.
"""

from __future__ import annotations

import colorsys
import json
import math
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sapling.blocks import block_kind, parse_state
from sapling.errors import SaplingError
from sapling.structure import Structure

RGB = tuple[int, int, int]


class RenderError(SaplingError):
    """A preview that cannot be made or written (bad path, bad captions, nothing to draw)."""


# --- colours -------------------------------------------------------------------------

BACKGROUND: RGB = (238, 237, 232)
FLOOR: RGB = (222, 221, 213)
SHADOW: RGB = (196, 195, 186)
CAPTION: RGB = (52, 52, 52)

# Per wood species: bark (log side), log end (cut face), stripped wood, leaves, planks.
_WOOD: dict[str, tuple[RGB, RGB, RGB, RGB, RGB]] = {
    "oak": ((104, 83, 50), (164, 133, 80), (177, 144, 86), (66, 124, 34), (162, 131, 79)),
    "birch": ((234, 233, 226), (200, 182, 126), (198, 178, 120), (118, 158, 76), (196, 178, 123)),
    "spruce": ((62, 42, 22), (118, 88, 52), (116, 90, 52), (40, 80, 54), (115, 86, 50)),
    "jungle": ((90, 70, 28), (172, 132, 84), (171, 132, 85), (78, 176, 34), (160, 115, 80)),
    "acacia": ((132, 100, 80), (186, 98, 52), (176, 94, 50), (104, 134, 32), (168, 90, 50)),
    "dark_oak": ((56, 40, 22), (86, 60, 34), (96, 76, 49), (40, 90, 22), (66, 43, 20)),
    "mangrove": ((104, 58, 44), (124, 56, 48), (122, 54, 48), (94, 146, 40), (117, 54, 48)),
    "cherry": ((58, 36, 48), (226, 172, 168), (220, 150, 150), (236, 166, 200), (226, 178, 172)),
    "pale_oak": ((168, 160, 154), (234, 224, 220), (238, 230, 226), (176, 182, 168), (228, 218, 216)),
}

# Bark accents: birch's dark spots, acacia's orange streaks, cherry's purple cracks.
_BARK_ACCENT: dict[str, RGB] = {
    "birch": (46, 42, 38),
    "acacia": (178, 96, 52),
    "cherry": (96, 58, 80),
    "pale_oak": (120, 112, 108),
}

FLOWER: RGB = (226, 120, 208)


def _build_palette() -> tuple[dict[str, RGB], dict[str, RGB]]:
    side: dict[str, RGB] = {}
    end: dict[str, RGB] = {}
    for sp, (bark, cut, stripped, leaves, planks) in _WOOD.items():
        for form in ("log", "wood"):
            side[f"{sp}_{form}"] = bark
            side[f"stripped_{sp}_{form}"] = stripped
        end[f"{sp}_log"] = cut
        end[f"stripped_{sp}_log"] = cut
        side[f"{sp}_leaves"] = leaves
        side[f"{sp}_planks"] = planks
    side.update({
        "azalea_leaves": (90, 122, 40),
        "flowering_azalea_leaves": (90, 122, 40),
        "mangrove_roots": (84, 62, 44),
        "muddy_mangrove_roots": (74, 62, 56),
        "vine": (58, 116, 26),
        "cocoa": (158, 88, 38),
        "bee_nest": (206, 160, 62),
        "mangrove_propagule": (116, 168, 70),
        "moss_carpet": (90, 112, 44),
        "moss_block": (90, 112, 44),
        "pale_moss_block": (178, 184, 170),
        "pale_moss_carpet": (178, 184, 170),
        "pale_hanging_moss": (170, 178, 162),
        "grass_block": (134, 96, 67),
        "dirt": (134, 96, 67),
        "coarse_dirt": (119, 85, 59),
        "podzol": (134, 96, 67),
        "rooted_dirt": (146, 106, 80),
        "mud": (64, 60, 64),
        "mycelium": (134, 96, 67),
        # A few common non-tree blocks, so real schematics look right.
        "stone": (126, 126, 126),
        "cobblestone": (116, 116, 116),
        "mossy_cobblestone": (104, 118, 92),
        "sand": (219, 207, 163),
        "gravel": (132, 126, 124),
        "clay": (160, 166, 178),
        "snow": (246, 250, 250),
        "snow_block": (246, 250, 250),
        "water": (62, 96, 206),
        "glass": (206, 228, 236),
        "shroomlight": (240, 148, 72),
        "melon": (112, 148, 30),
        "pumpkin": (198, 118, 24),
        "hay_block": (184, 152, 22),
        "bamboo_block": (124, 140, 40),
    })
    end.update({
        "bee_nest": (226, 190, 92),
        "grass_block": (94, 156, 56),
        "podzol": (108, 74, 32),
        "mycelium": (112, 96, 112),
        "pumpkin": (168, 112, 30),
        "melon": (150, 164, 40),
    })
    return side, end


# PALETTE: block name -> RGB of its sides (bark for logs). END_PALETTE: block name ->
# RGB of its end faces where they differ (a log's cut face along its axis, the top of
# grass, podzol, a bee nest). Both are plain dicts, ready for ``json.dumps``.
PALETTE, END_PALETTE = _build_palette()

_COCOA_AGE: dict[str, RGB] = {"0": (126, 142, 52), "1": (176, 132, 56), "2": (158, 88, 38)}


_SHAPE_SUFFIXES = (
    "_stairs", "_slab", "_wall", "_fence_gate", "_fence", "_pane", "_button", "_pressure_plate",
    "_trapdoor", "_door", "_carpet", "_wall_sign", "_sign",
)


GAME_COLORS_FILE = "block_colors.json"


@lru_cache(maxsize=1)
def _game_colors() -> dict[str, dict]:
    path = resources.files("sapling") / "data" / "game" / GAME_COLORS_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: {"side": tuple(e["side"]), "top": tuple(e["top"]), "axis": bool(e.get("axis")),
               **({"alpha": e["alpha"]} if "alpha" in e else {})}
        for name, e in doc["blocks"].items()
    }


def game_color(name: str) -> dict | None:
    """The game's colours of a vanilla block (``"poppy"``, ``"minecraft:poppy"`` or a state: its
    properties do not matter), from its textures: ``{"side": RGB, "top": RGB, "axis": bool}`` and
    ``"alpha"`` (0..1) for see-through blocks; None for a block the game does not know (any other
    namespace). ``axis``: like a log, the block shows ``top`` on the faces along its ``axis``
    property. These are the colours ``block_color`` gives blocks without hand-tuned ones;
    ``scripts/gen_block_colors.py`` says how the table is made. Raises ``BlockError`` for
    malformed text."""
    full = parse_state(name)[0] if ("[" in name or ":" in name) else f"minecraft:{name}"
    namespace, name = full.split(":", 1)
    if namespace != "minecraft":
        return None
    entry = _game_colors().get(name)
    return dict(entry) if entry is not None else None


# Shapes the game draws with their material's own texture (``oak_stairs`` with ``oak_planks``).
_SAME_TEXTURE_SUFFIXES = (
    "_stairs", "_slab", "_wall", "_fence_gate", "_fence", "_pane", "_button", "_pressure_plate", "_carpet",
)


def _material_color(name: str, vanilla: bool = True) -> RGB | None:
    """A shaped variant of a hand-tuned material takes its colour, so that it matches the
    material in a picture (``cobblestone_wall``, ``glass_pane``, ``spruce_fence``: spruce planks).
    For vanilla blocks only the shapes drawn with the material's texture count (a door, a sign
    has its own); for other blocks any shape suffix does."""
    for suffix in _SAME_TEXTURE_SUFFIXES if vanilla else _SHAPE_SUFFIXES:
        if not name.endswith(suffix):
            continue
        stem = name[: -len(suffix)]
        for material in (stem, stem + "s") + ((stem + "_planks",) if vanilla else ()):
            if material in PALETTE:
                return PALETTE[material]
    return None


def _game_entry(name: str, vanilla: bool) -> dict | None:
    """The texture table's entry when it is where a block's colour comes from: a vanilla block
    with no hand-tuned colour of its own or of its material."""
    if not vanilla or name in PALETTE or _material_color(name) is not None:
        return None
    return _game_colors().get(name)


def _hashed_color(name: str, kind: str) -> RGB:
    """A stable colour for a block neither the palette nor the game's table knows (modded blocks).

    Wood-named blocks (``othermod:spruce_shelf``) take their species' planks; unknown
    leaves stay green, unknown logs brown; anything else gets a muted colour from a hash
    of its name.
    """
    for sp in sorted(_WOOD, key=len, reverse=True):  # "dark_oak" before "oak"
        if name.startswith((sp + "_", "stripped_" + sp + "_")) and kind not in ("log", "leaves"):
            return _WOOD[sp][4]
    h = zlib.crc32(name.encode())
    if kind == "leaves":
        hue, sat, val = 0.22 + (h % 100) / 1000, 0.6, 0.55
    elif kind == "log":
        hue, sat, val = 0.06 + (h % 60) / 1000, 0.45, 0.42
    else:
        hue, sat, val = (h % 360) / 360, 0.12 + (h >> 9) % 16 / 100, 0.6 + (h >> 14) % 20 / 100
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return (round(r * 255), round(g * 255), round(b * 255))


def _lighter(c: RGB, f: float) -> RGB:
    return tuple(int(min(255, round(v * f))) for v in c)  # type: ignore[return-value]


def _part_color(name: str, part: str, props: dict[str, str], kind: str, vanilla: bool = True) -> RGB:
    """The colour of a block's ``"side"`` or ``"end"`` texture: hand-tuned (``PALETTE``, then a shaped
    variant's material), else the game's (a vanilla block), else hashed from the name."""
    if name == "cocoa" and props.get("age") in _COCOA_AGE:
        return _COCOA_AGE[props["age"]]
    game = _game_entry(name, vanilla)
    if game is not None:
        return game["top"] if part == "end" else game["side"]
    side = PALETTE.get(name) or _material_color(name, vanilla) or _hashed_color(name, kind)
    if part == "end":
        return END_PALETTE.get(name) or (_lighter(side, 1.45) if kind == "log" else side)
    return side


_FACE_AXIS = {"up": "y", "down": "y", "top": "y", "east": "x", "west": "x", "north": "z", "south": "z"}


def axis_ends(name: str, vanilla: bool = True) -> bool:
    """Whether a block shows its end colour on the faces along its ``axis`` property, not on its
    top: logs (not wood, which is bark all round), and the game's stems and pillars whose end
    texture differs (``crimson_stem``, ``basalt``, ``quartz_pillar``). ``vanilla``: the block is
    in the ``minecraft`` namespace (the game's table describes no other)."""
    if block_kind(f"minecraft:{name}") == "log" and not name.endswith("_wood") and name != "mangrove_roots":
        return True
    game = _game_entry(name, vanilla)
    return game is not None and game["axis"]


def _part(kind: str, name: str, props: dict[str, str], face: str, vanilla: bool = True) -> str:
    """Which texture a face shows: ``"end"`` (log cut face, block top) or ``"side"``."""
    if face == "side":
        return "side"
    axis = _FACE_AXIS[face]
    if axis_ends(name, vanilla):
        return "end" if props.get("axis", "y") == axis else "side"
    if face not in ("up", "top"):
        return "side"
    if name in END_PALETTE:
        return "end"
    game = _game_entry(name, vanilla)
    return "end" if game is not None and game["top"] != game["side"] else "side"


def block_color(state: str, face: str = "side") -> RGB:
    """The RGB colour of one face of a block state.

    ``face`` is ``"side"`` (any horizontal face), or a Minecraft direction
    (``"up"`` or ``"top"``, ``"down"``, ``"north"``, ``"south"``, ``"east"``, ``"west"``):
    a log (or a stem, a pillar) shows its cut end on the faces along its ``axis``;
    grass, podzol, bee nests and any block whose top texture differs have a different
    top (``"down"`` shows the side colour). Tree blocks have hand-tuned colours
    (``PALETTE``); other vanilla blocks the average colour of their textures in the
    game (``game_color``: the side and top textures, tinted as in a plains biome);
    blocks the game does not know get a stable colour hashed from their name. Raises
    ``BlockError`` for a malformed state, ``RenderError`` for a face name it does not know.
    """
    if face != "side" and face not in _FACE_AXIS:
        raise RenderError(f"unknown face {face!r}; use 'side' or one of: up, down, north, south, east, west")
    full, props = parse_state(state)
    namespace, name = full.split(":", 1)
    kind = block_kind(state)
    vanilla = namespace == "minecraft"
    return _part_color(name, _part(kind, name, props, face, vanilla), props, kind, vanilla)


# --- textures ------------------------------------------------------------------------

TEXELS = 8  # texels per face edge (Minecraft's 16, halved: faces are ~10 px wide)
_ALPHA_STYLES = frozenset({"vine", "strands", "glass"})  # textures with see-through texels


def _style(name: str, kind: str, part: str) -> str:
    """The procedural texture of a block face (see ``_texture``)."""
    if name.endswith("mangrove_roots"):
        return "roots"
    if kind == "log":
        if part == "end":
            return "rings"
        if name.startswith("birch_"):
            return "birch"
        if name.startswith("stripped_"):
            return "grain"
        return "bark"
    if kind == "leaves":
        return "flowers" if name == "flowering_azalea_leaves" else "leaves"
    table = {
        "vine": "vine", "cocoa": "pod", "mangrove_propagule": "sprout", "pale_hanging_moss": "strands",
        "glass": "glass", "rooted_dirt": "roots", "bee_nest": "bands",
    }
    if name in table and not (name == "bee_nest" and part == "end"):
        return table[name]
    if name in ("grass_block", "podzol", "mycelium") and part == "side":
        return "topped"
    if name.endswith(("_glass", "_glass_pane")) or name == "glass_pane":
        return "glass"
    return "plain"


def _texture(name: str, kind: str, part: str, props: dict[str, str], vanilla: bool = True) -> np.ndarray:
    """``(T, T, 4)`` uint8 RGBA texture of one face; row 0 is the top edge.

    Striped styles run along rows (the vertical direction), which is the log axis
    on a side face of an upright log; callers transpose for other orientations.
    """
    T = TEXELS
    rng = np.random.default_rng(zlib.crc32(f"{name}/{part}".encode()))
    base = np.array(_part_color(name, part, props, kind, vanilla), dtype=np.float32)
    style = _style(name, kind, part)
    shade = np.ones((T, T), dtype=np.float32)
    rgb = np.broadcast_to(base, (T, T, 3)).copy()
    alpha = np.full((T, T), 255, dtype=np.uint8)
    rows, cols = np.mgrid[0:T, 0:T]

    if style == "plain":
        shade += rng.uniform(-0.06, 0.06, (T, T))
    elif style in ("leaves", "flowers"):
        shade += rng.uniform(-0.1, 0.1, (T, T))
        u = rng.random((T, T))
        shade[u < 0.2] *= 0.68  # gaps between leaves
        shade[u > 0.9] *= 1.15  # light catching leaf tips
        if style == "flowers":
            for r, c in rng.integers(0, T - 1, (3, 2)):
                rgb[r:r + 2, c:c + 2] = FLOWER
                shade[r:r + 2, c:c + 2] = rng.uniform(0.9, 1.1, (2, 2))
    elif style in ("bark", "grain", "roots"):
        col_shade = rng.uniform(0.86, 1.08, T)
        shade = np.broadcast_to(col_shade, (T, T)).copy() + rng.uniform(-0.04, 0.04, (T, T))
        depth = 0.72 if style == "bark" else 0.9
        for c in rng.choice(T, 2 if style == "bark" else 1, replace=False):
            shade[:, c] *= depth  # furrows along the axis
        accent = _BARK_ACCENT.get(name.split("_log")[0].split("_wood")[0])
        if accent is not None and style == "bark":
            for _ in range(3):
                c, r = rng.integers(0, T), rng.integers(0, T - 2)
                rgb[r:r + 3, c] = accent
        if style == "roots":
            shade[rng.random((T, T)) < 0.25] *= 0.75
    elif style == "birch":
        shade += rng.uniform(-0.04, 0.03, (T, T))
        accent = np.array(_BARK_ACCENT["birch"], dtype=np.float32)
        for r in rng.choice(T, 3, replace=False):
            c, n = rng.integers(0, T - 1), rng.integers(2, 4)
            rgb[r, c:c + n] = accent  # dashes run across the trunk
    elif style == "rings":
        ring = np.minimum(np.minimum(rows, cols), np.minimum(T - 1 - rows, T - 1 - cols))
        bark = np.array(_part_color(name, "side", props, kind, vanilla), dtype=np.float32)
        rgb[ring == 0] = bark
        shade = np.where(ring % 2 == 1, 0.86, 1.0).astype(np.float32)
        shade += rng.uniform(-0.03, 0.03, (T, T))
    elif style == "topped":
        top = np.array(_part_color(name, "end", props, kind, vanilla), dtype=np.float32)
        shade += rng.uniform(-0.07, 0.07, (T, T))
        drip = rng.integers(1, 3, T)  # an uneven fringe of grass over the dirt
        rgb[rows < drip[None, :]] = top
    elif style == "bands":
        shade += rng.uniform(-0.05, 0.05, (T, T))
        shade[rows % 3 == 2] *= 0.78
    elif style == "vine":
        shade += rng.uniform(-0.12, 0.12, (T, T))
        alpha[:] = 0
        for c in rng.choice(T, 4, replace=False):
            length = rng.integers(T // 2, T + 1)
            alpha[:length, c] = 255  # strands hang from the top
        alpha[rng.random((T, T)) < 0.15] = 255
    elif style == "pod":
        shade += rng.uniform(-0.06, 0.06, (T, T))
        shade[(rows + cols) % 3 == 0] *= 0.82  # the ribs of a cocoa pod
    elif style == "sprout":
        shade += rng.uniform(-0.06, 0.06, (T, T))
        rgb[T // 2:] = rgb[T // 2:] * 0.75 + np.array([40, 20, 0], dtype=np.float32)  # a brown stem
    elif style == "strands":
        alpha[:] = 0
        for c in (1, 3, 4, 6):
            alpha[: rng.integers(3, T + 1), c] = 255
        shade += rng.uniform(-0.06, 0.06, (T, T))
    elif style == "glass":
        ring = np.minimum(np.minimum(rows, cols), np.minimum(T - 1 - rows, T - 1 - cols))
        alpha[ring > 0] = 0
        alpha[(rows == cols) & (rows > 1) & (rows < 4)] = 255  # a glint
        shade[ring > 0] = 1.1
    rgba = np.empty((T, T, 4), dtype=np.uint8)
    rgba[..., :3] = np.clip(rgb * shade[..., None], 0, 255)
    rgba[..., 3] = alpha
    return rgba


# --- shapes --------------------------------------------------------------------------

Box = tuple[int, int, int, int, int, int]  # x0, x1, y0, y1, z0, z1 in 16ths of a block
FULL: Box = (0, 16, 0, 16, 0, 16)


def _shape(name: str, props: dict[str, str]) -> Box:
    """The box a block fills: a full cube unless it is a carpet, pod, post, slab, ..."""
    if name == "cocoa":
        age = int(props.get("age", "2")) if props.get("age", "2").isdigit() else 2
        w, hgt = 4 + 2 * min(age, 2), 5 + 2 * min(age, 2)
        lo, hi = 8 - w // 2, 8 + w // 2
        facing = props.get("facing", "north")  # the pod hangs on the log it faces
        x = {"east": (16 - 1 - w, 15), "west": (1, 1 + w)}.get(facing, (lo, hi))
        z = {"south": (16 - 1 - w, 15), "north": (1, 1 + w)}.get(facing, (lo, hi))
        return (x[0], x[1], 12 - hgt, 12, z[0], z[1])
    if name.endswith("_carpet"):
        return (0, 16, 0, 2, 0, 16)
    if name == "snow" and props.get("layers", "1").isdigit():
        return (0, 16, 0, 2 * min(8, max(1, int(props.get("layers", "1")))), 0, 16)
    if name.endswith("_slab") and props.get("type") in ("bottom", "top"):
        return (0, 16, 0, 8, 0, 16) if props["type"] == "bottom" else (0, 16, 8, 16, 0, 16)
    if name == "mangrove_propagule":
        return (6, 10, 0, 14, 6, 10)
    if name.endswith("_fence") or name.endswith("_pane") or name == "iron_bars":
        return (6, 10, 0, 16, 6, 10)
    if name.endswith("_wall"):
        return (4, 12, 0, 16, 4, 12)
    return FULL


def _is_opaque(name: str, kind: str, props: dict[str, str]) -> bool:
    """Whether a block hides the faces of its neighbours (cutouts, glass, partial shapes do not)."""
    return _style(name, kind, "side") not in _ALPHA_STYLES and _shape(name, props) == FULL


# --- the sprite of one block ---------------------------------------------------------

FACES = ("up", "east", "south")  # the three faces the camera sees
FACE_SHADE = (1.0, 0.7, 0.85)  # top brightest, the left (+z) side lit more than the right
_EDGE_SHADE = 0.9  # darker texel ring at face borders: blocks stay readable in a mass
_JITTER = np.array([0.95, 0.985, 1.015, 1.05], dtype=np.float32)  # per-block brightness
_COVERED_SHADE = 0.88  # blocks with something opaque above them (under the canopy)

Sprite = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # dx, dy, row, col


def _height_of(a: int) -> int:
    """Pixel height of a vertical cube edge for half-width ``a``: cubes a bit taller than 2:1."""
    return max(2, round(a * 1.2))


@lru_cache(maxsize=64)
def _sprite(a: int, box: Box = FULL) -> tuple[Sprite, Sprite, Sprite]:
    """Pixels of the three visible faces (``FACES``) of a box in a voxel.

    Returns per face ``(dx, dy, row, col)``: pixel offsets from the voxel's anchor
    (the projection of its ``(x, y, z)`` corner, where a point ``(X, Y, Z)`` lands
    at ``((X - Z) a, (X + Z) a / 2 - Y h)``) and the texel each pixel samples, in
    voxel coordinates as Minecraft maps textures onto partial blocks. Pixels are
    assigned by their centres, so neighbouring cubes tile without gaps or overlaps.
    """
    T, h = TEXELS, _height_of(a)
    x0, x1, y0, y1, z0, z1 = (c / 16 for c in box)
    dy, dx = np.mgrid[-h:a, -a:a]  # every block's projection lies in this window
    cx, cy = dx + 0.5, dy + 0.5
    planes = []
    # up (Y = y1): X - Z = cx / a, X + Z = 2 (cy + y1 h) / a
    s, d = 2 * (cy + y1 * h) / a, cx / a
    fx, fz = (s + d) / 2, (s - d) / 2
    planes.append(((fx >= x0) & (fx < x1) & (fz >= z0) & (fz < z1), fz, fx))
    # east (X = x1): Z = x1 - cx / a, Y = ((x1 + Z) a / 2 - cy) / h
    fz = x1 - cx / a
    fy = ((x1 + fz) * a / 2 - cy) / h
    planes.append(((fz >= z0) & (fz < z1) & (fy >= y0) & (fy < y1), 1 - fy, 1 - fz))
    # south (Z = z1): X = z1 + cx / a, Y = ((X + z1) a / 2 - cy) / h
    fx = z1 + cx / a
    fy = ((fx + z1) * a / 2 - cy) / h
    planes.append(((fx >= x0) & (fx < x1) & (fy >= y0) & (fy < y1), 1 - fy, fx))
    faces = []
    taken = np.zeros(dx.shape, dtype=bool)
    for inside, v, u in planes:
        inside &= ~taken
        taken |= inside
        row = np.clip(np.floor(v[inside] * T).astype(np.int64), 0, T - 1)
        col = np.clip(np.floor(u[inside] * T).astype(np.int64), 0, T - 1)
        faces.append((dx[inside].astype(np.int64), dy[inside].astype(np.int64), row, col))
    return tuple(faces)  # type: ignore[return-value]


# --- per-vocabulary lookup tables ----------------------------------------------------


class _Atlas:
    """Per block id of one vocabulary: opacity, shape and the textures of its visible faces.

    ``index[id, face]`` is an atlas entry; ``textures[entry * variants + v]`` is a
    ``(T, T, 4)`` RGBA texture, face shade baked in, for brightness variant ``v``
    (jitter levels, then the same again covered from above).
    """

    def __init__(self, states: tuple[str, ...]):
        T = TEXELS
        n = len(states)
        self.opaque = np.zeros(n, dtype=bool)
        self.jitter = np.zeros(n, dtype=bool)
        self.shape = np.zeros(n, dtype=np.int64)  # index into ``boxes``
        self.index = np.zeros((n, 3), dtype=np.int64)
        self.boxes: list[Box] = [FULL]
        keys: dict[tuple, int] = {}
        textures: list[np.ndarray] = []
        edge = np.ones((T, T), dtype=np.float32)
        edge[[0, -1], :] = _EDGE_SHADE
        edge[:, [0, -1]] = _EDGE_SHADE
        for i, state in enumerate(states):
            full, props = parse_state(state)
            namespace, name = full.split(":", 1)
            kind, vanilla = block_kind(state), namespace == "minecraft"
            if kind == "air":
                continue
            box = _shape(name, props)
            if box not in self.boxes:
                self.boxes.append(box)
            self.shape[i] = self.boxes.index(box)
            self.opaque[i] = _is_opaque(name, kind, props)
            self.jitter[i] = kind in ("leaves", "ground", "other")
            axis = props.get("axis", "y") if kind == "log" else "y"
            for f, face in enumerate(FACES):
                part = _part(kind, name, props, face, vanilla)
                style = _style(name, kind, part)
                # Stripes run along rows; turn them where the log axis crosses this face.
                turn = part == "side" and kind == "log" and (axis == "x" if face == "up" else axis != "y")
                # Hanging plants are open from above (a vine shows a top only with up=true).
                hollow = face == "up" and style in ("vine", "strands") and props.get("up") != "true"
                variant_key = props.get("age") if name == "cocoa" else None
                key = (name, vanilla, kind, part, variant_key, turn, hollow, f)
                if key not in keys:
                    tex = _texture(name, kind, part, props, vanilla).astype(np.float32)
                    if turn:
                        tex = tex.transpose(1, 0, 2)
                    if hollow:
                        tex[..., 3] = 0
                    tex[..., :3] *= FACE_SHADE[f]
                    if style not in _ALPHA_STYLES and box == FULL:
                        tex[..., :3] *= edge[..., None]
                    keys[key] = len(textures)
                    textures.append(tex)
                self.index[i, f] = keys[key]
        stack = np.stack(textures) if textures else np.zeros((1, T, T, 4), dtype=np.float32)
        light = np.concatenate([_JITTER, _JITTER * _COVERED_SHADE])
        self.variants = len(light)
        shaded = stack[:, None].repeat(self.variants, axis=1)
        shaded[..., :3] *= light[None, :, None, None, None]
        self.textures = np.clip(shaded, 0, 255).astype(np.uint8).reshape(-1, T, T, 4)


@lru_cache(maxsize=32)
def _atlas(states: tuple[str, ...]) -> _Atlas:
    return _Atlas(states)


# --- rendering -----------------------------------------------------------------------

DEFAULT_HALF_WIDTH = 10  # pixels: a 16x16x16 tree makes a 336x368 tile
MAX_TILE_PX = 1024
_PAD = 8


def _tile_size(shape: tuple[int, int, int], a: int) -> tuple[int, int]:
    """``(width, height)`` in pixels of the tile of an ``(X, Y, Z)`` grid."""
    X, Y, Z = (max(1, s) for s in shape)
    return (X + Z) * a + 2 * _PAD, (X + Z) * a // 2 + Y * _height_of(a) + 2 * _PAD


def _half_width_for(shape: tuple[int, int, int], size_px: int | None) -> int:
    """Largest even cube half-width whose tile fits ``size_px`` (default: fixed scale, capped)."""
    if size_px is not None and int(size_px) < 1:
        raise RenderError(f"size_px must be a positive number of pixels, got {size_px}")
    limit = MAX_TILE_PX if size_px is None else int(size_px)
    a = DEFAULT_HALF_WIDTH if size_px is None else 2 * max(1, limit // 2)
    while a > 2 and max(_tile_size(shape, a)) > limit:
        a -= 2
    return a


def _visible_faces(blocks: np.ndarray, solid: np.ndarray, full: np.ndarray) -> list[np.ndarray]:
    """``(X, Y, Z)`` masks of the up, east and south faces worth drawing.

    A full block's face against an opaque neighbour is hidden; partial shapes are
    always drawn (their faces sit inside the voxel). Grid borders count as open.
    """
    open_up = np.ones_like(solid)
    open_up[:, :-1] = ~solid[:, 1:]
    open_east = np.ones_like(solid)
    open_east[:-1] = ~solid[1:]
    open_south = np.ones_like(solid)
    open_south[:, :, :-1] = ~solid[:, :, 1:]
    nonair, partial = blocks != 0, ~full
    return [nonair & (o | partial) for o in (open_up, open_east, open_south)]


def _draw(structure: Structure, a: int) -> Image.Image:
    """The tile of one structure at cube half-width ``a`` (pixels)."""
    blocks = structure.blocks
    X, Y, Z = (max(1, s) for s in blocks.shape)
    W, H = _tile_size(blocks.shape, a)
    h, half = _height_of(a), a // 2
    off_x, off_y = Z * a + _PAD, Y * h + _PAD
    image = np.empty((H * W, 3), dtype=np.uint8)
    image[:] = BACKGROUND

    # The floor plate under the grid, darker under the blocks. A cube at y = -1 can
    # hide nothing of the grid above it, so the plate is painted first without depth.
    atlas = _atlas(structure.vocab.states)
    nonair = blocks != 0
    fx, fz = np.meshgrid(np.arange(X), np.arange(Z), indexing="ij")
    under = nonair.any(axis=1) if blocks.size else np.zeros((X, Z), dtype=bool)
    dx, dy, _, _ = _sprite(a)[0]
    ax = (fx - fz).ravel() * a + off_x
    ay = (fx + fz).ravel() * half + h + off_y
    plate = np.array([FLOOR, _lighter(FLOOR, 0.985), SHADOW, _lighter(SHADOW, 0.985)], dtype=np.uint8)
    image[(ay[:, None] + dy[None]) * W + ax[:, None] + dx[None]] = plate[((fx + fz) % 2 + 2 * under).ravel()][:, None]
    if not nonair.any():
        return Image.fromarray(image.reshape(H, W, 3), "RGB")

    solid = atlas.opaque[blocks]
    shape = atlas.shape[blocks]
    visible = _visible_faces(blocks, solid, shape == 0)
    # Opaque blocks higher up the same column: a shadow under the canopy.
    covered = (np.flip(np.cumsum(np.flip(solid, axis=1), axis=1), axis=1) - solid) > 0
    pixels, keys, colours = [], [], []
    for f in range(3):
        for s, box in enumerate(atlas.boxes):
            x, y, z = np.nonzero(visible[f] & (shape == s))
            if not len(x):
                continue
            dx, dy, row, col = _sprite(a, box)[f]
            if not len(dx):
                continue
            ids = blocks[x, y, z]
            jitter = (x * 73856093 ^ y * 19349663 ^ z * 83492791) % len(_JITTER)
            variant = np.where(atlas.jitter[ids], jitter, 1) + len(_JITTER) * covered[x, y, z]
            tex = atlas.index[ids, f] * atlas.variants + variant
            rgba = atlas.textures[tex[:, None], row[None], col[None]]  # (N, P, 4)
            keep = rgba[..., 3] > 0
            ax = (x - z) * a + off_x
            ay = (x + z) * half - y * h + off_y
            pixels.append(((ay[:, None] + dy[None]) * W + ax[:, None] + dx[None])[keep])
            keys.append(np.broadcast_to((x + y + z)[:, None], keep.shape)[keep])
            colours.append(rgba[..., :3][keep])
    if pixels:
        pix = np.concatenate(pixels)
        key = np.concatenate(keys).astype(np.int32)
        depth = np.full(H * W, -1, dtype=np.int32)
        np.maximum.at(depth, pix, key)  # the nearest voxel per pixel (see module docstring)
        front = key == depth[pix]
        image[pix[front]] = np.concatenate(colours)[front]
    return Image.fromarray(image.reshape(H, W, 3), "RGB")


def _as_list(structures: Structure | Sequence[Structure]) -> list[Structure]:
    items = [structures] if isinstance(structures, Structure) else list(structures)
    for s in items:
        if not isinstance(s, Structure):
            raise TypeError(f"expected Structure objects, got {type(s).__name__}")
    if not items:
        raise RenderError("nothing to render: no structures given")
    return items


def render_structure(structure: Structure, size_px: int | None = None) -> Image.Image:
    """An isometric RGB picture of one structure, its whole grid on a floor plate.

    The tile is ``(X + Z) * a`` wide and ``(X + Z) * a / 2 + Y * 1.2a`` tall (plus a
    margin) for a cube half-width ``a``: 10 px by default (a 16x16x16 grid makes a
    336x368 tile; tiles larger than 1024 px shrink), or the largest that keeps the
    tile within ``size_px`` on its longer side. An empty structure gives an empty plate.
    """
    if not isinstance(structure, Structure):
        raise TypeError(f"expected a Structure, got {type(structure).__name__}")
    return _draw(structure, _half_width_for(structure.shape, size_px))


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
        return ImageFont.load_default()


def _wrap(text: str, font, width: int, draw: ImageDraw.ImageDraw, max_lines: int = 2) -> list[str]:
    """Greedy word wrap to ``width`` pixels; the last line ends in an ellipsis if cut."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and draw.textlength(line + " " + words[0], font=font) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words or (lines and draw.textlength(lines[-1], font=font) > width):
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def render_grid(
    structures: Structure | Sequence[Structure],
    captions: str | Sequence[str | None] | None = None,
    columns: int | None = None,
    size_px: int | None = None,
) -> Image.Image:
    """Many structures side by side at one common scale, with optional captions.

    Tiles share the scale of the largest (so trees compare by size), stand on a
    common baseline in equal cells, ``columns`` per row (default: a near-square
    sheet). ``captions`` (one per structure, ``None`` for none) go under the tiles,
    wrapped to two lines. ``size_px`` bounds each tile as in ``render_structure``.
    """
    items = _as_list(structures)
    if isinstance(captions, str):
        captions = [captions]
    if captions is not None:
        captions = list(captions)
        if len(captions) != len(items):
            raise RenderError(f"got {len(captions)} captions for {len(items)} structures; give one per structure")
    if columns is not None and int(columns) < 1:
        raise RenderError(f"columns must be a positive number, got {columns}")

    a = min(_half_width_for(s.shape, size_px) for s in items)
    tiles = [_draw(s, a) for s in items]
    cell_w = max(t.width for t in tiles)
    tile_h = max(t.height for t in tiles)
    n = len(tiles)
    if columns is None:
        columns = max(1, min(n, math.ceil(math.sqrt(n * tile_h / cell_w))))
    columns = min(int(columns), n)
    rows = math.ceil(n / columns)

    font_size = max(11, min(20, a + 4))
    font = _font(font_size)
    draw_probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    wrapped = [
        _wrap(str(c), font, cell_w - 2 * _PAD, draw_probe) if c else []
        for c in (captions or [None] * n)
    ]
    line_h = font_size + 4
    caption_h = (max(len(w) for w in wrapped) * line_h + _PAD) if any(wrapped) else 0
    cell_h = tile_h + caption_h

    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for i, (tile, lines) in enumerate(zip(tiles, wrapped)):
        left, top = (i % columns) * cell_w, (i // columns) * cell_h
        sheet.paste(tile, (left + (cell_w - tile.width) // 2, top + tile_h - tile.height))
        for j, line in enumerate(lines):
            x = left + (cell_w - draw.textlength(line, font=font)) / 2
            draw.text((x, top + tile_h + j * line_h), line, fill=CAPTION, font=font)
    return sheet


def save_preview(
    structures: Structure | Sequence[Structure],
    path: str | Path,
    captions: str | Sequence[str | None] | None = None,
    columns: int | None = None,
) -> Path:
    """Render one or many structures (``render_grid``) and write a PNG; returns its path.

    A path without a suffix gets ``.png``; any other suffix is an error. Missing parent
    folders are created. Raises ``RenderError`` when the file cannot be written.
    """
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    if path.suffix.lower() != ".png":
        raise RenderError(f"previews are PNG images: {str(path)!r} should end in .png")
    image = render_grid(structures, captions=captions, columns=columns)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, format="PNG")
    except OSError as exc:
        raise RenderError(f"cannot write preview {str(path)!r}: {exc.strerror or exc}") from None
    return path
