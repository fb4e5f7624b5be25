"""Prompt helpers every layer shares (no torch): the species a prompt names, file-name slugs,
prompt files. The CLI, the evaluator, training callbacks, the server and the bridges use them.
"""

from __future__ import annotations

import re
from pathlib import Path

from sapling.config import MAX_PROMPT_CHARS
from sapling.errors import ConfigError

# The built-in evaluation prompts (``sapling evaluate`` without ``--prompts``).
DEFAULT_PROMPTS = Path(__file__).resolve().parent / "recipes" / "prompts.txt"


# --- species from free text ---

# Patterns per tier; within a tier the earliest match in the text wins, the longest
# one at a tie. Choices: "fir", "pine", "conifer", "christmas tree" ->
# spruce (vanilla pines are spruce wood); "bush"/"shrub" -> jungle (the only vanilla
# bush feature is the jungle bush) unless the prompt says "azalea"; "swamp oak" and
# "big/fancy oak" -> oak; "sakura"/"blossom" -> cherry; "roofed oak" -> dark oak.
_SPECIES_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"dark[ -]?oaks?", "dark_oak"), (r"roofed (?:oak|tree)s?", "dark_oak"),
    (r"pale[ -]?oaks?", "pale_oak"),
    (r"cherry blossoms?", "cherry"), (r"cherr(?:y|ies)", "cherry"), (r"sakuras?", "cherry"), (r"blossoms?", "cherry"),
    (r"oaks?", "oak"),
    (r"birch(?:es)?", "birch"),
    (r"spruces?", "spruce"), (r"firs?", "spruce"), (r"pines?", "spruce"), (r"conifers?", "spruce"),
    (r"christmas trees?", "spruce"),
    (r"jungles?", "jungle"),
    (r"acacias?", "acacia"),
    (r"mangroves?", "mangrove"),
    (r"azaleas?", "azalea"),
)
_FALLBACK_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"bush(?:es)?", "jungle"), (r"shrubs?", "jungle"),
    (r"savannah?s?", "acacia"), (r"taiga", "spruce"), (r"dark forest", "dark_oak"), (r"pale garden", "pale_oak"),
    (r"lush caves?", "azalea"), (r"swamps?", "oak"), (r"pink", "cherry"), (r"white[ -]bark(?:ed)?", "birch"),
)


def _compile(patterns: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(rf"\b{p}\b"), s) for p, s in patterns]


_TIERS = (_compile(_SPECIES_PATTERNS), _compile(_FALLBACK_PATTERNS))


def species_from_prompt(prompt: str) -> str | None:
    """The species (one of ``blocks.SPECIES``) a free-text prompt names, or None.

    Case, underscores and hyphens are ignored ("minecraft:dark_oak" works). Species
    names and synonyms win over hints (biome words, colours, "bush"); among several
    species named, the first one in the text wins. See ``_SPECIES_PATTERNS`` for the
    synonym choices.
    """
    text = re.sub(r"[_:]+", " ", str(prompt).lower())
    for tier in _TIERS:
        hits = [(m.start(), -(m.end() - m.start()), species) for pat, species in tier for m in pat.finditer(text)]
        if not hits:
            continue
        # Earliest first; at one start the longest ("cherry blossom" before "cherry"). A
        # shorter name inside a longer one ("oak" in "dark oak") starts later, so loses.
        hits.sort()
        return hits[0][2]
    return None


def slug(text: str, max_len: int = 40) -> str:
    """A file-name-safe form of a prompt: ``"Tall Birch tree!"`` -> ``"tall-birch-tree"``."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:max_len].rstrip("-") or "tree"


def load_prompts(path: str | Path | None = None) -> list[str]:
    """Prompts from a text file, one per line; blank lines and ``#`` comments are skipped.

    ``None`` reads the packaged default list (``recipes/prompts.txt``). Raises
    ``ConfigError`` for a missing, unreadable or empty file, or a prompt that is too long.
    """
    path = DEFAULT_PROMPTS if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"prompt file {str(path)!r} cannot be read as UTF-8 text ({exc})") from None
    prompts = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) > MAX_PROMPT_CHARS:
            raise ConfigError(f"prompt file {str(path)!r}, line {n}: the prompt has {len(line)} characters; "
                              f"at most {MAX_PROMPT_CHARS} are accepted")
        prompts.append(line)
    if not prompts:
        raise ConfigError(f"prompt file {str(path)!r} holds no prompts: write one prompt per line "
                          "(blank lines and lines starting with # are skipped)")
    return prompts


__all__ = ["DEFAULT_PROMPTS", "load_prompts", "slug", "species_from_prompt"]
