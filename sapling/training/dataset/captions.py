"""Captions for imported files: from a captions table, a pack's metadata JSON, the file, its name.

Sources, in the order the importer asks them (the first that knows a file wins):

1. ``--captions FILE``: CSV ``file,caption`` (header optional), JSONL objects with
   ``file`` and ``caption``/``captions``, or a JSON list of objects naming a file
   (``file`` or ``original_file``) and a ``prompt``, ``caption(s)`` and/or ``tags``;
2. metadata JSON files found in the import folder itself (asset packs ship one: a
   list of ``{"original_file", "prompt", "tags", "size"}`` objects);
3. captions Sapling wrote into the file's own metadata;
4. the file name, with counters, copy suffixes and UUIDs stripped.

A metadata object's ``size`` (``normal``/``big``/``huge``) is kept as the bucket hint.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sapling.errors import DatasetError
from sapling.structure import SIZES
from sapling.training.dataset.format import PathLike

_UUID = re.compile(r"[-_\s]*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_COPY = re.compile(r"[\s_-]*(\(\d+\)|\bcopy\b(\s*\(?\d+\)?)?)\s*$", re.IGNORECASE)


def _uncopied(stem: str) -> str:
    """``"oak (1)"``, ``"oak - Copy"``, ``"oak copy 2"`` -> ``"oak"`` (a file manager's copy suffixes)."""
    while _COPY.search(stem):
        stem = _COPY.sub("", stem)
    return stem


def is_copy(rel: str) -> bool:
    """A file named like a copy of another (``oak (1).schem``, ``oak - Copy.schem``)."""
    stem = Path(rel).stem
    return _uncopied(stem) != stem


def caption_from_filename(name: str) -> str:
    """A caption from a file name: words kept, counters, copy suffixes and UUIDs stripped.

    ``big_tree_birch_wood_birch_leaves_fall_08_01--3de2ea13-....schem`` gives
    ``"big tree birch wood birch leaves fall"``, ``oak_tree_normal_2 (1).schem`` gives
    ``"oak tree normal"``, ``BigOak-02.nbt`` gives ``"big oak"``; a name of numbers only, ``"tree"``.
    """
    stem = Path(name).name
    for suffix in (".schem", ".schematic", ".nbt", ".litematic", ".mcstructure"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = _uncopied(_UUID.sub(" ", stem))
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)
    words = [w for w in re.sub(r"[_\-\s.]+", " ", stem).lower().split() if not w.isdigit()]
    return " ".join(words) or "tree"


# Word-list captions added to a file-name caption that names a species clearly (``captions_from_filename``).
FILENAME_WORD_CAPTIONS = ("language", None)  # a name in another language, then a biome, look or name


def captions_from_filename(name: str) -> list[str]:
    """``caption_from_filename``'s caption, and, where it names one species clearly, captions from the
    word lists as the corpus writes them (``corpus.captions.word_caption``: "Birke", "a tree from the
    birch forest"), so imported trees teach other languages and biome words too.

    Deterministic for the name: ``birch_tree_03.schem`` always gets the same captions.
    """
    import random

    from sapling.prompts import species_prior
    from sapling.training.corpus.captions import word_caption

    base = caption_from_filename(name)
    species = species_prior(base).species
    if species is None:
        return [base]
    rng = random.Random(f"filename:{base}")
    out = [base]
    for kind in FILENAME_WORD_CAPTIONS:
        text = word_caption(species, rng, kind)
        if text is not None and text not in out:
            out.append(text)
    return out


def size_from_words(text: str) -> str | None:
    """The size bucket a caption or file name names (``huge_tree_...``), if exactly one."""
    words = set(re.sub(r"[^a-z]+", " ", text.lower()).split())
    named = [s for s in SIZES if s in words]
    return named[0] if len(named) == 1 else None


@dataclass
class CaptionInfo:
    """What a captions source knows of one file."""

    captions: list[str] = field(default_factory=list)
    size: str | None = None  # a size bucket named by the source


@dataclass
class CaptionTable:
    """Captions by file key (relative path, file name or stem), plus the keys nobody used."""

    info: dict[str, CaptionInfo] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # the files the table was read from
    used: set[str] = field(default_factory=set)

    def add(self, key: str, captions: list[str], size: str | None = None) -> None:
        entry = self.info.setdefault(key.replace("\\", "/"), CaptionInfo())
        entry.captions.extend(c for c in captions if c not in entry.captions)
        entry.size = entry.size or size

    def update(self, other: "CaptionTable") -> None:
        """Add ``other``'s entries where this table knows nothing of the file."""
        for key, info in other.info.items():
            if key not in self.info:
                self.info[key] = info
        self.sources += other.sources

    def lookup(self, rel: str) -> CaptionInfo | None:
        """The entry for a file, by relative path, file name, stem, then the name of what it is a copy of."""
        p = Path(rel)
        original = _uncopied(p.stem)
        for key in (rel, p.name, p.stem, original + p.suffix, original):
            if key in self.info:
                self.used.add(key)
                return self.info[key]
        return None

    @property
    def unused(self) -> list[str]:
        return sorted(set(self.info) - self.used)


def _clean(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _object_entry(d: Any) -> tuple[str, list[str], str | None] | None:
    """``(file, captions, size)`` from one metadata object, or None if it names no file."""
    if not isinstance(d, dict):
        return None
    name = d.get("file", d.get("original_file"))
    if not isinstance(name, str) or not name.strip():
        return None
    caps = _clean(d.get("captions")) + _clean(d.get("caption")) + _clean(d.get("prompt"))
    tags = _clean(d.get("tags"))
    if tags:
        caps.append(", ".join(tags))
    size = d.get("size") if d.get("size") in SIZES else None
    return name.strip(), caps, size


def read_captions(path: PathLike) -> CaptionTable:
    """A captions table from a CSV, JSONL or JSON (list of objects) file; ``DatasetError`` if malformed."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"captions file {path} does not exist")
    table = CaptionTable(sources=[str(path)])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        start = 1 if rows and [c.strip().lower() for c in rows[0][:2]] == ["file", "caption"] else 0
        for n, row in enumerate(rows[start:], start=start + 1):
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise DatasetError(f"{path} line {n}: expected 'file,caption', got {','.join(row)!r}")
            table.add(row[0].strip(), [row[1].strip()])
    elif suffix in (".jsonl", ".json"):
        text = path.read_text(encoding="utf-8")
        if text.lstrip().startswith("["):  # one JSON list of objects (a pack's metadata export)
            try:
                items = json.loads(text)
            except ValueError as exc:
                raise DatasetError(f"{path}: not JSON ({exc})") from None
            for n, d in enumerate(items):
                entry = _object_entry(d)
                if entry is None:
                    raise DatasetError(f"{path} item {n}: expected an object naming a \"file\" or \"original_file\"")
                table.add(*entry)
        else:
            for n, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{path} line {n}: not JSON ({exc})") from None
                entry = _object_entry(d)
                if entry is None or not entry[1]:
                    raise DatasetError(
                        f"{path} line {n}: expected {{\"file\": ..., \"caption\": \"...\"}} or a \"captions\" list"
                    )
                table.add(*entry)
    else:
        raise DatasetError(f"captions file {path} must be .csv (file,caption), .jsonl or .json")
    if not table.info:
        raise DatasetError(f"captions file {path} holds no captions")
    return table


def find_metadata(src: Path) -> CaptionTable:
    """Caption tables shipped inside an import folder: ``*.json`` lists of objects naming files.

    Other JSON files (or ones that do not parse) are not metadata and are left alone.
    """
    table = CaptionTable()
    for path in sorted(src.rglob("*.json")):
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if not isinstance(items, list) or not items:
            continue
        entries = [_object_entry(d) for d in items]
        if not all(entries):
            continue
        base = path.parent.relative_to(src)
        for name, caps, size in entries:  # type: ignore[misc]
            # Names are relative to the metadata file; a bare name also matches by file name.
            key = name if base == Path(".") or "/" not in name else (base / name).as_posix()
            table.add(key, caps, size)
        table.sources.append(path.relative_to(src).as_posix())
    return table


def file_captions(metadata: dict[str, Any]) -> list[str] | None:
    """Captions a file carries itself (Sapling writes them into its metadata), if any."""
    caps = _clean(metadata.get("captions")) or _clean(metadata.get("prompt"))
    return caps or None
