"""Minecraft Bedrock Edition, natively in ``sapling serve``: the game-side session (no torch).

A player in a world with cheats on types ``/connect 127.0.0.1:8765/bedrock``; the game's
own websocket client connects to ``sapling serve``, which runs one ``BedrockSession``
for that connection. Over it the game speaks its websocket protocol (JSON messages with
``header.messagePurpose``): we ``subscribe`` to ``PlayerMessage`` events, send
``commandRequest`` messages (``body.commandLine``) and match each ``commandResponse`` (or
``error``) to its request by ``header.requestId``. The game refuses more than 100
commands awaiting an answer ("Too many commands have been requested", status
-2147418109), so ``CommandQueue`` keeps at most that many in flight and resends a refused
one after backing off.

``!tree <prompt>`` from a player's chat: find the player (``querytarget``), pick an anchor
a few blocks in front of their feet, ask the server for a tree with streaming on
(``submit``, the same requests as docs/protocol.md), place blocks as steps arrive, then
make the world match the final structure: streamed blocks it lacks are removed only
where our block is still exactly there (``execute if block ... run setblock ... air``),
missing ones placed. Every block goes in with ``setblock x y z <block> keep``, which
writes into air only, so nothing a player built is replaced. Block text comes from
``to_bedrock`` of checked vocabulary states and chat replies are ``tellraw`` rawtext built
with ``json.dumps``: no chat text ever becomes command syntax. One tree at a time per
session; ``!tree cancel`` stops it, ``!tree help`` explains.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, AsyncIterable, Callable, Iterable

from sapling.blocks import block_kind
from sapling.bridge.bedrock_blocks import to_bedrock
from sapling.bridge.commands import (ChatMessage, CommandError, TreeCommand, anchor_in_front, check_size, help_text,
                                     parse_command, tree_distance)
from sapling.bridge.placement import Block, PlacementError, order_blocks, to_world
from sapling.server.protocol import assemble

log = logging.getLogger("sapling.bridge")

BEDROCK_PATH = "/bedrock"
MAX_AWAITING = 100              # the game's limit of commands awaiting a response
TOO_MANY_COMMANDS = -2147418109  # its status when that limit is exceeded
BLOCK_IN_THE_WAY = -2147352576   # "The block couldn't be placed" (keep found no air), or a failed test
COMMAND_VERSION = 38            # command syntax version: block states and the new execute (any 1.21 client)
COMMAND_TIMEOUT = 30.0          # seconds before an unanswered command counts as failed
EYE_HEIGHT = 1.62               # querytarget reports a player's eye position; we want their feet
# How the game names the sender of messages a websocket server caused (English, Japanese clients).
EXTERNAL_SENDERS = frozenset({"External", "外部"})
# A name we can put between quotes in a selector: no quote, backslash or control character.
PLAYER_NAME = re.compile(r'^[^"\\\x00-\x1f\x7f]{1,64}$')
GREEN, YELLOW, RED, GRAY = "§a", "§e", "§c", "§7"

Submit = Callable[[dict, Callable[[dict], None]], Callable[[], None]]


class BedrockError(CommandError):
    """A chat command or game reply the session cannot act on; the message is shown to the player."""


# --- what the game says ---------------------------------------------------------------------------

def chat_from_event(body: dict) -> ChatMessage | None:
    """A ``PlayerMessage`` event body -> the chat line a player typed; None for anything else.

    Only ``type == "chat"`` counts: ``tell``/``say``/``me``/``title`` and everything our own
    ``tellraw`` causes (sender "External") are ignored, so the session never answers itself.
    Older clients (1.16-1.18) put the fields under ``properties`` with capitalised names.
    """
    props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    sender = body.get("sender", props.get("Sender"))
    message = body.get("message", props.get("Message"))
    kind = body.get("type", props.get("MessageType"))
    if not isinstance(sender, str) or not isinstance(message, str) or kind != "chat":
        return None
    if sender in EXTERNAL_SENDERS:
        return None
    return ChatMessage(sender, message)


@dataclass(frozen=True)
class Pose:
    feet: tuple[float, float, float]
    yaw: float


def player_pose(body: dict) -> Pose:
    """A ``querytarget`` reply -> where the player stands and looks.

    ``details`` (or ``statusMessage``) holds a JSON list like
    ``[{"dimension":0,"position":{"x":..,"y":..,"z":..},"uniqueId":"..","yRot":..}]``; ``y`` is
    the eye height, ``yRot`` the yaw (0 = south, 90 = west, as in Java).
    """
    raw = body.get("details", body.get("statusMessage"))
    try:
        targets = json.loads(raw) if isinstance(raw, str) else raw
        first = targets[0]
        pos = first["position"]
        x, y, z, yaw = (float(pos["x"]), float(pos["y"]), float(pos["z"]), float(first["yRot"]))
    except (ValueError, TypeError, KeyError, IndexError):
        raise BedrockError(f"could not read where you are ({str(raw)[:80] or 'no reply'})") from None
    if not all(math.isfinite(v) for v in (x, y, z, yaw)):
        raise BedrockError("could not read where you are (not a position)")
    return Pose((x, y - EYE_HEIGHT, z), yaw)


def anchor_for(pose: Pose, distance: int) -> tuple[int, int, int]:
    """The block ``distance`` blocks ahead of the player, at their feet level."""
    return anchor_in_front(pose.feet, pose.yaw, distance)


def target(player: str) -> str:
    """A selector for exactly this player (the name was checked against PLAYER_NAME)."""
    return f'@a[name="{player}"]'


def rawtext(text: str, color: str = GREEN) -> str:
    """The JSON argument of ``tellraw``: built by json.dumps, so chat text cannot break out of it."""
    return json.dumps({"rawtext": [{"text": f"{color}[Sapling]§r {text}"[:500]}]}, ensure_ascii=False)


# --- commands, at most MAX_AWAITING in flight --------------------------------------------------------

@dataclass(frozen=True)
class CommandResult:
    """The game's answer: ``status`` 0 is success (``statusCode``), anything else a failure."""

    status: int
    message: str = ""
    body: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 0


NO_ANSWER = -1    # our own statuses, never sent by the game
NOT_SENT = -2


@dataclass(eq=False)
class _Pending:
    line: str
    future: asyncio.Future
    urgent: bool
    tag: object = None
    request_id: str = ""
    timer: asyncio.TimerHandle | None = None


def command_request(request_id: str, line: str) -> dict[str, Any]:
    return {"header": {"version": 1, "requestId": request_id, "messageType": "commandRequest",
                       "messagePurpose": "commandRequest"},
            "body": {"version": COMMAND_VERSION, "commandLine": line, "origin": {"type": "player"}}}


def subscribe_request(event: str) -> dict[str, Any]:
    return {"header": {"version": 1, "requestId": str(uuid.uuid4()), "messageType": "commandRequest",
                       "messagePurpose": "subscribe"},
            "body": {"eventName": event}}


class CommandQueue:
    """Sends command lines to the game, never more than ``max_awaiting`` unanswered.

    ``run`` returns a future resolved with the CommandResult. Urgent commands (chat replies,
    finding a player) jump ahead of queued blocks. When the game still says "too many
    commands" (another client shares its budget, or it counts differently), the command
    goes back to the front, the window shrinks to what is in flight and grows back slowly.
    """

    def __init__(self, send_text: Callable[[str], None], max_awaiting: int = MAX_AWAITING,
                 timeout: float = COMMAND_TIMEOUT):
        self._send_text = send_text
        self.max_awaiting = max_awaiting
        self.timeout = timeout
        self._urgent: deque[_Pending] = deque()
        self._queued: deque[_Pending] = deque()
        self._awaiting: dict[str, _Pending] = {}
        self._window = float(max_awaiting)
        self._backoff = 0.05
        self._retry: asyncio.TimerHandle | None = None
        self._closed = False
        self.sent = 0
        self.peak_awaiting = 0
        self.too_many = 0  # "too many commands" refusals seen

    @property
    def awaiting(self) -> int:
        return len(self._awaiting)

    def run(self, line: str, urgent: bool = False, tag: object = None) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if self._closed:
            future.set_result(CommandResult(NOT_SENT, "the game disconnected"))
            return future
        (self._urgent if urgent else self._queued).append(_Pending(line, future, urgent, tag))
        self._pump()
        return future

    def _pump(self) -> None:
        while (self._urgent or self._queued) and self._retry is None and len(self._awaiting) < int(self._window):
            p = (self._urgent or self._queued).popleft()
            p.request_id = str(uuid.uuid4())
            self._awaiting[p.request_id] = p
            p.timer = asyncio.get_running_loop().call_later(self.timeout, self._expire, p.request_id)
            self.sent += 1
            self.peak_awaiting = max(self.peak_awaiting, len(self._awaiting))
            self._send_text(json.dumps(command_request(p.request_id, p.line)))

    def on_reply(self, header: dict, body: dict) -> bool:
        """A ``commandResponse`` or ``error`` from the game; False when it answers nothing of ours."""
        p = self._awaiting.pop(str(header.get("requestId")), None)
        if p is None:
            return False
        if p.timer is not None:
            p.timer.cancel()
        status = body.get("statusCode")
        if status == TOO_MANY_COMMANDS:
            self.too_many += 1
            self._window = max(1.0, float(len(self._awaiting)))
            (self._urgent if p.urgent else self._queued).appendleft(p)
            if not self._awaiting and self._retry is None:  # no answer will come to wake us: wait a little
                self._retry = asyncio.get_running_loop().call_later(self._backoff, self._resume)
                self._backoff = min(1.0, self._backoff * 2)
        else:
            self._window = min(float(self.max_awaiting), self._window + 1.0 / self._window)
            self._backoff = 0.05
            code = status if isinstance(status, int) and not isinstance(status, bool) else NO_ANSWER
            _resolve(p, CommandResult(code, str(body.get("statusMessage", "")), body))
        self._pump()
        return True

    def _resume(self) -> None:
        self._retry = None
        self._pump()

    def _expire(self, request_id: str) -> None:
        p = self._awaiting.pop(request_id, None)
        if p is not None:
            _resolve(p, CommandResult(NO_ANSWER, "the game did not answer"))
            self._pump()

    def drop(self, tag: object) -> int:
        """Forget the queued (unsent) commands with this tag; their futures resolve as not sent."""
        dropped = 0
        for q in (self._urgent, self._queued):
            keep = deque()
            for p in q:
                if p.tag is tag and tag is not None:
                    _resolve(p, CommandResult(NOT_SENT, "cancelled"))
                    dropped += 1
                else:
                    keep.append(p)
            q.clear()
            q.extend(keep)
        return dropped

    def close(self) -> None:
        """The connection is gone: every command still waiting fails."""
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
        for p in [*self._awaiting.values(), *self._urgent, *self._queued]:
            if p.timer is not None:
                p.timer.cancel()
            _resolve(p, CommandResult(NOT_SENT, "the game disconnected"))
        self._awaiting.clear()
        self._urgent.clear()
        self._queued.clear()


def _resolve(p: _Pending, result: CommandResult) -> None:
    if not p.future.done():
        p.future.set_result(result)


# --- one tree in the world --------------------------------------------------------------------------

Pos = tuple[int, int, int]


class _TreeBlocks:
    """The blocks of one tree: what we asked the game for and what it confirmed, by position.

    Compared as Bedrock block text, the form the world holds them in.
    """

    def __init__(self, commands: CommandQueue, logger: logging.Logger = log):
        self.commands = commands
        self.log = logger
        self.tag = object()  # marks this tree's commands, so a cancel can drop the unsent ones
        self._errors: set[str] = set()
        self.sent: dict[Pos, str] = {}
        self.placed: dict[Pos, Block] = {}
        self.removed = 0
        self._pending: list[asyncio.Future] = []

    def place(self, blocks: Iterable[Block], new_positions_only: bool) -> None:
        """Queue ``setblock ... keep`` for each block, in support order."""
        for b in order_blocks(blocks):
            pos, text = (b.x, b.y, b.z), to_bedrock(b.state)
            if self.sent.get(pos) == text or (new_positions_only and pos in self.sent):
                continue
            self.sent[pos] = text
            future = self.commands.run(f"setblock {b.x} {b.y} {b.z} {text} keep", tag=self.tag)
            future.add_done_callback(lambda f, b=b: f.cancelled() or self._placed(b, f.result()))
            self._pending.append(future)

    def _placed(self, b: Block, result: CommandResult) -> None:
        if result.ok:
            self.placed[(b.x, b.y, b.z)] = b
        elif result.status not in (BLOCK_IN_THE_WAY, NOT_SENT) and result.message not in self._errors:
            self._errors.add(result.message)  # an unexpected refusal (e.g. an old client): say it once
            self.log.warning("the game refused setblock of %s: %s (%s)", to_bedrock(b.state), result.message,
                             result.status)

    def remove(self, blocks: Iterable[Block]) -> None:
        """Turn back to air those of ``blocks`` still exactly as we placed them (decorations first)."""
        for b in reversed(order_blocks(blocks)):
            pos, text = (b.x, b.y, b.z), to_bedrock(b.state)
            line = f"execute if block {b.x} {b.y} {b.z} {text} run setblock {b.x} {b.y} {b.z} air"
            future = self.commands.run(line, tag=self.tag)
            future.add_done_callback(lambda f, pos=pos: f.cancelled() or self._removed(pos, f.result()))
            self._pending.append(future)

    def _removed(self, pos: Pos, result: CommandResult) -> None:
        # Removed, or no longer our block (a player changed it): either way it is not ours any more.
        if result.status != NOT_SENT:
            self.placed.pop(pos, None)
            self.sent.pop(pos, None)
            self.removed += result.ok

    async def settle(self) -> None:
        """Wait until every command queued so far was answered (or dropped). Cancelling the wait (the
        game left) cancels these futures, which the callbacks above then ignore."""
        while self._pending:
            pending, self._pending = self._pending, []
            await asyncio.gather(*pending)


@dataclass
class TreeResult:
    status: str        # done, cancelled, error
    message: str
    placed: int = 0    # blocks of ours in the world at the end
    skipped: int = 0   # blocks of the final tree that could not go in (something was in the way)
    removed: int = 0   # streamed blocks taken out again because the final tree lacks them
    anchor: tuple[int, int, int] | None = None


# --- the session ------------------------------------------------------------------------------------

class BedrockSession:
    """One game connection: chat in, commands out, trees from ``submit``.

    ``send_text`` queues a text message to the game; ``submit(request, on_message)`` sends a
    generate request (docs/protocol.md) to the generation service, delivers each reply dict
    to ``on_message`` on the event loop and returns a cancel function. Drive it with
    ``await session.run(messages)`` (any async iterable of the game's text messages), or
    ``start()`` + ``feed(text)`` + ``await close()``.
    """

    def __init__(self, send_text: Callable[[str], None], submit: Submit, trigger: str = "!tree",
                 max_size: str = "big", max_awaiting: int = MAX_AWAITING, distance: int | None = None,
                 logger: logging.Logger | None = None):
        check_size(max_size)
        self._send_text = send_text
        self._submit = submit
        self.trigger = trigger
        self.max_size = max_size
        self.distance = distance
        self.log = logger or log
        self.commands = CommandQueue(send_text, max_awaiting)
        self._task: asyncio.Task | None = None
        self._owner: str | None = None
        self._cancel_server: Callable[[], None] | None = None
        self._cancel_requested = False
        self._tree: _TreeBlocks | None = None
        self._requests = 0
        self._closed = False
        self.results: list[TreeResult] = []

    # --- plumbing ---
    async def run(self, messages: AsyncIterable[str | bytes]) -> None:
        self.start()
        try:
            async for text in messages:
                self.feed(text)
        finally:
            await self.close()

    def start(self) -> None:
        self._send_text(json.dumps(subscribe_request("PlayerMessage")))

    def feed(self, text: str | bytes) -> None:
        """One message from the game."""
        try:
            msg = json.loads(text)
            header, body = msg["header"], msg.get("body") or {}
            if not isinstance(header, dict) or not isinstance(body, dict):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            self.log.debug("ignoring a message from the game that is not a websocket packet: %.80r", text)
            return
        purpose = header.get("messagePurpose")
        if purpose in ("commandResponse", "error"):
            self.commands.on_reply(header, body)
        elif purpose == "event" and (header.get("eventName") or body.get("eventName")) == "PlayerMessage":
            chat = chat_from_event(body)
            if chat is not None:
                self.on_chat(chat)

    async def close(self) -> None:
        """The game left: stop the tree (and its server request), fail what is queued."""
        self._closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.commands.close()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def tell(self, player: str, text: str, color: str = GREEN) -> None:
        if self._closed or not PLAYER_NAME.match(player):
            return
        self.commands.run(f"tellraw {target(player)} {rawtext(text, color)}", urgent=True)

    # --- chat ---
    def on_chat(self, chat: ChatMessage) -> None:
        try:
            cmd = parse_command(chat.text, self.trigger, self.max_size)
        except CommandError as exc:
            self.tell(chat.player, str(exc), RED)
            return
        if cmd is None:
            return
        if not PLAYER_NAME.match(chat.player):
            self.log.warning("ignoring %s from a player name we cannot address: %.40r", self.trigger, chat.player)
            return
        if cmd.kind == "help":
            self.tell(chat.player, help_text(self.trigger, self.max_size, undo=False), YELLOW)
        elif cmd.kind == "undo":
            self.tell(chat.player, "undo is not available on Bedrock yet: break the blocks, or use a Java server",
                      YELLOW)
        elif cmd.kind == "cancel":
            if self.busy and self._owner == chat.player:
                self._request_cancel()
            else:
                self.tell(chat.player, "nothing of yours is growing", YELLOW)
        elif self.busy:
            self.tell(chat.player, f"busy growing a tree for {self._owner}; try again when it is done", RED)
        else:
            self._owner = chat.player
            self._cancel_requested = False
            self._task = asyncio.get_running_loop().create_task(self._grow(chat.player, cmd))

    def _request_cancel(self) -> None:
        self._cancel_requested = True
        if self._tree is not None:
            self.commands.drop(self._tree.tag)
        if self._cancel_server is not None:
            self._cancel_server()

    # --- one tree ---
    async def _grow(self, player: str, cmd: TreeCommand) -> None:
        try:
            result = await self._grow_tree(player, cmd)
        except (BedrockError, PlacementError) as exc:
            result = TreeResult("error", str(exc))
            self.tell(player, f"failed: {exc}", RED)
        except Exception as exc:  # noqa: BLE001  (a bug must not end the session silently)
            self.log.exception("bedrock tree for %s failed", player)
            result = TreeResult("error", f"{type(exc).__name__}: {exc}")
            self.tell(player, "failed: an internal error (see the server log)", RED)
        finally:
            self._owner = None
            self._tree = None
            if self._cancel_server is not None:  # a no-op unless we are leaving early (disconnect)
                self._cancel_server()
                self._cancel_server = None
        self.results.append(result)
        self.log.info("bedrock tree for %s: %s (%s)", player, result.status, result.message)

    async def _locate(self, player: str) -> Pose:
        reply = await self.commands.run(f"querytarget {target(player)}", urgent=True)
        if not reply.ok:
            raise BedrockError(f"cannot find you ({reply.message or 'no answer'})")
        return player_pose(reply.body)

    async def _grow_tree(self, player: str, cmd: TreeCommand) -> TreeResult:
        pose = await self._locate(player)
        anchor = anchor_for(pose, self.distance or tree_distance(cmd.size))
        tree = self._tree = _TreeBlocks(self.commands, self.log)
        if self._cancel_requested:
            self.tell(player, "cancelled", YELLOW)
            return TreeResult("cancelled", "cancelled before it started", anchor=anchor)
        inbox: asyncio.Queue[dict] = asyncio.Queue()
        self._requests += 1
        request = {"type": "generate", "id": f"bedrock-{self._requests}", "prompt": cmd.prompt,
                   "size": cmd.size, "stream": True}
        self._cancel_server = self._submit(request, inbox.put_nowait)
        parts: list[dict] = []
        final: dict | None = None
        quarter = 0
        while True:
            msg = await inbox.get()
            kind = msg.get("type")
            if kind == "accepted":
                ahead = int(msg.get("queue_position", 1)) - 1
                self.tell(player, f"growing '{cmd.prompt}'" + (f" ({ahead} ahead of you)" if ahead > 0 else ""))
            elif kind == "progress" and msg.get("sample", 0) == 0:
                # Decorations (vines, cocoa, propagules) wait for the final tree: they need their support.
                blocks = [b for b in to_world(msg["blocks"], anchor) if block_kind(b.state) != "decoration"]
                if not self._cancel_requested:
                    tree.place(blocks, new_positions_only=True)
                step, steps = int(msg.get("step", 0)), max(1, int(msg.get("steps", 1)))
                if step * 4 // steps > quarter and step < steps:
                    quarter = step * 4 // steps
                    self.tell(player, f"{quarter * 25}%", GRAY)
            elif kind in ("structure", "structure_part") and msg.get("sample", 0) == 0:
                parts.append(msg)
                if kind == "structure" or len(parts) == msg.get("parts"):
                    final = assemble(parts)
            elif kind == "done":
                break
            elif kind == "error":
                return await self._stopped(player, tree, anchor, msg)
        self._cancel_server = None
        if final is None:
            raise BedrockError("the server finished without sending the tree")
        truth = to_world([(x, y, z, final["palette"][i]) for x, y, z, i in final["blocks"]], anchor)
        return await self._reconcile(player, tree, truth, anchor)

    async def _stopped(self, player: str, tree: _TreeBlocks, anchor: Pos, msg: dict) -> TreeResult:
        """The server ended the request with an error (cancelled, busy, invalid, internal)."""
        self._cancel_server = None
        self.commands.drop(tree.tag)
        await tree.settle()
        code, text = msg.get("code"), str(msg.get("message", ""))
        if code == "cancelled":
            self.tell(player, f"cancelled ({len(tree.placed)} blocks placed)", YELLOW)
            return TreeResult("cancelled", text, len(tree.placed), anchor=anchor)
        why = {"busy": "the server is busy", "invalid_request": "the server refused the request",
               "internal": "generation failed"}.get(code, "the server said no")
        self.tell(player, f"{why}: {text}", RED)
        return TreeResult("error", f"{code}: {text}", len(tree.placed), anchor=anchor)

    async def _reconcile(self, player: str, tree: _TreeBlocks, truth: list[Block], anchor: Pos) -> TreeResult:
        """The final structure is the truth: take out streamed blocks it lacks, put in what is missing."""
        await tree.settle()
        wanted = {(b.x, b.y, b.z): to_bedrock(b.state) for b in truth}
        if not self._cancel_requested:
            stale = [b for pos, b in tree.placed.items() if wanted.get(pos) != to_bedrock(b.state)]
            tree.remove(stale)
            await tree.settle()
        if not self._cancel_requested:
            tree.place(truth, new_positions_only=False)
            await tree.settle()
        ours = sum(1 for pos, b in tree.placed.items() if wanted.get(pos) == to_bedrock(b.state))
        skipped = len(wanted) - ours
        if self._cancel_requested:
            self.tell(player, f"cancelled ({len(tree.placed)} blocks placed)", YELLOW)
            return TreeResult("cancelled", "cancelled while placing", len(tree.placed), skipped, tree.removed, anchor)
        extra = f", {skipped} skipped (something was in the way)" if skipped else ""
        self.tell(player, f"done: {ours} blocks placed{extra}")
        return TreeResult("done", f"{ours} blocks placed{extra}", ours, skipped, tree.removed, anchor)


async def bedrock_endpoint(connection: AsyncIterable[str | bytes], send_text: Callable[[str], None], submit: Submit,
                           settings: Any) -> None:
    """The ``/bedrock`` endpoint ``sapling serve`` mounts (``server.app.Endpoint``): one game per
    connection, with the server's trigger word and size ceiling (``ServerSettings``)."""
    await BedrockSession(send_text, submit, trigger=settings.bedrock_trigger,
                         max_size=settings.bedrock_max_size).run(connection)


def endpoints() -> dict[str, Callable]:
    """What a server mounts for Bedrock games: ``{BEDROCK_PATH: bedrock_endpoint}``."""
    return {BEDROCK_PATH: bedrock_endpoint}


__all__ = ["BedrockSession", "bedrock_endpoint", "endpoints", "BedrockError", "CommandQueue", "CommandResult", "ChatMessage", "TreeCommand",
           "TreeResult", "Pose", "chat_from_event", "parse_command", "player_pose", "anchor_for", "rawtext",
           "help_text", "command_request", "subscribe_request", "BEDROCK_PATH", "MAX_AWAITING",
           "TOO_MANY_COMMANDS"]
