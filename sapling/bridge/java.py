"""The Java Edition bridge: chat in the server log -> a tree from ``sapling serve`` -> blocks via RCON.

``JavaBridge`` follows ``logs/latest.log`` for chat lines (``parse_chat_line``: the layouts of
vanilla, Paper and Fabric, ``[12:00:05] [Server thread/INFO]: <Steve> !tree birch tree``, and of
Forge and NeoForge, ``[05Mar2025 12:00:05.123] [Server thread/INFO]
[net.minecraft.server.MinecraftServer/]: <Steve> !tree birch tree``), resolves the speaker's
display name to an online player with ``list uuids`` (``sapling.bridge.identity``), has the
server prove who spoke where the ``--confirm`` policy asks for it (a ``tellraw`` button that runs
``/trigger`` on the bridge's own scoreboard objective, read back with ``scoreboard players get``),
finds the player with ``data get entity <uuid>``, asks the generation server for a tree with
streaming on and places each step's blocks as they arrive, a few blocks in front of the player at
their feet level. When the final structure arrives it is the truth: streamed blocks it lacks are
removed (only if still as placed), missing ones placed. Every command writes into air only; what
was placed goes into the undo journal, with the player's UUID. Allow-list, cooldown and undo go by
UUID.

The tree request itself is ``sapling.bridge.session.TreeRequest``, the state machine the
Bedrock session drives too; ``grow_tree`` carries out its actions over the server connection
and RCON. Runs on one thread: the log is polled between websocket messages, so ``!tree
cancel`` works while a tree grows, and confirmations are checked between chat lines. The bridge
changes no server setting: it only creates (once) and enables, per request, its own ``trigger``
objective. Never imports torch.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from sapling.blocks import block_kind
from sapling.bridge.commands import (
    ChatMessage,
    CommandError,
    TreeCommand,
    anchor_in_front,
    check_size,
    help_text,
    parse_command,
    tree_distance,
)
from sapling.bridge.forest import (
    MAX_FOREST_COUNT,
    MAX_FOREST_RADIUS,
    ForestPlan,
    ForestPlanner,
    check_forest,
    crown_radius_of,
)
from sapling.bridge.ground import (
    Edition,
    Ground,
    GroundProbe,
    Query,
    java_passed,
    replace_command,
    space_queries,
)
from sapling.bridge.identity import (
    CONFIRM_OBJECTIVE,
    NONCE_MAX,
    ONLINE_NAME,
    OnlinePlayer,
    Speaker,
    Unresolved,
    allowed,
    check_policy,
    confirm_button,
    is_uuid,
    needs_confirmation,
    parse_online_players,
    parse_score,
    resolve,
)
from sapling.bridge.placement import (
    Block,
    Command,
    Journal,
    JournalEntry,
    PlacementError,
    check_anchor,
    order_blocks,
    plan_placement,
    setblock_command,
    to_world,
    undo_command,
    undo_order,
)
from sapling.bridge.preview import (
    MAX_PREVIEW_ENTITIES,
    PREVIEW_TIMEOUT_S,
    Done,
    PreviewOutcome,
    PreviewPhase,
    PreviewStatus,
    Send,
    TreePreview,
    kill_all_command,
    kill_command,
)
from sapling.bridge.rcon import (
    MAX_COMMAND_BYTES,
    RconClient,
    RconConnectionLost,
    RconError,
)
from sapling.bridge.session import (
    LOST_CONNECTION,
    NOTHING_GROWING,
    Action,
    CancelRequest,
    Finish,
    Place,
    Remove,
    Rules,
    Say,
    Status,
    Submit,
    Tone,
    TreeOutcome,
    TreeRequest,
    failed_text,
)
from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER
from sapling.errors import BridgeError
from sapling.server.protocol import DEFAULT_URL, assemble
from sapling.structure import DEFAULT_SIZE
from sapling.transform import check_transform, mirror_state, rotate_state

log = logging.getLogger("sapling.bridge")

# The line layouts of logs/latest.log (log4j2 PatternLayouts; docs/bridge.md cites them):
#   vanilla, Fabric, Paper  "[%d{HH:mm:ss}] [%t/%level]: %msg"        [12:00:05] [Server thread/INFO]: ...
#   Forge, NeoForge         "[%d{ddMMMyyyy HH:mm:ss.SSS}] [%t/%level] [%logger/%markerSimpleName]: %msg"
#   the GUI console layout  "[%d{HH:mm:ss} %level]: %msg"            [12:00:05 INFO]: ... (console captures)
LOG_LINE = re.compile(r"^\[[^\]]+\](?: \[[^\]]*/INFO\](?: \[[^\]]*\])?)?: (?P<message>.*)$")
# Vanilla's chat.type.text "<%s> %s" with the display name (team prefix and suffix, nicknames);
# unsigned chat carries the "[Not Secure] " header (MinecraftServer.logChatMessage).
CHAT_MESSAGE = re.compile(r"^(?:\[Not Secure\] )?<(?P<player>[^<>]{1,64}?)> (?P<text>.*)$")
# The bridge's own commands as the server echoes them to operators and the log
# (chat.type.admin "[%s: %s]" with the RCON source's name "Rcon"): setblock, fill, objective, enable.
COMMAND_ECHO = re.compile(r"^\[Rcon: (?:Changed the block at |Successfully filled |Created new objective |"
                          r"Enabled trigger )")
ECHO_ADVICE = ("the server echoes each block the bridge places to operators' chat and to its log "
               "(broadcast-rcon-to-ops and the logAdminCommands game rule are on): set "
               "broadcast-rcon-to-ops=false in server.properties and restart to stop both, or run "
               "'/gamerule logAdminCommands false' (1.21.11 and newer: log_admin_commands) to keep them out of "
               "the log; the bridge changes no server settings itself")

# What the Java bridge does its own way with a tree (sapling.bridge.session.Rules): it journals, so
# players can undo; blocks compare by their checked state; decorations go in as they stream.
JAVA = Rules(trigger=CHAT_TRIGGER, journal=True, defer_decorations=False, cancel_stops_placing=False,
             retry_in_the_way=True, explain_server_errors=False)
# Trees stand on the ground found under the target column (ground.GroundProbe); off: at the exact
# anchor (flat creative builds: ``--no-ground``).
PLACE_ON_GROUND = True
SEED_LIMIT = 2 ** 31 - 1  # the protocol's largest seed (docs/protocol.md)


def log_message(line: str) -> str | None:
    """The message of a server log line (the part after the layout's prefix), or None."""
    m = LOG_LINE.match(line.rstrip("\r\n"))
    return m.group("message") if m else None


def parse_chat(message: str) -> ChatMessage | None:
    """A log message -> the chat message it holds (``player``: the display name), or None."""
    m = CHAT_MESSAGE.match(message)
    if not m or not m.group("player").strip():
        return None
    return ChatMessage(m.group("player"), m.group("text"))


def parse_chat_line(line: str) -> ChatMessage | None:
    """A server log line -> the chat message it holds, or None for any other line."""
    message = log_message(line)
    return None if message is None else parse_chat(message)


def is_command_echo(message: str) -> bool:
    """Whether a log message is the server echoing one of the bridge's own RCON commands."""
    return bool(COMMAND_ECHO.match(message))


_DATA_REPLY = re.compile(r"has the following entity data: \[(.*)\]\s*$")


def _numbers(reply: str, count: int, what: str) -> list[float]:
    m = _DATA_REPLY.search(reply)
    if not m:
        raise BridgeError(f"could not read the player's {what} ({reply.strip()[:80] or 'no reply'})")
    values = [float(v.strip().rstrip("dfDF")) for v in m.group(1).split(",")]
    if len(values) != count:
        raise BridgeError(f"unexpected {what}: {m.group(1)[:80]}")
    return values


class LogFollower:
    """New lines of a growing log file (``tail -F``): starts at the end, survives rotation/truncation."""

    def __init__(self, path: str | Path, from_start: bool = False):
        self.path = Path(path)
        self._file = None
        self._inode = None
        self._buffer = ""
        self._open(seek_end=not from_start)

    def _open(self, seek_end: bool) -> None:
        try:
            f = self.path.open("r", encoding="utf-8", errors="replace")
        except FileNotFoundError:
            self._file = None
            return
        if seek_end:
            f.seek(0, os.SEEK_END)
        self._file, self._inode, self._buffer = f, os.fstat(f.fileno()).st_ino, ""

    def poll(self) -> list[str]:
        if self._file is None:
            self._open(seek_end=False)  # the file appeared (or came back after rotation)
            if self._file is None:
                return []
        try:
            st = os.stat(self.path)
            rotated = st.st_ino != self._inode or st.st_size < self._file.tell()
        except FileNotFoundError:
            rotated = False  # being rotated: read what is left, reopen later
        chunk = self._file.read()
        if rotated:
            self._file.close()
            self._open(seek_end=False)
            chunk += self._file.read() if self._file else ""
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split("\n")
        return lines

    def close(self) -> None:
        if self._file:
            self._file.close()


# --- placing through RCON -------------------------------------------------------------------------

_FILLED = re.compile(r"Successfully filled (\d+) block")


@dataclass
class PlaceResult:
    placed: list[Block] = field(default_factory=list)
    skipped: int = 0  # something was in the way
    unclaimed: int = 0  # placed, but not told apart from identical blocks already there (not journaled)


class WorldEditor:
    """Runs placement and removal commands through RCON and knows exactly which blocks it placed.

    A dropped connection in the middle of a command is resolved by looking at the world: the
    blocks of that command that are there count as placed, the others are placed again (keep
    prevents doubling), so nothing is lost or placed twice.
    """

    def __init__(self, rcon: RconClient):
        self.rcon = rcon
        self.commands_sent = 0

    def _send(self, text: str) -> str | None:
        """A command's reply, or None when the connection dropped after it may have run."""
        self.commands_sent += 1
        try:
            return self.rcon.command(text)
        except RconConnectionLost as lost:
            if not lost.maybe_executed:
                return self._send(text)
            return None

    def _present(self, block: Block) -> bool:
        while (reply := self._send(f"execute if block {block.x} {block.y} {block.z} {block.state}")) is None:
            pass  # a test changes nothing: safe to repeat
        return reply.strip().startswith("Test passed")

    def place(self, blocks: Iterable[Block], use_fill: bool = True) -> PlaceResult:
        result = PlaceResult()
        for cmd in plan_placement(blocks, use_fill).commands:
            self._place_command(cmd, result)
        return result

    def _place_command(self, cmd: Command, result: PlaceResult) -> None:
        reply = self._send(cmd.text)
        if reply is None:  # lost mid-command: see what landed, place the rest one by one
            for b in cmd.blocks:
                if self._present(b):
                    result.placed.append(b)
                else:
                    self._place_command(Command(setblock_command(b), (b,)), result)
            return
        if not cmd.is_fill:
            if reply.startswith("Changed the block"):
                result.placed.append(cmd.blocks[0])
            elif reply.startswith("Could not set the block"):
                result.skipped += 1
            else:
                raise BridgeError(f"the server refused '{cmd.text[:60]}...': {reply.strip()[:120]}")
            return
        m = _FILLED.search(reply)
        filled = int(m.group(1)) if m else 0
        if not m and not reply.startswith("No blocks were filled"):
            raise BridgeError(f"the server refused '{cmd.text[:60]}...': {reply.strip()[:120]}")
        if filled == len(cmd.blocks):
            result.placed.extend(cmd.blocks)
            return
        result.skipped += len(cmd.blocks) - filled
        if filled:
            # Part of the box was occupied: ours are the cells holding our state, provided there are
            # exactly `filled` of them (more would mean identical blocks already stood there).
            ours = [b for b in cmd.blocks if self._present(b)]
            if len(ours) == filled:
                result.placed.extend(ours)
            else:
                result.unclaimed += filled
                log.warning("could not tell %d placed blocks from identical ones already there; "
                            "undo will leave them", filled)

    def remove(self, blocks: Iterable[Block]) -> int:
        """Turn back to air the blocks still exactly as placed; returns how many were removed."""
        removed = 0
        for b in undo_order(blocks):
            reply = self._send(undo_command(b))
            if reply is None:  # lost: if the block is gone now, it was removed
                removed += not self._present(b)
                continue
            removed += reply.startswith("Changed the block")
        return removed

    # --- asking the world: the ground, the space a tree takes ---

    def test(self, query: Query) -> bool:
        """One yes/no block test (``ground.Query``); ``BridgeError`` for a reply that is no answer."""
        return java_passed(self._query(query.command()))

    def find_ground(self, anchor: tuple[int, int, int]) -> Ground:
        """The surface under ``anchor``'s column (``ground.GroundProbe`` over RCON)."""
        probe = GroundProbe(anchor, Edition.JAVA)
        query = probe.next()
        while query is not None:
            query = probe.answer(self.test(query))
        assert probe.result is not None
        return probe.result

    def is_free(self, blocks: Iterable[Block], above_y: int) -> bool:
        """Whether every position of ``blocks`` from ``above_y`` up is air (stops at the first no)."""
        return all(self.test(q) for q in space_queries(blocks, Edition.JAVA, above_y))

    def place_on(self, blocks: Iterable[Block], ground: Ground | None = None, use_fill: bool = True) -> PlaceResult:
        """``place`` on found ground: the tree's ground patch (its ground blocks under the trunk base)
        and its blocks where plants stand (grass, snow layers) go in with ``ground.replace_command``,
        which tests and places in one command (air or a replaceable plant only: no liquid, nothing
        built, whatever changed since the probe); everything else into air only, as ``place``."""
        blocks = list(blocks)
        if ground is None or ground.base is None:
            return self.place(blocks, use_fill)
        base_y, plants = ground.base[1], set(ground.plants)
        special = [b for b in blocks if (b.x, b.y, b.z) in plants or
                   (b.y < base_y and block_kind(b.state) == "ground")]
        chosen = set(special)
        result = self.place([b for b in blocks if b not in chosen], use_fill)
        for b in order_blocks(special):
            while (reply := self._send(replace_command(b, Edition.JAVA))) is None:
                if self._present(b):  # lost after it ran
                    reply = "Changed the block"
                    break
            if reply.startswith("Changed the block"):
                result.placed.append(b)
            elif reply.strip() in ("", "Could not set the block"):
                result.skipped += 1  # not air or a plant there (any more)
            else:
                raise BridgeError(f"the server refused a ground block: {reply.strip()[:120]}")
        return result

    def send_commands(self, commands: Iterable[str]) -> None:
        """Preview commands (``summon``, ``kill``) in order; a ``summon`` the server refuses is a
        ``BridgeError`` (a server older than Java 1.19.4 has no block displays)."""
        for text in commands:
            reply = self._query(text)
            if text.startswith("summon ") and not reply.startswith("Summoned new"):
                raise BridgeError(f"the server cannot show a preview (block displays need Java 1.19.4 or newer): "
                                  f"{reply.strip()[:120]}")

    # --- talking to players, and what the server knows about them ---

    def _query(self, text: str) -> str:
        """A command that changes nothing, or nothing twice (safe to repeat after a lost reply)."""
        while (reply := self._send(text)) is None:
            pass
        return reply

    @staticmethod
    def _target(target: str) -> str:
        """A tellraw/entity target: a UUID, an online username or ``@a`` (never text from chat)."""
        if target == "@a" or is_uuid(target) or ONLINE_NAME.match(target):
            return target
        raise BridgeError(f"{target[:40]!r} is not a player")

    def tell_component(self, target: str, component: object) -> None:
        """``tellraw`` a text component (JSON-encoded: chat text never becomes command syntax)."""
        command = f"tellraw {self._target(target)} {json.dumps(component)}"
        if len(command.encode("utf-8")) > MAX_COMMAND_BYTES:
            raise BridgeError(f"a message of {len(command)} characters is too long for one RCON command")
        self._query(command)

    def tell(self, target: str, message: str, color: str = "green") -> None:
        try:
            self.tell_component(target, {"text": f"[Sapling] {message}"[:900], "color": color})
        except BridgeError as exc:
            log.warning("not told %r: %s", target[:40], exc)

    def player_position(self, target: str) -> tuple[tuple[float, float, float], float]:
        """Feet position and yaw of the player ``target`` (a UUID or an online username)."""
        target = self._target(target)
        if target == "@a":
            raise BridgeError("the position of everyone is not a position")
        pos = _numbers(self._send(f"data get entity {target} Pos") or "", 3, "position")
        rot = _numbers(self._send(f"data get entity {target} Rotation") or "", 2, "facing")
        return (pos[0], pos[1], pos[2]), rot[0]

    def online_players(self) -> tuple[OnlinePlayer, ...]:
        """Every online player, username and UUID (``list uuids``)."""
        return parse_online_players(self._query("list uuids"))

    @staticmethod
    def _holder(name: str) -> str:
        if not ONLINE_NAME.match(name):
            raise BridgeError(f"{name[:40]!r} is not a username")
        return name

    def add_trigger_objective(self, objective: str = CONFIRM_OBJECTIVE) -> None:
        """Create the bridge's ``trigger`` objective unless it exists (the one setting it adds)."""
        reply = self._query(f"scoreboard objectives add {objective} trigger")
        if not reply.startswith(("Created new objective", "An objective already exists")):
            raise BridgeError(f"could not create the scoreboard objective {objective}: {reply.strip()[:120]}")

    def enable_trigger(self, name: str, objective: str = CONFIRM_OBJECTIVE) -> None:
        """Let the player ``name`` run ``/trigger objective`` once (vanilla locks it again after use)."""
        reply = self._query(f"scoreboard players enable {self._holder(name)} {objective}")
        if reply.startswith("Enabled trigger") or "already enabled" in reply:
            return
        if "trigger-objectives" in reply:
            raise BridgeError(f"the scoreboard objective {objective} exists but is not a 'trigger' objective; remove "
                              f"it ('/scoreboard objectives remove {objective}') so the bridge can create its own")
        raise BridgeError(f"could not enable /trigger {objective} for {name}: {reply.strip()[:120]}")

    def score(self, name: str, objective: str = CONFIRM_OBJECTIVE) -> int | None:
        """The player ``name``'s score on ``objective``, None when they have none."""
        return parse_score(self._query(f"scoreboard players get {self._holder(name)} {objective}"))


# --- one tree, from request to placed blocks -----------------------------------------------------

def server_connection(url: str, token: str | None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        # Entered at once: the bridge keeps this connection for its lifetime and closes it itself.
        return connect(url, additional_headers=headers, max_size=None, open_timeout=10).__enter__()
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        raise BridgeError(f"cannot reach the Sapling server at {url} ({exc}); is 'sapling serve' running?") from None


def refused_text(reason: str) -> str:
    return f"no place for a tree there: {reason}; nothing was done"


def stand(editor: WorldEditor, anchor: tuple[int, int, int], ground: bool = PLACE_ON_GROUND) -> Ground:
    """Where a tree aimed at ``anchor`` stands: the ground under its column, or (``ground`` off) the
    anchor itself, taken as found (nothing is replaced there)."""
    if ground:
        return editor.find_ground(anchor)
    anchor = check_anchor(anchor)
    return Ground(anchor, anchor, anchor[1] - 1)


def grow_tree(ws: ClientConnection, editor: WorldEditor, prompt: str, anchor: tuple[int, int, int], who: str,
              size: str = DEFAULT_SIZE, seed: int | None = None, request_id: str | None = None,
              say: Callable[[str, Tone], None] | None = None, poll: Callable[[], bool] | None = None,
              rules: Rules = JAVA, uuid: str | None = None, ground: bool = PLACE_ON_GROUND) -> TreeOutcome:
    """Ask for one tree (stream on), place it at ``anchor`` as it grows, reconcile with the final
    structure and journal what was placed: drives a ``session.TreeRequest`` over the server
    connection and RCON. With ``ground`` the trunk base goes on the ground under ``anchor``'s
    column (``stand``), and a column without ground is refused (status refused, nothing sent to
    the server, nothing placed). ``say(text, tone)`` gets the lines for the player while it grows
    (the outcome's ``lines`` are the last ones). ``poll()`` is called between messages; returning
    True cancels the request (blocks placed so far stay, journaled, so undo removes them). ``who``
    and ``uuid`` (the player's, when known) go into the journal entry."""
    site = stand(editor, anchor, ground)
    if not site.found:
        return TreeOutcome(Status.REFUSED, site.reason or "no ground", anchor=anchor,
                           lines=(Say(refused_text(site.reason), Tone.RED),))
    outcome = _grow(ws, editor, TreeRequest(prompt, size, who, seed, rules), site,
                    request_id or f"{who}-{int(time.time() * 1000)}", say, poll)
    if uuid is not None and outcome.entry is not None:
        outcome.entry.uuid = uuid.lower()
    return outcome


def _grow(ws: ClientConnection, editor: WorldEditor, tree: TreeRequest, site: Ground,
          request_id: str, say: Callable[[str, Tone], None] | None,
          poll: Callable[[], bool] | None) -> TreeOutcome:
    todo: deque[Action] = deque()

    def carry_out(actions: list[Action]) -> TreeOutcome | None:
        todo.extend(actions)
        while todo:
            outcome = _carry_out(todo.popleft(), tree, ws, editor, say, todo, site)
            if outcome is not None:
                return outcome
        return None

    try:
        outcome = carry_out(tree.start(site.base, request_id))
        while outcome is None:
            try:
                msg = json.loads(ws.recv(timeout=0.2))
            except TimeoutError:
                msg = None
            if msg is not None:
                outcome = carry_out(tree.on_reply(msg))
            if outcome is None and poll is not None and not tree.cancelled and poll():
                outcome = carry_out(tree.cancel())
        return outcome
    except ConnectionClosed:
        return tree.connection_lost()[0].outcome


def _carry_out(action: Action, tree: TreeRequest, ws: ClientConnection, editor: WorldEditor,
               say: Callable[[str, Tone], None] | None, todo: deque, site: Ground | None = None
               ) -> TreeOutcome | None:
    """One action of the state machine, through the server connection and RCON (synchronous: a
    placement's answer goes straight back to the machine)."""
    if isinstance(action, Submit):
        ws.send(json.dumps(action.request))
    elif isinstance(action, CancelRequest):
        ws.send(json.dumps({"type": "cancel", "id": tree.request_id}))
    elif isinstance(action, Place):
        result = editor.place_on(action.blocks, site)
        todo.extend(tree.on_placed(result.placed, result.unclaimed))
    elif isinstance(action, Remove):
        todo.extend(tree.on_removed(action.blocks, editor.remove(action.blocks)))
    elif isinstance(action, Say):
        if say is not None:
            say(action.text, action.tone)
    elif isinstance(action, Finish):
        return action.outcome
    return None  # DropQueued: nothing waits here, every command is answered at once


# --- a preview: display entities first, blocks on accept -------------------------------------------

def new_seed() -> int:
    return secrets.randbelow(SEED_LIMIT - MAX_FOREST_COUNT)  # room for a batch's seed + k, and rerolls


def run_preview(ws: ClientConnection, editor: WorldEditor, preview: TreePreview, actions: list,
                site: Ground, say: Callable[[str, Tone], None] | None = None) -> PreviewOutcome | None:
    """Carry out a ``TreePreview``'s actions (and wait for its tree while it grows): returns None once
    it is showing (waiting for accept, reroll or cancel), or its outcome when it ended. An accept's
    blocks go in with ``place_on(site)``, as the tree would have."""
    todo = deque(actions)
    while True:
        while todo:
            action = todo.popleft()
            if isinstance(action, Submit):
                ws.send(json.dumps(action.request))
            elif isinstance(action, CancelRequest):
                ws.send(json.dumps({"type": "cancel", "id": preview.request_id}))
            elif isinstance(action, Send):
                try:
                    editor.send_commands(action.commands)
                except BridgeError:
                    editor.send_commands([kill_command(preview.request_id)])  # what did appear goes
                    preview.cancel(time.monotonic())
                    raise
            elif isinstance(action, Place):
                result = editor.place_on(action.blocks, site)
                todo.extend(preview.on_placed(result.placed, result.unclaimed))
            elif isinstance(action, Say):
                if say is not None:
                    say(action.text, action.tone)
            elif isinstance(action, Done):
                return action.outcome
        if preview.phase is not PreviewPhase.GROWING:
            return None
        try:
            todo.extend(preview.on_reply(json.loads(ws.recv()), time.monotonic()))
        except ConnectionClosed:
            todo.extend(preview.connection_lost())


def start_preview(ws: ClientConnection, editor: WorldEditor, prompt: str, anchor: tuple[int, int, int], who: str,
                  size: str = DEFAULT_SIZE, seed: int | None = None, say: Callable[[str, Tone], None] | None = None,
                  ground: bool = PLACE_ON_GROUND, trigger: str = CHAT_TRIGGER,
                  timeout_s: float = PREVIEW_TIMEOUT_S, max_entities: int = MAX_PREVIEW_ENTITIES
                  ) -> tuple[TreePreview, Ground, PreviewOutcome | None]:
    """Show a tree at ``anchor`` (on the ground under it, see ``grow_tree``) as display entities.
    Returns the preview, where it stands, and its outcome if it already ended (refused, failed);
    answer it with ``run_preview(..., preview.accept(now) / reroll / cancel / tick)``."""
    preview = TreePreview(prompt, new_seed() if seed is None else seed, size, who, trigger, True, timeout_s,
                          max_entities)
    site = stand(editor, anchor, ground)
    if not site.found:
        text = refused_text(site.reason)
        preview.outcome = PreviewOutcome(PreviewStatus.FAILED, site.reason or "no ground", anchor=anchor,
                                         lines=(Say(text, Tone.RED),))
        preview.phase = PreviewPhase.FINISHED
        return preview, site, preview.outcome
    rid = f"preview-{secrets.token_hex(6)}"
    return preview, site, run_preview(ws, editor, preview, preview.start(site.base, rid, time.monotonic()), site, say)


def reroll_id() -> str:
    return f"preview-{secrets.token_hex(6)}"


# --- a forest: one batched request, a site on the ground for each tree ------------------------------

@dataclass
class ForestOutcome:
    status: Status
    message: str
    plan: ForestPlan | None = None
    entry: JournalEntry | None = None  # the whole forest: one undo
    placed: int = 0
    skipped: int = 0
    lines: tuple[Say, ...] = ()


def orient(blocks: Iterable[tuple[int, int, int, str]], rotation: int, mirror: str | None
           ) -> list[tuple[int, int, int, str]]:
    """Blocks relative to the trunk base, mirrored (``"x"``: x -> -x) then turned ``rotation`` degrees
    clockwise seen from above (``(x, z) -> (-z, x)`` per quarter), states with them: the rules of
    ``sapling.transform`` on the protocol's block lists."""
    rotation, mirror = check_transform(rotation, mirror)
    out = []
    for x, y, z, state in blocks:
        if mirror is not None:
            x, z = (-x, z) if mirror == "x" else (x, -z)
            state = mirror_state(state, mirror)
        for _ in range(rotation // 90):
            x, z = -z, x
        out.append((x, y, z, rotate_state(state, rotation) if rotation else state))
    return out


def _samples(ws: ClientConnection, request: dict) -> dict[int, dict]:
    """Send a generate request; its finished structures by sample (``BridgeError`` for an error reply)."""
    ws.send(json.dumps(request))
    parts: dict[int, list[dict]] = {}
    while True:
        msg = json.loads(ws.recv())
        if msg.get("id") not in (request["id"], None):
            continue
        kind = msg.get("type")
        if kind in ("structure", "structure_part"):
            parts.setdefault(int(msg.get("sample", 0)), []).append(msg)
        elif kind == "done":
            return {k: assemble(v) for k, v in parts.items()}
        elif kind == "error":
            raise BridgeError(str(msg.get("message", msg.get("code", "generation failed"))))


def grow_forest(ws: ClientConnection, editor: WorldEditor, prompt: str, centre: tuple[float, float, float],
                count: int, radius: int, who: str, size: str = DEFAULT_SIZE, seed: int | None = None,
                say: Callable[[str, Tone], None] | None = None, uuid: str | None = None,
                ground: bool = PLACE_ON_GROUND, max_count: int = MAX_FOREST_COUNT,
                max_radius: int = MAX_FOREST_RADIUS, trigger: str | None = CHAT_TRIGGER) -> ForestOutcome:
    """``count`` different trees around ``centre`` (a player's feet) within ``radius``: one batched
    generate request (``num_samples=count``), then ``forest.ForestPlanner`` proposes a site per tree
    (spaced by crowns, a rotation and mirror each); each is probed for ground (with ``ground``) and
    for free space above it, and refused sites throw again. Every tree's blocks go into ONE journal
    entry: one undo removes the forest."""
    count, radius = check_forest(count, radius, max_count, max_radius)
    tell = say or (lambda text, tone: None)
    seed = new_seed() if seed is None else seed
    request = {"type": "generate", "id": f"forest-{secrets.token_hex(6)}", "prompt": prompt, "size": size,
               "num_samples": count, "seed": seed, "stream": False}
    tell(f"growing a forest of {count} '{prompt}'", Tone.GREEN)
    try:
        samples = _samples(ws, request)
    except ConnectionClosed:
        return ForestOutcome(Status.CONNECTION_LOST, LOST_CONNECTION, lines=(Say(LOST_CONNECTION, Tone.RED),))
    except BridgeError as exc:
        return ForestOutcome(Status.FAILED, str(exc), lines=(Say(failed_text(exc), Tone.RED),))
    trees = [[(x, y, z, samples[k]["palette"][i]) for x, y, z, i in samples[k]["blocks"]] if k in samples else []
             for k in range(count)]
    planner = ForestPlanner(count, radius, centre, [crown_radius_of(t) for t in trees], seed,
                            max_count=max_count, max_radius=max_radius)
    feet_y = math.floor(centre[1] + 0.1)
    placed: list[Block] = []
    skipped = 0
    site = planner.next_site()
    while site is not None:
        stood = stand(editor, site.anchor(feet_y), ground)
        if not stood.found:
            site = planner.reject(stood.reason or "no ground")
            continue
        blocks = to_world(orient(trees[site.index], site.rotation, site.mirror), stood.base)
        if not blocks or not editor.is_free(blocks, stood.base[1] + 2):
            site = planner.reject("something is in the way (another tree or a build)" if blocks else "an empty tree")
            continue
        result = editor.place_on(blocks, stood)
        placed += result.placed
        skipped += result.skipped
        tell(f"tree {len(planner.plan.trees) + 1} of {count} placed ({len(result.placed)} blocks)", Tone.GRAY)
        site = planner.accept(stood.base[1])
    plan = planner.plan
    anchor = (math.floor(centre[0]), feet_y, math.floor(centre[2]))
    entry = JournalEntry(who, prompt, placed, anchor=anchor, uuid=uuid.lower() if uuid else None) if placed else None
    lines = [Say(text, Tone.GREEN if i == 0 and plan.trees else Tone.YELLOW) for i, text in enumerate(plan.lines())]
    if placed:
        undo = f"; '{trigger} undo' removes the whole forest" if trigger else ""
        lines.append(Say(f"{len(placed)} blocks placed{undo}"))
    return ForestOutcome(Status.DONE if plan.trees else Status.REFUSED, f"{len(plan.trees)} of {count} trees",
                         plan, entry, len(placed), skipped, tuple(lines))


def undo_entries(editor: WorldEditor, journal: Journal, entries: list[JournalEntry]) -> int:
    """Undo placements (newest first); returns the number of blocks turned back to air."""
    removed = 0
    for e in entries:
        removed += editor.remove(e.blocks)
        journal.mark_undone(e.id)
    return removed


# --- the chat bridge -------------------------------------------------------------------------------

@dataclass
class BridgeSettings:
    server: str = DEFAULT_URL
    token: str | None = None
    trigger: str = CHAT_TRIGGER
    allow: tuple[str, ...] = ()  # usernames or UUIDs; empty: every player
    cooldown: float = 30.0       # seconds between one player's trees
    max_size: str = CHAT_MAX_SIZE
    poll_interval: float = 0.2
    confirm: str = "guarded"      # identity.CONFIRM_POLICIES: which requests wait for the player's click
    confirm_timeout: float = 60.0  # seconds a confirmation button stays valid
    ground: bool = PLACE_ON_GROUND  # trees on the ground under the target (False: at the exact anchor)
    preview_timeout: float = PREVIEW_TIMEOUT_S  # seconds an unanswered preview stays
    preview_entities: int = MAX_PREVIEW_ENTITIES  # display entities one preview may summon
    max_forest_count: int = MAX_FOREST_COUNT
    max_forest_radius: int = MAX_FOREST_RADIUS


@dataclass
class _Shown:
    """A player's preview (``TreePreview``) and where it stands."""

    preview: TreePreview
    site: Ground
    player: OnlinePlayer


@dataclass
class _Proof:
    """A request waiting for its player's click: the scoreboard must come to hold ``nonce``."""

    player: OnlinePlayer
    nonce: int
    deadline: float  # time.monotonic()
    what: str
    then: Callable[[], None]


class JavaBridge:
    """Follows the log, answers ``!tree`` commands one at a time.

    ``notify(text)``: where a note for the admin goes besides the log (the CLI prints it)."""

    def __init__(self, settings: BridgeSettings, editor: WorldEditor, follower: LogFollower, journal: Journal,
                 notify: Callable[[str], None] | None = None):
        check_size(settings.max_size)
        check_policy(settings.confirm)
        if settings.confirm_timeout <= 0:
            raise BridgeError("the confirmation timeout must be > 0 seconds")
        if settings.preview_timeout <= 0:
            raise BridgeError("the preview timeout must be > 0 seconds")
        check_forest(settings.max_forest_count, settings.max_forest_radius, settings.max_forest_count,
                     settings.max_forest_radius)
        self.settings = settings
        self.editor = editor
        self.follower = follower
        self.journal = journal
        self.notify = notify
        self._last_request: dict[str, float] = {}  # by UUID
        self._ws: ClientConnection | None = None
        self._pending: list[ChatMessage] = []
        self._proofs: dict[str, _Proof] = {}  # by UUID
        self._objective_ready = False
        self.echo_noticed = False
        self.last_outcome: TreeOutcome | None = None
        self.last_forest: ForestOutcome | None = None
        self._previews: dict[str, _Shown] = {}  # by UUID: one preview per player

    def _server(self) -> ClientConnection:
        if self._ws is None:
            self._ws = server_connection(self.settings.server, self.settings.token)
        return self._ws

    def _messages(self) -> list[ChatMessage]:
        out = self._pending
        self._pending = []
        for line in self.follower.poll():
            message = log_message(line)
            if message is None:
                continue
            if not self.echo_noticed and is_command_echo(message):
                self._notice_echo()
            msg = parse_chat(message)
            if msg is not None:
                out.append(msg)
        return out

    def _notice_echo(self) -> None:
        """Once: the server echoes our commands; say which settings turn that off (the bridge changes none)."""
        self.echo_noticed = True
        log.warning(ECHO_ADVICE)
        if self.notify is not None:
            self.notify(ECHO_ADVICE)

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Answer chat until ``stop()`` is true (checked every poll interval)."""
        log.info("following %s; trigger %r; server %s; confirm %s", self.follower.path, self.settings.trigger,
                 self.settings.server, self.settings.confirm)
        try:  # no preview outlives a restart: the last run's go now
            self.editor.send_commands([kill_all_command()])
        except (BridgeError, RconError) as exc:
            log.error("could not remove old previews: %s", exc)
        while not stop():
            for msg in self._messages():
                self.handle(msg)
            self.check_confirmations()
            self.check_previews()
            time.sleep(self.settings.poll_interval)
        if self._ws is not None:
            self._ws.close()

    # --- who is speaking ---

    def identify(self, display: str) -> Speaker | None:
        """The online player behind a display name; None (and everyone is told why) when no single one."""
        try:
            result = resolve(display, self.editor.online_players())
        except (BridgeError, RconError) as exc:
            log.error("cannot read the online players: %s", exc)
            return None
        if isinstance(result, Unresolved):
            log.warning("refused a command from %r: %s", display, result.reason)
            # Nobody can be told alone (who spoke is the question); everyone saw the line.
            self.editor.tell("@a", f"cannot tell who asked: {result.reason}; nothing was done", Tone.RED)
            return None
        if not result.exact:
            log.info("%r is %s (%s)", display, result.player.name, result.player.uuid)
        return result

    def parse(self, text: str) -> TreeCommand | None:
        s = self.settings
        return parse_command(text, s.trigger, s.max_size, preview=True, forest=True, max_count=s.max_forest_count,
                             max_radius=s.max_forest_radius)

    def handle(self, msg: ChatMessage) -> None:
        s = self.settings
        error: CommandError | None = None
        try:
            cmd = self.parse(msg.text)
        except CommandError as exc:
            cmd, error = None, exc
        if cmd is None and error is None:
            return
        speaker = self.identify(msg.player)
        if speaker is None:
            return
        player = speaker.player
        if error is not None:
            self.editor.tell(player.uuid, str(error), Tone.RED)
        elif not allowed(player, s.allow):
            self.editor.tell(player.uuid, "you are not allowed to grow trees here", Tone.RED)
        elif cmd.kind == "help":
            self.editor.tell(player.uuid, help_text(s.trigger, s.max_size, preview=True, forest=True,
                                                    max_count=s.max_forest_count, max_radius=s.max_forest_radius),
                             Tone.YELLOW)
        elif cmd.kind in ("accept", "reroll"):
            self._answer_preview(player, cmd.kind)
        elif cmd.kind == "cancel":
            if player.uuid in self._previews:
                self._answer_preview(player, "cancel")
            elif self._proofs.pop(player.uuid, None) is not None:
                self.editor.tell(player.uuid, "cancelled: nothing was done", Tone.YELLOW)
            else:
                self.editor.tell(player.uuid, NOTHING_GROWING, Tone.YELLOW)
        elif cmd.kind == "undo":
            self._undo(player)
        elif cmd.kind == "preview":
            self._guard(player, "generate", f"preview '{cmd.prompt}' in front of you",
                        lambda: self._preview(player, cmd))
        elif cmd.kind == "forest":
            if not self._cooling(player):
                self._guard(player, "generate", f"grow a forest of {cmd.count} '{cmd.prompt}' around you",
                            lambda: None if self._cooling(player) else self._forest(player, cmd))
        else:
            self._generate(player, cmd)

    # --- proving it: the player clicks, the scoreboard tells ---

    def _guard(self, player: OnlinePlayer, action: str, what: str, then: Callable[[], None]) -> None:
        """Run ``then`` now, or once ``player`` has confirmed where the policy asks for it."""
        s = self.settings
        if not needs_confirmation(s.confirm, action, bool(s.allow)):
            then()
            return
        waiting = self._proofs.get(player.uuid)
        if waiting is not None:
            self.editor.tell(player.uuid, f"first confirm (or '{s.trigger} cancel') your last request: "
                                          f"{waiting.what}", Tone.RED)
            return
        try:
            if not self._objective_ready:
                self.editor.add_trigger_objective(CONFIRM_OBJECTIVE)
                self._objective_ready = True
            self.editor.enable_trigger(player.name, CONFIRM_OBJECTIVE)
            nonce = secrets.randbelow(NONCE_MAX) + 1
            self.editor.tell_component(player.uuid, confirm_button(what, nonce, s.confirm_timeout))
        except (BridgeError, RconError) as exc:
            self._objective_ready = False  # perhaps removed meanwhile: create it again next time
            log.error("cannot ask %s to confirm: %s", player.name, exc)
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        self._proofs[player.uuid] = _Proof(player, nonce, time.monotonic() + s.confirm_timeout, what, then)

    def check_confirmations(self) -> None:
        """Carry out the requests whose player has clicked; drop those whose time is up."""
        for key, proof in list(self._proofs.items()):
            try:
                confirmed = self.editor.score(proof.player.name, CONFIRM_OBJECTIVE) == proof.nonce
            except (BridgeError, RconError) as exc:
                log.error("cannot read %s's confirmation: %s", proof.player.name, exc)
                confirmed = False
            if confirmed:
                del self._proofs[key]
                log.info("%s confirmed: %s", proof.player.name, proof.what)
                proof.then()
            elif time.monotonic() >= proof.deadline:
                del self._proofs[key]
                log.info("%s did not confirm: %s", proof.player.name, proof.what)
                self.editor.tell(proof.player.uuid, f"not confirmed in time, nothing was done: {proof.what}",
                                 Tone.YELLOW)

    # --- what players ask for ---

    def _undo(self, player: OnlinePlayer) -> None:
        entries = self.journal.last(1, who=player.name, uuid=player.uuid)
        if not entries:
            self.editor.tell(player.uuid, "nothing of yours to undo", Tone.YELLOW)
            return
        entry = entries[0]

        def undo() -> None:
            still = [e for e in self.journal.last(1, who=player.name, uuid=player.uuid) if e.id == entry.id]
            if not still:  # undone meanwhile (an admin's sapling undo)
                self.editor.tell(player.uuid, "nothing of yours to undo", Tone.YELLOW)
                return
            n = undo_entries(self.editor, self.journal, still)
            self.editor.tell(player.uuid, f"removed your '{entry.prompt}' ({n} blocks)")

        self._guard(player, "undo", f"remove your '{entry.prompt}'", undo)

    def _cooling(self, player: OnlinePlayer) -> bool:
        wait = self._last_request.get(player.uuid, -1e9) + self.settings.cooldown - time.monotonic()
        if wait > 0:
            self.editor.tell(player.uuid, f"cooling down: wait {math.ceil(wait)} s before the next tree", Tone.RED)
        return wait > 0

    def _generate(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        if not self._cooling(player):
            self._guard(player, "generate", f"grow '{cmd.prompt}' in front of you",
                        lambda: None if self._cooling(player) else self._grow(player, cmd))

    def _where(self, player: OnlinePlayer) -> tuple[tuple[float, float, float], float] | None:
        try:
            return self.editor.player_position(player.uuid)
        except (BridgeError, RconError) as exc:
            self.editor.tell(player.uuid, f"cannot find you: {exc}", Tone.RED)
            return None

    def _say_to(self, player: OnlinePlayer) -> Callable[[str, Tone], None]:
        return lambda text, tone: self.editor.tell(player.uuid, text, tone)

    # --- previews ---

    def _preview(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        if player.uuid in self._previews:  # one per player: the new one replaces it
            self._answer_preview(player, "cancel", quiet=True)
        where = self._where(player)
        if where is None:
            return
        anchor = anchor_in_front(where[0], where[1], tree_distance(cmd.size))
        try:
            preview, site, ended = start_preview(self._server(), self.editor, cmd.prompt, anchor, player.name,
                                                 cmd.size, say=self._say_to(player), ground=self.settings.ground,
                                                 trigger=self.settings.trigger,
                                                 timeout_s=self.settings.preview_timeout,
                                                 max_entities=self.settings.preview_entities)
        except (BridgeError, PlacementError, RconError) as exc:
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        if ended is not None:
            self._preview_ended(player, ended)
        else:
            self._previews[player.uuid] = _Shown(preview, site, player)

    def _answer_preview(self, player: OnlinePlayer, answer: str, quiet: bool = False) -> None:
        shown = self._previews.get(player.uuid)
        if shown is None:
            self.editor.tell(player.uuid, f"no preview of yours to {answer}: '{self.settings.trigger} preview "
                                          "<prompt>' shows one", Tone.YELLOW)
            return
        p, now = shown.preview, time.monotonic()
        actions = {"accept": lambda: p.accept(now), "reroll": lambda: p.reroll(reroll_id(), now),
                   "cancel": lambda: p.cancel(now), "tick": lambda: p.tick(now)}[answer]()
        self._drive_preview(shown, actions, quiet)

    def _drive_preview(self, shown: _Shown, actions: list, quiet: bool = False) -> None:
        player = shown.player
        try:
            ended = run_preview(self._server(), self.editor, shown.preview, actions, shown.site,
                                None if quiet else self._say_to(player))
        except (BridgeError, PlacementError, RconError) as exc:
            self._previews.pop(player.uuid, None)
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        except ConnectionClosed:
            self._ws = None
            ended = shown.preview.connection_lost()[0].outcome if not shown.preview.finished else None
        if ended is not None:
            self._previews.pop(player.uuid, None)
            if not quiet:
                self._preview_ended(player, ended)

    def _preview_ended(self, player: OnlinePlayer, outcome: PreviewOutcome) -> None:
        if outcome.entry is not None:
            outcome.entry.uuid = player.uuid.lower()
            self.journal.record(outcome.entry)
        log.info("preview for %s: %s (%s)", player.name, outcome.status, outcome.message)
        for line in outcome.lines:
            self.editor.tell(player.uuid, line.text, line.tone)

    def check_previews(self) -> None:
        """Remove the previews nobody answered in time."""
        for key in list(self._previews):
            self._answer_preview(self._previews[key].player, "tick")

    # --- forests ---

    def _forest(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        where = self._where(player)
        if where is None:
            return
        self._last_request[player.uuid] = time.monotonic()
        s = self.settings
        try:
            outcome = grow_forest(self._server(), self.editor, cmd.prompt, where[0], cmd.count, cmd.radius,
                                  player.name, cmd.size, say=self._say_to(player), uuid=player.uuid,
                                  ground=s.ground, max_count=s.max_forest_count, max_radius=s.max_forest_radius,
                                  trigger=s.trigger)
        except (BridgeError, PlacementError, RconError, CommandError) as exc:
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        self.last_forest = outcome
        if outcome.entry is not None:
            self.journal.record(outcome.entry)
        if outcome.status is Status.CONNECTION_LOST:
            self._ws = None
        log.info("forest for %s: %s (%s)", player.name, outcome.status, outcome.message)
        for line in outcome.lines:
            self.editor.tell(player.uuid, line.text, line.tone)

    # --- one tree ---

    def _grow(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        where = self._where(player)
        if where is None:
            return
        pos, yaw = where
        anchor = anchor_in_front(pos, yaw, tree_distance(cmd.size))
        self._last_request[player.uuid] = time.monotonic()

        def poll() -> bool:
            """Chat while the tree grows: its player's cancel stops it, other commands wait their turn."""
            cancel = False
            for msg in self._messages():
                try:
                    other = self.parse(msg.text)
                except CommandError:
                    other = None
                if other is None or other.kind not in ("cancel", "generate", "undo"):
                    self._pending.append(msg)
                    continue
                try:
                    who = resolve(msg.player, self.editor.online_players())
                except (BridgeError, RconError):
                    who = None
                if not isinstance(who, Speaker):
                    self._pending.append(msg)  # refused, with the reason, once the tree is done
                elif other.kind == "cancel" and who.player.uuid == player.uuid:
                    cancel = True
                elif other.kind == "cancel":
                    self._pending.append(msg)
                else:
                    self.editor.tell(who.player.uuid, "busy growing another tree: try again in a moment", Tone.RED)
            return cancel

        try:
            outcome = grow_tree(self._server(), self.editor, cmd.prompt, anchor, player.name, cmd.size,
                                say=lambda text, tone: self.editor.tell(player.uuid, text, tone), poll=poll,
                                rules=replace(JAVA, trigger=self.settings.trigger), uuid=player.uuid,
                                ground=self.settings.ground)
        except (BridgeError, PlacementError, RconError) as exc:
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        except ConnectionClosed:
            self._ws = None
            self.editor.tell(player.uuid, f"{LOST_CONNECTION}; try again", Tone.RED)
            return
        self.last_outcome = outcome
        if outcome.entry is not None:
            self.journal.record(outcome.entry)
        log.info("tree for %s: %s (%s)", player.name, outcome.status, outcome.message)
        if outcome.status is Status.CONNECTION_LOST:
            self._ws = None
        for line in outcome.lines:
            self.editor.tell(player.uuid, line.text, line.tone)
