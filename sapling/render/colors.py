"""Block colours of the previews: plain RGB tuples keyed by block name (``blocks.base_name``).

Tree blocks (and a few common ground blocks) have hand-tuned colours in ``PALETTE``
(sides) and ``END_PALETTE`` (log cut faces, block tops where they differ); every other
vanilla block takes its colour from the game's own textures, the table
``sapling/data/game/block_colors.json`` (``game_color``; made by
``scripts/gen_block_colors.py``, shipped in the package). Only blocks the game does
not know (modded ones) get a colour hashed from their name. ``block_color(state, face)``
answers for one face of a block state; the same table serves the web viewer.
"""

from __future__ import annotations

import colorsys
import json
import zlib
from functools import lru_cache
from importlib import resources

from sapling.blocks import block_kind, parse_state
from sapling.errors import RenderError

RGB = tuple[int, int, int]


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
