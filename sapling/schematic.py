"""Schematic files: ``.schem`` (Sponge v2; reads v1-v3), vanilla ``.nbt`` and ``.litematic``.

``read_structure(path)`` and ``write_structure(structure, path)`` pick the format by
extension. A structure read from a file keeps the file's own palette (any block,
modded names too, canonicalised), so converting between formats is lossless. Writers
name every property of every block the game knows (``game_data.full_state``): a state
that leaves a property out gets the game's default written, spelled out.

Origin (the trunk base, ``Structure.origin``, in grid coordinates) per format:

* ``.schem``: WorldEdit pastes the clipboard so that the block at the minimum
  corner lands at ``player + WEOffset``; writing ``WEOffset = -origin`` therefore
  puts the trunk base at the player's feet. Reading: ``origin = -WEOffset`` (v1/v2),
  ``origin = -Offset`` (v3, same meaning); no offset -> ``(0, 0, 0)``.
* ``.litematic``: region positions are relative to the schematic origin, which
  Litematica puts at the placement position; we write one region at ``-origin``.
* ``.nbt``: vanilla has no origin; we keep ours in an extra ``SaplingOrigin`` tag
  (vanilla ignores unknown tags) and estimate the trunk base for foreign files.

``structure.metadata`` travels as a JSON string in a ``SaplingMetadata`` tag. A
foreign file yields ``{"data_version": N}`` (its Minecraft DataVersion), which a
later write keeps, so converted files are not stamped with a wrong game version.

Files are untrusted input: every size is checked before anything is allocated
and any problem raises ``SchematicError`` naming the file.

``.nbt`` files leave air out (a structure block then keeps whatever stands
around the tree); missing blocks and ``structure_void`` read as air. Block
entities and entities are ignored: trees have none.

Writing uses nbtlib directly, not mcschematic: mcschematic derives ``WEOffset``
from the bounding box of the blocks set on it (keeping the grid's full extent
means setting every air voxel, one Python call each), its ``Metadata`` holds
only its own keys (no place for ours) and it saves only to ``folder/name.schem``.
Since its file would need rewriting anyway, one vectorised nbtlib writer is
simpler. The tests use mcschematic as an independent reader and writer to check
the offset convention.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import time
import uuid
import zlib
from importlib import resources
from pathlib import Path
from typing import Any

import nbtlib
import numpy as np
from nbtlib.tag import Byte, ByteArray, Compound, Int, IntArray, List, Long, LongArray, Short, String

from sapling.blocks import AIR, BlockVocab, canonical, format_state, parse_state
from sapling.errors import BlockError, SchematicError, StructureError
from sapling.game_data import full_state
from sapling.postprocess import with_leaf_distance
from sapling.structure import Coord, Structure

FORMATS = ("schem", "nbt", "litematic")

# Minecraft 1.21.4, the first version with pale oak (part of the model vocabulary).
DATA_VERSION = 4189

# Limits on untrusted files (checked before allocating).
MAX_AXIS = 1024
MAX_VOLUME = 64 * 1024 * 1024
MAX_PALETTE = 65536
MAX_NBT_BYTES = 256 * 1024 * 1024  # file size and decompressed size
MAX_NBT_TAGS = 4_000_000  # nbtlib builds one Python object per tag
MAX_NBT_DEPTH = 64

METADATA_TAG = "SaplingMetadata"
ORIGIN_TAG = "SaplingOrigin"

_INTS = (Byte, Short, Int, Long)


class _Invalid(Exception):
    """A problem with a file's content; the public functions add the file name."""


# --- public API ---

def read_structure(path: str | os.PathLike, format: str | None = None) -> Structure:
    """Read a ``.schem``, ``.nbt`` or ``.litematic`` file (format by extension unless given)."""
    path = Path(path)
    fmt = _format_of(path, format)
    try:
        return _READERS[fmt](_load_nbt(path))
    except (_Invalid, BlockError, StructureError) as exc:
        raise SchematicError(f"{path}: {exc}") from None


def write_structure(structure: Structure, path: str | os.PathLike, format: str | None = None) -> Path:
    """Write ``structure`` to ``path`` as ``format`` (default: by extension); returns the path.

    Leaves without a ``distance`` get the vanilla one (``postprocess.with_leaf_distance``);
    then every state is written with all its properties (``game_data.full_state``: defaults
    filled in, so no reader has to know them). Only the states used are written. Parent folders are created; the file is
    replaced atomically, so a failed write leaves no partial file.
    """
    path = Path(path)
    fmt = _format_of(path, format)
    try:
        data = structure_bytes(structure, fmt, path.stem)
    except SchematicError as exc:
        raise SchematicError(f"cannot write {path}: {exc}") from None
    _write_bytes(data, path)
    return path


def structure_bytes(structure: Structure, format: str = "schem", name: str = "tree") -> bytes:
    """The gzipped file content ``write_structure`` would write, in memory (for the server)."""
    if format not in _WRITERS:
        raise SchematicError(f"unknown format {format!r}; choose one of: {', '.join(_WRITERS)}")
    # Refuse what the readers would refuse, before any work.
    shape = structure.shape
    if max(shape) > MAX_AXIS or math.prod(shape) > MAX_VOLUME:
        raise SchematicError(
            f"size {'x'.join(map(str, shape))} exceeds the limit ({MAX_AXIS} per axis, {MAX_VOLUME} blocks)"
        )
    try:
        meta = json.dumps(structure.metadata, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise SchematicError(f"metadata is not JSON-serialisable ({exc})") from None
    data_version = structure.metadata.get("data_version", DATA_VERSION)
    if not isinstance(data_version, (int, np.integer)) or isinstance(data_version, bool):
        raise SchematicError(f"metadata data_version must be an integer, got {data_version!r}")
    # Leaf distance first (computed from the tree's shape), then every other property made explicit.
    s = with_full_states(with_leaf_distance(structure).compact())
    if len(s.vocab) > MAX_PALETTE:
        raise SchematicError(f"{len(s.vocab)} distinct block states (limit {MAX_PALETTE})")
    root = _WRITERS[format](s, meta, int(data_version), name)
    raw = io.BytesIO()
    root.write(raw)
    return gzip.compress(raw.getvalue(), mtime=0)


def with_full_states(structure: Structure) -> Structure:
    """The structure over a palette of full states (``game_data.full_state``: every property named).

    Blocks the game does not know (modded names) are kept as they are; states that complete
    to the same full state merge into one palette entry (first occurrence keeps its place).
    """
    states = structure.vocab.states
    full = [full_state(s) for s in states]
    if tuple(full) == states:
        return structure
    index: dict[str, int] = {}
    table = np.array([index.setdefault(f, len(index)) for f in full], dtype=np.int32)
    return structure.with_blocks(table[structure.blocks], vocab=BlockVocab(list(index)))


def example_path(name: str = "oak") -> Path:
    """Path of a bundled example tree (``sapling/data/examples/<name>.schem``)."""
    folder = resources.files("sapling") / "data" / "examples"
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    found = sorted(n[: -len(".schem")] for n in names if n.endswith(".schem"))
    if name not in found:
        raise SchematicError(f"no bundled example {name!r}; available: {', '.join(found) or 'none'}")
    return Path(str(folder / f"{name}.schem"))


def estimate_trunk_base(structure: Structure) -> Coord:
    """Grid coordinates of the trunk base, for files that do not store one.

    As DESIGN.md defines it: the lowest log layer of the main structure; within that
    layer the log nearest the layer's centre. ``(0, 0, 0)`` when there is no log.
    """
    from sapling.metrics import main_structure  # only foreign .nbt files need it

    main = main_structure(structure)
    main_logs = main & structure.mask_of("log") if main is not None else None
    if main_logs is None or not main_logs.any():
        return (0, 0, 0)
    y = int(np.flatnonzero(main_logs.any(axis=(0, 2)))[0])
    xz = np.argwhere(main_logs[:, y, :])
    x, z = xz[np.argmin(((xz - xz.mean(axis=0)) ** 2).sum(axis=1))]
    return (int(x), y, int(z))


# --- format and file helpers ---

def _format_of(path: Path, format: str | None) -> str:
    accepted = ", ".join(FORMATS)
    if format is not None:
        fmt = str(format).lower().lstrip(".")
        if fmt not in FORMATS:
            raise SchematicError(f"unknown schematic format {format!r} for {path}; accepted: {accepted}")
        return fmt
    ext = path.suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise SchematicError(
            f"{path}: unknown schematic extension {path.suffix or '(none)'!r}; "
            f"accepted: {', '.join('.' + f for f in FORMATS)}"
        )
    return ext


def _write_bytes(data: bytes, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")  # unique: concurrent writers
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise SchematicError(f"cannot write {path}: {exc.strerror or exc}") from None


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    if isinstance(obj, (tuple, set, frozenset)):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


# --- safe NBT loading ---

# Payload sizes: fixed-size tags, array item sizes, and the smallest payload of each tag.
_FIXED = {1: 1, 2: 2, 3: 4, 4: 8, 5: 4, 6: 8}
_ARRAY_ITEM = {7: 1, 11: 4, 12: 8}
_MIN_PAYLOAD = {**_FIXED, 7: 4, 8: 2, 9: 5, 10: 1, 11: 4, 12: 4}


def _load_nbt(path: Path) -> nbtlib.File:
    """The root compound of a (gzipped or raw) NBT file, checked by ``_scan_nbt`` first."""
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
    _scan_nbt(data)
    try:
        return nbtlib.File.parse(io.BytesIO(data))
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


def _scan_nbt(data: bytes) -> None:
    """Walk the NBT byte stream without building it; raise ``_Invalid`` if it is malformed.

    nbtlib reads a truncated file as zeros and trusts list lengths, so a crafted
    list of 2**31 items would hang it or exhaust memory. After this check every
    length fits in the bytes present and parsing is linear in the file size.
    """
    n = len(data)
    if n < 3 or data[0] != 10:
        raise _Invalid("not an NBT file (no root compound tag)")
    pos = 3 + int.from_bytes(data[1:3], "big")
    stack: list[list[int] | None] = [None]  # None: inside a compound; [subtype, remaining]: a list
    tags = 0
    while stack:
        if pos > n:
            raise _Invalid("not valid NBT (the data is truncated)")
        frame = stack[-1]
        if frame is None:
            if pos + 1 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            tag = data[pos]
            pos += 1
            if tag == 0:
                stack.pop()
                continue
            if pos + 2 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            pos += 2 + int.from_bytes(data[pos:pos + 2], "big")
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
            pos += 2 + int.from_bytes(data[pos:pos + 2], "big")
        elif tag in _ARRAY_ITEM:
            if pos + 4 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            count = int.from_bytes(data[pos:pos + 4], "big", signed=True)
            if count < 0:
                raise _Invalid(f"not valid NBT (negative array length at byte {pos})")
            pos += 4 + count * _ARRAY_ITEM[tag]
        elif tag == 9:
            if pos + 5 > n:
                raise _Invalid("not valid NBT (the data is truncated)")
            sub = data[pos]
            count = int.from_bytes(data[pos + 1:pos + 5], "big", signed=True)
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


# --- palettes and block data ---

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


# --- Sponge .schem ---

def _read_schem(root: Compound) -> Structure:
    base = root["Schematic"] if isinstance(root.get("Schematic"), Compound) else root
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


# --- vanilla structure .nbt ---

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


# --- Litematica .litematic ---

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


_READERS = {"schem": _read_schem, "nbt": _read_nbt, "litematic": _read_litematic}
_WRITERS = {"schem": _write_schem, "nbt": _write_nbt, "litematic": _write_litematic}
