"""``sapling bridge java``, ``sapling place`` and ``sapling undo``: trees into a running Java world.

The defaults are those of ``sapling.bridge.java`` (``BridgeSettings``, ``grow_tree``; no torch).
RCON's address and the journal's file name are the CLI's own (the library takes them as given).
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from sapling.bridge.identity import CONFIRM_OBJECTIVE, CONFIRM_POLICIES, check_policy
from sapling.bridge.java import BridgeSettings, grow_tree
from sapling.cli.options import LOG_LEVEL, LogLevel, defaults, one_of
from sapling.errors import BridgeError
from sapling.structure import SIZES

BRIDGE = BridgeSettings()
GROW = defaults(grow_tree)
RCON_HOST = "127.0.0.1"
RCON_PORT = 25575  # vanilla's rcon.port
JOURNAL = Path("sapling-journal.jsonl")

app = typer.Typer(
    name="bridge",
    help="Connect a running Minecraft world to 'sapling serve' (Bedrock: /connect to the server itself).",
    no_args_is_help=True,
)

# Options the Java bridge, place and undo share.
RconHost = Annotated[str, typer.Option("--rcon-host", help="The Minecraft server's RCON address.")]
RconPort = Annotated[int, typer.Option("--rcon-port", help="rcon.port in server.properties.")]
RconPasswordFile = Annotated[Optional[Path], typer.Option(
    "--rcon-password-file",
    help="RCON password: a file holding it (or the SAPLING_RCON_PASSWORD variable; never a flag value).")]
JournalFile = Annotated[Path, typer.Option("--journal", help="Undo journal (JSON lines).")]
ServerUrl = Annotated[str, typer.Option("--server", help="The 'sapling serve' websocket.")]
ServerToken = Annotated[Optional[str], typer.Option("--token", envvar="SAPLING_TOKEN",
                                                    help="The server's token, if it has one.")]


def _editor(rcon_host: str, rcon_port: int, rcon_password_file: Optional[Path]):
    from sapling.bridge.java import WorldEditor
    from sapling.bridge.rcon import RconClient, read_password

    client = RconClient(rcon_host, rcon_port, read_password(str(rcon_password_file) if rcon_password_file else None))
    client.connect()
    return WorldEditor(client)


@app.command("java")
def bridge_java(
    log_file: Annotated[Path, typer.Option("--log-file", help="The server's logs/latest.log (chat is read from it).",
                                           show_default=False)],
    server: ServerUrl = BRIDGE.server,
    token: ServerToken = BRIDGE.token,
    rcon_host: RconHost = RCON_HOST,
    rcon_port: RconPort = RCON_PORT,
    rcon_password_file: RconPasswordFile = None,
    trigger: Annotated[str, typer.Option("--trigger", help="The chat word that starts a command.")] = BRIDGE.trigger,
    allow: Annotated[Optional[list[str]], typer.Option("--allow", help="A player (username or UUID) who may grow "
                                                       "trees (repeat; default: everyone).")] = None,
    cooldown: Annotated[float, typer.Option("--cooldown", help="Seconds between one player's trees.")]
    = BRIDGE.cooldown,
    max_size: Annotated[str, typer.Option("--max-size", help=f"Largest size players may ask for: {one_of(SIZES)}.")]
    = BRIDGE.max_size,
    confirm: Annotated[str, typer.Option(
        "--confirm", help=f"Which requests wait for the player to click a button only they are sent: "
                          f"{one_of(CONFIRM_POLICIES)} (guarded: undo, and trees when --allow is given; the bridge "
                          f"creates the trigger objective '{CONFIRM_OBJECTIVE}' for it).")] = BRIDGE.confirm,
    confirm_timeout: Annotated[float, typer.Option("--confirm-timeout", help="Seconds a confirm button stays valid.")]
    = BRIDGE.confirm_timeout,
    journal: JournalFile = JOURNAL,
    log_level: LogLevel = LOG_LEVEL,
) -> None:
    """Java Edition: '!tree <prompt>' in chat grows a tree in front of the player (RCON + server log)."""
    from sapling.bridge.java import JavaBridge, LogFollower
    from sapling.bridge.placement import Journal
    from sapling.logs import configure_logging

    configure_logging(log_level)
    if not log_file.is_file():
        raise BridgeError(f"{log_file}: no such log file (give the server's logs/latest.log)")
    if not trigger.strip() or " " in trigger.strip():
        raise BridgeError("--trigger must be one word, e.g. !tree")
    if cooldown < 0:
        raise BridgeError("--cooldown must be >= 0")
    check_policy(confirm)
    if confirm_timeout <= 0:
        raise BridgeError("--confirm-timeout must be > 0")
    settings = BridgeSettings(server=server, token=token, trigger=trigger.strip(), allow=tuple(allow or ()),
                              cooldown=cooldown, max_size=max_size, confirm=confirm, confirm_timeout=confirm_timeout)
    bridge = JavaBridge(settings, _editor(rcon_host, rcon_port, rcon_password_file), LogFollower(log_file),
                        Journal(journal), notify=lambda text: typer.echo(f"note: {text}"))
    bridge._server()  # fail now, not at the first chat line, if the server is not there
    try:
        bridge.run()
    except KeyboardInterrupt:
        typer.echo("bridge stopped")


def place(
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="What to grow.", show_default=False)],
    at: Annotated[tuple[int, int, int], typer.Option("--at", help="World position of the trunk base: X Y Z.",
                                                     show_default=False)],
    server: ServerUrl = BRIDGE.server,
    token: ServerToken = BRIDGE.token,
    size: Annotated[str, typer.Option("--size", help=f"{one_of(SIZES)}.")] = GROW["size"],
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the server draws one).")]
    = GROW["seed"],
    rcon_host: RconHost = RCON_HOST,
    rcon_port: RconPort = RCON_PORT,
    rcon_password_file: RconPasswordFile = None,
    journal: JournalFile = JOURNAL,
) -> None:
    """Grow one tree at a world position of a running Java server (into air only; undo-able)."""
    from sapling.bridge.java import server_connection
    from sapling.bridge.placement import Journal, check_anchor

    anchor = check_anchor(at)
    editor = _editor(rcon_host, rcon_port, rcon_password_file)
    with server_connection(server, token) as ws:
        outcome = grow_tree(ws, editor, prompt, anchor, "console", size, seed)
    if outcome.entry is not None:
        Journal(journal).record(outcome.entry)
    if outcome.status != "done":
        raise BridgeError(outcome.message)
    extra = f", {outcome.skipped} skipped (not air)" if outcome.skipped else ""
    typer.echo(f"placed '{prompt}' at {anchor[0]} {anchor[1]} {anchor[2]}: {outcome.message}{extra}")


def undo(
    last: Annotated[int, typer.Option("--last", help="How many placements to undo, newest first.")] = 1,
    rcon_host: RconHost = RCON_HOST,
    rcon_port: RconPort = RCON_PORT,
    rcon_password_file: RconPasswordFile = None,
    journal: JournalFile = JOURNAL,
) -> None:
    """Remove the blocks of the last placements that are still exactly as placed."""
    from sapling.bridge.java import undo_entries
    from sapling.bridge.placement import Journal

    if last < 1:
        raise BridgeError("--last must be at least 1")
    j = Journal(journal)
    entries = j.last(last)
    if not entries:
        raise BridgeError(f"{journal}: nothing to undo")
    removed = undo_entries(_editor(rcon_host, rcon_port, rcon_password_file), j, entries)
    typer.echo(f"undid {len(entries)} placement(s): {removed} blocks back to air")
