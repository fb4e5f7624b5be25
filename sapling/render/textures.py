"""Procedural ``TEXELS`` x ``TEXELS`` textures of block faces, one style per kind of block.

Bark stripes, birch spots, log rings, leaf speckles, flowers, vines with holes, ...:
each texture is coloured from the block's colour (``colors``) and seeded by the block's
name, so a block looks the same in every picture.
"""

from __future__ import annotations

import zlib

import numpy as np

from sapling.render.colors import _BARK_ACCENT, FLOWER, _part_color

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
