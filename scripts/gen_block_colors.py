"""Generate ``sapling/data/game/block_colors.json``: a colour for every block, from the game's textures.

Source: PrismarineJS minecraft-assets (https://github.com/PrismarineJS/minecraft-assets), as
shipped by the npm package ``minecraft-assets``: ``minecraft-assets/data/<version>/`` holds the
block textures (``blocks/*.png``, plus ``items/`` and ``entity/``), the blockstates
(``blocks_states.json``: block name -> the game's blockstate JSON) and the block models
(``blocks_models.json``: model name -> the game's model JSON). The table was generated from
minecraft-assets 1.19.0, Java 1.21.4, the game version of ``java_blocks.json``. That package's
1.21.4 folder has every 1.21.4 texture but lacks the blockstates and models of the blocks of the
Garden Awakens drop (pale oak, resin, eyeblossoms, creaking heart: 35 blocks); those are read
from its 1.21.5 folder (``SUPPLEMENT_VERSIONS``), their textures still from 1.21.4. To
regenerate::

    cd /tmp && npm install minecraft-assets@1.19.0
    python scripts/gen_block_colors.py --source /tmp/node_modules/minecraft-assets

Without ``--source`` the script looks at ``$SAPLING_MINECRAFT_ASSETS``,
``./node_modules/minecraft-assets`` and ``/tmp/node_modules/minecraft-assets``; without
``--version`` it takes the ``game_version`` of ``sapling/data/game/java_blocks.json``. The
output is deterministic (integer texel sums, exact rational weights, blocks sorted by name, one
per line): running the script again on the same package gives the same bytes
(``tests/test_render.py`` checks it when the package is present).

For every block of ``java_blocks.json`` (air excepted) the table holds:

``side``, ``top``
    The alpha-weighted mean RGB of the texels the block shows on its four horizontal faces
    (``side``) and on its top (``top``), over non-transparent texels. The faces come from the
    block's model: the blockstate variant (or the multipart parts) that the block's *default*
    state selects, the model's parent chain merged (textures, ``#`` references, ``elements``),
    the variant's ``x`` rotation applied (an ``x`` of 90 or 270 turns a model's north/south face
    up). Each element face samples its ``uv`` rectangle of its texture (the first frame of an
    animated strip); faces of several elements mix by their area, and an element drawn over an
    earlier one of the same box (grass block's side overlay) is alpha-composited onto it first.
    A model without a top face (flowers, grass: crossed planes) has ``top == side``, one without
    side faces ``side == top``.
``alpha`` (only when below 0.995)
    How opaque the block's side faces are, 0..1, two decimals: the mean texel alpha over the
    faces its model draws there (glass 0.25, stained glass 0.46, flowers 0.1-0.2, leaves 0.55-0.85,
    water 0.71; absent for stone, and for blocks drawn as entities, whose textures are atlases).
``axis`` (only ``true``)
    The block has an ``axis`` property and a distinct ``top`` (crimson stems, basalt, pillars):
    like a log, it shows ``top`` on the faces along its axis (the default state is ``axis=y``).

Tints. Some textures are greyscale and coloured by the game at run time (``tintindex`` faces),
from the biome or by a fixed colour (``net.minecraft.client.color.block.BlockColors``). The table
uses the plains biome (temperature 0.8, downfall 0.4: the most common grassland) and the fixed
values, ``TINTS`` below: grass #91BD59 (grass block top and side overlay, short and tall grass,
ferns, sugar cane, potted fern, pink petals' stems), foliage #77AB2F (oak, jungle, acacia, dark oak
and mangrove leaves, vines: placed mangrove leaves take the biome's foliage colour, only their
item the fixed #92C648), spruce leaves #619961 (``FoliageColor.FOLIAGE_EVERGREEN``), birch leaves
#80A755 (``FOLIAGE_BIRCH``), water #3F76E4 (water, bubble columns, water cauldrons), a lily pad
placed in the world #208030, redstone wire at power 0 #4C0000, melon and pumpkin stems at age 0
#00FF00 and attached ones #E0C71C. Cherry, azalea and pale oak leaves are not tinted.

Blocks the game draws as entities (beds, chests, signs, banners, heads) have a model with only a
``particle`` texture; they take a texture of theirs named by ``entity_textures`` (beds
``entity/bed/<colour>.png``, signs ``entity/signs/<wood>.png``, chests ``entity/chest/*.png``,
heads their mob's skin) or, for banners, their colour's wool. Other models without faces take their
``particle`` texture. When no model resolves at all, a texture is guessed from the name
(``guess_textures``): ``<name>.png``, ``<name>_side.png`` / ``<name>_top.png``, then the name with
a shape suffix (``_slab``, ``_stairs``, ``_wall``, ``_fence``, ``_fence_gate``, ``_button``,
``_pressure_plate``, ``_carpet``, ``_trapdoor``, ``_door``) stripped and tried as itself, plural
(``stone_brick`` -> ``stone_bricks``), ``_planks`` (``oak`` -> ``oak_planks``) and ``_block``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "sapling" / "data" / "game" / "block_colors.json"
BLOCK_TABLE = REPO / "sapling" / "data" / "game" / "java_blocks.json"
FORMAT = 1
ENV = "SAPLING_MINECRAFT_ASSETS"
# Later versions whose blockstates/models fill in blocks the main version's folder lacks.
SUPPLEMENT_VERSIONS = ("1.21.5",)

PLAINS_GRASS = (0x91, 0xBD, 0x59)
PLAINS_FOLIAGE = (0x77, 0xAB, 0x2F)
# block -> (tint RGB, the tintindex values it applies to; None: all)
TINTS: dict[str, tuple[tuple[int, int, int], tuple[int, ...] | None]] = {
    **{n: (PLAINS_GRASS, None) for n in (
        "grass_block", "short_grass", "tall_grass", "fern", "large_fern", "potted_fern", "sugar_cane")},
    "pink_petals": (PLAINS_GRASS, (1,)),  # the stems (tintindex 1); the petals keep their colour
    **{n: (PLAINS_FOLIAGE, None) for n in (
        "oak_leaves", "jungle_leaves", "acacia_leaves", "dark_oak_leaves", "mangrove_leaves", "vine")},
    "spruce_leaves": ((0x61, 0x99, 0x61), None),
    "birch_leaves": ((0x80, 0xA7, 0x55), None),
    **{n: ((0x3F, 0x76, 0xE4), None) for n in ("water", "bubble_column", "water_cauldron")},
    "lily_pad": ((0x20, 0x80, 0x30), None),
    "redstone_wire": ((0x4C, 0x00, 0x00), None),
    "melon_stem": ((0x00, 0xFF, 0x00), None),
    "pumpkin_stem": ((0x00, 0xFF, 0x00), None),
    "attached_melon_stem": ((0xE0, 0xC7, 0x1C), None),
    "attached_pumpkin_stem": ((0xE0, 0xC7, 0x1C), None),
}

_COLOURS = ("white", "orange", "magenta", "light_blue", "yellow", "lime", "pink", "gray", "light_gray",
            "cyan", "purple", "blue", "brown", "green", "red", "black")
_WOODS = ("oak", "spruce", "birch", "jungle", "acacia", "dark_oak", "mangrove", "cherry", "pale_oak",
          "bamboo", "crimson", "warped")
_HEADS = {
    "skeleton": "entity/skeleton/skeleton", "wither_skeleton": "entity/skeleton/wither_skeleton",
    "zombie": "entity/zombie/zombie", "creeper": "entity/creeper/creeper", "player": "entity/player/wide/steve",
    "dragon": "entity/enderdragon/dragon", "piglin": "entity/piglin/piglin",
}


def entity_textures(name: str) -> list[str] | None:
    """The texture(s) of a block the game draws as an entity (no model faces), or None."""
    for c in _COLOURS:
        if name == f"{c}_bed":
            return [f"entity/bed/{c}"]
        if name in (f"{c}_banner", f"{c}_wall_banner"):
            return [f"block/{c}_wool"]  # banner cloth is tinted with its dye colour
    for w in _WOODS:
        if name in (f"{w}_sign", f"{w}_wall_sign"):
            return [f"entity/signs/{w}"]
        if name in (f"{w}_hanging_sign", f"{w}_wall_hanging_sign"):
            return [f"entity/signs/hanging/{w}"]
    chests = {"chest": "normal", "trapped_chest": "trapped", "ender_chest": "ender"}
    if name in chests:
        return [f"entity/chest/{chests[name]}"]
    for mob, tex in _HEADS.items():
        if name in (f"{mob}_skull", f"{mob}_wall_skull", f"{mob}_head", f"{mob}_wall_head"):
            return [tex]
    return None


_SHAPE_SUFFIXES = ("_fence_gate", "_pressure_plate", "_stairs", "_slab", "_wall", "_fence", "_button",
                   "_carpet", "_trapdoor", "_door")


def guess_textures(name: str) -> list[tuple[str, str]]:
    """Name-based texture guesses, best first: ``(side texture, top texture)`` pairs (``block/...``)."""
    out = [(name, name + "_top"), (name + "_side", name + "_top"), (name, name)]
    for suffix in _SHAPE_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            for stem in (base, base + "s", base + "_planks", base + "_block"):
                out += [(stem, stem + "_top"), (stem + "_side", stem + "_top"), (stem, stem)]
            break
    return [(f"block/{s}", f"block/{t}") for s, t in out]


# --- the package ---------------------------------------------------------------------------

def find_package(given: str | None) -> Path:
    candidates = [Path(given)] if given else (
        ([Path(os.environ[ENV])] if os.environ.get(ENV) else [])
        + [Path("node_modules/minecraft-assets"), Path("/tmp/node_modules/minecraft-assets")])
    for c in candidates:
        if (c / "package.json").is_file() and (c / "minecraft-assets" / "data").is_dir():
            return c
    sys.exit("minecraft-assets not found: run `cd /tmp && npm install minecraft-assets@1.19.0` and give "
             f"--source /tmp/node_modules/minecraft-assets (tried: {', '.join(map(str, candidates))})")


class Assets:
    """One game version's folder of the package, with later versions' blockstates/models as a supplement."""

    def __init__(self, package: Path, version: str, supplements: tuple[str, ...] = SUPPLEMENT_VERSIONS):
        data = package / "minecraft-assets" / "data"
        self.root = data / version
        if not (self.root / "blocks_states.json").is_file():
            have = sorted(p.name for p in data.iterdir() if (p / "blocks_states.json").is_file())
            sys.exit(f"minecraft-assets has no data for {version}; it has: {', '.join(have)}")
        self.states: dict[str, dict] = {}
        self.models: dict[str, dict] = {}
        self.supplemented: list[str] = []
        folders = [self.root] + [data / v for v in supplements if (data / v / "blocks_states.json").is_file()]
        for folder in folders:  # the main version wins; later ones only add what it lacks
            for name, doc in json.loads((folder / "blocks_states.json").read_text("utf-8")).items():
                if name not in self.states:
                    self.states[name] = doc
                    if folder != self.root:
                        self.supplemented.append(name)
            for name, doc in json.loads((folder / "blocks_models.json").read_text("utf-8")).items():
                self.models.setdefault(name, doc)
        self.texture_roots = folders
        self._textures: dict[str, np.ndarray | None] = {}

    def texture(self, ref: str) -> np.ndarray | None:
        """``(H, W, 4)`` uint8 RGBA of a texture reference (``minecraft:block/stone``), first frame only."""
        key = ref.split(":", 1)[-1]
        if key not in self._textures:
            kind, _, rest = key.partition("/")
            folder = {"block": "blocks", "blocks": "blocks", "item": "items", "entity": "entity"}.get(kind)
            found = None
            if folder and rest:
                for root in self.texture_roots:
                    path = root / folder / (rest + ".png")
                    if path.is_file():
                        with Image.open(path) as im:
                            found = np.asarray(im.convert("RGBA"), dtype=np.uint8)
                        h, w = found.shape[:2]
                        if h > w and h % w == 0:  # an animated strip: its first frame
                            found = found[:w]
                        break
            self._textures[key] = found
        return self._textures[key]

    def model(self, ref: str) -> tuple[dict[str, str], list[dict]] | None:
        """A model's merged textures and its elements, following its parent chain; None if unknown.

        A parent the package does not hold (``builtin/generated``, ``builtin/entity``) ends the chain."""
        key = _model_key(ref)
        if key not in self.models:
            return None
        textures: dict[str, str] = {}
        elements = None
        seen: set[str] = set()
        while key in self.models and key not in seen:
            seen.add(key)
            doc = self.models[key]
            for k, v in (doc.get("textures") or {}).items():
                textures.setdefault(k, v)  # the child's textures win
            if elements is None and doc.get("elements") is not None:
                elements = doc["elements"]
            key = _model_key(doc.get("parent") or "")
        return textures, elements or []


def _model_key(ref: str) -> str:
    """``minecraft:block/oak_log`` -> ``oak_log`` (the package's model names)."""
    return ref.split(":", 1)[-1].removeprefix("block/")


def resolve(textures: dict[str, str], ref: str) -> str | None:
    for _ in range(16):
        if not ref.startswith("#"):
            return ref
        ref = textures.get(ref[1:])
        if ref is None:
            return None
    return None


# --- which models a block's default state shows ---------------------------------------------

def _matches(cond: dict, state: dict[str, str]) -> bool:
    if "OR" in cond:
        return any(_matches(c, state) for c in cond["OR"])
    if "AND" in cond:
        return all(_matches(c, state) for c in cond["AND"])
    return all(state.get(k) in str(v).split("|") for k, v in cond.items())


def default_models(doc: dict, state: dict[str, str]) -> list[dict]:
    """The ``{"model", "x", "y"}`` entries the default state selects (a variant, or multipart parts)."""
    def first(entry):
        return entry[0] if isinstance(entry, list) else entry

    if "variants" in doc:
        variants = doc["variants"]
        for key, entry in variants.items():
            conds = dict(p.split("=", 1) for p in key.split(",") if "=" in p)
            if all(state.get(k) == v for k, v in conds.items()):
                return [first(entry)]
        return [first(next(iter(variants.values())))] if variants else []
    parts = doc.get("multipart", [])
    chosen = [first(p["apply"]) for p in parts if "when" not in p or _matches(p["when"], state)]
    return chosen or ([first(parts[0]["apply"])] if parts else [])


# --- colours ---------------------------------------------------------------------------------

_SIDES = ("north", "south", "east", "west")
# world face -> the model face that shows there, for a variant's x rotation (y only turns sides)
_UP_FROM = {0: "up", 90: "south", 180: "down", 270: "north"}
_SIDES_FROM = {0: _SIDES, 90: ("up", "down", "east", "west"), 180: _SIDES, 270: ("up", "down", "east", "west")}


def _default_uv(face: str, lo, hi) -> list[float]:
    x1, y1, z1 = lo
    x2, y2, z2 = hi
    if face in ("up", "down"):
        return [x1, z1, x2, z2]
    if face in ("north", "south"):
        return [x1, 16 - y2, x2, 16 - y1]
    return [z1, 16 - y2, z2, 16 - y1]


def _area(face: str, lo, hi) -> Fraction:
    d = [Fraction(str(b)) - Fraction(str(a)) for a, b in zip(lo, hi)]
    dx, dy, dz = (abs(v) for v in d)
    return {"up": dx * dz, "down": dx * dz, "north": dx * dy, "south": dx * dy}.get(face, dz * dy)


def _crop(tex: np.ndarray, uv) -> np.ndarray:
    h, w = tex.shape[:2]
    u1, v1, u2, v2 = (float(c) for c in uv)
    c0, c1 = sorted((u1 * w / 16, u2 * w / 16))
    r0, r1 = sorted((v1 * h / 16, v2 * h / 16))
    c0, r0 = int(np.floor(c0 + 1e-9)), int(np.floor(r0 + 1e-9))
    c1, r1 = max(c0 + 1, int(np.ceil(c1 - 1e-9))), max(r0 + 1, int(np.ceil(r1 - 1e-9)))
    return tex[max(0, min(r0, h - 1)):max(1, min(r1, h)), max(0, min(c0, w - 1)):max(1, min(c1, w))]


def _tinted(texels: np.ndarray, tint) -> np.ndarray:
    out = texels.astype(np.int64)
    if tint is not None:
        out[..., :3] = (out[..., :3] * np.array(tint, dtype=np.int64) + 127) // 255
    return out


def _over(dst: np.ndarray, src: np.ndarray) -> np.ndarray:
    """``src`` alpha-composited over ``dst`` (both int RGBA, resampled to ``dst``'s size), rounded to ints."""
    if src.shape != dst.shape:
        rows = np.arange(dst.shape[0]) * src.shape[0] // dst.shape[0]
        cols = np.arange(dst.shape[1]) * src.shape[1] // dst.shape[1]
        src = src[rows][:, cols]
    sa, da = src[..., 3:4], dst[..., 3:4]
    out_a = sa * 255 + da * (255 - sa)  # alpha * 255^2
    rgb = src[..., :3] * sa * 255 + dst[..., :3] * da * (255 - sa)
    safe = np.where(out_a == 0, 1, out_a)
    res = np.empty_like(dst)
    res[..., :3] = np.where(out_a == 0, 0, (2 * rgb + safe) // (2 * safe))
    res[..., 3:4] = (out_a + 127) // 255
    return res


class Stats:
    """Alpha-weighted texel sums of one world face direction: exact rationals, so output is deterministic."""

    def __init__(self):
        self.rgb = [Fraction(0)] * 3
        self.alpha = Fraction(0)
        self.area = Fraction(0)

    def add(self, texels: np.ndarray, area: Fraction) -> None:
        a = texels[..., 3].astype(np.int64)
        n = a.size
        for c in range(3):
            self.rgb[c] += area * int((texels[..., c].astype(np.int64) * a).sum()) / n
        self.alpha += area * int(a.sum()) / n
        self.area += area

    def color(self) -> list[int] | None:
        if self.alpha == 0:
            return None
        return [min(255, round(v / self.alpha)) for v in self.rgb]

    def opacity(self) -> Fraction | None:
        return self.alpha / (255 * self.area) if self.area else None


def model_faces(assets: Assets, name: str, entries: list[dict]):
    """Per world face (``"top"``, ``"side"``): ``Stats`` of the faces the model entries draw there."""
    tint, tint_indices = TINTS.get(name, (None, None))
    stats = {"top": Stats(), "side": Stats()}
    particles = []
    for entry in entries:
        resolved = assets.model(entry.get("model", ""))
        if resolved is None:
            continue
        textures, elements = resolved
        if "particle" in textures:
            particles.append(resolve(textures, textures["particle"]))
        x = int(entry.get("x", 0)) % 360
        wanted = {_UP_FROM.get(x, "up"): "top", **{f: "side" for f in _SIDES_FROM.get(x, _SIDES)}}
        groups: dict[tuple, list] = {}  # (world face, model face, box) -> [texels, area]
        for el in elements:
            lo, hi = el.get("from", [0, 0, 0]), el.get("to", [16, 16, 16])
            for face, spec in (el.get("faces") or {}).items():
                where = wanted.get(face)
                ref = resolve(textures, spec.get("texture", ""))
                tex = assets.texture(ref) if where and ref else None
                if tex is None:
                    continue
                index = spec.get("tintindex")
                use_tint = tint if index is not None and (tint_indices is None or index in tint_indices) else None
                texels = _tinted(_crop(tex, spec.get("uv") or _default_uv(face, lo, hi)), use_tint)
                key = (where, face, tuple(lo), tuple(hi))
                if key in groups:
                    groups[key][0] = _over(groups[key][0], texels)
                else:
                    groups[key] = [texels, _area(face, lo, hi) or Fraction(1)]
        for (where, *_), (texels, area) in groups.items():
            stats[where].add(texels, area)
    return stats, [p for p in particles if p]


def block_entry(assets: Assets, name: str, default: dict[str, str]) -> tuple[dict | None, str]:
    """The table entry of one block and how it was found (``model``, ``entity``, ``particle``, ``guess``)."""
    stats, particles, how = {"top": Stats(), "side": Stats()}, [], "model"
    doc = assets.states.get(name)
    if doc is not None:
        stats, particles = model_faces(assets, name, default_models(doc, default))
    side, top = stats["side"].color(), stats["top"].color()
    opacity = stats["side"].opacity() if side else stats["top"].opacity()
    if side is None and top is None:
        candidates = []
        if entity_textures(name):
            how, candidates = "entity", [(t, t) for t in entity_textures(name)]
        elif particles:
            how, candidates = "particle", [(particles[0], particles[0])]
        candidates += guess_textures(name)
        for s_ref, t_ref in candidates:
            s_tex = assets.texture(s_ref)
            if s_tex is None:
                continue
            t_tex = assets.texture(t_ref)
            if t_tex is None:
                t_tex = s_tex
            s, t = Stats(), Stats()
            s.add(_tinted(s_tex, TINTS.get(name, (None,))[0]), Fraction(1))
            t.add(_tinted(t_tex, TINTS.get(name, (None,))[0]), Fraction(1))
            side, top, opacity = s.color(), t.color(), s.opacity()
            if side is not None:
                how = how if how != "model" else "guess"
                break
        else:
            return None, "none"
    entry = {"side": side or top, "top": top or side}
    # An entity's texture is an atlas of its parts: its transparent share says nothing of the block.
    if how != "entity" and opacity is not None and opacity < Fraction(995, 1000):
        entry["alpha"] = round(float(opacity), 2)
    return entry, how


def build(package: Path, version: str) -> tuple[dict, dict[str, list[str]]]:
    assets = Assets(package, version)
    table = json.loads(BLOCK_TABLE.read_text("utf-8"))
    blocks, how = {}, {}
    for name in sorted(table["blocks"]):
        if name in ("air", "cave_air", "void_air"):
            continue
        info = table["blocks"][name]
        entry, found = block_entry(assets, name, info["default"])
        how.setdefault(found, []).append(name)
        if entry is not None:
            if "axis" in info["properties"] and entry["top"] != entry["side"]:
                entry["axis"] = True  # the top colour is the face along the axis (stems, pillars)
            blocks[name] = entry
    pkg_version = json.loads((package / "package.json").read_text("utf-8"))["version"]
    supplement = sorted(set(assets.supplemented) & set(table["blocks"]))
    header = {
        "format": FORMAT,
        "game_version": version,
        "minecraft_assets": pkg_version,
        "source": (f"PrismarineJS minecraft-assets {pkg_version}, data/{version} (block textures, blockstates, "
                   f"models; blockstates and models of {len(supplement)} blocks it lacks from data/"
                   f"{'/'.join(SUPPLEMENT_VERSIONS)}); tints: plains biome and the game's fixed colours "
                   "(regenerate: scripts/gen_block_colors.py)"),
    }
    return {**header, "blocks": blocks}, how


def dumps(doc: dict) -> str:
    head = {k: v for k, v in doc.items() if k != "blocks"}
    text = json.dumps(head, separators=(",", ":"), sort_keys=True)[:-1]
    lines = [json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), sort_keys=True)
             for k, v in sorted(doc["blocks"].items())]
    return text + ',"blocks":{\n' + ",\n".join(lines) + "\n}}\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", help="the minecraft-assets package folder (node_modules/minecraft-assets)")
    ap.add_argument("--version", help="game version (default: java_blocks.json's game_version)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--verbose", action="store_true", help="list the blocks found other than by their model")
    args = ap.parse_args(argv)
    package = find_package(args.source)
    version = args.version or json.loads(BLOCK_TABLE.read_text("utf-8"))["game_version"]
    doc, how = build(package, version)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(doc), encoding="utf-8")
    counts = ", ".join(f"{len(v)} by {k}" for k, v in sorted(how.items()))
    print(f"wrote {args.out} ({len(doc['blocks'])} blocks: {counts})")
    if args.verbose:
        for k, v in sorted(how.items()):
            if k != "model":
                print(f"  {k}: {' '.join(v)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
