"""``sapling bridge java``, ``sapling place`` and ``sapling undo``: trees into a running Java world.

The defaults are those of ``sapling.bridge.java`` (``BridgeSettings``, ``grow_tree``; no torch).
RCON's address and the journal's file name are the CLI's own (the library takes them as given).
"""

from pathlib import Path
from typing import Annotated

import typer

from sapling.bridge.forest import (
    DEFAULT_FOREST_RADIUS,
    MAX_FOREST_COUNT,
    MAX_FOREST_RADIUS,
)
from sapling.bridge.identity import CONFIRM_OBJECTIVE, CONFIRM_POLICIES, check_policy
from sapling.bridge.java import BridgeSettings, grow_forest, grow_tree
from sapling.cli.options import LOG_LEVEL, LogLevel, defaults, one_of
from sapling.errors import BridgeError
from sapling.structure import SIZES

BRIDGE = BridgeSettings()
GROW = defaults(grow_tree)
FOREST = defaults(grow_forest)
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
RconPasswordFile = Annotated[Path | None, typer.Option(
    "--rcon-password-file",
    help="RCON password: a file holding it (or the SAPLING_RCON_PASSWORD variable; never a flag value).")]
JournalFile = Annotated[Path, typer.Option("--journal", help="Undo journal (JSON lines).")]
ServerUrl = Annotated[str, typer.Option("--server", help="The 'sapling serve' websocket.")]
ServerToken = Annotated[str | None, typer.Option("--token", envvar="SAPLING_TOKEN",
                                                    help="The server's token, if it has one.")]
PreviewEntities = Annotated[int, typer.Option("--preview-entities", help="Most display entities one preview may "
                                              "summon (a bigger tree is refused a preview).")]
OnGround = Annotated[bool, typer.Option(
    "--ground/--no-ground", help="Stand each tree on the ground found under its column (refused over water, "
                                 "another tree or a build); --no-ground: at the exact position (flat creative builds).")]


def _editor(rcon_host: str, rcon_port: int, rcon_password_file: Path | None):
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
    allow: Annotated[list[str] | None, typer.Option("--allow", help="A player (username or UUID) who may grow "
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
    ground: OnGround = BRIDGE.ground,
    preview_timeout: Annotated[float, typer.Option("--preview-timeout", help="Seconds an unanswered '!tree preview' "
                                                   "stays before it is removed.")] = BRIDGE.preview_timeout,
    preview_entities: PreviewEntities = BRIDGE.preview_entities,
    max_forest_count: Annotated[int, typer.Option("--max-forest-count", help="Most trees one '!tree forest' may ask "
                                                  "for (one batched request: the server's max_samples caps it too).")]
    = BRIDGE.max_forest_count,
    max_forest_radius: Annotated[int, typer.Option("--max-forest-radius", help="Largest '!tree forest' radius, in "
                                                   "blocks around the player.")] = BRIDGE.max_forest_radius,
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
    if preview_timeout <= 0:
        raise BridgeError("--preview-timeout must be > 0")
    from sapling.bridge.forest import check_forest

    check_forest(max_forest_count, max_forest_radius, max_forest_count, max_forest_radius)
    settings = BridgeSettings(server=server, token=token, trigger=trigger.strip(), allow=tuple(allow or ()),
                              cooldown=cooldown, max_size=max_size, confirm=confirm, confirm_timeout=confirm_timeout,
                              ground=ground, preview_timeout=preview_timeout, preview_entities=preview_entities,
                              max_forest_count=max_forest_count,
                              max_forest_radius=max_forest_radius)
    bridge = JavaBridge(settings, _editor(rcon_host, rcon_port, rcon_password_file), LogFollower(log_file),
                        Journal(journal), notify=lambda text: typer.echo(f"note: {text}"))
    bridge._server()  # fail now, not at the first chat line, if the server is not there
    try:
        bridge.run()
    except KeyboardInterrupt:
        typer.echo("bridge stopped")


def place(
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="What to grow.", show_default=False)],
    at: Annotated[tuple[int, int, int], typer.Option("--at", help="World position of the trunk base (with --ground: "
                                                     "the column searched, from about there), or a forest's centre: "
                                                     "X Y Z.", show_default=False)],
    server: ServerUrl = BRIDGE.server,
    token: ServerToken = BRIDGE.token,
    size: Annotated[str, typer.Option("--size", help=f"{one_of(SIZES)}.")] = GROW["size"],
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the server draws one).")]
    = GROW["seed"],
    ground: OnGround = GROW["ground"],
    preview: Annotated[bool, typer.Option("--preview", help="Show the tree as display entities first (Java 1.19.4+), "
                                          "then read a line: Enter or 'y' places it, 'n' (or Ctrl-C, or end of "
                                          "input) removes it.")] = False,
    preview_entities: PreviewEntities = BRIDGE.preview_entities,
    forest: Annotated[int | None, typer.Option("--forest", help=f"Grow this many different trees around --at "
                                                  f"instead (1 to {MAX_FOREST_COUNT}; one undo removes them all).",
                                                  show_default=False)] = None,
    radius: Annotated[int, typer.Option("--radius", help=f"A forest's radius in blocks (at most {MAX_FOREST_RADIUS}).")]
    = DEFAULT_FOREST_RADIUS,
    rcon_host: RconHost = RCON_HOST,
    rcon_port: RconPort = RCON_PORT,
    rcon_password_file: RconPasswordFile = None,
    journal: JournalFile = JOURNAL,
) -> None:
    """Grow one tree (or --forest trees) at a world position of a running Java server (into air only; undo-able)."""
    from sapling.bridge.forest import check_forest
    from sapling.bridge.java import server_connection
    from sapling.bridge.placement import Journal, check_anchor

    anchor = check_anchor(at)
    if forest is not None and preview:
        raise BridgeError("--preview shows one tree; it does not go with --forest")
    if forest is not None:
        check_forest(forest, radius)
    editor = _editor(rcon_host, rcon_port, rcon_password_file)
    with server_connection(server, token) as ws:
        if forest is not None:
            _place_forest(ws, editor, prompt, anchor, forest, radius, size, seed, ground, Journal(journal))
            return
        if preview:
            _place_preview(ws, editor, prompt, anchor, size, seed, ground, Journal(journal), preview_entities)
            return
        outcome = grow_tree(ws, editor, prompt, anchor, "console", size, seed, ground=ground)
    if outcome.entry is not None:
        Journal(journal).record(outcome.entry)
    if outcome.status != "done":
        raise BridgeError(outcome.lines[0].text if outcome.status == "refused" and outcome.lines else outcome.message)
    extra = f", {outcome.skipped} skipped (not air)" if outcome.skipped else ""
    x, y, z = outcome.anchor
    typer.echo(f"placed '{prompt}' at {x} {y} {z}: {outcome.message}{extra}")


def _place_forest(ws, editor, prompt, anchor, count, radius, size, seed, ground, journal) -> None:
    outcome = grow_forest(ws, editor, prompt, (anchor[0] + 0.5, float(anchor[1]), anchor[2] + 0.5), count, radius,
                          "console", size, seed, say=lambda text, tone: typer.echo(text), ground=ground, trigger=None)
    if outcome.entry is not None:
        journal.record(outcome.entry)
    for line in outcome.lines:
        typer.echo(line.text)
    if outcome.status != "done":
        raise BridgeError(outcome.message)


def _place_preview(ws, editor, prompt, anchor, size, seed, ground, journal, max_entities) -> None:
    """Show, ask on stdin, then accept or cancel (a test drives it with input lines)."""
    import time

    from sapling.bridge.java import run_preview, start_preview

    say = lambda text, tone: typer.echo(text)
    preview, site, ended = start_preview(ws, editor, prompt, anchor, "console", size, seed, say, ground,
                                         max_entities=max_entities)
    if ended is None:
        try:
            answer = input("place it? [Enter/y: place, n: remove] ").strip().lower()
        except (EOFError, KeyboardInterrupt):
            answer = "n"
        now = time.monotonic()
        ended = run_preview(ws, editor, preview, preview.accept(now) if answer in ("", "y", "yes")
                            else preview.cancel(now), site, say)
    if ended.entry is not None:
        journal.record(ended.entry)
    for line in ended.lines:
        typer.echo(line.text)
    if ended.status not in ("placed", "cancelled"):
        raise BridgeError(ended.message)


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
