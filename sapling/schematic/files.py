"""Files of any format: reading, writing and in-memory bytes, the format chosen by extension.

Also the bundled examples (``example_path``). Writes are atomic: a temporary file in
the same folder, then ``os.replace``.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sapling.blocks import BlockVocab
from sapling.errors import BlockError, SchematicError, StructureError
from sapling.game_data import full_state
from sapling.postprocess import with_leaf_distance
from sapling.schematic.litematic import _read_litematic, _write_litematic
from sapling.schematic.mcstructure import BYTEORDER as MCSTRUCTURE_BYTEORDER
from sapling.schematic.mcstructure import _read_mcstructure, _write_mcstructure
from sapling.schematic.nbt import MAX_AXIS, MAX_PALETTE, MAX_VOLUME, _Invalid, _load_nbt
from sapling.schematic.sponge import _read_schem, _write_schem
from sapling.schematic.vanilla import _read_nbt, _write_nbt
from sapling.structure import Structure

FORMATS = ("schem", "nbt", "litematic", "mcstructure")
DEFAULT_FORMAT = "schem"  # what WorldEdit and most tools read

# Minecraft 1.21.4, the first version with pale oak (part of the model vocabulary).
DATA_VERSION = 4189


def read_structure(path: str | os.PathLike, format: str | None = None) -> Structure:
    """Read a ``.schem``, ``.nbt``, ``.litematic`` or ``.mcstructure`` file (format by extension unless given)."""
    path = Path(path)
    fmt = _format_of(path, format)
    try:
        return _READERS[fmt](_load_nbt(path, _BYTEORDER.get(fmt, "big")))
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


def structure_bytes(structure: Structure, format: str = DEFAULT_FORMAT, name: str = "tree") -> bytes:
    """The file content ``write_structure`` would write, in memory (for the server).

    Gzipped big-endian NBT, but ``.mcstructure``: raw little-endian NBT, as Bedrock reads it.
    """
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
    root.write(raw, byteorder=_BYTEORDER.get(format, "big"))
    return raw.getvalue() if format in _UNCOMPRESSED else gzip.compress(raw.getvalue(), mtime=0)


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



_READERS = {"schem": _read_schem, "nbt": _read_nbt, "litematic": _read_litematic, "mcstructure": _read_mcstructure}
_WRITERS = {"schem": _write_schem, "nbt": _write_nbt, "litematic": _write_litematic, "mcstructure": _write_mcstructure}
# Bedrock files: little-endian NBT, never gzipped.
_BYTEORDER = {"mcstructure": MCSTRUCTURE_BYTEORDER}
_UNCOMPRESSED = frozenset({"mcstructure"})
