"""``generate_tree``: run one registered tree type for a seed and package the result."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from sapling.blocks import BlockVocab, block_kind
from sapling.errors import StructureError
from sapling.metrics import MAX_CROWN_GAP, ONE_CROWN_SPECIES
from sapling.structure import SIZES, bucket_for
from sapling.training.corpus.base import (
    REGISTRY, CorpusTree, TreeCanvas, canvas_to_structure, leaf_layer_gap,
)

# Bumped whenever a grower changes its output for a given seed (recorded in dataset manifests).
# 2: big and huge forms of every species, decorations on a third of the trees that can carry
# them, single crowns for ONE_CROWN_SPECIES.
# 3: captions draw on the word lists (other languages, biomes and looks alone; captions.word_caption).
GENERATOR_VERSION = 3
# A tree of a one-crown species that grows a stacked crown is drawn again, at most this often.
MAX_REDRAWS = 50


def tree_types() -> list[str]:
    """Names of all registered tree types (importing the grower modules registers them)."""
    from sapling.training.corpus import growers  # noqa: F401  (registers every type)

    return sorted(REGISTRY)


def _ground_patch(canvas: TreeCanvas, block: str, rng: random.Random, level: int = -1) -> None:
    """A small ground patch at y = ``level`` under every log standing on it (plus a ring around it).

    ``level`` is -1 (just under the trunk base) unless a grower says otherwise: a
    mangrove's roots lift its trunk, so its mud lies lower, and roots that reach
    into the ground layer (y == level) get the patch around them too.
    """
    base = [(x, z) for (x, y, z), s in canvas.blocks.items() if y in (level, level + 1) and block_kind(s) == "log"]
    if not base:
        return
    cells = set()
    for x, z in base:
        for dx in (-1, 0, 1):
            for dz in (-1, 0, 1):
                cells.add((x + dx, z + dz))
    for x, z in sorted(cells):
        if (x, level, z) not in canvas.blocks:
            canvas.set((x, level, z), block)


def generate_tree(
    tree_type: str,
    seed: int,
    ground: bool = True,
    vocab: BlockVocab | None = None,
    size: str | None = None,
) -> CorpusTree:
    """Grow one tree of ``tree_type`` deterministically from ``seed``.

    The structure is placed in ``size`` (default: the smallest bucket that holds
    it), trunk base centred on the floor. A tree of a ``ONE_CROWN_SPECIES`` species
    whose leaf layers leave a gap (a crown stacked on a crown) is drawn again. Raises
    ``StructureError`` for an unknown type or a tree that fits no bucket.
    """
    types = tree_types()
    if tree_type not in REGISTRY:
        raise StructureError(f"unknown tree type {tree_type!r}; choose one of: {', '.join(types)}")
    spec = REGISTRY[tree_type]
    rng = random.Random(f"{tree_type}:{seed}")
    for _ in range(MAX_REDRAWS):  # the same rng goes on, so a redraw is as deterministic as the first
        canvas = TreeCanvas()
        attrs: dict[str, Any] = dict(spec.grow(rng, canvas) or {})
        if spec.species not in ONE_CROWN_SPECIES or leaf_layer_gap(canvas) <= MAX_CROWN_GAP:
            break
    else:
        raise StructureError(f"{tree_type} seed {seed} grew a stacked crown {MAX_REDRAWS} times in a row")
    level = attrs.pop("ground_level", -1)  # growers whose ground lies lower than y = -1 say so
    if ground:
        _ground_patch(canvas, attrs.pop("ground", spec.ground), rng, level)
    # Height above the ground: from the ground layer up (a mangrove's roots lift its trunk base).
    top = max((p[1] for p in canvas.blocks), default=level)
    structure = canvas_to_structure(canvas, vocab).crop()
    bucket = size or bucket_for(structure.shape)
    if bucket is None:
        raise StructureError(f"{tree_type} seed {seed} is {structure.shape}, larger than every size bucket")
    structure = structure.place_in(bucket)
    kinds = structure.kinds()
    nz = np.argwhere(kinds > 0)
    attrs.setdefault("decorations", [])
    attrs.update(
        type=tree_type,
        species=spec.species,
        seed=seed,
        biome=attrs.get("biome", spec.biome),
        size=bucket,
        height=top - level if len(nz) else 0,
        width=int(max(np.ptp(nz[:, 0]), np.ptp(nz[:, 2])) + 1) if len(nz) else 0,
        leaf_count=int(np.count_nonzero(kinds == 2)),
    )
    structure.metadata.update({"tree_type": tree_type, "seed": seed})
    return CorpusTree(structure, attrs)


__all__ = ["GENERATOR_VERSION", "SIZES", "generate_tree", "tree_types"]
