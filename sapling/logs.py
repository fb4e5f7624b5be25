"""Logging set-up for the long-running commands (``sapling serve``, ``sapling bridge``); no torch."""

from __future__ import annotations

import logging

from sapling.errors import ConfigError

LOG_LEVELS = ("debug", "info", "warning", "error")


def configure_logging(level: str) -> None:
    """One format for every logger; ``level`` is one of ``LOG_LEVELS``. websockets stays at warning or above."""
    numeric = getattr(logging, level.upper(), None) if level.lower() in LOG_LEVELS else None
    if not isinstance(numeric, int):
        raise ConfigError(f"unknown log level {level!r}; choose {', '.join(LOG_LEVELS)}")
    logging.basicConfig(level=numeric, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("sapling.server", "sapling.bridge"):
        logging.getLogger(name).setLevel(numeric)
    logging.getLogger("websockets").setLevel(max(numeric, logging.WARNING))
