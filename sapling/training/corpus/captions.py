"""Captions for corpus trees, written from their real attributes, and species from prompts.

``captions(attributes, rng)`` turns what a grower measured (type, species, height,
trunk width, decorations, leaf count, biome) into several phrasings, so that the
text encoder sees varied wording for the same facts. Every caption names the
tree (a species name or synonym) or, for about one caption in ten, only its biome or its
looks ("a tree from the savanna", "Baum, weiße Rinde"); about one in ten names it in German,
French, Spanish or Portuguese instead (``word_caption``, from the word lists in
``sapling/data/words``). ``prompts.species_from_prompt`` recovers the species from any
caption it writes.

Size words come from the tree's height in blocks above the ground (the
``height`` attribute), with fixed thresholds that hold for every species, so a
"tall tree" prompt means the same thing whatever it names:

=========  ===============  ==========================
word       height (blocks)  bucket it needs
=========  ===============  ==========================
small      1 - 6            normal (16x16x16)
medium     7 - 9            normal
tall       10 - 16          normal
big        17 - 32          big (16x32x16)
huge       33 - 48          huge (24x64x24)
giant      49 and more      huge
=========  ===============  ==========================

Vanilla oaks and birches are small or medium, tall birches, fancy oaks and
spruces medium or tall, mega spruces and mega jungle trees big; the big and huge
corpus types (``growers/large.py``) are big, huge or giant, so a size word names the
bucket a tree needs. Type names that themselves claim a size ("tall birch", "tall
mangrove") are only used when the tree really is tall; otherwise the caption names
the species. A 3x3 trunk reads "3x3" or "massive", a 2x2 one "2x2"; both "thick".

Decorations a prompt asks for (``SAID_DECORATIONS``: cocoa pods, bee nests, vines,
hanging moss) are named in every caption of a tree that has them, and in none of a
tree without them, so "jungle tree" learns no pods and "jungle tree with cocoa pods"
learns pods. Other decorations (roots, propagules, flowers) are named in some captions.

Leaf density is the grower's ``leaf_density`` word ("sparse", "normal",
"dense", judged against trees of the same type); without one, the fraction of
the bounding box ``width x width x height`` that holds leaves is judged with
``SPARSE`` and ``DENSE``. "normal" density is not mentioned.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Mapping

# (upper bound inclusive, word); the last word has no bound. Bounds 16 and 32 are the
# heights of the normal and big buckets.
SIZE_WORDS: tuple[tuple[int, str], ...] = ((6, "small"), (9, "medium"), (16, "tall"), (32, "big"), (48, "huge"))
LARGEST_SIZE_WORD = "giant"

# Leaf fill fraction of the bounding box (see module docstring).
SPARSE = 0.12
DENSE = 0.40

# Names per tree type, most usual first; "tree" is appended unless the name is a bush.
_TYPE_NAMES: dict[str, tuple[str, ...]] = {
    "oak": ("oak", "oak", "common oak"),
    "fancy_oak": ("big oak", "fancy oak", "large branching oak"),
    "birch": ("birch",),
    "tall_birch": ("tall birch", "super birch"),
    "swamp_oak": ("swamp oak", "swamp oak", "swampy oak"),
    "spruce": ("spruce", "fir", "spruce"),
    "pine": ("pine", "pine", "spruce pine"),
    "mega_spruce": ("mega spruce", "giant spruce", "2x2 spruce", "giant fir"),
    "mega_pine": ("mega pine", "giant pine", "2x2 pine"),
    "jungle": ("jungle", "jungle"),
    "jungle_bush": ("jungle bush", "jungle shrub", "bush"),
    "mega_jungle": ("mega jungle", "giant jungle", "2x2 jungle", "big jungle"),
    "acacia": ("acacia", "acacia"),
    "dark_oak": ("dark oak", "dark oak", "roofed oak"),
    "pale_oak": ("pale oak",),
    "cherry": ("cherry", "cherry blossom", "sakura"),
    "mangrove": ("mangrove",),
    "tall_mangrove": ("tall mangrove", "mangrove"),
    "azalea": ("azalea",),
}
# Types whose names claim height: used only when the tree is tall or taller.
_TALL_TYPES = {"tall_birch": ("birch",), "tall_mangrove": ("mangrove",)}

_SPECIES_NAMES: dict[str, tuple[str, ...]] = {
    "oak": ("oak",), "birch": ("birch",), "spruce": ("spruce", "fir"), "jungle": ("jungle",),
    "acacia": ("acacia",), "dark_oak": ("dark oak",), "pale_oak": ("pale oak",),
    "cherry": ("cherry", "cherry blossom", "sakura"), "mangrove": ("mangrove",), "azalea": ("azalea",),
}

# Biome ids (as growers give them) -> phrases; unknown ids read with spaces for underscores.
_BIOME_PHRASES: dict[str, tuple[str, ...]] = {
    "forest": ("forest", "woods"),
    "plains": ("plains", "meadow"),
    "birch_forest": ("birch forest",),
    "old_growth_birch_forest": ("old growth birch forest", "birch forest"),
    "swamp": ("swamp", "marsh"),
    "taiga": ("taiga", "snowy taiga", "boreal forest"),
    "old_growth_spruce_taiga": ("old growth spruce taiga", "taiga"),
    "old_growth_pine_taiga": ("old growth pine taiga", "taiga"),
    "jungle": ("jungle", "rainforest"),
    "sparse_jungle": ("sparse jungle", "jungle"),
    "savanna": ("savanna",),
    "dark_forest": ("dark forest", "roofed forest"),
    "pale_garden": ("pale garden",),
    "cherry_grove": ("cherry grove",),
    "mangrove_swamp": ("mangrove swamp",),
    "lush_caves": ("lush caves",),
    "meadow": ("meadow",),
}
# Where a species grows when the grower names no biome.
_SPECIES_BIOME = {
    "oak": "forest", "birch": "birch_forest", "spruce": "taiga", "jungle": "jungle", "acacia": "savanna",
    "dark_oak": "dark_forest", "pale_oak": "pale_garden", "cherry": "cherry_grove",
    "mangrove": "mangrove_swamp", "azalea": "lush_caves",
}

_COLOURS: dict[str, tuple[str, ...]] = {
    "oak": ("green-leaved", "brown-barked"),
    "birch": ("white-barked", "white"),
    "spruce": ("dark green", "dark-barked"),
    "jungle": ("lush green", "brown-barked"),
    "acacia": ("orange wood", "grey-barked"),
    "dark_oak": ("dark brown", "dark-barked"),
    "pale_oak": ("pale grey", "ghostly pale"),
    "cherry": ("pink", "pink-leaved", "pink blossom"),
    "mangrove": ("red wood", "reddish"),
    "azalea": ("green and pink", "leafy green"),
}

# Decoration words growers may use -> canonical decoration.
_DECORATION_ALIASES = {
    "vine": "vines", "vines": "vines", "leaf_vines": "vines", "trunk_vines": "vines",
    "cocoa": "cocoa", "cocoa_pods": "cocoa", "cocoa_pod": "cocoa", "cocoa_beans": "cocoa",
    "bee_nest": "bee_nest", "bee_nests": "bee_nest", "beehive": "bee_nest", "beehives": "bee_nest",
    "propagule": "propagules", "propagules": "propagules", "mangrove_propagule": "propagules",
    "pale_hanging_moss": "hanging_moss", "hanging_moss": "hanging_moss",
    "pale_moss": "pale_moss", "pale_moss_carpet": "pale_moss", "pale_moss_block": "pale_moss",
    "moss": "moss", "moss_carpet": "moss",
    "flowering": "flowering", "flowers": "flowering", "flowering_azalea": "flowering", "blossoms": "flowering",
    "roots": "roots", "mangrove_roots": "roots", "prop_roots": "roots",
}
# Canonical decoration -> "with ..." phrases (or adjectives, for the ones marked below).
_DECORATION_PHRASES: dict[str, tuple[str, ...]] = {
    "vines": ("with vines", "with hanging vines"),
    "cocoa": ("with cocoa pods", "with cocoa beans"),
    "bee_nest": ("with a bee nest", "with a beehive"),
    "propagules": ("with propagules", "with hanging propagules"),
    "hanging_moss": ("with hanging moss", "with pale hanging moss"),
    "pale_moss": ("with pale moss", "with pale moss carpets"),
    "moss": ("with moss", "with moss carpets"),
    "flowering": ("with flowers", "with flowering leaves"),
    "roots": ("with prop roots", "with arching roots"),
}
_DECORATION_ADJECTIVES = {"flowering": ("flowering",), "vines": ("vine-covered",)}
# Decorations named in every caption of a tree that has them (see the module docstring).
SAID_DECORATIONS = frozenset({"cocoa", "bee_nest", "vines", "hanging_moss"})

_DENSITY_WORDS = {"sparse": ("sparse", "thin-leaved", "sparse-leaved"), "dense": ("dense", "leafy", "bushy")}
_TRUNK_2X2 = ("thick", "2x2", "thick-trunked")
_TRUNK_PHRASES = ("with a thick trunk", "with a 2x2 trunk")
_TRUNK_3X3 = ("thick", "3x3", "massive")
_TRUNK_3X3_PHRASES = ("with a thick trunk", "with a 3x3 trunk")


def size_word(height: int) -> str:
    """The size word for a tree ``height`` blocks tall (thresholds in the module docstring)."""
    for bound, word in SIZE_WORDS:
        if height <= bound:
            return word
    return LARGEST_SIZE_WORD


def leaf_density(attributes: Mapping[str, Any]) -> str | None:
    """``"sparse"``, ``"normal"`` or ``"dense"``, or None when the attributes cannot tell.

    Growers give a word (``leaf_density``, judged against trees of the same type);
    a number there, or else ``leaf_count`` over the ``width x width x height`` box, is
    a fill fraction judged with ``SPARSE`` and ``DENSE``.
    """
    given = attributes.get("leaf_density")
    if isinstance(given, str):
        return given if given in ("sparse", "normal", "dense") else None
    if given is not None:
        fill = float(given)
    else:
        width, height, leaves = attributes.get("width"), attributes.get("height"), attributes.get("leaf_count")
        if not width or not height or leaves is None:
            return None
        fill = float(leaves) / float(width * width * height)
    return "sparse" if fill < SPARSE else "dense" if fill > DENSE else "normal"


def decorations_of(attributes: Mapping[str, Any]) -> list[str]:
    """Canonical decoration names (``_DECORATION_PHRASES`` keys or the grower's own word), sorted."""
    found = set()
    for word in attributes.get("decorations") or ():
        key = str(word).strip().lower().replace(" ", "_")
        found.add(_DECORATION_ALIASES.get(key, key))
    if attributes.get("flowering"):
        found.add("flowering")
    return sorted(found)


@dataclass(frozen=True)
class CaptionParts:
    """The facts a caption can state, each as a tuple of interchangeable phrasings."""

    names: tuple[str, ...]  # names of the tree, e.g. ("birch",), ("cherry", "sakura")
    size: str | None  # one size word or None
    trunk: tuple[str, ...]  # adjectives for a 2x2 or 3x3 trunk, empty otherwise
    decorations: tuple[tuple[str, ...], ...]  # per decoration, its "with ..." phrasings
    adjectives: tuple[tuple[str, ...], ...]  # per decoration that has one, adjective phrasings
    density: tuple[str, ...]  # "sparse"/"dense" synonyms, or empty
    biome: tuple[str, ...]
    colours: tuple[str, ...]
    said: tuple[tuple[str, ...], ...] = ()  # the decorations every caption names (SAID_DECORATIONS)
    trunk_phrases: tuple[str, ...] = _TRUNK_PHRASES


def caption_parts(attributes: Mapping[str, Any]) -> CaptionParts:
    """Collect what can be said about a tree from its attributes."""
    tree_type = str(attributes.get("type") or "")
    species = str(attributes.get("species") or "")
    height = attributes.get("height")
    size = size_word(int(height)) if height else None
    is_tall = size in ("tall", "huge", "giant")

    if tree_type in _TALL_TYPES and not is_tall:
        names = _TALL_TYPES[tree_type]
    elif tree_type in _TYPE_NAMES:
        names = _TYPE_NAMES[tree_type]
    elif species in _SPECIES_NAMES:
        names = _SPECIES_NAMES[species]
    else:
        names = ((species or tree_type or "tree").replace("_", " "),)

    biome_id = attributes.get("biome") or _SPECIES_BIOME.get(species)
    biome = _BIOME_PHRASES.get(biome_id, (str(biome_id).replace("_", " "),)) if biome_id else ()

    decorations = decorations_of(attributes)
    phrases = tuple(_DECORATION_PHRASES.get(d, ("with " + d.replace("_", " "),)) for d in decorations)
    adjectives = tuple(_DECORATION_ADJECTIVES[d] for d in decorations if d in _DECORATION_ADJECTIVES)

    density = leaf_density(attributes)
    dens = _DENSITY_WORDS.get(density or "normal", ())

    said = tuple(_DECORATION_PHRASES[d] for d in decorations if d in SAID_DECORATIONS)

    trunk_width = int(attributes.get("trunk_width") or 1)
    trunk = _TRUNK_3X3 if trunk_width >= 3 else _TRUNK_2X2 if trunk_width == 2 else ()
    trunk_phrases = _TRUNK_3X3_PHRASES if trunk_width >= 3 else _TRUNK_PHRASES
    return CaptionParts(names, size, trunk, phrases, adjectives, dens, biome, _COLOURS.get(species, ()), said,
                        trunk_phrases)


def _noun(name: str) -> str:
    """``"birch"`` -> ``"birch tree"``; bushes and shrubs stay as they are."""
    return name if name.split()[-1] in ("bush", "shrub") else f"{name} tree"


_SIZE_LIKE = {"small", "medium", "tall", "huge", "giant", "big", "large", "mega", "2x2"}


def _phrase(*words: str) -> str:
    return " ".join(w for w in words if w)


def _size_for(size: str | None, name: str) -> str:
    """The size word, unless the name already claims a size ("tall birch", "giant spruce")."""
    return "" if not size or name.split()[0] in _SIZE_LIKE else size


def _article(text: str) -> str:
    return ("an " if text[:1] in "aeiou" else "a ") + text


def _join_with(phrases: list[str]) -> str:
    """``["with vines", "with a bee nest"]`` -> ``"with vines and a bee nest"``."""
    if not phrases:
        return ""
    bare = [phrases[0]] + [p[5:] if p.startswith("with ") else p for p in phrases[1:]]
    return bare[0] if len(bare) == 1 else ", ".join(bare[:-1]) + " and " + bare[-1]


def _compose(parts: CaptionParts, rng: random.Random, style: int) -> str:
    """One caption in one of six styles; ``rng`` picks the synonyms."""
    # The plain style keeps the usual name, so one caption per tree is predictable.
    name = parts.names[0] if style == 0 else rng.choice(parts.names)
    decos = [rng.choice(d) for d in parts.decorations]
    said = [rng.choice(d) for d in parts.said]  # a subset of decos' facts, worded afresh
    trunk = rng.choice(parts.trunk) if parts.trunk else ""
    if trunk in name.split():  # "2x2 spruce" already says it
        trunk = ""
    size = _size_for(parts.size, name)
    if style == 0:  # plain: "tall birch tree" ("... with a bee nest" when it has one)
        return _phrase(_noun(_phrase(size, name)), _join_with([d[0] for d in parts.said]))
    if style == 1:  # everything: "a tall thick dense birch tree with vines and a bee nest"
        density = rng.choice(parts.density) if parts.density else ""
        core = _phrase(size, "thick" if trunk == "thick-trunked" else trunk, density, name)
        return _phrase(_article(_noun(core)), _join_with(decos))
    if style == 2:  # colour first: "pink cherry blossom tree with a bee nest"
        colour = rng.choice(parts.colours) if parts.colours else ""
        return _phrase(_noun(_phrase(colour, name)), _join_with(said or decos[:1]))
    if style == 3:  # biome: "a medium oak tree from the forest"
        where = f"from the {rng.choice(parts.biome)}" if parts.biome else ""
        return _phrase(_article(_noun(_phrase(size, name))), where, _join_with(said))
    if style == 4:  # adjectives from decorations and trunk: "flowering thick azalea"
        adjs = [rng.choice(a) for a in parts.adjectives]
        if trunk:
            adjs.append(trunk)
        if parts.density:
            adjs.append(rng.choice(parts.density))
        # An adjective says vines already ("vine-covered"); the other said decorations follow.
        rest = [p for p, d in zip(said, parts.said) if not (d is _DECORATION_PHRASES["vines"] and
                                                          "vine-covered" in adjs)]
        return _phrase(_noun(_phrase(*adjs, name)), _join_with(rest))
    # style 5: name, then the facts as a list: "birch tree, tall, with vines"
    facts = [size] + ([rng.choice(parts.trunk_phrases)] if parts.trunk else []) + decos
    return ", ".join([_noun(name)] + [f for f in facts if f])


def captions(attributes: Mapping[str, Any], rng: random.Random | int = 0, n: int = 4) -> list[str]:
    """``n`` phrasings of what ``attributes`` say about a tree, deterministic for ``rng``.

    ``rng`` is a ``random.Random`` (advanced by the call) or an int seed. The first caption
    is always the plain one ("tall birch tree"); the others are distinct where the
    facts allow, and repeat in order when there are fewer distinct phrasings than ``n``.
    """
    if n < 1:
        return []
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    parts = caption_parts(attributes)
    styles = [1, 2, 3, 4, 5]
    rng.shuffle(styles)
    out = [_compose(parts, rng, 0)]
    for attempt in range(4 * n + 8):
        if len(out) >= n:
            break
        text = _compose(parts, rng, styles[attempt % len(styles)])
        if text not in out:
            out.append(text)
    base = list(out)
    while len(out) < n:
        out.append(base[len(out) % len(base)])
    return _with_word_captions(out, str(attributes.get("species") or ""), rng)


# --- captions from the word lists (sapling/data/words): other languages, biomes, looks ---

# Each caption after the first is replaced, with this chance, by one drawn from the word lists
# (``word_caption``): about one caption in five (n=4: 3 slots x 0.25), so English stays dominant
# and the first caption is always the plain English one. Kinds and their shares: another
# language's name for the tree (half), a biome alone or a look alone (a quarter each: captions
# that name no species, so the model learns what "savanna" or "white bark" mean by themselves).
WORD_CAPTION_SHARE = 0.25
WORD_CAPTION_KINDS: tuple[tuple[str, float], ...] = (("language", 0.5), ("biome", 0.25), ("lore", 0.25))
_TREE_WORD = {"en": "tree", "de": "Baum", "fr": "arbre", "es": "árbol", "pt": "árvore"}


def _name_words(species: str, language: str) -> list[str]:
    """Names and synonyms of a species in one language, without stems that a longer word of the
    list starts with (German "Kirsch" when "Kirschbaum" is there)."""
    from sapling.prompts import load_words

    words = load_words()
    found = words.words(species, "names", language) + words.words(species, "synonyms", language)
    return [w for w in found if not any(o != w and o.lower().startswith(w.lower()) for o in found)]


def word_caption(species: str, rng: random.Random, kind: str | None = None) -> str | None:
    """One caption from the word lists for a tree of ``species``: ``"language"`` (a name in German,
    French, Spanish or Portuguese, sometimes with a biome: "Akazie (Savanne)"), ``"biome"`` ("a tree
    from the savanna", "Baum, Savanne") or ``"lore"`` ("a tree, white bark"); ``kind`` None draws one
    by ``WORD_CAPTION_KINDS``. None when the lists hold nothing of that kind for the species."""
    from sapling.prompts import LANGUAGES, load_words

    words = load_words()
    if kind is None:
        kind = rng.choices([k for k, _ in WORD_CAPTION_KINDS], [w for _, w in WORD_CAPTION_KINDS])[0]
    if kind == "language":
        options = [lang for lang in LANGUAGES[1:] if _name_words(species, lang)]
        if not options:
            return None
        lang = rng.choice(options)
        name = rng.choice(_name_words(species, lang))
        biomes = words.words(species, "biomes", lang)
        return f"{name} ({rng.choice(biomes)})" if biomes and rng.random() < 0.5 else name
    category = "biomes" if kind == "biome" else "lore"
    options = [lang for lang in LANGUAGES if words.words(species, category, lang)]
    if not options:
        return None
    lang = rng.choice(options)
    word = rng.choice(words.words(species, category, lang))
    if lang == "en":
        word = word.lower()
        return f"a tree from the {word}" if kind == "biome" else f"a tree, {word}"
    return f"{_TREE_WORD[lang]}, {word}"


def _with_word_captions(out: list[str], species: str, rng: random.Random) -> list[str]:
    """``out`` with each caption after the first replaced by a ``word_caption`` with chance
    ``WORD_CAPTION_SHARE`` (drawn after the English ones, so those stay as they were)."""
    from sapling.blocks import SPECIES

    if species not in SPECIES:
        return out
    for i in range(1, len(out)):
        if rng.random() < WORD_CAPTION_SHARE:
            text = word_caption(species, rng)
            if text is not None and text not in out:
                out[i] = text
    return out


__all__ = [
    "DENSE", "SAID_DECORATIONS", "SIZE_WORDS", "SPARSE", "WORD_CAPTION_KINDS", "WORD_CAPTION_SHARE", "CaptionParts",
    "caption_parts", "captions", "decorations_of", "leaf_density", "size_word", "word_caption",
]
