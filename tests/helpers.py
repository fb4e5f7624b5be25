"""Helpers shared by test modules (``from helpers import ...``: tests/ is on sys.path, as the folder
of the root conftest.py). Fixtures live in the conftest.py files instead."""

from __future__ import annotations


def one_line_error(result, exit_code: int = 1) -> str:
    """The one line a refused CLI command prints, ``error: ...``, and nothing else (no traceback, no
    usage text), on stderr, with ``exit_code``; for a ``CliRunner`` result. Returns the line."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    shown = f"exit code {result.exit_code}, exception {result.exception!r}, output:\n{result.output}"
    assert result.exit_code == exit_code, shown
    assert len(lines) == 1 and lines[0].startswith("error: "), shown
    assert result.stderr.strip() == lines[0].strip(), f"the error is not on stderr; {shown}"
    return lines[0]
