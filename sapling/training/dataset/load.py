"""Open a dataset folder: entries, per-bucket arrays for training, one structure at a time."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, Iterator, Literal, NamedTuple

import numpy as np

from sapling.blocks import BlockVocab
from sapling.errors import DatasetError, SaplingError
from sapling.structure import SIZES, Structure
from sapling.training.dataset.format import (
    ENTRIES, FORMAT, FORMAT_VERSION, MANIFEST, SPLITS, VOCAB, PathLike, id_dtype,
)

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
            return BucketArrays(size, np.zeros((0, *shape), dtype=id_dtype(self.vocab)),
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
