"""``sapling dataset stats``: what a dataset holds, as text and as a picture grid."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sapling.training.dataset.format import IMPORT_REPORT, PathLike, table
from sapling.training.dataset.load import load_dataset

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
    vocab_size: int = 0
    # imports only (from import_report.json): files per status, blocks per fate, markers
    files: dict[str, int] = field(default_factory=dict)
    fates: dict[str, int] = field(default_factory=dict)
    markers: dict[str, int] = field(default_factory=dict)

    def to_text(self, top_blocks: int = 15) -> str:
        width = max(self.heights.values(), default=0)
        bar = (lambda v: "#" * max(1, round(30 * v / width))) if width else (lambda v: "")
        lines = [
            f"{self.root}: {self.count} entries (train {self.splits.get('train', 0)}, "
            f"test {self.splits.get('test', 0)}; vocab {self.vocab_hash[:12]})",
            table("per type", self.types), table("per species", self.species), table("per size", self.sizes),
            "height histogram:",
        ]
        lines += [f"  {h:>3}  {v:>6}  {bar(v)}" for h, v in self.heights.items()]
        shown = dict(list(self.blocks.items())[:top_blocks])
        lines.append(table(f"vocabulary: {self.vocab_size} states ({len(self.blocks)} used); top {len(shown)}", shown))
        if self.files:
            lines.append("import: files " + ", ".join(f"{k} {v}" for k, v in self.files.items())
                         + "; blocks " + ", ".join(f"{k} {v}" for k, v in self.fates.items())
                         + (f"; markers {sum(self.markers.values())}" if self.markers else ""))
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
        # Cropped: a flower in a 24x64x24 bucket would be a speck on its tile.
        return save_preview([it.structure.crop() for it in items], path, captions=[it.captions[0] for it in items])


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
    report = _import_report(Path(root))
    return Stats(Path(root), len(dataset), dict(manifest.get("splits", {})), dict(counts.get("type", {})),
                 dict(counts.get("species", {})), dict(counts.get("size", {})), dict(sorted(heights.items())),
                 blocks, dataset.vocab.content_hash, len(dataset.vocab),
                 dict(Counter(f["status"] for f in report.get("files", []))), dict(report.get("blocks", {})),
                 dict(report.get("markers", {})))


def _import_report(root: Path) -> dict[str, Any]:
    """``import_report.json`` of an imported dataset; ``{}`` for a built one (or an unreadable report)."""
    try:
        report = json.loads((root / IMPORT_REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}
