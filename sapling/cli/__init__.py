"""The ``sapling`` command line: a thin Typer layer that parses, delegates and reports.

One module per command group: ``files`` (info, convert, preview, postprocess), ``model``
(train, generate, evaluate), ``serve``, ``bridge`` (bridge java, place, undo) and ``dataset``;
``options`` holds what they share. Registration below fixes the order of ``sapling --help``.
A command module imports, at its top, only torch-free library modules (for their defaults);
anything that loads torch is imported inside the command, so ``sapling --help`` never
imports torch.

Errors: a user error (any ``SaplingError``, a missing or unreadable file, a bad
flag) is printed as one line, ``error: ...``, on stderr. ``SaplingError`` and file
errors exit with 1, usage errors (bad flag, missing argument) with click's usual 2.
The global ``--debug`` flag (or ``SAPLING_DEBUG=1``) lets the exception through with
its traceback. Anything else is a bug and always keeps its traceback. The rule lives
in the root group (``SaplingGroup``), so it holds for every command, whether the app
runs from ``main()`` or from a test's ``CliRunner``.
"""

import errno
from contextlib import contextmanager
from typing import Annotated, Any, Iterator, NoReturn

import typer
from typer.core import TyperGroup

from sapling import __version__
from sapling.cli import bridge, dataset, files, model, serve
from sapling.errors import SaplingError

_DEBUG_KEY = "sapling.debug"
# Typer may vendor its own copy of click, so take click's UsageError from Typer's
# BadParameter rather than from the `click` package.
_UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print one ``error: ...`` line on stderr and exit with ``code``."""
    typer.echo("error: " + " ".join(message.split()), err=True)
    raise typer.Exit(code)


def _os_message(exc: OSError) -> str:
    """``FileNotFoundError(2, 'No such file or directory', 'x')`` -> ``"x: no such file or directory"``."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror[0].lower()}{exc.strerror[1:]}"
    return str(exc)


@contextmanager
def _user_errors(ctx: typer.Context) -> Iterator[None]:
    """Turn user errors raised inside the block into one line on stderr (see module docstring)."""
    try:
        yield
    except _UsageError as exc:
        # `sapling` alone prints the help (NoArgsIsHelpError): not an error.
        if ctx.meta.get(_DEBUG_KEY) or type(exc).__name__ == "NoArgsIsHelpError":
            raise
        where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
        _fail(f"{exc.format_message()} (see '{where} --help')", code=exc.exit_code)
    except SaplingError as exc:
        if ctx.meta.get(_DEBUG_KEY):
            raise
        _fail(str(exc) or type(exc).__name__)
    except OSError as exc:
        if ctx.meta.get(_DEBUG_KEY) or exc.errno == errno.EPIPE:
            raise  # typer handles a closed pipe (`sapling info x | head`) quietly
        _fail(_os_message(exc))


class SaplingGroup(TyperGroup):
    """The root command group: applies the one-line error rule to every command.

    ``parse_args`` covers bad top-level flags; ``invoke`` covers everything a
    subcommand does, including parsing its own arguments.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        with _user_errors(ctx):
            return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:
        with _user_errors(ctx):
            return super().invoke(ctx)


app = typer.Typer(
    name="sapling",
    cls=SaplingGroup,
    help="Sapling: text-to-tree generation for Minecraft.",
    no_args_is_help=True,
    add_completion=False,
    # Bugs keep a plain Python traceback; user errors never reach this handler.
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"sapling {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar="SAPLING_DEBUG", help="Show the full traceback of an error."),
    ] = False,
) -> None:
    """Sapling: text-to-tree generation for Minecraft.

    Trees are block structures read from and written to .schem (WorldEdit), .nbt
    (structure blocks), .litematic (Litematica) and .mcstructure (Bedrock) files.
    """
    ctx.meta[_DEBUG_KEY] = debug


# --- the commands, in the order of `sapling --help` (Typer lists the groups last) ---

for command in (files.info, files.convert, files.preview, model.train, model.generate, files.postprocess,
                model.evaluate, serve.serve, bridge.place, bridge.undo):
    app.command()(command)
app.add_typer(bridge.app)
app.add_typer(dataset.app)


def main() -> None:
    """Entry point of the ``sapling`` console script and ``python -m sapling``.

    The one-line error rule is applied by ``SaplingGroup`` around every command,
    so it holds here and under ``typer.testing.CliRunner`` alike.
    """
    app(prog_name="sapling")
