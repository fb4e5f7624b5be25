"""Helpers shared by test modules (``from helpers import ...``: tests/ is on sys.path, as the folder
of the root conftest.py). Fixtures live in the conftest.py files instead."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
# Where a test may find the npm package minecraft-data, to check a generated table regenerates.
MINECRAFT_DATA_ENV = "SAPLING_MINECRAFT_DATA"


def load_script(name: str) -> ModuleType:
    """A script of scripts/ (``"gen_block_table"``) as a module, without running its ``main``."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def minecraft_data_package() -> Path | None:
    """The minecraft-data npm package folder, if this machine has one (``$SAPLING_MINECRAFT_DATA`` or /tmp)."""
    env = os.environ.get(MINECRAFT_DATA_ENV)
    candidates = ([Path(env)] if env else []) + [Path("/tmp/node_modules/minecraft-data")]
    return next((p for p in candidates if (p / "package.json").is_file()), None)


def one_line_error(result, exit_code: int = 1) -> str:
    """The one line a refused CLI command prints, ``error: ...``, and nothing else (no traceback, no
    usage text), on stderr, with ``exit_code``; for a ``CliRunner`` result. Returns the line."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    shown = f"exit code {result.exit_code}, exception {result.exception!r}, output:\n{result.output}"
    assert result.exit_code == exit_code, shown
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    assert result.stderr.strip() == lines[0].strip(), f"the error is not on stderr; {shown}"
    return lines[0]
