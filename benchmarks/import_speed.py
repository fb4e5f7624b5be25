"""Import speed: files per second through `import_dataset` on a realistic WorldEdit asset pack.

    python benchmarks/import_speed.py [--files 2000] [--seed 0] [--workers N]

Writes a pack with tests/fixtures/worldedit_pack.py into a temporary folder (timed apart):
trees of the three frame sizes in barrier frames, bushes, flowers, grass, rocks, mushrooms,
v2 and v3 files, bare and full block states, nested folders, a metadata.json, and five junk
files (corrupt, empty, markers only, a duplicate, an oversized mast). Then imports it with
`import_dataset(src, out, progress=False)` and prints files/s over every file in the pack.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.worldedit_pack import write_pack  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000, help="content files in the pack (plus 5 junk files)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None, help="passed to import_dataset when given")
    args = ap.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.platform()} ({platform.processor() or platform.machine()})")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "pack", Path(tmp) / "dataset"
        t = time.perf_counter()
        pack = write_pack(src, count=args.files, seed=args.seed)
        write_s = time.perf_counter() - t
        n = len(pack.files)
        mb = sum(pack.path(f).stat().st_size for f in pack.files) / 1e6
        kinds = Counter(f.kind for f in pack.files)
        print(f"pack:   {n} files ({mb:.1f} MB; {', '.join(f'{k} {v}' for k, v in kinds.most_common())}) "
              f"written in {write_s:.2f} s ({n / write_s:.0f} files/s)")

        from sapling.training.dataset import import_dataset

        kwargs = {} if args.workers is None else {"workers": args.workers}
        t = time.perf_counter()
        summary = import_dataset(src, out, progress=False, **kwargs)
        import_s = time.perf_counter() - t
        statuses = Counter(getattr(f, "status", "?") for f in getattr(summary, "files", []))
        print(f"import: {summary.imported} imported of {n} files in {import_s:.2f} s, "
              f"{n / import_s:.1f} files/s ({', '.join(f'{k} {v}' for k, v in statuses.most_common())})")


if __name__ == "__main__":
    main()
