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


class ModelError(SaplingError):
    """A model part that cannot be loaded or used (missing text encoder, bad checkpoint, ...)."""


class DatasetError(SaplingError):
    """A dataset folder, captions file or build request that is missing, malformed or invalid."""


class GenerationError(SaplingError):
    """A generation request that cannot be served (bad prompt, size, steps, sample count, ...)."""
