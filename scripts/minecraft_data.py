"""Finding PrismarineJS minecraft-data (the npm package) for the table generators in scripts/.

    cd /tmp && npm install minecraft-data@3.119.0

``default_sources()`` looks at ``$SAPLING_MINECRAFT_DATA``, ``./node_modules/minecraft-data`` and
``/tmp/node_modules/minecraft-data``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

ENV = "SAPLING_MINECRAFT_DATA"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def default_sources() -> list[Path]:
    found = [Path(os.environ[ENV])] if os.environ.get(ENV) else []
    return found + [Path.cwd() / "node_modules" / "minecraft-data", Path("/tmp/node_modules/minecraft-data")]


def data_root(package: Path) -> Path:
    """The folder holding ``dataPaths.json`` inside a minecraft-data package (or that folder itself)."""
    for candidate in (package / "minecraft-data" / "data", package / "data", package):
        if (candidate / "dataPaths.json").is_file():
            return candidate
    raise SystemExit(f"{package}: no dataPaths.json found (expected the minecraft-data npm package folder)")


def package_version(start: Path) -> str:
    """The version of the minecraft-data package ``start`` lies in ("unknown" outside one)."""
    for folder in [start, *start.parents]:
        meta = folder / "package.json"
        if meta.is_file():
            data = json.loads(meta.read_text(encoding="utf-8"))
            if data.get("name") == "minecraft-data":
                return str(data["version"])
    return "unknown"


def dump_table(table: dict) -> str:
    """A generated table as compact JSON: the header keys first, then one block per line, sorted by name
    (values keep their order: properties list values in the game's order), so regenerating gives equal bytes."""
    def compact(obj) -> str:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    head = {k: v for k, v in table.items() if k != "blocks"}
    lines = ["{" + ",".join(f"{compact(k)}:{compact(v)}" for k, v in sorted(head.items())) + ',"blocks":{']
    items = sorted(table["blocks"].items())
    lines += [f"{compact(name)}:{compact(entry)}" + ("," if i < len(items) - 1 else "")
              for i, (name, entry) in enumerate(items)]
    lines.append("}}")
    return "\n".join(lines) + "\n"
