"""Post-processing: pure functions on a ``Structure`` that return a new one."""

from __future__ import annotations

import numpy as np

from sapling.blocks import BlockVocab, format_state, parse_state
from sapling.metrics import leaf_distance
from sapling.structure import Structure


def with_leaf_distance(structure: Structure) -> Structure:
    """Give every leaf that lacks a ``distance`` property the one the game would compute.

    This is the export rule of the model vocabulary (which carries no distance):
    schematic writers apply it so that pasted leaves hold vanilla states. Leaves
    that already name a distance keep it (lossless for files read from disk).
    """
    vocab = structure.vocab
    needs = [i for i, s in enumerate(vocab.states) if vocab.kind(i) == "leaves" and "distance" not in parse_state(s)[1]]
    if not needs:
        return structure
    needs_mask = np.zeros(len(vocab), dtype=bool)
    needs_mask[needs] = True
    where = needs_mask[structure.blocks]
    if not where.any():
        return structure
    dist = leaf_distance(structure)
    states = list(vocab.states)
    index = {s: i for i, s in enumerate(states)}
    table: dict[tuple[int, int], int] = {}
    out = structure.blocks.astype(np.int32)
    for x, y, z in np.argwhere(where).tolist():
        key = (int(out[x, y, z]), int(dist[x, y, z]))
        if key not in table:
            name, props = parse_state(states[key[0]])
            new = format_state(name, {**props, "distance": str(key[1])})
            if new not in index:
                index[new] = len(states)
                states.append(new)
            table[key] = index[new]
        out[x, y, z] = table[key]
    return structure.with_blocks(out, vocab=BlockVocab(states))
