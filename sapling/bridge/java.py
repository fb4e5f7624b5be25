"""The Java Edition bridge: chat in the server log -> a tree from ``sapling serve`` -> blocks via RCON.

``JavaBridge`` follows ``logs/latest.log`` for chat lines such as
``[12:00:05] [Server thread/INFO]: <Steve> !tree birch tree``, finds the player with
``data get entity``, asks the generation server for a tree with streaming on and
places each step's blocks as they arrive, a few blocks in front of the player at
their feet level. When the final structure arrives it is the truth: streamed blocks
it lacks are removed (only if still as placed), missing ones placed. Every command
writes into air only; what was placed goes into the undo journal.

The tree request itself is ``sapling.bridge.session.TreeRequest``, the state machine the
Bedrock session drives too; ``grow_tree`` carries out its actions over the server connection
and RCON. Runs on one thread: the log is polled between websocket messages, so ``!tree
cancel`` works while a tree grows. Never imports torch.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from sapling.bridge.commands import (ChatMessage, CommandError, TreeCommand, anchor_in_front, check_size,
                                     help_text, parse_command, tree_distance)
from sapling.bridge.placement import (Block, Command, Journal, JournalEntry, PlacementError, plan_placement,
                                      setblock_command, undo_command, undo_order)
from sapling.bridge.rcon import RconClient, RconConnectionLost, RconError
from sapling.bridge.session import (LOST_CONNECTION, NOTHING_GROWING, Action, CancelRequest, Finish, Place, Remove,
                                    Rules, Say, Status, Submit, Tone, TreeOutcome, TreeRequest, failed_text)
from sapling.errors import BridgeError

log = logging.getLogger("sapling.bridge")

PLAYER_NAME = re.compile(r"^[A-Za-z0-9_]{1,16}$")
# Vanilla: "[12:00:05] [Server thread/INFO]: <Steve> text"; Paper: "[12:00:05 INFO]: <Steve> text";
# chat without a signature may carry "[Not Secure] " before the name.
CHAT_LINE = re.compile(r"^\[[^\]]*\](?: \[[^\]]*\])?: (?:\[Not Secure\] )?<(?P<player>[A-Za-z0-9_]{1,16})> (?P<text>.*)$")

# What the Java bridge does its own way with a tree (sapling.bridge.session.Rules): it journals, so
# players can undo; blocks compare by their checked state; decorations go in as they stream.
JAVA = Rules(trigger="!tree", journal=True, defer_decorations=False, cancel_stops_placing=False,
             retry_in_the_way=True, explain_server_errors=False)


def parse_chat_line(line: str) -> ChatMessage | None:
    """A server log line -> the chat message it holds, or None for any other line."""
    m = CHAT_LINE.match(line.rstrip("\r\n"))
    return ChatMessage(m.group("player"), m.group("text")) if m else None


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

    def tell(self, player: str, message: str, color: str = "green") -> None:
        if not PLAYER_NAME.match(player):
            return  # only names read from the log or given by an admin ever get here
        payload = json.dumps({"text": f"[Sapling] {message}"[:900], "color": color})
        self._send(f"tellraw {player} {payload}")

    def player_position(self, player: str) -> tuple[tuple[float, float, float], float]:
        if not PLAYER_NAME.match(player):
            raise BridgeError(f"{player!r} is not a player name")
        pos = _numbers(self._send(f"data get entity {player} Pos") or "", 3, "position")
        rot = _numbers(self._send(f"data get entity {player} Rotation") or "", 2, "facing")
        return (pos[0], pos[1], pos[2]), rot[0]


# --- one tree, from request to placed blocks -----------------------------------------------------

def server_connection(url: str, token: str | None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        # Entered at once: the bridge keeps this connection for its lifetime and closes it itself.
        return connect(url, additional_headers=headers, max_size=None, open_timeout=10).__enter__()
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        raise BridgeError(f"cannot reach the Sapling server at {url} ({exc}); is 'sapling serve' running?") from None


def grow_tree(ws: ClientConnection, editor: WorldEditor, prompt: str, anchor: tuple[int, int, int], who: str,
              size: str = "normal", seed: int | None = None, request_id: str | None = None,
              say: Callable[[str, Tone], None] | None = None, poll: Callable[[], bool] | None = None,
              rules: Rules = JAVA) -> TreeOutcome:
    """Ask for one tree (stream on), place it at ``anchor`` as it grows, reconcile with the final
    structure and journal what was placed: drives a ``session.TreeRequest`` over the server
    connection and RCON. ``say(text, tone)`` gets the lines for the player while it grows (the
    outcome's ``lines`` are the last ones). ``poll()`` is called between messages; returning True
    cancels the request (blocks placed so far stay, journaled, so undo removes them)."""
    tree = TreeRequest(prompt, size, who, seed, rules)
    todo: deque[Action] = deque()

    def carry_out(actions: list[Action]) -> TreeOutcome | None:
        todo.extend(actions)
        while todo:
            outcome = _carry_out(todo.popleft(), tree, ws, editor, say, todo)
            if outcome is not None:
                return outcome
        return None

    try:
        outcome = carry_out(tree.start(anchor, request_id or f"{who}-{int(time.time() * 1000)}"))
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
    server: str = "ws://127.0.0.1:8765"
    token: str | None = None
    trigger: str = "!tree"
    allow: tuple[str, ...] = ()  # empty: every player
    cooldown: float = 30.0       # seconds between one player's trees
    max_size: str = "big"
    poll_interval: float = 0.2


class JavaBridge:
    """Follows the log, answers ``!tree`` commands one at a time."""

    def __init__(self, settings: BridgeSettings, editor: WorldEditor, follower: LogFollower, journal: Journal):
        check_size(settings.max_size)
        self.settings = settings
        self.editor = editor
        self.follower = follower
        self.journal = journal
        self._last_request: dict[str, float] = {}
        self._ws: ClientConnection | None = None
        self._pending: list[ChatMessage] = []
        self.last_outcome: TreeOutcome | None = None

    def _server(self) -> ClientConnection:
        if self._ws is None:
            self._ws = server_connection(self.settings.server, self.settings.token)
        return self._ws

    def _allowed(self, player: str) -> bool:
        return not self.settings.allow or player.lower() in {a.lower() for a in self.settings.allow}

    def _messages(self) -> list[ChatMessage]:
        out = self._pending
        self._pending = []
        for line in self.follower.poll():
            msg = parse_chat_line(line)
            if msg is not None:
                out.append(msg)
        return out

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Answer chat until ``stop()`` is true (checked every poll interval)."""
        log.info("following %s; trigger %r; server %s", self.follower.path, self.settings.trigger, self.settings.server)
        while not stop():
            for msg in self._messages():
                self.handle(msg)
            time.sleep(self.settings.poll_interval)
        if self._ws is not None:
            self._ws.close()

    def handle(self, msg: ChatMessage) -> None:
        s = self.settings
        try:
            cmd = parse_command(msg.text, s.trigger, s.max_size)
        except CommandError as exc:
            self.editor.tell(msg.player, str(exc), Tone.RED)
            return
        if cmd is None:
            return
        if not self._allowed(msg.player):
            self.editor.tell(msg.player, "you are not allowed to grow trees here", Tone.RED)
            return
        if cmd.kind == "help":
            self.editor.tell(msg.player, help_text(s.trigger, s.max_size), Tone.YELLOW)
        elif cmd.kind == "cancel":
            self.editor.tell(msg.player, NOTHING_GROWING, Tone.YELLOW)
        elif cmd.kind == "undo":
            entries = self.journal.last(1, who=msg.player)
            if not entries:
                self.editor.tell(msg.player, "nothing of yours to undo", Tone.YELLOW)
            else:
                n = undo_entries(self.editor, self.journal, entries)
                self.editor.tell(msg.player, f"removed your '{entries[0].prompt}' ({n} blocks)")
        else:
            self._generate(msg.player, cmd)

    def _generate(self, player: str, cmd: TreeCommand) -> None:
        wait = self._last_request.get(player, -1e9) + self.settings.cooldown - time.monotonic()
        if wait > 0:
            self.editor.tell(player, f"cooling down: wait {math.ceil(wait)} s before the next tree", Tone.RED)
            return
        try:
            pos, yaw = self.editor.player_position(player)
        except BridgeError as exc:
            self.editor.tell(player, f"cannot find you: {exc}", Tone.RED)
            return
        anchor = anchor_in_front(pos, yaw, tree_distance(cmd.size))
        self._last_request[player] = time.monotonic()

        def poll() -> bool:
            """Chat while the tree grows: cancel stops it, other commands wait their turn."""
            cancel = False
            for msg in self._messages():
                try:
                    other = parse_command(msg.text, self.settings.trigger, self.settings.max_size)
                except CommandError:
                    other = None
                if other is None:
                    continue
                if other.kind == "cancel" and msg.player == player:
                    cancel = True
                elif other.kind == "generate" or other.kind == "undo":
                    self.editor.tell(msg.player, "busy growing another tree: try again in a moment", Tone.RED)
                else:
                    self._pending.append(msg)
            return cancel

        try:
            outcome = grow_tree(self._server(), self.editor, cmd.prompt, anchor, player, cmd.size,
                                say=lambda text, tone: self.editor.tell(player, text, tone), poll=poll,
                                rules=replace(JAVA, trigger=self.settings.trigger))
        except (BridgeError, PlacementError, RconError) as exc:
            self.editor.tell(player, failed_text(exc), Tone.RED)
            return
        except ConnectionClosed:
            self._ws = None
            self.editor.tell(player, f"{LOST_CONNECTION}; try again", Tone.RED)
            return
        self.last_outcome = outcome
        if outcome.entry is not None:
            self.journal.record(outcome.entry)
        log.info("tree for %s: %s (%s)", player, outcome.status, outcome.message)
        if outcome.status is Status.CONNECTION_LOST:
            self._ws = None
        for line in outcome.lines:
            self.editor.tell(player, line.text, line.tone)
