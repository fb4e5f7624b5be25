"""``sapling dataset export``: dataset entries back to schematic files, captions beside them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from sapling.errors import DatasetError
from sapling.progress import Progress, progress_bar
from sapling.schematic.files import DEFAULT_FORMAT, FORMATS
from sapling.training.dataset.format import PathLike, dumps
from sapling.training.dataset.load import load_dataset

EXPORT_FORMATS = FORMATS


def export_dataset(
    root: PathLike,
    out: PathLike,
    limit: int | None = None,
    format: str = DEFAULT_FORMAT,
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
            f.write(dumps({"file": name, "captions": item.captions, "attributes": item.attributes}) + "\n")
            advance()
    return n
