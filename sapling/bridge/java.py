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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from sapling.bridge.commands import (ChatMessage, CommandError, TreeCommand, anchor_in_front, check_size,
                                     help_text, parse_command, tree_distance)
from sapling.bridge.identity import (CONFIRM_OBJECTIVE, NONCE_MAX, ONLINE_NAME, OnlinePlayer, Speaker, Unresolved,
                                     allowed, check_policy, confirm_button, is_uuid, needs_confirmation,
                                     parse_online_players, parse_score, resolve)
from sapling.bridge.placement import (Block, Command, Journal, JournalEntry, PlacementError, plan_placement,
                                      setblock_command, undo_command, undo_order)
from sapling.bridge.rcon import MAX_COMMAND_BYTES, RconClient, RconConnectionLost, RconError
from sapling.bridge.session import (LOST_CONNECTION, NOTHING_GROWING, Action, CancelRequest, Finish, Place, Remove,
                                    Rules, Say, Status, Submit, Tone, TreeOutcome, TreeRequest, failed_text)
from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER
from sapling.errors import BridgeError
from sapling.server.protocol import DEFAULT_URL
from sapling.structure import DEFAULT_SIZE

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


def grow_tree(ws: ClientConnection, editor: WorldEditor, prompt: str, anchor: tuple[int, int, int], who: str,
              size: str = DEFAULT_SIZE, seed: int | None = None, request_id: str | None = None,
              say: Callable[[str, Tone], None] | None = None, poll: Callable[[], bool] | None = None,
              rules: Rules = JAVA, uuid: str | None = None) -> TreeOutcome:
    """Ask for one tree (stream on), place it at ``anchor`` as it grows, reconcile with the final
    structure and journal what was placed: drives a ``session.TreeRequest`` over the server
    connection and RCON. ``say(text, tone)`` gets the lines for the player while it grows (the
    outcome's ``lines`` are the last ones). ``poll()`` is called between messages; returning True
    cancels the request (blocks placed so far stay, journaled, so undo removes them). ``who`` and
    ``uuid`` (the player's, when known) go into the journal entry."""
    outcome = _grow(ws, editor, TreeRequest(prompt, size, who, seed, rules), anchor,
                    request_id or f"{who}-{int(time.time() * 1000)}", say, poll)
    if uuid is not None and outcome.entry is not None:
        outcome.entry.uuid = uuid.lower()
    return outcome


def _grow(ws: ClientConnection, editor: WorldEditor, tree: TreeRequest, anchor: tuple[int, int, int],
          request_id: str, say: Callable[[str, Tone], None] | None,
          poll: Callable[[], bool] | None) -> TreeOutcome:
    todo: deque[Action] = deque()

    def carry_out(actions: list[Action]) -> TreeOutcome | None:
        todo.extend(actions)
        while todo:
            outcome = _carry_out(todo.popleft(), tree, ws, editor, say, todo)
            if outcome is not None:
                return outcome
        return None

    try:
        outcome = carry_out(tree.start(anchor, request_id))
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
               say: Callable[[str, Tone], None] | None, todo: deque) -> TreeOutcome | None:
    """One action of the state machine, through the server connection and RCON (synchronous: a
    placement's answer goes straight back to the machine)."""
    if isinstance(action, Submit):
        ws.send(json.dumps(action.request))
    elif isinstance(action, CancelRequest):
        ws.send(json.dumps({"type": "cancel", "id": tree.request_id}))
    elif isinstance(action, Place):
        result = editor.place(action.blocks)
        todo.extend(tree.on_placed(result.placed, result.unclaimed))
    elif isinstance(action, Remove):
        todo.extend(tree.on_removed(action.blocks, editor.remove(action.blocks)))
    elif isinstance(action, Say):
        if say is not None:
            say(action.text, action.tone)
    elif isinstance(action, Finish):
        return action.outcome
    return None  # DropQueued: nothing waits here, every command is answered at once


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
        while not stop():
            for msg in self._messages():
                self.handle(msg)
            self.check_confirmations()
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

    def handle(self, msg: ChatMessage) -> None:
        s = self.settings
        error: CommandError | None = None
        try:
            cmd = parse_command(msg.text, s.trigger, s.max_size)
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
            self.editor.tell(player.uuid, help_text(s.trigger, s.max_size), Tone.YELLOW)
        elif cmd.kind == "cancel":
            if self._proofs.pop(player.uuid, None) is not None:
                self.editor.tell(player.uuid, "cancelled: nothing was done", Tone.YELLOW)
            else:
                self.editor.tell(player.uuid, NOTHING_GROWING, Tone.YELLOW)
        elif cmd.kind == "undo":
            self._undo(player)
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

    def _grow(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        try:
            pos, yaw = self.editor.player_position(player.uuid)
        except (BridgeError, RconError) as exc:
            self.editor.tell(player.uuid, f"cannot find you: {exc}", Tone.RED)
            return
        anchor = anchor_in_front(pos, yaw, tree_distance(cmd.size))
        self._last_request[player.uuid] = time.monotonic()

        def poll() -> bool:
            """Chat while the tree grows: its player's cancel stops it, other commands wait their turn."""
            cancel = False
            for msg in self._messages():
                try:
                    other = parse_command(msg.text, self.settings.trigger, self.settings.max_size)
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
                                rules=replace(JAVA, trigger=self.settings.trigger), uuid=player.uuid)
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
