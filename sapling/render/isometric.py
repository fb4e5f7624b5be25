"""The isometric tile of one structure: block shapes, face sprites, per-vocabulary atlases, drawing.

The camera looks down from the high ``+x, +y, +z`` corner (2:1 pixel-art
isometric, y up), so every block shows at most three faces: its top (``up``),
its ``+x`` face (``east``, on the right) and its ``+z`` face (``south``, on the
left). Each face shows its procedural texture (``textures``), shaded top-brightest.

Drawing is vectorised: every visible face is stamped as a precomputed pixel
sprite, and a z-buffer keyed by ``x + y + z`` keeps the nearest face per pixel.
For a view direction with all-positive components, a unit cube can only hide
another whose coordinates are all smaller or equal, so that key is an exact
painter's order. Faces covered by an opaque neighbour are never drawn.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from sapling.blocks import block_kind, parse_state
from sapling.render.colors import BACKGROUND, FLOOR, SHADOW, RenderError, _lighter, _part
from sapling.render.textures import _ALPHA_STYLES, TEXELS, _style, _texture
from sapling.structure import Structure

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
