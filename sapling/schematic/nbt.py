"""The NBT layer every format shares: safe loading, typed tag access, limits, palettes.

Files are untrusted input. ``_load_nbt`` reads a (gzipped or raw) NBT file only after
``_scan_nbt`` has walked its bytes, so every size is checked before anything is
allocated; a problem raises ``_Invalid``, to which the public functions add the file
name. The limits (``MAX_*``) bound what every reader accepts and every writer writes;
the readers and writers look them up here (patch them here, not on the package).
"""

from __future__ import annotations

import io
import json
import math
import zlib
from pathlib import Path
from typing import Any

import nbtlib
import numpy as np
from nbtlib.tag import Byte, Compound, Int, List, Long, Short, String

from sapling.blocks import AIR, BlockVocab, canonical, format_state, parse_state
from sapling.errors import BlockError

# Limits on untrusted files (checked before allocating).
MAX_AXIS = 1024
MAX_VOLUME = 64 * 1024 * 1024
MAX_PALETTE = 65536
MAX_NBT_BYTES = 256 * 1024 * 1024  # file size and decompressed size
MAX_NBT_TAGS = 4_000_000  # nbtlib builds one Python object per tag
MAX_NBT_DEPTH = 64

METADATA_TAG = "SaplingMetadata"

_INTS = (Byte, Short, Int, Long)


class _Invalid(Exception):
    """A problem with a file's content; the public functions add the file name."""



# --- safe NBT loading ---

# Payload sizes: fixed-size tags, array item sizes, and the smallest payload of each tag.
_FIXED = {1: 1, 2: 2, 3: 4, 4: 8, 5: 4, 6: 8}
_ARRAY_ITEM = {7: 1, 11: 4, 12: 8}
_MIN_PAYLOAD = {**_FIXED, 7: 4, 8: 2, 9: 5, 10: 1, 11: 4, 12: 4}


def _load_nbt(path: Path, byteorder: str = "big") -> nbtlib.File:
    """The root compound of a (gzipped or raw) NBT file, checked by ``_scan_nbt`` first.

    ``byteorder`` is ``"big"`` (Java Edition) or ``"little"`` (Bedrock Edition).
    """
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_NBT_BYTES + 1)
    except FileNotFoundError:
        raise _Invalid("no such file") from None
    except OSError as exc:
        raise _Invalid(f"cannot read the file ({exc.strerror or exc})") from None
    if not data:
        raise _Invalid("the file is empty")
    if len(data) > MAX_NBT_BYTES:
        raise _Invalid(f"the file is larger than the limit of {MAX_NBT_BYTES} bytes")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    _scan_nbt(data, byteorder)
    try:
        return nbtlib.File.parse(io.BytesIO(data), byteorder=byteorder)
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        raise _Invalid(f"not valid NBT ({exc})") from None


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_NBT_BYTES + 1)
    except zlib.error as exc:
        raise _Invalid(f"corrupt gzip data ({exc})") from None
    if len(out) > MAX_NBT_BYTES:
        raise _Invalid(f"decompresses to more than the limit of {MAX_NBT_BYTES} bytes")
    if not inflater.eof:
        raise _Invalid("the gzip data is truncated")
    return out


def _scan_nbt(data: bytes, byteorder: str = "big") -> None:
    """Walk the NBT byte stream without building it; raise ``_Invalid`` if it is malformed.

    nbtlib reads a truncated file as zeros and trusts list lengths, so a crafted
    list of 2**31 items would hang it or exhaust memory. After this check every
    length fits in the bytes present and parsing is linear in the file size.
    """
    n = len(data)
    if n < 3 or data[0] != 10:
        raise _Invalid("not an NBT file (no root compound tag)")
    pos = 3 + int.from_bytes(data[1:3], byteorder)
    stack: list[list[int] | None] = [None]  # None: inside a compound; [subtype, remaining]: a list
    tags = 0
    while stack:
        if pos > n:
            raise _Invalid("not valid NBT (the data is truncated)")
        frame = stack[-1]
        if frame is None:
            if pos + 1 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            tag_at, tag = pos, data[pos]
            pos += 1
            if tag == 0:
                stack.pop()
                continue
            if tag > 12:  # before its name's length is read: the error points at the bad byte itself
                raise _Invalid(f"not valid NBT (unknown tag type {tag} at byte {tag_at})")
            if pos + 2 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            pos += 2 + int.from_bytes(data[pos:pos + 2], byteorder)
        else:
            if frame[1] == 0:
                stack.pop()
                continue
            frame[1] -= 1
            tag = frame[0]
        if tag > 12:
            raise _Invalid(f"not valid NBT (unknown tag type {tag} at byte {pos})")
        tags += 1
        if tags > MAX_NBT_TAGS:
            raise _Invalid(f"too many NBT tags (limit {MAX_NBT_TAGS})")
        if tag in _FIXED:
            pos += _FIXED[tag]
        elif tag == 8:
            if pos + 2 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            pos += 2 + int.from_bytes(data[pos:pos + 2], byteorder)
        elif tag in _ARRAY_ITEM:
            if pos + 4 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            count = int.from_bytes(data[pos:pos + 4], byteorder, signed=True)
            if count < 0:
                raise _Invalid(f"not valid NBT (negative array length at byte {pos})")
            pos += 4 + count * _ARRAY_ITEM[tag]
        elif tag == 9:
            if pos + 5 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            sub = data[pos]
            count = int.from_bytes(data[pos + 1:pos + 5], byteorder, signed=True)
            pos += 5
            if count < 0 or sub > 12 or (sub == 0 and count > 0):
                raise _Invalid(f"not valid NBT (bad list header at byte {pos - 5})")
            if count * _MIN_PAYLOAD.get(sub, 0) > n - pos:
                raise _Invalid(f"not valid NBT (a list of {count} items is longer than the data)")
            if sub in _FIXED:
                pos += count * _FIXED[sub]
                tags += count
            elif count:
                stack.append([sub, count])
        else:  # compound
            stack.append(None)
        if len(stack) > MAX_NBT_DEPTH:
            raise _Invalid(f"NBT nested deeper than {MAX_NBT_DEPTH} levels")
    if pos > n:
        raise _Invalid("not valid NBT (the data is truncated)")



# --- typed tag access ---

def _get(c: Compound, key: str, kinds: tuple[type, ...] | type, what: str, where: str = "") -> Any:
    if key not in c:
        raise _Invalid(f"missing tag {where}{key}")
    value = c[key]
    if not isinstance(value, kinds):
        raise _Invalid(f"tag {where}{key} has type {type(value).__name__}, expected {what}")
    return value


def _opt(c: Compound, key: str, kinds: tuple[type, ...] | type, what: str, where: str = "") -> Any:
    return _get(c, key, kinds, what, where) if key in c else None


def _int(c: Compound, key: str, where: str = "") -> int:
    return int(_get(c, key, _INTS, "an integer", where))


def _check_dims(dims: tuple[int, int, int], what: str) -> tuple[int, int, int]:
    """Reject sizes below 1 or above the limits, before anything is allocated."""
    text = "x".join(map(str, dims))
    if min(dims) < 1:
        raise _Invalid(f"{what} {text} is not positive (each axis must be 1..{MAX_AXIS})")
    if max(dims) > MAX_AXIS:
        raise _Invalid(f"{what} {text} is too large (each axis must be 1..{MAX_AXIS})")
    if math.prod(dims) > MAX_VOLUME:
        raise _Invalid(f"{what} {text} is too large ({math.prod(dims)} blocks, limit {MAX_VOLUME})")
    return dims


def _int_triple(value: Any, what: str) -> tuple[int, int, int]:
    if len(value) != 3 or not all(isinstance(v, _INTS) for v in value):
        raise _Invalid(f"{what} must hold three integers")
    return tuple(int(v) for v in value)  # type: ignore[return-value]


def _read_metadata(holder: Compound | None, data_version: int | None) -> dict[str, Any]:
    if holder is not None and METADATA_TAG in holder:
        text = _get(holder, METADATA_TAG, String, "a string")
        try:
            meta = json.loads(str(text))
        except ValueError:
            raise _Invalid(f"tag {METADATA_TAG} is not valid JSON") from None
        if not isinstance(meta, dict):
            raise _Invalid(f"tag {METADATA_TAG} is not a JSON object")
        return meta
    return {} if data_version is None else {"data_version": data_version}



# --- palettes ---

def _vocab_from_states(states: list[str]) -> tuple[BlockVocab, np.ndarray]:
    """A file palette (in index order) -> (vocab, air first; table file index -> vocab id)."""
    try:
        canon = [canonical(s) for s in states]
    except BlockError as exc:
        raise _Invalid(f"bad block state in the palette: {exc}") from None
    order = list(dict.fromkeys([AIR] + canon))  # states that canonicalise alike merge
    index = {s: i for i, s in enumerate(order)}
    return BlockVocab(order), np.array([index[s] for s in canon], dtype=np.int64)


def _lookup(values: np.ndarray, table: np.ndarray, what: str) -> np.ndarray:
    """Map file palette indices to vocab ids; ``table`` holds -1 for unused indices."""
    bad = (values < 0) | (values >= len(table))
    if not bad.any():
        bad = table[values] < 0
    if bad.any():
        first = int(values[np.argmax(bad)])
        raise _Invalid(f"{what}: palette index {first} is not in the palette ({int((table >= 0).sum())} entries)")
    return table[values]


def _grid_dtype(vocab: BlockVocab) -> type:
    return np.int32 if len(vocab) > 32767 else np.int16


def _state_tag(state: str) -> Compound:
    """``minecraft:oak_log[axis=y]`` -> ``{Name: "minecraft:oak_log", Properties: {axis: "y"}}``."""
    name, props = parse_state(state)
    tag = Compound({"Name": String(name)})
    if props:
        tag["Properties"] = Compound({k: String(v) for k, v in props.items()})
    return tag


def _state_from_tag(tag: Any, where: str) -> str:
    if not isinstance(tag, Compound):
        raise _Invalid(f"{where} has type {type(tag).__name__}, expected a compound")
    name = str(_get(tag, "Name", String, "a string", where + "."))
    props = _opt(tag, "Properties", Compound, "a compound", where + ".") or {}
    for key, value in props.items():
        if not isinstance(value, String):
            raise _Invalid(f"{where}.Properties.{key} has type {type(value).__name__}, expected a string")
    return format_state(name, {k: str(v) for k, v in props.items()})


def _palette_list(tags: List, where: str) -> list[str]:
    if len(tags) > MAX_PALETTE:
        raise _Invalid(f"{where} has {len(tags)} entries (limit {MAX_PALETTE})")
    return [_state_from_tag(t, f"{where}[{i}]") for i, t in enumerate(tags)]

