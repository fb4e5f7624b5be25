"""The project's own exception types: errors a user can cause.

The CLI prints these as one line and exits non-zero; anything else is a bug and
keeps its traceback.
"""


class SaplingError(Exception):
    """Base class for errors caused by user input (a file, a flag, a request)."""


class BlockError(SaplingError):
    """A block-state string that is malformed or not in a vocabulary."""


class StructureError(SaplingError):
    """A structure that does not fit what was asked (too big for a size, empty, ...)."""


class SchematicError(SaplingError):
    """A schematic file that cannot be read or written; the message names the file."""


class ConfigError(SaplingError):
    """A bad configuration file, key or value."""
