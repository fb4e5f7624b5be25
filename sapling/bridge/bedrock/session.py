"""One game connection in ``sapling serve``: chat in, commands out, trees from ``submit`` (asyncio).

``BedrockSession`` reads the game's messages (``messages.py``), sends commands through a
``CommandQueue`` (``queue.py``) and drives one ``sapling.bridge.session.TreeRequest`` at a time:
find the player (``querytarget``), pick an anchor a few blocks in front of their feet, and carry
out the request's actions. Blocks go in with ``setblock x y z <block> keep`` (air only) and come
out with ``execute if block ... run setblock ... air`` (only where ours is still exactly there),
block text from ``to_bedrock`` (``blocks.py``) of checked states.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from functools import partial
from typing import Any, AsyncIterable, Callable

from sapling.bridge.bedrock.blocks import to_bedrock
from sapling.bridge.bedrock.messages import (GRAY, GREEN, PLAYER_NAME, RED, YELLOW, Pose, anchor_for,
                                             chat_from_event, parse_packet, player_pose, rawtext, subscribe_request,
                                             target)
from sapling.bridge.bedrock.queue import BLOCK_IN_THE_WAY, MAX_AWAITING, NOT_SENT, CommandQueue, CommandResult
from sapling.bridge.commands import (ChatMessage, CommandError, TreeCommand, check_size, help_text, parse_command,
                                     tree_distance)
from sapling.bridge.placement import Block, order_blocks
from sapling.bridge.session import (NOTHING_GROWING, Action, CancelRequest, DropQueued, Finish, Place, Remove, Rules,
                                    Say, Status, Submit, TreeOutcome, TreeRequest, failed_text)
from sapling.errors import BedrockError, PlacementError

log = logging.getLogger("sapling.bridge")

BEDROCK_PATH = "/bedrock"
COLORS = {"green": GREEN, "yellow": YELLOW, "red": RED, "gray": GRAY}

SubmitFn = Callable[[dict, Callable[[dict], None]], Callable[[], None]]

# What the Bedrock session does its own way with a tree (sapling.bridge.session.Rules): no journal
# (no undo yet); blocks compare as the world spells them; decorations wait for the final tree; a
# cancel stops placing at once; server errors are told with what kind they are.
BEDROCK = Rules(trigger="!tree", journal=False, same=to_bedrock, defer_decorations=True, cancel_stops_placing=True,
                retry_in_the_way=False, explain_server_errors=True)

TreeResult = TreeOutcome  # the name this module used before the shared state machine


class _Placer:
    """One tree's ``Place`` and ``Remove`` actions as commands; each batch is reported once the game
    has answered all of it (or its unsent commands were dropped)."""

    def __init__(self, commands: CommandQueue, logger: logging.Logger = log):
        self.commands = commands
        self.log = logger
        self.tag = object()  # marks this tree's commands, so a cancel can drop the unsent ones
        self._errors: set[str] = set()

    def place(self, blocks: tuple[Block, ...], report: Callable[[list[Block]], None]) -> None:
        futures = [self.commands.run(f"setblock {b.x} {b.y} {b.z} {to_bedrock(b.state)} keep", tag=self.tag)
                   for b in blocks]

        def answered(results: list[CommandResult]) -> None:
            for b, result in zip(blocks, results):
                if not result.ok and result.status not in (BLOCK_IN_THE_WAY, NOT_SENT) \
                        and result.message not in self._errors:
                    self._errors.add(result.message)  # an unexpected refusal (e.g. an old client): say it once
                    self.log.warning("the game refused setblock of %s: %s (%s)", to_bedrock(b.state), result.message,
                                     result.status)
            report([b for b, result in zip(blocks, results) if result.ok])

        _when_answered(futures, answered)

    def remove(self, blocks: tuple[Block, ...], report: Callable[[list[Block], int], None]) -> None:
        """Decorations first; a block is no longer ours once the game answered (removed, or a player changed it)."""
        ordered = list(reversed(order_blocks(blocks)))
        futures = []
        for b in ordered:
            text = to_bedrock(b.state)
            futures.append(self.commands.run(f"execute if block {b.x} {b.y} {b.z} {text} run setblock {b.x} {b.y} "
                                             f"{b.z} air", tag=self.tag))

        def answered(results: list[CommandResult]) -> None:
            report([b for b, result in zip(ordered, results) if result.status != NOT_SENT],
                   sum(result.ok for result in results))

        _when_answered(futures, answered)


def _when_answered(futures: list[asyncio.Future], then: Callable[[list[CommandResult]], None]) -> None:
    gathered = asyncio.gather(*futures)
    gathered.add_done_callback(lambda g: g.cancelled() or then(g.result()))


class BedrockSession:
    """One game connection: chat in, commands out, trees from ``submit``.

    ``send_text`` queues a text message to the game; ``submit(request, on_message)`` sends a
    generate request (docs/protocol.md) to the generation service, delivers each reply dict
    to ``on_message`` on the event loop and returns a cancel function. Drive it with
    ``await session.run(messages)`` (any async iterable of the game's text messages), or
    ``start()`` + ``feed(text)`` + ``await close()``.
    """

    def __init__(self, send_text: Callable[[str], None], submit: SubmitFn, trigger: str = "!tree",
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
        self._tree: TreeRequest | None = None
        self._placer: _Placer | None = None
        self._inbox: asyncio.Queue[Callable[[], list[Action]]] = asyncio.Queue()
        self._requests = 0
        self._closed = False
        self.results: list[TreeOutcome] = []

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
        packet = parse_packet(text)
        if packet is None:
            self.log.debug("ignoring a message from the game that is not a websocket packet: %.80r", text)
            return
        header, body = packet
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
            if self.busy and self._owner == chat.player and self._tree is not None:
                self._act(self._tree.cancel())
            else:
                self.tell(chat.player, NOTHING_GROWING, YELLOW)
        elif self.busy:
            self.tell(chat.player, f"busy growing a tree for {self._owner}; try again when it is done", RED)
        else:
            self._owner = chat.player
            self._tree = TreeRequest(cmd.prompt, cmd.size, chat.player, rules=replace(BEDROCK, trigger=self.trigger))
            self._task = asyncio.get_running_loop().create_task(self._grow(chat.player, cmd))

    # --- one tree ---
    async def _grow(self, player: str, cmd: TreeCommand) -> None:
        tree = self._tree
        try:
            result = await self._grow_tree(tree, player, cmd)
        except (BedrockError, PlacementError) as exc:
            result = TreeOutcome(Status.FAILED, str(exc))
            self.tell(player, failed_text(exc), RED)
        except Exception as exc:  # noqa: BLE001  (a bug must not end the session silently)
            self.log.exception("bedrock tree for %s failed", player)
            result = TreeOutcome(Status.FAILED, f"{type(exc).__name__}: {exc}")
            self.tell(player, "failed: an internal error (see the server log)", RED)
        finally:
            self._owner = None
            self._tree = self._placer = None
            if self._cancel_server is not None and tree.streaming:  # leaving early (disconnect, error)
                self._cancel_server()
            self._cancel_server = None
        self.results.append(result)
        self.log.info("bedrock tree for %s: %s (%s)", player, result.status, result.message)

    async def _locate(self, player: str) -> Pose:
        reply = await self.commands.run(f"querytarget {target(player)}", urgent=True)
        if not reply.ok:
            raise BedrockError(f"cannot find you ({reply.message or 'no answer'})")
        return player_pose(reply.body)

    async def _grow_tree(self, tree: TreeRequest, player: str, cmd: TreeCommand) -> TreeOutcome:
        pose = await self._locate(player)  # a cancel meanwhile ends the tree at start()
        anchor = anchor_for(pose, self.distance or tree_distance(cmd.size))
        self._placer = _Placer(self.commands, self.log)
        self._inbox = asyncio.Queue()
        if not tree.cancelled:
            self._requests += 1
        self._act(tree.start(anchor, f"bedrock-{self._requests}"))
        while not tree.finished:
            event = await self._inbox.get()
            self._act(event())
        return tree.outcome

    def _act(self, actions: list[Action]) -> None:
        """Carry out the state machine's actions; answers come back through the inbox, on the loop."""
        tree, inbox, player = self._tree, self._inbox, self._owner
        for action in actions:
            if isinstance(action, Submit):
                self._cancel_server = self._submit(action.request,
                                                   lambda m: inbox.put_nowait(partial(tree.on_reply, m)))
            elif isinstance(action, CancelRequest) and self._cancel_server is not None:
                self._cancel_server()
            elif isinstance(action, DropQueued) and self._placer is not None:
                self.commands.drop(self._placer.tag)
            elif isinstance(action, Place):
                self._placer.place(action.blocks, lambda ok: inbox.put_nowait(partial(tree.on_placed, ok)))
            elif isinstance(action, Remove):
                self._placer.remove(action.blocks, lambda gone, n: inbox.put_nowait(partial(tree.on_removed, gone, n)))
            elif isinstance(action, (Say, Finish)):
                for line in action.outcome.lines if isinstance(action, Finish) else (action,):
                    self.tell(player, line.text, COLORS[line.tone])


async def bedrock_endpoint(connection: AsyncIterable[str | bytes], send_text: Callable[[str], None], submit: SubmitFn,
                           settings: Any) -> None:
    """The ``/bedrock`` endpoint ``sapling serve`` mounts (``server.app.Endpoint``): one game per
    connection, with the server's trigger word and size ceiling (``ServerSettings``)."""
    await BedrockSession(send_text, submit, trigger=settings.bedrock_trigger,
                         max_size=settings.bedrock_max_size).run(connection)


def endpoints() -> dict[str, Callable]:
    """What a server mounts for Bedrock games: ``{BEDROCK_PATH: bedrock_endpoint}``."""
    return {BEDROCK_PATH: bedrock_endpoint}
