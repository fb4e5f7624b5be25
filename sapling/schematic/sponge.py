"""Sponge ``.schem``: reads versions 1-3, writes version 2 (what WorldEdit pastes).

Block data is one unsigned LEB128 varint per block, ``x`` fastest, then ``z``, then ``y``.

Writing uses nbtlib directly, not mcschematic: mcschematic derives ``WEOffset``
from the bounding box of the blocks set on it (keeping the grid's full extent
means setting every air voxel, one Python call each), its ``Metadata`` holds
only its own keys (no place for ours) and it saves only to ``folder/name.schem``.
Since its file would need rewriting anyway, one vectorised nbtlib writer is
simpler. The tests use mcschematic as an independent reader and writer to check
the offset convention.
"""

from __future__ import annotations

import nbtlib
import numpy as np
from nbtlib.tag import ByteArray, Compound, Int, IntArray, List, Short, String

from sapling.blocks import BlockVocab
from sapling.schematic.nbt import MAX_PALETTE, METADATA_TAG, _check_dims, _get, _grid_dtype, _int, _int_triple
from sapling.schematic.nbt import _INTS, _Invalid, _lookup, _opt, _read_metadata, _vocab_from_states
from sapling.structure import Coord, Structure


def _read_schem(root: Compound) -> Structure:
    base = root["Schematic"] if isinstance(root.get("Schematic"), Compound) else root
    if isinstance(base.get("Blocks"), ByteArray) and "Materials" in base:
        # MCEdit/WorldEdit before 1.13: numeric block ids, which name no block state of today's game.
        raise _Invalid("a pre-1.13 MCEdit .schematic (numeric block ids) is not supported; "
                       "load it in WorldEdit on a 1.13+ server and save it again as .schem")
    version = _opt(base, "Version", _INTS, "an integer")
    version = int(version) if version is not None else (3 if "Blocks" in base else 2)
    if version not in (1, 2, 3):
        raise _Invalid(f"unsupported Sponge schematic version {version} (supported: 1, 2, 3)")
    dims = tuple(_int(base, key) for key in ("Width", "Height", "Length"))
    width, height, length = _check_dims(dims, "size (Width x Height x Length)")  # type: ignore[arg-type]
    meta_tag = _opt(base, "Metadata", Compound, "a compound")
    if version == 3:
        blocks = _get(base, "Blocks", Compound, "a compound")
        palette = _get(blocks, "Palette", Compound, "a compound", "Blocks.")
        data = _get(blocks, "Data", ByteArray, "a byte array", "Blocks.")
        offset = _opt(base, "Offset", IntArray, "an int array")
        origin = (0, 0, 0) if offset is None else tuple(-v for v in _int_triple(offset, "tag Offset"))
    else:
        palette = _get(base, "Palette", Compound, "a compound")
        data = _get(base, "BlockData", ByteArray, "a byte array")
        origin = _weoffset_origin(meta_tag)
    vocab, table = _sponge_palette(palette)
    values = _decode_varints(np.asarray(data).view(np.uint8), width * height * length, "block data")
    ids = _lookup(values, table, "block data").astype(_grid_dtype(vocab))
    grid = ids.reshape(height, length, width).transpose(2, 0, 1)  # index = x + z*W + y*W*L
    data_version = _opt(base, "DataVersion", _INTS, "an integer")
    metadata = _read_metadata(meta_tag, None if data_version is None else int(data_version))
    return Structure(np.ascontiguousarray(grid), vocab, origin, metadata)


def _weoffset_origin(meta: Compound | None) -> Coord:
    keys = ("WEOffsetX", "WEOffsetY", "WEOffsetZ")
    present = [k for k in keys if meta is not None and k in meta]
    if not present:
        return (0, 0, 0)
    if len(present) != 3:
        raise _Invalid(f"Metadata has {', '.join(present)} but not all of {', '.join(keys)}")
    return tuple(-_int(meta, k, "Metadata.") for k in keys)  # type: ignore[return-value]


def _sponge_palette(palette: Compound) -> tuple[BlockVocab, np.ndarray]:
    """``{state: id}`` -> (vocab, table file id -> vocab id, -1 for ids nobody uses)."""
    if not palette:
        raise _Invalid("the palette is empty")
    if len(palette) > MAX_PALETTE:
        raise _Invalid(f"the palette has {len(palette)} entries (limit {MAX_PALETTE})")
    by_id: dict[int, str] = {}
    for state, tag in palette.items():
        if not isinstance(tag, _INTS):
            raise _Invalid(f"palette entry {state!r} has type {type(tag).__name__}, expected an integer id")
        i = int(tag)
        if not 0 <= i < MAX_PALETTE:
            raise _Invalid(f"palette id {i} of {state!r} out of range 0..{MAX_PALETTE - 1}")
        if i in by_id:
            raise _Invalid(f"palette id {i} is given to both {by_id[i]!r} and {state!r}")
        by_id[i] = state
    ids = sorted(by_id)
    vocab, table = _vocab_from_states([by_id[i] for i in ids])
    full = np.full(ids[-1] + 1, -1, dtype=np.int64)
    full[ids] = table
    return vocab, full


def _write_schem(s: Structure, meta: str, data_version: int, name: str) -> nbtlib.File:
    width, height, length = s.shape
    ox, oy, oz = s.origin
    metadata = Compound({
        "WEOffsetX": Int(-ox), "WEOffsetY": Int(-oy), "WEOffsetZ": Int(-oz),
        "Name": String(str(s.metadata.get("prompt") or name)),
        "Author": String("sapling"),
        METADATA_TAG: String(meta),
    })
    data = _encode_varints(s.blocks.transpose(1, 2, 0))  # (Y, Z, X): x fastest
    return nbtlib.File({
        "Version": Int(2),
        "DataVersion": Int(data_version),
        "Metadata": metadata,
        "Width": Short(width), "Height": Short(height), "Length": Short(length),
        # Sponge's Offset is the minimum corner's world position; a generated tree has none.
        "Offset": IntArray([0, 0, 0]),
        "PaletteMax": Int(len(s.vocab)),
        "Palette": Compound({state: Int(i) for i, state in enumerate(s.vocab.states)}),
        "BlockData": ByteArray(data.view(np.int8)),
        "BlockEntities": List[Compound](),
    }, root_name="Schematic")



# --- block data: varints ---

def _decode_varints(data: np.ndarray, count: int, what: str) -> np.ndarray:
    """``count`` unsigned LEB128 varints from a uint8 array (Sponge block data)."""
    if len(data) < count or len(data) > 5 * count:
        raise _Invalid(f"{what} has {len(data)} bytes, which cannot hold {count} blocks")
    ends = np.flatnonzero(data < 0x80)
    if not len(ends) or ends[-1] != len(data) - 1:
        raise _Invalid(f"{what} ends inside a varint (truncated data)")
    if len(ends) != count:
        raise _Invalid(f"{what} holds {len(ends)} blocks, expected {count} (width x height x length)")
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > 5:
        raise _Invalid(f"{what} holds a varint longer than 5 bytes (overflow)")
    values = np.zeros(count, dtype=np.int64)
    for k in range(int(lengths.max())):
        sel = lengths > k
        values[sel] |= (data[starts[sel] + k].astype(np.int64) & 0x7F) << (7 * k)
    if values.max() > 2**31 - 1:
        raise _Invalid(f"{what} holds a varint above 2^31-1 (overflow)")
    return values


def _encode_varints(values: np.ndarray) -> np.ndarray:
    """Unsigned LEB128 varints of ``values`` as a uint8 array."""
    v = values.astype(np.int64).ravel()
    nbytes = np.ones(len(v), dtype=np.int64)
    for threshold in (1 << 7, 1 << 14, 1 << 21, 1 << 28):
        nbytes += v >= threshold
    offsets = np.cumsum(nbytes) - nbytes
    out = np.zeros(int(nbytes.sum()), dtype=np.uint8)
    for k in range(int(nbytes.max(initial=1))):
        sel = nbytes > k
        byte = (v[sel] >> (7 * k)) & 0x7F
        out[offsets[sel] + k] = byte | np.where(nbytes[sel] > k + 1, 0x80, 0)
    return out

