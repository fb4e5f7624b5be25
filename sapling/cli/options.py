"""What the command modules share: library defaults, choice lists, path checks, common options.

A command's defaults are the library's: ``defaults(func)`` reads them from the signature of
the function the command delegates to, constants are imported from the module that owns
them. Only torch-free modules may be imported at the top of a command module (``sapling
--help`` builds every command); where the owner loads torch, the option defaults to None,
meaning the library's default, and ``given`` leaves it out of the call.
"""

import inspect
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Optional

import typer

from sapling.errors import SchematicError
from sapling.logs import LOG_LEVELS


def defaults(func: Callable[..., Any]) -> dict[str, Any]:
    """The default of every parameter of ``func`` that has one, by name."""
    return {name: p.default for name, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}


def given(**kwargs: Any) -> dict[str, Any]:
    """The keyword arguments that are not None: an option left out gets the library's default."""
    return {k: v for k, v in kwargs.items() if v is not None}


def one_of(choices: Iterable[str]) -> str:
    """``("a", "b", "c")`` -> ``"a, b or c"``, for help texts that list a library's choices."""
    names = list(choices)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def require_file(path: Path) -> None:
    """Fail early with a clear message for a path that is not a readable file."""
    if not path.exists():
        raise SchematicError(f"{path}: no such file")
    if not path.is_file():
        raise SchematicError(f"{path}: not a file")


def check_output_format(path: Path) -> None:
    """Reject an output path whose extension names no schematic format, before any work."""
    from sapling.schematic import FORMATS

    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        accepted = ", ".join("." + f for f in FORMATS)
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise SchematicError(f"{path}: cannot tell the format from {shown}; use one of {accepted}")


# Options of several command modules. --device: the model's loader (torch) owns its default, "auto".
Checkpoint = Annotated[Optional[Path], typer.Option(
    "--checkpoint", help="A checkpoint (.ckpt from training, or .pt); default: the shipped model.")]
Device = Annotated[Optional[str], typer.Option(
    "--device", help="auto (the default: CUDA when there is one), cpu or cuda.")]
# configure_logging has no default level: this one is the CLI's own.
LOG_LEVEL = "info"
LogLevel = Annotated[str, typer.Option("--log-level", help=f"{one_of(LOG_LEVELS)}.")]
