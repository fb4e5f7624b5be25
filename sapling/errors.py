"""The project's own exception types: errors a user can cause.

The CLI prints these as one line and exits non-zero; anything else is a bug and
keeps its traceback. Every type is defined here; the modules that raise one import
it from here (and keep the name importable from themselves).
"""


class SaplingError(Exception):
    """Base class for errors caused by user input (a file, a flag, a request)."""


# --- blocks, structures, files --------------------------------------------------------------------

class BlockError(SaplingError):
    """A block-state string that is malformed or not in a vocabulary."""


class StructureError(SaplingError):
    """A structure that does not fit what was asked (too big for a size, empty, ...)."""


class SchematicError(SaplingError):
    """A schematic file that cannot be read or written; the message names the file."""


class RenderError(SaplingError):
    """A preview that cannot be made or written (bad path, bad captions, nothing to draw)."""


# --- configuration, model, data -------------------------------------------------------------------

class ConfigError(SaplingError):
    """A bad configuration file, key or value."""


class ModelError(SaplingError):
    """A model part that cannot be loaded or used (missing text encoder, bad checkpoint, ...)."""


class DatasetError(SaplingError):
    """A dataset folder, captions file or build request that is missing, malformed or invalid."""


class GenerationError(SaplingError):
    """A generation request that cannot be served (bad prompt, size, steps, sample count, ...)."""


# --- the server -----------------------------------------------------------------------------------

class ServerConfigError(SaplingError):
    """A server setting that cannot work (e.g. a public address without a token)."""


class ProtocolError(SaplingError):
    """A message the server refuses; becomes an ``error`` reply with ``code``."""

    def __init__(self, code: str, message: str, request_id: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


# --- the bridges ----------------------------------------------------------------------------------

class PlacementError(SaplingError):
    """A structure or position that cannot be placed safely."""


class CommandError(SaplingError):
    """A chat command the bridge refuses; the message is shown to the player."""


class BridgeError(CommandError):
    """The bridge cannot do what was asked (server unreachable, player not found, ...)."""


class BedrockError(CommandError):
    """A chat command or game reply the session cannot act on; the message is shown to the player."""


class RconError(SaplingError):
    """The RCON server cannot be reached or used."""


class RconAuthError(RconError):
    """The RCON server refused the password (never retried)."""


class RconConnectionLost(RconError):
    """The connection dropped during a command and was re-established.

    ``maybe_executed`` is True when the command had been sent but its reply never came:
    the server may have run it, so check the world before sending it again.
    """

    def __init__(self, message: str, maybe_executed: bool):
        super().__init__(message)
        self.maybe_executed = maybe_executed
