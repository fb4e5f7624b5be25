"""Generate ``sapling/data/words/game.json``: what the game itself calls each tree species, per language.

The game's language files are the reference for tree and biome words in other languages
(``block.minecraft.birch_sapling`` is "Birkensetzling" in ``de_de.json``). For each species of
``sapling.blocks.SPECIES`` the table holds, per language:

``names``
    The species word, cut out of the game's names of its sapling, potted sapling, log, stripped
    log and leaves: words (or, in German compounds, letters) shared by the names of every species
    of one kind of block are that kind's word ("setzling", "Pousse ... en pot", "Bûche ...
    écorcée"), the rest is the species' word; a German species stem that every name of its own
    starts with wins over that ("Eichen" from "Eichenstamm", "Eichenlaub"). German linking
    "-en" drops its "n" ("Birken-" -> "Birke": the matcher matches word parts, so "Birke" finds
    "Birken", "Birkenwald" and "Birke" alike). Azaleas take the game's whole names ("Azalee",
    "Blühende Azalee").
``biomes``
    The game's names of the biomes the species grows in (``BIOMES``).
``lore``
    The game's names of things only that species' trees have (``LORE``: the creaking and its
    heart, pale hanging moss, mangrove roots, propagules, mud, cocoa).

Sources: English from PrismarineJS minecraft-data (``language.json``, the en_us file; found as
``scripts/minecraft_data.py`` says); the other languages from the game's own language files,
``<lang>.json`` in ``--lang-dir`` (``de_de.json``, ``fr_fr.json``, ``es_es.json``, ``pt_br.json``:
copy them from a client's ``assets/minecraft/lang`` or any copy of the game's assets). A language
whose file is not given keeps what the current table says, with its source, so the table can be
regenerated one language at a time. A lang file may hold only the keys above (the extraction reads
nothing else). To regenerate::

    cd /tmp && npm install minecraft-data@3.119.0
    python scripts/gen_words.py --lang-dir /path/to/lang [--version 1.21.5]

Hand-written words (synonyms, player lore, more biome words) live in
``sapling/data/words/players.json``; ``sapling.prompts`` merges both files.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import minecraft_data  # noqa: E402  (a sibling script, after the path)

OUT = REPO / "sapling" / "data" / "words" / "game.json"
# Game language code -> the table's language code.
LANGUAGES = {"en_us": "en", "de_de": "de", "fr_fr": "fr", "es_es": "es", "pt_br": "pt"}
SPECIES = ("oak", "birch", "spruce", "jungle", "acacia", "dark_oak", "pale_oak", "cherry", "mangrove", "azalea")
WOOD = SPECIES[:-1]
# Kinds of block whose names carry the species word; ``{sp}`` is the species id.
NAME_KEYS = ("block.minecraft.{sp}_sapling", "block.minecraft.potted_{sp}_sapling", "block.minecraft.{sp}_log",
             "block.minecraft.stripped_{sp}_log", "block.minecraft.{sp}_leaves")
AZALEA_NAMES = ("block.minecraft.azalea", "block.minecraft.flowering_azalea")
# A kind of block whose names fewer species share says too little about its own word.
MIN_SPECIES_PER_KIND = 5
BIOMES: dict[str, tuple[str, ...]] = {
    "oak": ("forest", "flower_forest", "plains", "meadow", "swamp"),
    "birch": ("birch_forest", "old_growth_birch_forest"),
    "spruce": ("taiga", "snowy_taiga", "old_growth_pine_taiga", "old_growth_spruce_taiga", "grove",
               "windswept_forest"),
    "jungle": ("jungle", "sparse_jungle", "bamboo_jungle"),
    "acacia": ("savanna", "savanna_plateau", "windswept_savanna"),
    "dark_oak": ("dark_forest",),
    "pale_oak": ("pale_garden",),
    "cherry": ("cherry_grove",),
    "mangrove": ("mangrove_swamp",),
    "azalea": ("lush_caves",),
}
LORE: dict[str, tuple[str, ...]] = {
    "pale_oak": ("entity.minecraft.creaking", "block.minecraft.creaking_heart", "block.minecraft.pale_hanging_moss",
                 "block.minecraft.pale_moss_block"),
    "mangrove": ("block.minecraft.mangrove_roots", "block.minecraft.muddy_mangrove_roots",
                 "block.minecraft.mangrove_propagule", "block.minecraft.mud"),
    "jungle": ("block.minecraft.cocoa",),
}
# Words that join a species word to the rest of a name ("Pousse de sapin", "Muda de carvalho").
CONNECTORS = {"de", "d'", "du", "des", "da", "do", "das", "dos", "del", "en", "em", "of"}
COMPOUNDING = {"de"}  # languages that write a kind of block and its species as one word


def _words(name: str) -> list[str]:
    """``"Pousse d'acacia en pot"`` -> ``["Pousse", "d'", "acacia", "en", "pot"]`` (elision splits)."""
    return re.sub(r"(?i)\b([dl])['’]", r"\1' ", name).split()


def _common_affixes(items: list[list], min_rest: int = 1) -> tuple[int, int]:
    """Lengths of the prefix and suffix all sequences share, leaving at least ``min_rest`` items each."""
    shortest = min(len(i) for i in items)
    pre = 0
    while pre < shortest - min_rest and all(i[pre] == items[0][pre] for i in items):
        pre += 1
    suf = 0
    while suf < shortest - pre - min_rest and all(i[-1 - suf] == items[0][-1 - suf] for i in items):
        suf += 1
    return pre, suf


def _trim_connectors(words: list[str]) -> list[str]:
    while words and words[0].lower() in CONNECTORS:
        words = words[1:]
    while words and words[-1].lower() in CONNECTORS:
        words = words[:-1]
    return words


def _unlink(stem: str) -> str:
    """German linking "-en": ``"Birken"`` -> ``"Birke"``, ``"Tropenbaum"`` stays."""
    return stem[:-1] if stem.endswith("en") and len(stem) > 4 else stem


def species_words(lang: dict[str, str], language: str) -> dict[str, list[str]]:
    """Species -> its words in one language file (see the module docstring)."""
    found: dict[str, list[str]] = {sp: [] for sp in SPECIES}
    compound = language in COMPOUNDING
    for pattern in NAME_KEYS:
        names = {sp: lang[pattern.format(sp=sp)] for sp in WOOD if pattern.format(sp=sp) in lang}
        if len(names) < MIN_SPECIES_PER_KIND:
            continue
        split = {sp: _words(n) for sp, n in names.items()}
        pre, suf = _common_affixes(list(split.values()))
        for sp, words in split.items():
            rest = _trim_connectors(words[pre: len(words) - suf])
            if not rest:
                continue
            word = " ".join(rest)
            found[sp].append(word)
        if compound:  # one word each: the kind's word is the letters every species' word ends (or starts) with
            last = {sp: found[sp][-1] for sp in names if found[sp]}
            if last and all(" " not in w for w in last.values()):
                cpre, csuf = _common_affixes([list(w) for w in last.values()], min_rest=3)
                for sp, w in last.items():
                    found[sp][-1] = w[cpre: len(w) - csuf]
    if compound:  # a stem that every name of the species itself starts with is the surest
        for sp in WOOD:
            own = [lang[p.format(sp=sp)] for p in NAME_KEYS if p.format(sp=sp) in lang and "potted" not in p]
            if len(own) >= 2:
                stem = own[0][: next((i for i, c in enumerate(zip(*own)) if len(set(c)) > 1), min(map(len, own)))]
                if len(stem) >= 3:
                    found[sp] = [stem.rstrip("-")]
        found = {sp: [_unlink(w) for w in ws] for sp, ws in found.items()}
    found["azalea"] += [lang[k] for k in AZALEA_NAMES if k in lang]
    for sp in SPECIES:
        leaves = lang.get(f"block.minecraft.{sp}_leaves")
        if sp == "azalea" and leaves and compound:
            found[sp].append(_unlink(leaves[: -len("laub")]) if leaves.endswith("laub") else leaves)
    return {sp: _dedupe(ws) for sp, ws in found.items()}


def _dedupe(words: list[str]) -> list[str]:
    seen, out = set(), []
    for w in words:
        key = w.lower()
        if w and key not in seen:
            seen.add(key)
            out.append(w)
    return out


def language_table(lang: dict[str, str], language: str) -> dict[str, dict[str, list[str]]]:
    """Species -> category -> words, for one language file."""
    names = species_words(lang, language)
    return {sp: {"names": names[sp],
                 "biomes": _dedupe([lang[f"biome.minecraft.{b}"] for b in BIOMES[sp] if f"biome.minecraft.{b}" in lang]),
                 "lore": _dedupe([lang[k] for k in LORE.get(sp, ()) if k in lang])}
            for sp in SPECIES}


def build(langs: dict[str, tuple[dict[str, str], str]], previous: dict | None = None) -> dict:
    """The table from ``{language: (lang file contents, source text)}``; languages not given keep
    ``previous``'s words and source."""
    previous = previous or {"sources": {}, "species": {}}
    table: dict = {"about": "Generated by scripts/gen_words.py from the game's language files; do not edit by hand "
                            "(hand-written words live in players.json).",
                   "sources": {}, "species": {sp: {"names": {}, "biomes": {}, "lore": {}} for sp in SPECIES}}
    for language in LANGUAGES.values():
        if language in langs:
            lang, source = langs[language]
            words = language_table(lang, language)
        elif language in previous.get("sources", {}):
            source = previous["sources"][language]
            words = {sp: {cat: previous["species"].get(sp, {}).get(cat, {}).get(language, [])
                          for cat in ("names", "biomes", "lore")} for sp in SPECIES}
        else:
            continue
        table["sources"][language] = source
        for sp in SPECIES:
            for cat, ws in words[sp].items():
                if ws:
                    table["species"][sp][cat][language] = ws
    return table


def dump(table: dict) -> str:
    return json.dumps(table, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang-dir", type=Path, help="folder holding the game's <lang>.json files")
    parser.add_argument("--minecraft-data", type=Path, help="the minecraft-data npm package (English names)")
    parser.add_argument("--version", default="1.21.5", help="game version of the English names")
    parser.add_argument("--source", default="", help="where the --lang-dir files came from (written into the table)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    langs: dict[str, tuple[dict[str, str], str]] = {}
    package = args.minecraft_data or next((p for p in minecraft_data.default_sources() if p.is_dir()), None)
    if package is not None:
        root = minecraft_data.data_root(package)
        paths = json.loads((root / "dataPaths.json").read_text(encoding="utf-8"))["pc"]
        if args.version not in paths or "language" not in paths[args.version]:
            raise SystemExit(f"minecraft-data has no language file for {args.version}")
        en = json.loads((root / paths[args.version]["language"] / "language.json").read_text(encoding="utf-8"))
        source = (f"Minecraft Java {args.version} en_us, from PrismarineJS minecraft-data "
                  f"{minecraft_data.package_version(root)} (language.json)")
        langs["en"] = (en, source)
    if args.lang_dir is not None:
        for code, language in LANGUAGES.items():
            path = args.lang_dir / f"{code}.json"
            if path.is_file():
                where = f", {args.source}" if args.source else ""
                langs[language] = (json.loads(path.read_text(encoding="utf-8")),
                                   f"Minecraft Java {args.version} {code}.json (the game's own translation{where})")
    if not langs:
        raise SystemExit("no language given: pass --lang-dir and/or --minecraft-data")
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(build(langs, previous)), encoding="utf-8")
    print(f"wrote {args.out} ({', '.join(sorted(langs))} regenerated)")


if __name__ == "__main__":
    main()
