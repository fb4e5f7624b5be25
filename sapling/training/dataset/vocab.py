"""The vocabulary of imported data: which block states a dataset keeps, merges or drops.

Every palette state of an imported file is first made canonical with the game's own
defaults (``game_data.complete_state``: ``minecraft:oak_leaves`` is
``oak_leaves[distance=7,persistent=false,waterlogged=false]``), then reduced to its
*data state*: the properties that describe surroundings rather than the structure
(``blocks.DROPPED_PROPERTIES``: leaf distance, waterlogged, snowy, a sapling's stage)
are dropped, as in the model vocabulary; writers put them back.

Markers (barrier, structure_void, jigsaw, light and the air variants) frame or pad a
structure; they become air and are counted as markers, never as lost blocks.

``plan_vocab`` then decides, per data state, with its total count over the dataset:

* ``data`` vocabulary (default): a state seen at least ``min_count`` times is kept,
  and so is the most frequent state of a block (then of a family, below) whose rare
  states together reach ``min_count``; a rarer one is merged into the most frequent kept state of the same block, else
  into the most frequent kept state of the same kind and species (and, for blocks
  that are neither logs, leaves nor ground, the same family: the game's material and
  bounding box, so a rare flower joins a flower, not glass), else dropped. Logs and leaves are never dropped: one
  with nothing to merge into stays in the vocabulary.
* a fixed vocabulary (``tree``, the shipped model's, or a ``vocab.json``): a state
  it holds (exactly, or up to the dropped properties) is kept; the others merge by
  the same rules into its states, or are dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from sapling.blocks import AIR, KINDS, BlockVocab, block_kind, block_species, model_key, parse_state
from sapling.config import IMPORT_MIN_COUNT
from sapling.game_data import block_info, complete_state

# Blocks that only frame or pad a structure in a file (air in a dataset).
MARKERS = frozenset({
    "minecraft:air", "minecraft:cave_air", "minecraft:void_air",
    "minecraft:barrier", "minecraft:structure_void", "minecraft:jigsaw", "minecraft:light",
})
# Markers that draw frames (the air variants fill space, they do not mark it).
FRAME_MARKERS = MARKERS - {"minecraft:air", "minecraft:cave_air", "minecraft:void_air"}
# States rarer than this (blocks over the whole dataset) are merged; see the module docstring.
DEFAULT_MIN_COUNT = IMPORT_MIN_COUNT
# Kinds that carry a tree's structure: never dropped from a data vocabulary.
_STRUCTURAL = ("log", "leaves")

Fate = Literal["kept", "merged", "marker", "dropped"]


@dataclass(frozen=True)
class DataState:
    """One palette entry of a file, as the dataset sees it."""

    state: str  # the data state (AIR for markers)
    marker: str | None  # the marker's block name, for markers
    known: bool  # the game knows the block
    problems: tuple[str, ...]  # invalid values or properties fixed on the way


@lru_cache(maxsize=65536)
def data_state(state: str) -> DataState:
    """A file's palette state -> its data state (defaults filled, surroundings dropped)."""
    check = complete_state(state)
    name = parse_state(check.state)[0]
    if name in MARKERS:
        return DataState(AIR, name, True, ())
    return DataState(model_key(check.state), None, check.known, check.problems)


# Block-name endings that are a shape of their own: a rare fence merges into a fence, not a mushroom.
_FORMS = ("fence_gate", "fence", "slab", "stairs", "wall", "button", "pressure_plate", "carpet", "pane",
          "trapdoor", "door", "sign", "banner", "bars", "chain", "lantern", "torch", "candle", "bed")


@lru_cache(maxsize=65536)
def merge_group(state: str) -> tuple[str, str | None, str]:
    """``(kind, species, family)``: states merge only within one group.

    The family of a block that is not a log, leaf or ground block is the game's
    material and bounding box plus the shape its name ends in (``_fence``, ``_slab``, ...).
    """
    kind = block_kind(state)
    family = ""
    if kind not in ("log", "leaves", "ground"):
        name = parse_state(state)[0]
        info = block_info(name)
        form = next((f for f in _FORMS if name.endswith(("_" + f, ":" + f))), "")
        family = f"{info.material.split(';')[0]}/{info.shape}/{form}" if info is not None else "unknown"
    return kind, block_species(state), family


@dataclass(frozen=True)
class StateFate:
    """What happened to one data state (``into`` names the state it now is, for merges)."""

    state: str
    count: int
    fate: Fate
    into: str | None = None
    why: str = ""


@dataclass
class VocabPlan:
    """The dataset's vocabulary and where every data state went (``ids[state]``, 0 = air)."""

    vocab: BlockVocab
    ids: dict[str, int]
    fates: list[StateFate]

    def fate_counts(self) -> dict[str, int]:
        return fate_counts(self.fates)


def fate_counts(fates: list[StateFate]) -> dict[str, int]:
    """Blocks per fate: kept, merged, dropped (markers not included: they were never blocks)."""
    out: Counter = Counter({"kept": 0, "merged": 0, "dropped": 0})
    for f in fates:
        out[f.fate] += f.count
    return dict(out)


def _best(candidates: list[str], counts: Counter, order: dict[str, int]) -> str | None:
    """The most frequent candidate; ties go to the earlier state in ``order``."""
    return min(candidates, key=lambda s: (-counts.get(s, 0), order[s]), default=None)


def plan_vocab(counts: Counter, min_count: int = DEFAULT_MIN_COUNT, target: BlockVocab | None = None) -> VocabPlan:
    """Decide the vocabulary for ``counts`` (data state -> blocks); see the module docstring."""
    states = sorted(counts, key=lambda s: (-counts[s], s))
    targets: dict[str, str] = {}  # data state -> the target state it is (fixed vocabularies)
    if target is None:
        kept = [s for s in states if counts[s] >= min_count]
        # Rare states that together are common (two spellings of a fence) keep their most frequent one.
        for key in (lambda s: parse_state(s)[0], merge_group):
            have = {key(s) for s in kept}
            pooled: Counter = Counter()
            first: dict = {}
            for s in states:
                if key(s) not in have:
                    pooled[key(s)] += counts[s]
                    first.setdefault(key(s), s)
            kept += [first[k] for k, n in pooled.items() if n >= min_count]
    else:
        for s in states:
            i = target.encode(s, unknown="air")
            if i:
                targets[s] = target.states[i]
        kept = [s for s in target.states[1:]]
    # Counts of the kept states as merge targets: data counts, through the target mapping.
    weight: Counter = Counter()
    for s in states:
        weight[targets.get(s, s)] += counts[s]
    order = {s: i for i, s in enumerate(kept)}
    by_name: dict[str, list[str]] = {}
    by_group: dict[tuple, list[str]] = {}
    for s in kept:
        by_name.setdefault(parse_state(s)[0], []).append(s)
        by_group.setdefault(merge_group(s), []).append(s)

    into: dict[str, str | None] = {}
    fates: list[StateFate] = []
    extra: list[str] = []  # structural states kept although rare
    for s in states:
        if s in targets or (target is None and s in order):
            into[s] = targets.get(s, s)
            fates.append(StateFate(s, counts[s], "kept", None if into[s] == s else into[s]))
            continue
        times = "once" if counts[s] == 1 else f"{counts[s]} times"
        rare = f"seen {times} (min-count {min_count})" if target is None else "not in the vocabulary"
        same_block = _best(by_name.get(parse_state(s)[0], []), weight, order)
        if same_block is not None:
            into[s] = same_block
            fates.append(StateFate(s, counts[s], "merged", same_block, f"{rare}; same block"))
            continue
        same_kind = _best(by_group.get(merge_group(s), []), weight, order)
        if same_kind is not None:
            into[s] = same_kind
            fates.append(StateFate(s, counts[s], "merged", same_kind, f"{rare}; a similar block"))
            continue
        if target is None and block_kind(s) in _STRUCTURAL:
            into[s] = s
            extra.append(s)
            fates.append(StateFate(s, counts[s], "kept", None, f"{rare}; no state of its kind to merge into"))
            continue
        into[s] = None
        fates.append(StateFate(s, counts[s], "dropped", None, f"{rare}; no similar block"))

    if target is None:
        kind_order = {k: i for i, k in enumerate(KINDS)}
        chosen = sorted(set(kept) | set(extra), key=lambda s: (kind_order[block_kind(s)], s))
        vocab = BlockVocab([AIR] + chosen)
    else:
        vocab = target
    ids = {s: (vocab.id(t) if t is not None else 0) for s, t in into.items()}
    return VocabPlan(vocab, ids, fates)


__all__ = [
    "DEFAULT_MIN_COUNT", "FRAME_MARKERS", "MARKERS", "DataState", "StateFate", "VocabPlan",
    "data_state", "fate_counts", "merge_group", "plan_vocab",
]
