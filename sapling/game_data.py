"""The game's own block-state table: which blocks Java Edition knows, their properties and defaults.

The table ``sapling/data/game/java_blocks.json`` is generated from PrismarineJS
minecraft-data by ``scripts/gen_block_table.py`` (its docstring says how to regenerate
it); it is read on first use and kept. No torch, no numpy.

``complete_state`` turns any block-state string into the game's *full* state: every
property of the block named, defaults filled in where the string leaves one out, so a
file we write never depends on a reader knowing the game's defaults::

    >>> complete_state("oak_leaves[persistent=true]").state
    'minecraft:oak_leaves[distance=7,persistent=true,waterlogged=false]'

A value the block does not allow is replaced by the default, a property the block does
not have is dropped, and both are reported in ``StateCheck.problems``. A block the game
does not know (modded or misspelled) is kept as it is (canonicalised) with
``known=False``. Malformed text raises ``BlockError`` as ``sapling.blocks.parse_state``
does.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

from sapling.blocks import format_state, parse_state
from sapling.errors import BlockError

TABLE_FILE = "java_blocks.json"


@dataclass(frozen=True)
class BlockInfo:
    """One block of the game: ``name`` with namespace, each property's values in the game's order,
    the default state's values, minecraft-data's ``material`` (e.g. ``"leaves;mineable/hoe"``) and
    ``shape``, its bounding box: ``"block"``, or ``"empty"`` for what one walks through (flowers, grass).

    ``properties`` and ``default`` are read-only mappings (the table is shared)."""

    name: str
    properties: Mapping[str, tuple[str, ...]]
    default: Mapping[str, str]
    material: str
    shape: str = "block"


@dataclass(frozen=True)
class StateCheck:
    """``complete_state``'s answer: the full canonical state, whether the game knows the block,
    and what had to be changed (empty for a valid state)."""

    state: str
    known: bool
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.known and not self.problems


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Any], dict[str, BlockInfo]]:
    folder = resources.files("sapling") / "data" / "game"
    plain, packed = folder / TABLE_FILE, folder / (TABLE_FILE + ".gz")
    data = plain.read_bytes() if plain.is_file() else gzip.decompress(packed.read_bytes())
    doc = json.loads(data)
    blocks = {}
    for short, entry in doc["blocks"].items():
        name = "minecraft:" + short
        blocks[name] = BlockInfo(
            name,
            MappingProxyType({k: tuple(v) for k, v in entry["properties"].items()}),
            MappingProxyType(dict(entry["default"])),
            entry["material"],
            entry.get("shape", "block"),
        )
    header = {k: v for k, v in doc.items() if k != "blocks"}
    return header, blocks


def table_header() -> dict[str, Any]:
    """The table's provenance: ``game_version``, ``minecraft_data`` (package version), ``source``."""
    return dict(_table()[0])


def __getattr__(name: str) -> Any:  # GAME_VERSION is read from the table on first use
    if name == "GAME_VERSION":
        return _table()[0]["game_version"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def known_blocks() -> tuple[str, ...]:
    """Every block name of the table (``minecraft:...``), sorted."""
    return tuple(sorted(_table()[1]))


def block_info(name: str) -> BlockInfo | None:
    """The game's data for ``name`` (``"minecraft:oak_leaves"`` or ``"oak_leaves"``; properties
    in the text are ignored), or None for a block the game does not know."""
    blocks = _table()[1]
    info = blocks.get(name)
    if info is None and ":" not in name and "[" not in name:
        info = blocks.get("minecraft:" + name)
    if info is None:
        try:
            info = blocks.get(parse_state(name)[0])
        except BlockError:  # not a block name at all
            return None
    return info


@lru_cache(maxsize=65536)
def complete_state(state: str) -> StateCheck:
    """The full canonical state of ``state`` and what was wrong with it (see module docstring).

    Cached: importers call it for every palette entry of every file.
    """
    name, props = parse_state(state)
    info = _table()[1].get(name)
    if info is None:
        return StateCheck(format_state(name, props), False,
                          (f"unknown block {name} (not in Java {_table()[0]['game_version']})",))
    short = name.split(":", 1)[1]
    full = dict(info.default)
    problems = []
    for key in sorted(props):
        value = props[key]
        allowed = info.properties.get(key)
        if allowed is None:
            problems.append(f"{short}: has no property {key}; dropped {key}={value}")
        elif value not in allowed:
            problems.append(f"{short}: {key}={value} is not one of {', '.join(allowed)}; used {info.default[key]}")
        else:
            full[key] = value
    return StateCheck(format_state(name, full), True, tuple(problems))


def full_state(state: str) -> str:
    """``complete_state(state).state``: every property of the block, defaults filled in."""
    return complete_state(state).state


__all__ = ["BlockInfo", "StateCheck", "GAME_VERSION", "block_info", "complete_state", "full_state",
           "known_blocks", "table_header"]
