"""Dataset shards: build them from the procedural corpus or import schematics; load, export, inspect.

A dataset is a folder::

    manifest.json        format, seed, generator version, vocab hash, counts, splits, shards
    vocab.json           the block vocabulary the ids refer to (BlockVocab.to_json)
    entries.jsonl        one line per entry, in id order: id, split, size, shard, row,
                         captions, attributes
    shards/<size>-<k>.npz  per size bucket (shapes differ between buckets):
                         blocks (N, X, Y, Z) ids, origins (N, 3), ids (N,) entry ids

Shards are written with fixed zip timestamps, so two builds with the same
arguments are byte-identical. The held-out ("test") split is drawn evenly over
tree types, deterministically from the seed.

Every function here takes typed arguments and returns a small result object with a
``to_text()`` summary, so a CLI command is one call. ``progress`` is ``True`` for a
rich progress bar (on stderr), ``False`` for none, or a callable ``(done, total)``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
import time
import zipfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Iterator, Literal, NamedTuple, Sequence, Union

import numpy as np

from sapling.blocks import KIND_ID, BlockVocab, UnknownPolicy
from sapling.errors import DatasetError, SaplingError, StructureError
from sapling.progress import Progress, progress_bar
from sapling.structure import SIZES, Structure, bucket_for

FORMAT = "sapling-dataset"
FORMAT_VERSION = 1
MANIFEST, VOCAB, ENTRIES, SHARDS = "manifest.json", "vocab.json", "entries.jsonl", "shards"
SCHEMATIC_SUFFIXES = (".schem", ".nbt", ".litematic")
SPLITS = ("train", "test", "all")
# A type whose trees fit none of the requested sizes this many times in a row is dropped.
MAX_MISFITS = 8

PathLike = Union[str, os.PathLike]


# --- small helpers ---------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Attributes as plain JSON types (growers may return tuples, sets or numpy scalars)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    return value


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed timestamps, so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(info, buf.getvalue(), compresslevel=6)


def _id_dtype(vocab: BlockVocab) -> np.dtype:
    return np.dtype(np.uint8 if len(vocab) <= 256 else np.int16)


class _ShardWriter:
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
        _save_npz(self.root / name, {
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


def _check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output that is a file, a non-empty non-dataset folder, or a dataset without overwrite."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} is a file; the dataset output must be a new or empty folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MANIFEST).exists():
            raise DatasetError(f"{out} is not empty and holds no dataset; choose a new or empty folder")
        if not overwrite:
            raise DatasetError(f"{out} already holds a dataset; choose another folder or overwrite it")


@contextmanager
def _staging(out: Path, overwrite: bool) -> Iterator[Path]:
    """A scratch folder beside ``out``; on success its files replace the dataset files in ``out``.

    A failed build leaves ``out`` untouched. Only dataset files are removed from ``out``.
    """
    _check_out(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
        out.mkdir(exist_ok=True)
        for name in (MANIFEST, VOCAB, ENTRIES):
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / SHARDS, ignore_errors=True)
        for item in stage.iterdir():
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _split_ids(groups: dict[str, list[int]], holdout: float, seed: int) -> set[int]:
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


def _write_dataset(
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
            f.write(_dumps(r) + "\n")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, **manifest,
        "count": len(records), "vocab_hash": vocab.content_hash, "vocab_size": len(vocab),
        "counts": {k: dict(sorted(v.items())) for k, v in counts.items()},
        "splits": dict(splits), "sizes": {s: list(SIZES[s]) for s in sorted(counts["size"])},
        "shards": shards,
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def _table(title: str, counts: dict[str, int]) -> str:
    if not counts:
        return f"{title}: none"
    width = max(len(str(k)) for k in counts)
    return "\n".join([f"{title}:"] + [f"  {str(k):<{width}}  {v}" for k, v in counts.items()])


# --- build -----------------------------------------------------------------


@dataclass
class BuildSummary:
    """What ``build_dataset`` wrote."""

    out: Path
    count: int
    splits: dict[str, int]
    counts: dict[str, dict[str, int]]  # "type" / "species" / "size" -> name -> entries
    skipped_types: dict[str, str]  # type -> why it was dropped from the rotation
    seconds: float
    vocab_hash: str

    def to_text(self) -> str:
        lines = [
            f"Wrote {self.count} trees to {self.out} in {self.seconds:.1f} s "
            f"(train {self.splits.get('train', 0)}, test {self.splits.get('test', 0)}; "
            f"vocab {self.vocab_hash[:12]})",
            _table("per type", self.counts.get("type", {})),
            _table("per size", self.counts.get("size", {})),
        ]
        lines += [f"skipped {t}: {why}" for t, why in self.skipped_types.items()]
        return "\n".join(lines)


def _check_sizes(sizes: Sequence[str] | None) -> list[str]:
    if sizes is None:
        return list(SIZES)
    if isinstance(sizes, str):
        sizes = [sizes]
    bad = [s for s in sizes if s not in SIZES]
    if bad or not sizes:
        raise DatasetError(f"unknown size {', '.join(map(repr, bad)) or '(none given)'}; choose from: {', '.join(SIZES)}")
    return [s for s in SIZES if s in sizes]  # bucket order: smallest first


def _smallest_fit(structure: Structure, placed_in: str | None, allowed: list[str]) -> str | None:
    """The smallest allowed bucket that holds ``structure`` (already placed in ``placed_in``)."""
    if placed_in in allowed:  # generate_tree picked the smallest bucket overall
        return placed_in
    shape = structure.crop().shape
    return next((s for s in allowed if all(a <= b for a, b in zip(shape, SIZES[s]))), None)


def build_dataset(
    out: PathLike,
    count: int,
    seed: int = 0,
    types: Sequence[str] | None = None,
    sizes: Sequence[str] | None = None,
    ground: bool = True,
    holdout: float = 0.05,
    shard_size: int = 1024,
    progress: Progress = True,
    overwrite: bool = False,
    captions_per_tree: int = 4,
) -> BuildSummary:
    """Grow ``count`` corpus trees into a dataset folder ``out``; deterministic for (count, seed, ...).

    Types are drawn round-robin (all registered types by default) so every type is
    represented. Each tree goes into the smallest of ``sizes`` that holds it; a type
    whose trees fit none of them ``MAX_MISFITS`` times in a row leaves the rotation.
    ``holdout`` is the fraction of trees in the test split.
    """
    from sapling.training.corpus.captions import captions
    from sapling.training.corpus.generate import GENERATOR_VERSION, generate_tree, tree_types

    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise DatasetError(f"count must be a whole number of trees, at least 1 (got {count!r})")
    if not 0 <= holdout < 1:
        raise DatasetError(f"holdout is a fraction in [0, 1) (got {holdout!r})")
    if shard_size < 1:
        raise DatasetError(f"shard_size must be at least 1 (got {shard_size!r})")
    known = tree_types()
    if not known:
        raise DatasetError("no tree types are registered (the corpus growers are missing)")
    if isinstance(types, str):
        types = [types]
    rotation = list(known) if not types else list(dict.fromkeys(types))
    bad = [t for t in rotation if t not in known]
    if bad:
        raise DatasetError(f"unknown tree type {', '.join(map(repr, bad))}; choose from: {', '.join(known)}")
    allowed = _check_sizes(sizes)

    vocab = BlockVocab.default()
    out = Path(out)
    start = time.perf_counter()
    records: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    drawn: Counter = Counter()  # trees grown per type: the per-type seed counter
    with _staging(out, overwrite) as stage, progress_bar(progress, count, "Growing trees") as advance:
        writer = _ShardWriter(stage, shard_size, _id_dtype(vocab))
        turn = 0
        while len(records) < count:
            if not rotation:
                raise DatasetError(f"no tree type fits the sizes {', '.join(allowed)}: " + "; ".join(skipped.values()))
            tree_type = rotation[turn % len(rotation)]
            for _ in range(MAX_MISFITS):
                tree_seed = seed * 2**32 + drawn[tree_type]  # distinct per (seed, type, draw)
                drawn[tree_type] += 1
                try:
                    tree = generate_tree(tree_type, tree_seed, ground=ground, vocab=vocab)
                except StructureError:  # larger than every bucket
                    continue
                bucket = _smallest_fit(tree.structure, tree.attributes.get("size"), allowed)
                if bucket is not None:
                    break
            else:
                skipped[tree_type] = f"{MAX_MISFITS} trees in a row fit none of: {', '.join(allowed)}"
                rotation.remove(tree_type)
                continue
            turn += 1
            structure = tree.structure if tree.attributes.get("size") == bucket else tree.structure.place_in(bucket)
            attrs = _jsonable({**tree.attributes, "size": bucket})
            shard, row = writer.add(len(records), bucket, structure)
            caps = captions(attrs, random.Random(f"captions:{tree_type}:{tree_seed}"), n=captions_per_tree)
            records.append({"id": len(records), "size": bucket, "shard": shard, "row": row,
                            "captions": caps, "attributes": attrs})
            advance()
        shards = writer.close()
        groups: dict[str, list[int]] = {}
        for r in records:
            groups.setdefault(r["attributes"]["type"], []).append(r["id"])
        test = _split_ids(groups, holdout, seed)
        for r in records:
            r["split"] = "test" if r["id"] in test else "train"
        manifest = _write_dataset(stage, vocab, records, shards, {
            "kind": "corpus", "seed": seed, "generator_version": GENERATOR_VERSION, "ground": ground,
            "holdout": holdout, "types": sorted(set(rotation) | set(skipped)), "skipped_types": skipped,
            "captions_per_tree": captions_per_tree,
        })
    return BuildSummary(out, count, manifest["splits"], manifest["counts"], skipped,
                        time.perf_counter() - start, vocab.content_hash)


# --- load ------------------------------------------------------------------


class DatasetItem(NamedTuple):
    """One entry: the structure (over the dataset vocabulary), its captions and attributes."""

    structure: Structure
    captions: list[str]
    attributes: dict[str, Any]


@dataclass(frozen=True)
class Entry:
    """One line of ``entries.jsonl``."""

    id: int
    split: str
    size: str
    shard: str
    row: int
    captions: list[str]
    attributes: dict[str, Any]


@dataclass
class BucketArrays:
    """All entries of one size bucket in a split, for training.

    ``blocks`` is ``(N, X, Y, Z)`` ids, ``origins`` ``(N, 3)``, ``index`` ``(N,)`` the
    positions of these entries in the ``Dataset`` (for ``dataset.entries[i].captions``).
    """

    size: str
    blocks: np.ndarray
    origins: np.ndarray
    index: np.ndarray


def _read_manifest(root: Path) -> dict[str, Any]:
    if not root.exists():
        raise DatasetError(f"dataset folder {root} does not exist")
    if not root.is_dir() or not (root / MANIFEST).exists():
        raise DatasetError(f"{root} is not a dataset (no {MANIFEST}); build one with `sapling dataset build`")
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except ValueError as exc:
        raise DatasetError(f"{root / MANIFEST} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{root / MANIFEST} is not a Sapling dataset manifest")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise DatasetError(
            f"{root} uses dataset format {manifest['format_version']}; this Sapling reads up to {FORMAT_VERSION}"
        )
    return manifest


class Dataset:
    """A loaded dataset split: ``len``, ``ds[i] -> DatasetItem``, per-bucket numpy arrays.

    Shards are decompressed on first use and kept in memory.
    """

    def __init__(self, root: Path, manifest: dict[str, Any], vocab: BlockVocab, entries: list[Entry], split: str):
        self.root, self.manifest, self.vocab, self.entries, self.split = root, manifest, vocab, entries, split
        self._shards: dict[str, dict[str, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"Dataset({self.root}, split={self.split!r}, {len(self)} entries, sizes={self.sizes})"

    @property
    def sizes(self) -> list[str]:
        """Size buckets present in this split, smallest first."""
        present = {e.size for e in self.entries}
        return [s for s in SIZES if s in present]

    def _shard(self, name: str) -> dict[str, np.ndarray]:
        if name not in self._shards:
            path = self.root / name
            try:
                with np.load(path, allow_pickle=False) as z:
                    arrays = {k: z[k] for k in ("blocks", "origins", "ids")}
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                raise DatasetError(f"shard {path} is missing or corrupt: {exc}") from None
            if arrays["blocks"].size and int(arrays["blocks"].max()) >= len(self.vocab):
                raise DatasetError(f"shard {path} holds block ids outside its vocabulary of {len(self.vocab)}")
            self._shards[name] = arrays
        return self._shards[name]

    def __getitem__(self, i: int) -> DatasetItem:
        if not -len(self) <= i < len(self):
            raise IndexError(f"dataset index {i} out of range for {len(self)} entries")
        e = self.entries[i]
        shard = self._shard(e.shard)
        metadata = {"id": e.id, "split": e.split, "captions": list(e.captions), "attributes": dict(e.attributes)}
        structure = Structure(shard["blocks"][e.row].astype(np.int16), self.vocab,
                              tuple(shard["origins"][e.row].tolist()), metadata)
        return DatasetItem(structure, list(e.captions), dict(e.attributes))

    def __iter__(self) -> Iterator[DatasetItem]:
        for i in range(len(self)):
            yield self[i]

    def arrays(self, size: str) -> BucketArrays:
        """Every entry of bucket ``size`` in this split, stacked, in entry order."""
        if size not in SIZES:
            raise DatasetError(f"unknown size {size!r}; choose from: {', '.join(SIZES)}")
        index = [i for i, e in enumerate(self.entries) if e.size == size]
        shape = tuple(SIZES[size])
        if not index:
            return BucketArrays(size, np.zeros((0, *shape), dtype=_id_dtype(self.vocab)),
                                np.zeros((0, 3), dtype=np.int16), np.zeros(0, dtype=np.int64))
        blocks, origins = [], []
        # Within a bucket, entry order is shard order then row order: one gather per shard.
        for name, group in groupby(index, key=lambda i: self.entries[i].shard):
            rows = [self.entries[i].row for i in group]
            shard = self._shard(name)
            blocks.append(shard["blocks"][rows])
            origins.append(shard["origins"][rows])
        return BucketArrays(size, np.concatenate(blocks), np.concatenate(origins), np.array(index, dtype=np.int64))

    def iter_buckets(self) -> Iterator[BucketArrays]:
        """``arrays(size)`` for every size present, smallest first."""
        for size in self.sizes:
            yield self.arrays(size)

    def captions(self, i: int) -> list[str]:
        return list(self.entries[i].captions)


def load_dataset(
    root: PathLike, split: Literal["train", "test", "all"] = "train", vocab: BlockVocab | str | None = None,
) -> Dataset:
    """Open a dataset folder. ``vocab`` (a vocabulary or its hash) must match the dataset's.

    Raises ``DatasetError`` for a missing folder, a folder that is not a dataset, an
    unknown split or a vocabulary mismatch.
    """
    root = Path(root)
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; choose from: {', '.join(SPLITS)}")
    manifest = _read_manifest(root)
    try:
        stored = BlockVocab.from_json((root / VOCAB).read_text())
    except (OSError, SaplingError) as exc:
        raise DatasetError(f"{root / VOCAB} is missing or invalid: {exc}") from None
    if stored.content_hash != manifest.get("vocab_hash"):
        raise DatasetError(f"{root / VOCAB} does not match the vocab hash in {MANIFEST} (the folder was edited)")
    if vocab is not None:
        want = vocab if isinstance(vocab, str) else vocab.content_hash
        if want != stored.content_hash:
            raise DatasetError(
                f"dataset {root} was built with vocabulary {stored.content_hash[:12]} ({len(stored)} states), "
                f"but vocabulary {want[:12]} was asked for; rebuild the dataset for this model or use the "
                "model it was built for"
            )
    entries = []
    try:
        with open(root / ENTRIES) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    entries.append(Entry(int(d["id"]), d["split"], d["size"], d["shard"], int(d["row"]),
                                         list(d["captions"]), dict(d["attributes"])))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{root / ENTRIES} is missing or malformed: {exc}") from None
    if split != "all":
        entries = [e for e in entries if e.split == split]
    return Dataset(root, manifest, stored, entries, split)


# --- import ----------------------------------------------------------------


def caption_from_filename(name: str) -> str:
    """``"tall_birch_3.schem"`` -> ``"tall birch"``; ``"BigOak-02.nbt"`` -> ``"big oak"``; else ``"tree"``."""
    stem = Path(name).name.split(".")[0]
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)
    words = re.sub(r"[_\-\s]+", " ", stem).lower().split()
    while words and words[-1].isdigit():
        words.pop()
    return " ".join(words) or "tree"


def read_captions(path: PathLike) -> dict[str, list[str]]:
    """Captions per file from a CSV (``file,caption``; header optional) or JSONL file.

    JSONL lines are objects with ``file`` and ``caption`` (a string) or ``captions``
    (a list). A file may appear on several lines: its captions accumulate.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"captions file {path} does not exist")
    out: dict[str, list[str]] = {}
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        start = 0
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["file", "caption"]:
            start = 1
        for n, row in enumerate(rows[start:], start=start + 1):
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise DatasetError(f"{path} line {n}: expected 'file,caption', got {','.join(row)!r}")
            out.setdefault(row[0].strip(), []).append(row[1].strip())
    elif suffix in (".jsonl", ".json"):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{path} line {n}: not JSON ({exc})") from None
                caps = d.get("captions", [d.get("caption")]) if isinstance(d, dict) else None
                if (not isinstance(d, dict) or not isinstance(d.get("file"), str) or not isinstance(caps, list)
                        or not caps or not all(isinstance(c, str) and c.strip() for c in caps)):
                    raise DatasetError(
                        f"{path} line {n}: expected {{\"file\": ..., \"caption\": \"...\"}} or a \"captions\" list"
                    )
                out.setdefault(d["file"], []).extend(c.strip() for c in caps)
    else:
        raise DatasetError(f"captions file {path} must be .csv (file,caption) or .jsonl")
    if not out:
        raise DatasetError(f"captions file {path} holds no captions")
    return out


def _trunk_base(structure: Structure) -> tuple[int, int, int]:
    """The file's origin if it sits on a log, else the estimated trunk base (DESIGN.md's definition).

    Hand-built files often keep the origin where the player stood (beside the tree,
    on the ground); the corpus convention is the base of the trunk.
    """
    from sapling.schematic import estimate_trunk_base

    o = structure.origin
    if all(0 <= c < s for c, s in zip(o, structure.shape)) and structure.vocab.kind(int(structure.blocks[o])) == "log":
        return o
    if not structure.mask_of("log").any():
        return o
    return estimate_trunk_base(structure)


def structure_attributes(structure: Structure) -> dict[str, Any]:
    """Measured attributes of any structure: species (most common log/leaf species), height, width, leaves."""
    kinds = structure.kinds()
    species = Counter(structure.vocab.species[i] for i in structure.blocks[(kinds == KIND_ID["log"]) | (kinds == KIND_ID["leaves"])].tolist())
    species.pop(None, None)
    nz = np.argwhere(kinds > 0)
    return {
        "species": species.most_common(1)[0][0] if species else None,
        "height": int(nz[:, 1].max() - structure.origin[1] + 1) if len(nz) else 0,
        "width": int(max(np.ptp(nz[:, 0]), np.ptp(nz[:, 2])) + 1) if len(nz) else 0,
        "leaf_count": int(np.count_nonzero(kinds == KIND_ID["leaves"])),
        "log_count": int(np.count_nonzero(kinds == KIND_ID["log"])),
    }


@dataclass
class ImportSummary:
    """What ``import_dataset`` did, file by file where something went wrong."""

    out: Path
    imported: int
    splits: dict[str, int]
    sizes: dict[str, int]
    unknown_blocks: dict[str, int]  # blocks mapped to air (policy "air"), counted per block
    bad_files: list[tuple[str, str]]  # (file, why it could not be read)
    refused: list[tuple[str, str]]  # (file, why it was refused: unknown blocks, empty)
    oversized: list[tuple[str, tuple[int, int, int]]]  # (file, its cropped shape)
    named_from_file: int  # entries captioned from their file name
    unmatched_captions: list[str] = field(default_factory=list)  # captions file rows naming no file

    def to_text(self) -> str:
        lines = [f"Imported {self.imported} structures into {self.out} "
                 f"(train {self.splits.get('train', 0)}, test {self.splits.get('test', 0)}; "
                 f"{self.named_from_file} captioned from file names)",
                 _table("per size", self.sizes)]
        if self.unknown_blocks:
            lines.append(_table("blocks mapped to air", self.unknown_blocks))
        lines += [f"unreadable {f}: {why}" for f, why in self.bad_files]
        lines += [f"refused {f}: {why}" for f, why in self.refused]
        lines += [f"too large {f}: {'x'.join(map(str, shape))} fits no size bucket" for f, shape in self.oversized]
        if self.unmatched_captions:
            lines.append(f"captions naming no file: {', '.join(self.unmatched_captions[:10])}"
                         + (" ..." if len(self.unmatched_captions) > 10 else ""))
        return "\n".join(lines)


def _match_captions(rel: str, table: dict[str, list[str]], used: set[str]) -> list[str] | None:
    """Captions for a file by relative path, then file name, then stem."""
    p = Path(rel)
    for key in (rel, p.name, p.stem):
        if key in table:
            used.add(key)
            return table[key]
    return None


def _file_captions(metadata: dict[str, Any]) -> list[str] | None:
    """Captions a file carries itself (Sapling writes them into its metadata), if any."""
    caps = metadata.get("captions")
    if isinstance(caps, list) and caps and all(isinstance(c, str) and c.strip() for c in caps):
        return [c.strip() for c in caps]
    prompt = metadata.get("prompt")
    return [prompt.strip()] if isinstance(prompt, str) and prompt.strip() else None


def import_dataset(
    src: PathLike,
    out: PathLike,
    captions: PathLike | None = None,
    unknown: UnknownPolicy = "air",
    size: str | None = None,
    holdout: float = 0.0,
    seed: int = 0,
    shard_size: int = 1024,
    progress: Progress = True,
    overwrite: bool = False,
) -> ImportSummary:
    """Import every .schem/.nbt/.litematic under ``src`` into a dataset at ``out``.

    Captions come from ``captions`` (CSV or JSONL keyed by relative path, file name or
    stem), else from the file's own metadata (captions or prompt Sapling wrote), else
    from the file name. A file's origin is kept when it sits on a log; otherwise the
    trunk base is estimated (``schematic.estimate_trunk_base``). Blocks outside the model vocabulary become air
    (``unknown="air"``, counted) or refuse the file (``"error"``). Unreadable files,
    refused files and files too large for ``size`` (default: any bucket) are listed
    in the summary and skipped. Raises ``DatasetError`` only for bad arguments or
    when nothing at all could be imported.
    """
    from sapling.schematic import read_structure

    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise DatasetError(f"import source {src} is not a folder")
    if unknown not in ("air", "error"):
        raise DatasetError(f"unknown-block policy must be 'air' or 'error' (got {unknown!r})")
    if size is not None:
        _check_sizes([size])
    if not 0 <= holdout < 1:
        raise DatasetError(f"holdout is a fraction in [0, 1) (got {holdout!r})")
    table = read_captions(captions) if captions is not None else {}
    files = sorted((p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in SCHEMATIC_SUFFIXES),
                   key=lambda p: p.relative_to(src).as_posix())
    if not files:
        raise DatasetError(f"no {'/'.join(SCHEMATIC_SUFFIXES)} files under {src}")

    vocab = BlockVocab.default()
    unknown_blocks: Counter = Counter()
    bad, refused, oversized = [], [], []
    used: set[str] = set()
    records: list[dict[str, Any]] = []
    named = 0
    with _staging(out, overwrite) as stage, progress_bar(progress, len(files), "Importing") as advance:
        writer = _ShardWriter(stage, shard_size, _id_dtype(vocab))
        for path in files:
            advance()
            rel = path.relative_to(src).as_posix()
            try:
                structure = read_structure(path)
            except Exception as exc:  # noqa: BLE001 -- a broken file must never stop an import
                bad.append((rel, str(exc) if isinstance(exc, SaplingError) else f"{type(exc).__name__}: {exc}"))
                continue
            mapped, report = structure.remap(vocab, unknown="air")
            # Structure voids mean "no block here" in structure files: air, not an unknown block.
            missing = {k: v for k, v in report.unknown.items() if not k.startswith("minecraft:structure_void")}
            if missing and unknown == "error":
                listed = ", ".join(f"{k} x{v}" for k, v in sorted(missing.items(), key=lambda kv: -kv[1]))
                refused.append((rel, f"blocks outside the model vocabulary: {listed}"))
                continue
            mapped = mapped.with_blocks(mapped.blocks, origin=_trunk_base(mapped)).crop()
            if mapped.num_blocks == 0:
                refused.append((rel, "no blocks left after mapping to the model vocabulary"))
                continue
            bucket = size if size is not None else bucket_for(mapped.shape)
            if bucket is None or any(a > b for a, b in zip(mapped.shape, SIZES[bucket])):
                oversized.append((rel, mapped.shape))
                continue
            unknown_blocks.update(missing)
            placed = mapped.place_in(bucket)
            caps = _match_captions(rel, table, used) or _file_captions(structure.metadata)
            if caps is None:
                caps = [caption_from_filename(rel)]
                named += 1
            attrs = {"type": "imported", "source": rel, "size": bucket, **structure_attributes(placed)}
            shard, row = writer.add(len(records), bucket, placed)
            records.append({"id": len(records), "size": bucket, "shard": shard, "row": row,
                            "captions": list(caps), "attributes": attrs})
        if not records:
            problems = [f"{f}: {w}" for f, w in bad + refused] + [f"{f}: too large" for f, _ in oversized]
            raise DatasetError(f"nothing could be imported from {src}: " + "; ".join(problems[:5]))
        shards = writer.close()
        test = _split_ids({"all": [r["id"] for r in records]}, holdout, seed)
        for r in records:
            r["split"] = "test" if r["id"] in test else "train"
        manifest = _write_dataset(stage, vocab, records, shards, {
            "kind": "import", "source": src.name, "seed": seed, "holdout": holdout, "unknown": unknown,
            "unknown_blocks": dict(sorted(unknown_blocks.items())),
        })
    return ImportSummary(out, len(records), manifest["splits"], manifest["counts"]["size"],
                         dict(unknown_blocks.most_common()), bad, refused, oversized, named,
                         sorted(set(table) - used))


# --- export ----------------------------------------------------------------

EXPORT_FORMATS = ("schem", "nbt", "litematic")


def export_dataset(
    root: PathLike,
    out: PathLike,
    limit: int | None = None,
    format: str = "schem",
    split: Literal["train", "test", "all"] = "all",
    progress: Progress = True,
) -> int:
    """Write dataset entries as schematic files plus ``captions.jsonl``; returns how many.

    Files are named ``<id>_<type>.<format>``, cropped to their blocks with the trunk
    base as origin; ``captions.jsonl`` (file, captions, attributes) re-imports as is.
    """
    from sapling.schematic import write_structure

    if format not in EXPORT_FORMATS:
        raise DatasetError(f"unknown export format {format!r}; choose from: {', '.join(EXPORT_FORMATS)}")
    if limit is not None and limit < 1:
        raise DatasetError(f"limit must be at least 1 (got {limit!r})")
    dataset = load_dataset(root, split)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} is a file; export needs a folder")
    if (out / "captions.jsonl").exists():
        raise DatasetError(f"{out} already holds an export (captions.jsonl); choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    n = len(dataset) if limit is None else min(limit, len(dataset))
    with open(out / "captions.jsonl", "w") as f, progress_bar(progress, n, "Exporting") as advance:
        for i in range(n):
            item = dataset[i]
            entry = dataset.entries[i]
            kind = re.sub(r"[^a-z0-9_]+", "_", str(item.attributes.get("type") or "tree").lower())
            name = f"{entry.id:06d}_{kind}.{format}"
            structure = item.structure.crop()
            structure.metadata = {"captions": item.captions, "attributes": item.attributes}
            write_structure(structure, out / name)
            f.write(_dumps({"file": name, "captions": item.captions, "attributes": item.attributes}) + "\n")
            advance()
    return n


# --- stats -----------------------------------------------------------------


@dataclass
class Stats:
    """Counts of a dataset: per split, type, species, size; heights; blocks (air excluded)."""

    root: Path
    count: int
    splits: dict[str, int]
    types: dict[str, int]
    species: dict[str, int]
    sizes: dict[str, int]
    heights: dict[int, int]  # height in blocks -> entries
    blocks: dict[str, int]  # block state -> count over all entries, most frequent first
    vocab_hash: str

    def to_text(self, top_blocks: int = 15) -> str:
        width = max(self.heights.values(), default=0)
        bar = (lambda v: "#" * max(1, round(30 * v / width))) if width else (lambda v: "")
        lines = [
            f"{self.root}: {self.count} entries (train {self.splits.get('train', 0)}, "
            f"test {self.splits.get('test', 0)}; vocab {self.vocab_hash[:12]})",
            _table("per type", self.types), _table("per species", self.species), _table("per size", self.sizes),
            "height histogram:",
        ]
        lines += [f"  {h:>3}  {v:>6}  {bar(v)}" for h, v in self.heights.items()]
        lines.append(_table(f"top {top_blocks} blocks", dict(list(self.blocks.items())[:top_blocks])))
        return "\n".join(lines)

    def preview(self, path: PathLike, n: int = 16) -> Path:
        """A picture grid of ``n`` entries drawn evenly over types, via ``render.save_preview``."""
        from sapling.render import save_preview

        dataset = load_dataset(self.root, "all")
        by_type: dict[str, list[int]] = {}
        for i, e in enumerate(dataset.entries):
            by_type.setdefault(str(e.attributes.get("type")), []).append(i)
        picks: list[int] = []
        depth = 0
        while len(picks) < min(n, len(dataset)):
            for ids in by_type.values():
                if depth < len(ids) and len(picks) < n:
                    picks.append(ids[depth])
            depth += 1
        items = [dataset[i] for i in sorted(picks)]
        return save_preview([it.structure for it in items], path, captions=[it.captions[0] for it in items])


def dataset_stats(root: PathLike) -> Stats:
    """Count what a dataset holds (reads every shard once)."""
    dataset = load_dataset(root, "all")
    manifest = dataset.manifest
    block_counts = np.zeros(len(dataset.vocab), dtype=np.int64)
    for shard in manifest.get("shards", []):
        block_counts += np.bincount(dataset._shard(shard["file"])["blocks"].ravel(), minlength=len(dataset.vocab))
    blocks = {dataset.vocab.states[i]: int(block_counts[i]) for i in np.argsort(-block_counts, kind="stable")
              if i != 0 and block_counts[i] > 0}
    heights = Counter(int(e.attributes.get("height") or 0) for e in dataset.entries)
    counts = manifest.get("counts", {})
    return Stats(Path(root), len(dataset), dict(manifest.get("splits", {})), dict(counts.get("type", {})),
                 dict(counts.get("species", {})), dict(counts.get("size", {})), dict(sorted(heights.items())),
                 blocks, dataset.vocab.content_hash)


__all__ = [
    "BucketArrays", "BuildSummary", "Dataset", "DatasetItem", "Entry", "ImportSummary", "Stats",
    "build_dataset", "caption_from_filename", "dataset_stats", "export_dataset", "import_dataset",
    "load_dataset", "read_captions", "structure_attributes",
]
