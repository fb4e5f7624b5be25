"""The dataset folder format, and the pieces every writer shares.

A dataset is a folder::

    manifest.json        format, kind, seed, vocab hash, counts, splits, shards
    vocab.json           the block vocabulary the ids refer to (BlockVocab.to_json)
    entries.jsonl        one line per entry, in id order: id, split, size, shard, row,
                         captions, attributes
    shards/<size>-<k>.npz  per size bucket (shapes differ between buckets):
                         blocks (N, X, Y, Z) ids, origins (N, 3), ids (N,) entry ids
    import_report.json   (imports only) what happened to every file and every block state

Shards are written with fixed zip timestamps, so two builds with the same
arguments are byte-identical.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence, Union

import numpy as np

from sapling.blocks import BlockVocab
from sapling.config import HOLDOUT
from sapling.errors import DatasetError
from sapling.structure import SIZES, Structure

FORMAT = "sapling-dataset"
FORMAT_VERSION = 1
MANIFEST, VOCAB, ENTRIES, SHARDS, IMPORT_REPORT = (
    "manifest.json", "vocab.json", "entries.jsonl", "shards", "import_report.json")
DATASET_FILES = (MANIFEST, VOCAB, ENTRIES, IMPORT_REPORT)
SPLITS = ("train", "test", "all")
DEFAULT_HOLDOUT = HOLDOUT

PathLike = Union[str, os.PathLike]


def jsonable(value: Any) -> Any:
    """Attributes as plain JSON types (growers may return tuples, sets or numpy scalars)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    return value


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed timestamps, so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(info, buf.getvalue(), compresslevel=6)


def id_dtype(vocab: BlockVocab) -> np.dtype:
    return np.dtype(np.uint8 if len(vocab) <= 256 else np.int16)


class ShardWriter:
    """Buffers placed structures per size bucket and writes a shard every ``shard_size`` entries."""

    def __init__(self, root: Path, shard_size: int, dtype: np.dtype):
        self.root, self.shard_size, self.dtype = root, shard_size, dtype
        (root / SHARDS).mkdir(parents=True, exist_ok=True)
        self.buffers: dict[str, list[tuple[int, np.ndarray, tuple[int, int, int]]]] = {}
        self.written: dict[str, int] = {}
        self.shards: list[dict[str, Any]] = []

    def _name(self, size: str) -> str:
        return f"{SHARDS}/{size}-{self.written.get(size, 0):05d}.npz"

    def add(self, entry_id: int, size: str, structure: Structure) -> tuple[str, int]:
        """Queue one structure (already placed in ``size``); returns its ``(shard, row)``."""
        buf = self.buffers.setdefault(size, [])
        where = (self._name(size), len(buf))
        buf.append((entry_id, structure.blocks.astype(self.dtype), structure.origin))
        if len(buf) >= self.shard_size:
            self._flush(size)
        return where

    def _flush(self, size: str) -> None:
        buf = self.buffers.pop(size, [])
        if not buf:
            return
        name = self._name(size)
        save_npz(self.root / name, {
            "blocks": np.stack([b for _, b, _ in buf]),
            "origins": np.array([o for _, _, o in buf], dtype=np.int16),
            "ids": np.array([i for i, _, _ in buf], dtype=np.int32),
        })
        self.shards.append({"file": name, "size": size, "count": len(buf), "shape": list(buf[0][1].shape)})
        self.written[size] = self.written.get(size, 0) + 1

    def close(self) -> list[dict[str, Any]]:
        for size in list(self.buffers):
            self._flush(size)
        return sorted(self.shards, key=lambda s: s["file"])


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output that is a file, a non-empty non-dataset folder, or a dataset without overwrite."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} is a file; the dataset output must be a new or empty folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MANIFEST).exists():
            raise DatasetError(f"{out} is not empty and holds no dataset; choose a new or empty folder")
        if not overwrite:
            raise DatasetError(f"{out} already holds a dataset; choose another folder or overwrite it")


@contextmanager
def staging(out: Path, overwrite: bool) -> Iterator[Path]:
    """A scratch folder beside ``out``; on success its files replace the dataset files in ``out``.

    A failed build leaves ``out`` untouched. Only dataset files are removed from ``out``.
    """
    check_out(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
        out.mkdir(exist_ok=True)
        for name in DATASET_FILES:
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / SHARDS, ignore_errors=True)
        for item in stage.iterdir():
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def split_ids(groups: dict[str, list[int]], holdout: float, seed: int) -> set[int]:
    """Ids of the held-out split: ``round(holdout * total)`` drawn evenly across groups."""
    total = sum(len(v) for v in groups.values())
    if holdout <= 0 or total < 2:
        return set()
    want = min(max(1, round(holdout * total)), total - 1)
    pools = []
    for name in sorted(groups):
        ids = sorted(groups[name])
        random.Random(f"holdout:{seed}:{name}").shuffle(ids)
        pools.append(ids)
    chosen: set[int] = set()
    depth = 0
    while len(chosen) < want:
        for pool in pools:
            if depth < len(pool) and len(chosen) < want:
                chosen.add(pool[depth])
        depth += 1
    return chosen


def stratified_split(groups: dict[str, list[tuple[int, str]]], holdout: float, seed: int) -> set[int]:
    """Ids of the held-out split, ``holdout`` of each group (a size bucket) in proportion.

    ``groups`` maps a group to ``(id, key)`` pairs; an entry's rank inside its group
    comes from a hash of ``(seed, key)`` (its source path), so the split is stable
    across runs and adding files does not move the others. A group of one stays in
    training; the per-group counts add up to ``round(holdout * total)`` (largest
    remainders get the spare ones).
    """
    total = sum(len(v) for v in groups.values())
    if holdout <= 0 or total < 2:
        return set()
    want = round(holdout * total)
    quota = {g: holdout * len(v) for g, v in groups.items()}
    take = {g: min(int(q), max(len(groups[g]) - 1, 0)) for g, q in quota.items()}
    for g in sorted(groups, key=lambda g: (-(quota[g] - int(quota[g])), g)):
        if sum(take.values()) >= want:
            break
        if take[g] < len(groups[g]) - 1:
            take[g] += 1
    chosen: set[int] = set()
    for g, members in groups.items():
        ranked = sorted(members, key=lambda m: hashlib.sha256(f"holdout:{seed}:{m[1]}".encode()).digest())
        chosen.update(i for i, _ in ranked[:take[g]])
    return chosen


def check_sizes(sizes: Sequence[str] | None) -> list[str]:
    """Size bucket names, validated, in bucket order (smallest first); ``None`` means all."""
    if sizes is None:
        return list(SIZES)
    if isinstance(sizes, str):
        sizes = [sizes]
    bad = [s for s in sizes if s not in SIZES]
    if bad or not sizes:
        raise DatasetError(f"unknown size {', '.join(map(repr, bad)) or '(none given)'}; choose from: {', '.join(SIZES)}")
    return [s for s in SIZES if s in sizes]


def write_dataset(
    stage: Path, vocab: BlockVocab, records: list[dict[str, Any]], shards: list[dict[str, Any]],
    manifest: dict[str, Any],
) -> dict[str, Any]:
    """Write vocab, entries and manifest (shards are already written); return the manifest."""
    counts: dict[str, Counter] = {"type": Counter(), "species": Counter(), "size": Counter()}
    splits = Counter({"train": 0, "test": 0})
    for r in records:
        counts["type"][str(r["attributes"].get("type"))] += 1
        counts["species"][str(r["attributes"].get("species"))] += 1
        counts["size"][r["size"]] += 1
        splits[r["split"]] += 1
    (stage / VOCAB).write_text(vocab.to_json())
    with open(stage / ENTRIES, "w") as f:
        for r in records:
            f.write(dumps(r) + "\n")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, **manifest,
        "count": len(records), "vocab_hash": vocab.content_hash, "vocab_size": len(vocab),
        "counts": {k: dict(sorted(v.items())) for k, v in counts.items()},
        "splits": dict(splits), "sizes": {s: list(SIZES[s]) for s in sorted(counts["size"])},
        "shards": shards,
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def table(title: str, counts: dict[str, int]) -> str:
    if not counts:
        return f"{title}: none"
    width = max(len(str(k)) for k in counts)
    return "\n".join([f"{title}:"] + [f"  {str(k):<{width}}  {v}" for k, v in counts.items()])
