"""Litematica ``.litematic``: reads any number of regions, writes one (format version 6).

Block states are palette indices of ``max(2, ceil(log2(palette size)))`` bits packed
LSB-first into 64-bit words, ``x`` fastest, then ``z``, then ``y``.
"""

from __future__ import annotations

import time

import nbtlib
import numpy as np
from nbtlib.tag import Compound, Int, List, Long, LongArray, String

from sapling.schematic.nbt import MAX_PALETTE, METADATA_TAG, _check_dims, _get, _grid_dtype, _int, _INTS, _Invalid
from sapling.schematic.nbt import _lookup, _opt, _palette_list, _read_metadata, _state_tag, _vocab_from_states
from sapling.structure import Structure


def _xyz(c: Compound, key: str, where: str) -> tuple[int, int, int]:
    tag = _get(c, key, Compound, "a compound", where)
    return tuple(_int(tag, axis, f"{where}{key}.") for axis in "xyz")  # type: ignore[return-value]


def _xyz_tag(x: int, y: int, z: int) -> Compound:
    return Compound({"x": Int(x), "y": Int(y), "z": Int(z)})


def _read_litematic(root: Compound) -> Structure:
    regions = _get(root, "Regions", Compound, "a compound")
    if not regions:
        raise _Invalid("the file has no regions")
    boxes = []
    for name, region in regions.items():
        where = f"Regions.{name}."
        if not isinstance(region, Compound):
            raise _Invalid(f"tag {where[:-1]} has type {type(region).__name__}, expected a compound")
        position, size = _xyz(region, "Position", where), _xyz(region, "Size", where)
        if 0 in size:
            raise _Invalid(f"region {name!r} has size {'x'.join(map(str, size))} (a size cannot be 0)")
        # A negative size extends from Position towards smaller coordinates.
        lo = tuple(p + (d + 1 if d < 0 else 0) for p, d in zip(position, size))
        dims = _check_dims(tuple(abs(d) for d in size), f"region {name!r} size")  # type: ignore[arg-type]
        boxes.append((name, region, lo, dims))
    lo = np.min([b[2] for b in boxes], axis=0)
    hi = np.max([np.add(b[2], b[3]) for b in boxes], axis=0)
    shape = _check_dims(tuple((hi - lo).tolist()), "enclosing size")
    palettes: list[list[str]] = []
    for name, region, _, _ in boxes:
        tags = _get(region, "BlockStatePalette", List, "a list", f"Regions.{name}.")
        palettes.append(_palette_list(tags, f"Regions.{name}.BlockStatePalette"))
        if not palettes[-1]:
            raise _Invalid(f"region {name!r} has an empty BlockStatePalette")
        if sum(map(len, palettes)) > MAX_PALETTE:
            raise _Invalid(f"the regions' palettes hold more than {MAX_PALETTE} entries in all")
    vocab, table = _vocab_from_states([state for palette in palettes for state in palette])
    grid = np.zeros(shape, dtype=_grid_dtype(vocab))
    start = 0
    for (name, region, box_lo, (sx, sy, sz)), palette in zip(boxes, palettes):
        where = f"Regions.{name}.BlockStates"
        longs = _get(region, "BlockStates", LongArray, "a long array", f"Regions.{name}.")
        values = _unpack_bits(np.asarray(longs), sx * sy * sz, _bits_for(len(palette)), where)
        ids = _lookup(values, table[start:start + len(palette)], where)
        start += len(palette)
        x0, y0, z0 = (np.array(box_lo) - lo).tolist()
        grid[x0:x0 + sx, y0:y0 + sy, z0:z0 + sz] = ids.reshape(sy, sz, sx).transpose(2, 0, 1)
    data_version = _opt(root, "MinecraftDataVersion", _INTS, "an integer")
    meta_tag = _opt(root, "Metadata", Compound, "a compound")
    metadata = _read_metadata(meta_tag, None if data_version is None else int(data_version))
    # The schematic origin (0, 0, 0) is where Litematica places the schematic.
    return Structure(grid, vocab, tuple((-lo).tolist()), metadata)


def _write_litematic(s: Structure, meta: str, data_version: int, name: str) -> nbtlib.File:
    width, height, length = s.shape
    ox, oy, oz = s.origin
    region = Compound({
        "Position": _xyz_tag(-ox, -oy, -oz),
        "Size": _xyz_tag(width, height, length),
        "BlockStatePalette": List[Compound]([_state_tag(state) for state in s.vocab.states]),
        "BlockStates": LongArray(_pack_bits(s.blocks.transpose(1, 2, 0), _bits_for(len(s.vocab)))),
        "TileEntities": List[Compound](),
        "Entities": List[Compound](),
        "PendingBlockTicks": List[Compound](),
        "PendingFluidTicks": List[Compound](),
    })
    now = int(time.time() * 1000)
    metadata = Compound({
        "Name": String(name),
        "Author": String("sapling"),
        "Description": String(str(s.metadata.get("prompt", ""))),
        "RegionCount": Int(1),
        "TotalVolume": Int(width * height * length),
        "TotalBlocks": Int(s.num_blocks),
        "TimeCreated": Long(now),
        "TimeModified": Long(now),
        "EnclosingSize": _xyz_tag(width, height, length),
        METADATA_TAG: String(meta),
    })
    # Version 6 is read by Litematica for 1.20.4 and by every later release.
    return nbtlib.File({
        "MinecraftDataVersion": Int(data_version),
        "Version": Int(6),
        "SubVersion": Int(1),
        "Metadata": metadata,
        "Regions": Compound({name or "tree": region}),
    }, root_name="")



# --- block states: bit packing ---

def _bits_for(palette_len: int) -> int:
    """Litematica's entry width: ``max(2, ceil(log2(palette_len)))``."""
    return max(2, (palette_len - 1).bit_length())


def _unpack_bits(longs: np.ndarray, count: int, bits: int, what: str) -> np.ndarray:
    """Entries of ``bits`` bits packed LSB-first into 64-bit words; an entry may span two words."""
    need = (count * bits + 63) // 64
    if len(longs) != need:
        raise _Invalid(f"{what} has {len(longs)} longs, expected {need} ({count} entries of {bits} bits)")
    words = np.append(np.asarray(longs).astype(np.int64).view(np.uint64), np.uint64(0))
    mask = np.uint64((1 << bits) - 1)
    out = np.empty(count, dtype=np.int64)
    chunk = 1 << 22  # bounds the temporaries for large regions
    for start in range(0, count, chunk):
        idx = np.arange(start, min(count, start + chunk), dtype=np.int64) * bits
        word, shift = idx >> 6, (idx & 63).astype(np.uint64)
        low = words[word] >> shift
        # The next word's bits, shifted by 64 - shift in two steps (a shift by 64 is undefined).
        high = (words[word + 1] << (np.uint64(63) - shift)) << np.uint64(1)
        out[start:start + len(idx)] = ((low | high) & mask).astype(np.int64)
    return out


def _pack_bits(values: np.ndarray, bits: int) -> np.ndarray:
    """Inverse of ``_unpack_bits``: int64 words (the LongArray payload)."""
    v = values.astype(np.uint64).ravel()
    need = (len(v) * bits + 63) // 64
    bitmat = ((v[:, None] >> np.arange(bits, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    packed = np.packbits(bitmat.ravel(), bitorder="little")
    buf = np.zeros(need * 8, dtype=np.uint8)
    buf[: len(packed)] = packed
    return buf.view("<u8").astype(np.uint64).view(np.int64)

