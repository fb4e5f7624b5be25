"""PNG previews of structures: an isometric voxel view with Minecraft-like colours.

One module a role:

- ``colors``: block colours (``PALETTE`` / ``END_PALETTE``, the game's table via
  ``game_color``, ``axis_ends``, ``block_color``), plain RGB tuples a web viewer can use too;
- ``textures``: the procedural 8x8 texture of each block face;
- ``isometric``: the tile of one structure (``render_structure``);
- ``sheet``: many tiles at one scale with captions (``render_grid``), written as PNG
  (``save_preview``).

Everything public is importable from ``sapling.render`` itself. Nothing here needs torch.
"""

from sapling.render.colors import (
    BACKGROUND,
    CAPTION,
    END_PALETTE,
    FLOOR,
    FLOWER,
    GAME_COLORS_FILE,
    PALETTE,
    RGB,
    SHADOW,
    RenderError,
    _hashed_color,  # noqa: F401  (not public: tests pin the fallback colour of modded blocks)
    axis_ends,
    block_color,
    game_color,
)
from sapling.render.isometric import (
    DEFAULT_HALF_WIDTH,
    FACE_SHADE,
    FACES,
    FULL,
    MAX_TILE_PX,
    Box,
    Sprite,
    render_structure,
)
from sapling.render.sheet import render_grid, save_preview
from sapling.render.textures import TEXELS

__all__ = [
    "BACKGROUND", "CAPTION", "DEFAULT_HALF_WIDTH", "END_PALETTE", "FACES", "FACE_SHADE", "FLOOR",
    "FLOWER", "FULL", "GAME_COLORS_FILE", "MAX_TILE_PX", "PALETTE", "RGB", "SHADOW", "TEXELS",
    "Box", "RenderError", "Sprite", "axis_ends", "block_color", "game_color", "render_grid",
    "render_structure", "save_preview",
]
