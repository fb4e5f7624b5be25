"""``sapling dataset import``: a folder of your own schematics -> a dataset, nothing lost silently.

The import reads top to bottom:

1. **list** every ``.schem``/``.schematic``/``.nbt``/``.litematic``/``.mcstructure`` file under
   the folder (``.schematic``: Sponge data under the old name; ``.mcstructure``: Bedrock,
   its blocks translated to Java states by the reader);
2. **read** each file (``read_file``): palette states to data states with the game's
   defaults (``vocab.data_state``), markers to air, a marker frame recognised, the
   content cropped, its base found (trunk base for trees, centre of the lowest layer
   otherwise); unreadable, empty, marker-only files are noted with the reason;
3. **dedupe**: of files with the same content one is kept (an original over a copy);
4. **bucket**: the size a captions source or the file name names (``huge_...``), else
   the frame's, else the smallest that fits; larger than every bucket is reported;
5. **vocabulary** (``vocab.plan_vocab``): the data's own states with counts, rare
   ones merged, or a fixed vocabulary (``tree``, a ``vocab.json``);
6. **write** shards, entries with captions and measured attributes, a held-out split
   stratified by size, and ``import_report.json`` (every file, every state).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from sapling.blocks import KIND_ID, KINDS, BlockVocab
from sapling.errors import DatasetError, SaplingError
from sapling.progress import Progress, progress_bar
from sapling.structure import SIZES, Structure
from sapling.training.dataset.captions import (
    CaptionTable, captions_from_filename, file_captions, find_metadata, is_copy, read_captions, size_from_words,
)
from sapling.training.dataset.format import (
    DEFAULT_HOLDOUT, IMPORT_REPORT, PathLike, ShardWriter, check_sizes, id_dtype, jsonable, staging,
    stratified_split, table, write_dataset,
)
from sapling.training.dataset.vocab import (
    DEFAULT_MIN_COUNT, FRAME_MARKERS, StateFate, VocabPlan, data_state, fate_counts, merge_group, plan_vocab,
)

# Suffix -> the ``sapling.schematic`` format that reads it. ``.schematic`` is the name older
# tools give Sponge files; the reader only knows formats by their own suffix, so it is told.
SCHEMATIC_FORMATS = {".schem": "schem", ".schematic": "schem", ".nbt": "nbt", ".litematic": "litematic",
                     ".mcstructure": "mcstructure"}
SCHEMATIC_SUFFIXES = tuple(SCHEMATIC_FORMATS)
# Below this many files the process pool costs more than it saves.
_POOL_MIN_FILES = 64


# --- 2. read one file ---------------------------------------------------------


@dataclass
class FileContent:
    """One file's content, cropped: ``grid`` ``(X, Y, Z)`` indexes ``states`` (0 = air)."""

    states: list[str]  # data states, local palette
    grid: np.ndarray
    origin: tuple[int, int, int]  # the base (trunk base or lowest layer's centre), in grid coordinates
    frame: str | None  # the bucket a marker frame around the content has the size of
    markers: dict[str, int]
    unknown: dict[str, int]  # blocks the game does not know -> count (kept)
    problems: dict[str, int]  # invalid values fixed on the way -> blocks
    metadata: dict[str, Any]


@dataclass
class FileSkip:
    """Why a file gave nothing to import."""

    status: str  # "unreadable", "empty", "markers only"
    why: str
    markers: dict[str, int] = field(default_factory=dict)


def _frame_bucket(grid: np.ndarray, frame_ids: list[int]) -> str | None:
    """The bucket whose size the box around the frame markers has, if any."""
    if not frame_ids:
        return None
    pos = np.argwhere(np.isin(grid, frame_ids))
    dims = tuple((pos.max(axis=0) - pos.min(axis=0) + 1).tolist())
    return next((s for s, d in SIZES.items() if tuple(d) == dims), None)


def _base(structure: Structure, file_origin: tuple[int, int, int]) -> tuple[int, int, int]:
    """Where a structure stands: its trunk base if it has logs, else the centre of its lowest layer.

    A file's own origin is kept when it already is a trunk base (a log in the main
    structure's lowest log layer), as Sapling's own files store it; WorldEdit files keep
    the spot the player stood on, which is estimated away.
    """
    from sapling.metrics import estimate_trunk_base, main_structure

    logs = structure.mask_of("log")
    if logs.any():
        x, y, z = file_origin
        if all(0 <= c < s for c, s in zip(file_origin, structure.shape)) and logs[x, y, z]:
            main = main_structure(structure)
            main_logs = main & logs if main is not None else logs
            if main_logs[x, y, z] and not main_logs[:, :y, :].any():
                return file_origin
        return estimate_trunk_base(structure)
    xz = np.argwhere(structure.blocks[:, 0, :] != 0)
    lo, hi = xz.min(axis=0), xz.max(axis=0)
    return (int((lo[0] + hi[0]) // 2), 0, int((lo[1] + hi[1]) // 2))


def read_file(path: Path) -> FileContent | FileSkip:
    """Read one schematic for import; never raises for a bad file (returns ``FileSkip``)."""
    from sapling.schematic import read_structure

    try:
        if path.stat().st_size == 0:
            return FileSkip("empty", "the file is empty (0 bytes)")
        raw = read_structure(path, SCHEMATIC_FORMATS.get(path.suffix.lower()))
    except Exception as exc:  # noqa: BLE001 -- a broken file must never stop an import
        why = str(exc) if isinstance(exc, SaplingError) else f"{type(exc).__name__}: {exc}"
        return FileSkip("unreadable", why.removeprefix(f"{path}: "))
    try:
        checks = [data_state(s) for s in raw.vocab.states]
    except SaplingError as exc:
        return FileSkip("unreadable", f"bad block state: {exc}")
    used, n = np.unique(raw.blocks, return_counts=True)
    per_state = dict(zip(used.tolist(), n.tolist()))
    markers: Counter = Counter()
    unknown: Counter = Counter()
    problems: Counter = Counter()
    for i, c in per_state.items():
        check = checks[i]
        if check.marker is not None:
            if check.marker != "minecraft:air":
                markers[check.marker] += c
        else:
            if not check.known:
                unknown[check.state] += c
            for p in check.problems:
                problems[p] += c
    # The file's palette -> a local palette of data states (states equal after defaults merge).
    local: dict[str, int] = {"minecraft:air": 0}
    table_ = np.zeros(len(checks), dtype=np.uint16)
    for i, check in enumerate(checks):
        table_[i] = 0 if check.marker is not None else local.setdefault(check.state, len(local))
    frame_ids = [i for i in per_state if checks[i].marker in FRAME_MARKERS]
    frame = _frame_bucket(raw.blocks, frame_ids)
    grid = table_[raw.blocks]
    states = list(local)
    if not grid.any():
        if markers:
            return FileSkip("markers only", f"only markers ({', '.join(f'{k} x{v}' for k, v in markers.items())})",
                            dict(markers))
        return FileSkip("empty", "no blocks (all air)")
    s = Structure(grid, BlockVocab(states), raw.origin).crop()
    origin = _base(s, s.origin)
    return FileContent(states, s.blocks.astype(np.uint16), origin, frame, dict(markers), dict(unknown),
                       dict(problems), raw.metadata)


def _read_all(paths: list[Path], workers: int) -> Iterator[FileContent | FileSkip]:
    """``read_file`` over ``paths`` in order, in a process pool when it pays."""
    if workers <= 1 or len(paths) < _POOL_MIN_FILES:
        yield from map(read_file, paths)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(read_file, paths, chunksize=16)


# --- the summary --------------------------------------------------------------


@dataclass
class FileOutcome:
    """One file's line in the report."""

    file: str
    status: str  # "imported", "unreadable", "empty", "markers only", "duplicate", "too large"
    detail: str = ""
    size: str | None = None


@dataclass
class ImportSummary:
    """What ``import_dataset`` did: per file, per block state, per bucket."""

    out: Path
    imported: int
    splits: dict[str, int]
    sizes: dict[str, int]
    types: dict[str, int]
    files: list[FileOutcome]
    states: list[StateFate]  # every data state met, with its fate
    markers: dict[str, int]  # marker block -> count (air in the dataset)
    unknown_to_game: dict[str, int]  # kept, but the game does not know them
    fixed_states: dict[str, int]  # invalid values replaced by the default -> blocks
    vocab_mode: str
    vocab_size: int
    captions_from: dict[str, int]  # caption source -> entries
    caption_sources: list[str]
    unmatched_captions: list[str]
    seconds: float

    def by_status(self, status: str) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]

    @property
    def blocks(self) -> dict[str, int]:
        """Blocks per fate over the imported files: kept, merged, dropped (markers apart)."""
        return fate_counts(self.states)

    def to_text(self, limit: int = 20) -> str:
        status = Counter(f.status for f in self.files)
        b = self.blocks
        total = sum(b.values()) or 1
        lines = [
            f"Imported {self.imported} of {len(self.files)} files into {self.out} in {self.seconds:.1f} s "
            f"(train {self.splits.get('train', 0)}, test {self.splits.get('test', 0)}); "
            + ", ".join(f"{k} {v}" for k, v in status.items() if k != "imported"),
            table("per size", self.sizes),
            table("per type", self.types),
            f"vocabulary ({self.vocab_mode}): {self.vocab_size} states; blocks kept {b['kept']} "
            f"({100 * b['kept'] / total:.2f}%), merged {b['merged']} ({100 * b['merged'] / total:.2f}%), "
            f"dropped {b['dropped']} ({100 * b['dropped'] / total:.2f}%); markers {sum(self.markers.values())}",
            table("captions from", self.captions_from),
        ]
        merged = [f for f in self.states if f.fate == "merged"]
        dropped = [f for f in self.states if f.fate == "dropped"]
        for title, fates in (("merged", merged), ("dropped", dropped)):
            if fates:
                lines.append(f"{title} states ({len(fates)}):")
                lines += [f"  {f.state} x{f.count}" + (f" -> {f.into}" if f.into else "") + f"  ({f.why})"
                          for f in fates[:limit]]
                if len(fates) > limit:
                    lines.append(f"  ... {len(fates) - limit} more in {IMPORT_REPORT}")
        if self.markers:
            lines.append("markers (air in the dataset): " + ", ".join(f"{k} x{v}" for k, v in self.markers.items()))
        if self.unknown_to_game:
            lines.append("blocks unknown to the game (kept): "
                         + ", ".join(f"{k} x{v}" for k, v in list(self.unknown_to_game.items())[:limit]))
        if self.fixed_states:
            lines.append("invalid states fixed: " + "; ".join(f"{k} (x{v})" for k, v in list(self.fixed_states.items())[:limit]))
        skipped = [f for f in self.files if f.status != "imported"]
        for f in skipped[:limit]:
            lines.append(f"{f.status}: {f.file}: {f.detail}")
        if len(skipped) > limit:
            lines.append(f"... {len(skipped) - limit} more skipped files in {IMPORT_REPORT}")
        if self.unmatched_captions:
            lines.append(f"captions naming no file: {', '.join(self.unmatched_captions[:10])}"
                         + (" ..." if len(self.unmatched_captions) > 10 else ""))
        return "\n".join(lines)

    def report(self) -> dict[str, Any]:
        """The JSON document written as ``import_report.json``."""
        d = asdict(self)
        d["out"] = str(self.out)
        d["blocks"] = self.blocks
        return jsonable(d)


# --- 4. bucket -------------------------------------------------------------------


def _fits(shape: Sequence[int], size: str) -> bool:
    return all(a <= b for a, b in zip(shape, SIZES[size]))


def choose_bucket(shape: Sequence[int], named: str | None, frame: str | None,
                  allowed: list[str]) -> tuple[str | None, str]:
    """``(bucket, note)``: the named size, else the frame's, else the smallest allowed fit.

    A named or framed size the content does not fit gives way to the smallest fit
    (the note says so); ``None`` when nothing allowed holds it.
    """
    note = ""
    for wish, source in ((named, "named"), (frame, "framed")):
        if wish is None or wish not in allowed:
            continue
        if _fits(shape, wish):
            return wish, ""
        note = f"{source} {wish} but {'x'.join(map(str, shape))} does not fit it"
    fit = next((s for s in allowed if _fits(shape, s)), None)
    return fit, note


# --- attributes -----------------------------------------------------------------


def structure_attributes(structure: Structure) -> dict[str, Any]:
    """Measured attributes of any structure: type, species, height, width, block counts by kind."""
    kinds = structure.kinds()
    per_kind = {k: int(np.count_nonzero(kinds == KIND_ID[k])) for k in KINDS[1:]}
    structural = (kinds == KIND_ID["log"]) | (kinds == KIND_ID["leaves"])
    species = Counter(structure.vocab.species[i] for i in structure.blocks[structural].tolist())
    species.pop(None, None)
    nz = np.argwhere(kinds > 0)
    height = int(nz[:, 1].max() - structure.origin[1] + 1) if len(nz) else 0
    return {
        "type": _structure_type(structure, per_kind, height),
        "species": species.most_common(1)[0][0] if species else None,
        "height": height,
        "width": int(max(np.ptp(nz[:, 0]), np.ptp(nz[:, 2])) + 1) if len(nz) else 0,
        "blocks": int(len(nz)),
        "kinds": {k: v for k, v in per_kind.items() if v},
        "leaf_count": per_kind["leaves"],
        "log_count": per_kind["log"],
    }


def _structure_type(structure: Structure, per_kind: dict[str, int], height: int) -> str:
    """tree, bush, mushroom, plant, rock or other, from the blocks alone."""
    if per_kind["log"] and per_kind["leaves"]:
        return "tree" if height >= 4 and per_kind["log"] >= 3 else "bush"
    if per_kind["leaves"]:
        return "bush"
    ids, n = np.unique(structure.blocks[structure.blocks != 0], return_counts=True)
    families: Counter = Counter()
    for i, c in zip(ids.tolist(), n.tolist()):
        state = structure.vocab.states[i]
        if structure.vocab.kind(i) == "ground":  # what it stands on does not say what it is
            continue
        family = "mushroom" if "mushroom" in state else merge_group(state)[2]
        families[family] += c
    top = families.most_common(1)[0][0] if families else ""
    if top == "mushroom":
        return "mushroom"
    material, shape, _ = top.rsplit("/", 2) if top.count("/") >= 2 else (top, "", "")  # merge_group's family
    if "plant" in material or shape == "empty" and "pickaxe" not in material:
        return "plant"
    if material == "mineable/pickaxe":
        return "rock"
    return "other"


# --- the import ----------------------------------------------------------------


def _target_vocab(vocab: str | PathLike) -> tuple[str, BlockVocab | None]:
    """``("data", None)``, ``("tree", the model vocabulary)`` or ``(file, its vocabulary)``."""
    if str(vocab) == "data":
        return "data", None
    if str(vocab) == "tree":
        return "tree", BlockVocab.default()
    path = Path(vocab)
    if not path.is_file():
        raise DatasetError(f"--vocab must be 'data', 'tree' or a vocab.json file; {path} is none of them")
    try:
        return str(path), BlockVocab.from_json(path.read_text(encoding="utf-8"))
    except (OSError, SaplingError) as exc:
        raise DatasetError(f"{path} is not a vocabulary file: {exc}") from None


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def import_dataset(
    src: PathLike,
    out: PathLike,
    captions: PathLike | None = None,
    vocab: str | PathLike = "data",
    min_count: int = DEFAULT_MIN_COUNT,
    size: str | None = None,
    holdout: float = DEFAULT_HOLDOUT,
    seed: int = 0,
    shard_size: int = 1024,
    workers: int | None = None,
    progress: Progress = True,
    overwrite: bool = False,
) -> ImportSummary:
    """Import every schematic under ``src`` into a dataset at ``out`` (see the module docstring).

    ``vocab`` is ``"data"`` (the files' own states, rarer than ``min_count`` merged),
    ``"tree"`` (the shipped model's vocabulary) or a ``vocab.json`` path. ``size`` puts
    every structure into one bucket. Raises ``DatasetError`` only for bad arguments or
    when no file at all could be imported; a bad file is listed and skipped.
    """
    start = time.perf_counter()
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise DatasetError(f"import source {src} is not a folder")
    mode, target = _target_vocab(vocab)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise DatasetError(f"min-count must be a whole number, at least 1 (got {min_count!r})")
    allowed = check_sizes([size]) if size is not None else list(SIZES)
    if not 0 <= holdout < 1:
        raise DatasetError(f"holdout is a fraction in [0, 1) (got {holdout!r})")
    if shard_size < 1:
        raise DatasetError(f"shard_size must be at least 1 (got {shard_size!r})")
    names = read_captions(captions) if captions is not None else CaptionTable()
    names.update(find_metadata(src))

    # 1. list
    paths = sorted((p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in SCHEMATIC_SUFFIXES),
                   key=lambda p: p.relative_to(src).as_posix())
    if not paths:
        raise DatasetError(f"no {'/'.join(SCHEMATIC_SUFFIXES)} files under {src}")

    # 2. read: contents over global data-state ids
    global_ids: dict[str, int] = {"minecraft:air": 0}
    outcomes: dict[str, FileOutcome] = {}
    contents: list[tuple[str, np.ndarray, bytes, FileContent]] = []
    markers: Counter = Counter()
    with progress_bar(progress, len(paths), "Reading schematics") as advance:
        for path, result in zip(paths, _read_all(paths, _default_workers() if workers is None else workers)):
            advance()
            rel = path.relative_to(src).as_posix()
            if isinstance(result, FileSkip):
                outcomes[rel] = FileOutcome(rel, result.status, result.why)
                markers.update(result.markers)
                continue
            to_global = np.array([global_ids.setdefault(s, len(global_ids)) for s in result.states], dtype=np.int32)
            grid = to_global[result.grid]
            contents.append((rel, grid, hashlib.sha256(repr(grid.shape).encode() + grid.tobytes()).digest(), result))

    # 3. dedupe: of files with the same blocks, the original is kept rather than "... - Copy (2)"
    keeper: dict[bytes, str] = {}
    for rel, _, key, _ in sorted(contents, key=lambda c: (is_copy(c[0]), c[0])):
        keeper.setdefault(key, rel)

    # 4. bucket
    kept: list[tuple[str, np.ndarray, str, FileContent]] = []
    unknown: Counter = Counter()
    fixed: Counter = Counter()
    for rel, grid, key, result in contents:
        if keeper[key] != rel:
            outcomes[rel] = FileOutcome(rel, "duplicate", f"same blocks as {keeper[key]}")
            continue
        info = names.lookup(rel)
        named = size if size is not None else (info.size if info and info.size else size_from_words(rel))
        bucket, note = choose_bucket(grid.shape, named, result.frame, allowed)
        if bucket is None:
            outcomes[rel] = FileOutcome(rel, "too large", f"{'x'.join(map(str, grid.shape))} fits no size bucket"
                                        + (f" of {', '.join(allowed)}" if size is not None else ""))
            continue
        markers.update(result.markers)
        unknown.update(result.unknown)
        fixed.update(result.problems)
        outcomes[rel] = FileOutcome(rel, "imported", note, bucket)
        kept.append((rel, grid, bucket, result))
    files = [outcomes[p.relative_to(src).as_posix()] for p in paths]
    if not kept:
        problems = [f"{o.file}: {o.status}, {o.detail}" for o in files]
        raise DatasetError(f"nothing could be imported from {src}: " + "; ".join(problems[:5]))

    # 5. vocabulary
    states_by_id = list(global_ids)
    counts = np.zeros(len(states_by_id), dtype=np.int64)
    for _, grid, _, _ in kept:
        counts += np.bincount(grid.ravel(), minlength=len(states_by_id))
    plan: VocabPlan = plan_vocab(Counter({states_by_id[i]: int(c) for i, c in enumerate(counts) if i and c}),
                                 min_count, target)
    to_vocab = np.array([0] + [plan.ids.get(s, 0) for s in states_by_id[1:]], dtype=np.int32)

    # 6. write
    captions_from: Counter = Counter()
    records: list[dict[str, Any]] = []
    with staging(out, overwrite) as stage:
        writer = ShardWriter(stage, shard_size, id_dtype(plan.vocab))
        for rel, grid, bucket, content in kept:
            structure = Structure(to_vocab[grid], plan.vocab, content.origin).place_in(bucket)
            info = names.lookup(rel)
            if info is not None and info.captions:
                caps, source = list(info.captions), "captions table"
            elif (own := file_captions(content.metadata)) is not None:
                caps, source = own, "file metadata"
            else:
                caps, source = captions_from_filename(rel), "file name"
            captions_from[source] += 1
            attrs = {"source": rel, "size": bucket, "frame": content.frame, **structure_attributes(structure)}
            shard, row = writer.add(len(records), bucket, structure)
            records.append({"id": len(records), "size": bucket, "shard": shard, "row": row,
                            "captions": caps, "attributes": attrs})
        shards = writer.close()
        groups: dict[str, list[tuple[int, str]]] = {}
        for r in records:
            groups.setdefault(r["size"], []).append((r["id"], r["attributes"]["source"]))
        test = stratified_split(groups, holdout, seed)
        for r in records:
            r["split"] = "test" if r["id"] in test else "train"
        manifest = write_dataset(stage, plan.vocab, records, shards, {
            "kind": "import", "source": src.name, "seed": seed, "holdout": holdout, "vocab_mode": mode,
            "min_count": min_count,
        })
        summary = ImportSummary(
            out, len(records), manifest["splits"], manifest["counts"]["size"], manifest["counts"]["type"],
            files, plan.fates, dict(markers.most_common()), dict(unknown.most_common()),
            dict(fixed.most_common()), mode, len(plan.vocab), dict(captions_from), names.sources,
            names.unused, time.perf_counter() - start,
        )
        (stage / IMPORT_REPORT).write_text(json.dumps(summary.report(), indent=1) + "\n")
    summary.seconds = time.perf_counter() - start
    return summary
