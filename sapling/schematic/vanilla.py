"""Vanilla structure ``.nbt`` (structure blocks, jigsaw pieces).

The format has no origin: ours travels in an extra ``SaplingOrigin`` tag, and for a
foreign file ``metrics.estimate_trunk_base`` finds the trunk base.
"""

from __future__ import annotations

import math

import nbtlib
import numpy as np
from nbtlib.tag import Compound, Int, List, String

from sapling.blocks import AIR, parse_state
from sapling.errors import BlockError
from sapling.metrics import estimate_trunk_base
from sapling.schematic.nbt import METADATA_TAG, _check_dims, _get, _grid_dtype, _int, _int_triple, _INTS, _Invalid
from sapling.schematic.nbt import _lookup, _opt, _palette_list, _read_metadata, _state_tag, _vocab_from_states
from sapling.structure import Structure

ORIGIN_TAG = "SaplingOrigin"


def _read_nbt(root: Compound) -> Structure:
    dims = _int_triple(_get(root, "size", List, "a list"), "tag size")
    shape = _check_dims(dims, "size")
    if "palette" in root:
        palette_tags = _get(root, "palette", List, "a list")
    else:
        palettes = _get(root, "palettes", List, "a list")  # several variants: use the first
        if not palettes or not isinstance(palettes[0], List):
            raise _Invalid("tag palettes holds no palette list")
        palette_tags = palettes[0]
    states = _palette_list(palette_tags, "palette")
    # structure_void means "leave the world as it is": the same as a missing block.
    states = [AIR if _is_structure_void(s) else s for s in states]
    vocab, table = _vocab_from_states(states)
    blocks = _get(root, "blocks", List, "a list")
    if len(blocks) > math.prod(shape):
        raise _Invalid(f"tag blocks lists {len(blocks)} blocks, more than the size holds")
    pos = np.zeros((len(blocks), 3), dtype=np.int64)
    state = np.zeros(len(blocks), dtype=np.int64)
    for i, entry in enumerate(blocks):
        if not isinstance(entry, Compound):
            raise _Invalid(f"blocks[{i}] has type {type(entry).__name__}, expected a compound")
        pos[i] = _int_triple(_get(entry, "pos", List, "a list", f"blocks[{i}]."), f"blocks[{i}].pos")
        state[i] = _int(entry, "state", f"blocks[{i}].")
    outside = ((pos < 0) | (pos >= np.array(shape))).any(axis=1)
    if outside.any():
        i = int(np.argmax(outside))
        raise _Invalid(f"blocks[{i}] at {tuple(pos[i].tolist())} lies outside the size {'x'.join(map(str, shape))}")
    grid = np.zeros(shape, dtype=_grid_dtype(vocab))  # missing blocks are air
    grid[tuple(pos.T)] = _lookup(state, table, "tag blocks")
    saved = _opt(root, ORIGIN_TAG, List, "a list")
    data_version = _opt(root, "DataVersion", _INTS, "an integer")
    metadata = _read_metadata(root, None if data_version is None else int(data_version))
    s = Structure(grid, vocab, (0, 0, 0), metadata)
    origin = _int_triple(saved, f"tag {ORIGIN_TAG}") if saved is not None else estimate_trunk_base(s)
    return s.with_blocks(s.blocks, origin=origin)


def _is_structure_void(state: str) -> bool:
    try:
        return parse_state(state)[0] == "minecraft:structure_void"
    except BlockError:
        return False  # reported with the rest of the palette


def _write_nbt(s: Structure, meta: str, data_version: int, name: str) -> nbtlib.File:
    # Air is left out: a structure block then keeps whatever stands around the tree.
    ys, zs, xs = np.nonzero(s.blocks.transpose(1, 2, 0))
    ids = s.blocks[xs, ys, zs]
    blocks = List[Compound]([
        Compound({"pos": List[Int]([Int(x), Int(y), Int(z)]), "state": Int(i)})
        for x, y, z, i in zip(xs.tolist(), ys.tolist(), zs.tolist(), ids.tolist())
    ])
    return nbtlib.File({
        "DataVersion": Int(data_version),
        "size": List[Int]([Int(d) for d in s.shape]),
        "palette": List[Compound]([_state_tag(state) for state in s.vocab.states]),
        "blocks": blocks,
        "entities": List[Compound](),
        ORIGIN_TAG: List[Int]([Int(c) for c in s.origin]),
        METADATA_TAG: String(meta),
    }, root_name="")

