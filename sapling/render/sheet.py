"""Preview sheets: many structures side by side at one scale, with captions; PNG files."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from sapling.render.colors import BACKGROUND, CAPTION, RenderError
from sapling.render.isometric import _PAD, _draw, _half_width_for
from sapling.structure import Structure


def _as_list(structures: Structure | Sequence[Structure]) -> list[Structure]:
    items = [structures] if isinstance(structures, Structure) else list(structures)
    for s in items:
        if not isinstance(s, Structure):
            raise TypeError(f"expected Structure objects, got {type(s).__name__}")
    if not items:
        raise RenderError("nothing to render: no structures given")
    return items


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
