"""Import a test asset pack and draw `sapling dataset stats --preview` into docs/images/import_stats.png.

    python scripts/import_preview.py [--files 120] [--seed 11] [--out docs/images/import_stats.png]

The pack is the one the import tests use (tests/fixtures/worldedit_pack.py): WorldEdit
files with bare default-state names, barrier frames of the three sizes, bushes, flowers,
rocks and mushrooms. The summary of the import is printed as `sapling dataset import` does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sapling.training.dataset import dataset_stats, import_dataset  # noqa: E402
from tests.fixtures.worldedit_pack import write_pack  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=Path("docs/images/import_stats.png"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pack = write_pack(Path(tmp) / "my_nature_pack", count=args.files, seed=args.seed)
        print(import_dataset(pack.root, Path(tmp) / "mine", progress=False).to_text())
        print(f"wrote {dataset_stats(Path(tmp) / 'mine').preview(args.out, n=12)}")


if __name__ == "__main__":
    main()
