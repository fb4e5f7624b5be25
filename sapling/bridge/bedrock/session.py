"""One game connection in ``sapling serve``: chat in, commands out, trees from ``submit`` (asyncio).

``BedrockSession`` reads the game's messages (``messages.py``), sends commands through a
``CommandQueue`` (``queue.py``) and drives one ``sapling.bridge.session.TreeRequest`` at a time:
find the player (``querytarget``: position, facing, dimension), pick an anchor a few blocks in
front of their feet, and carry out the request's actions in the player's dimension. Blocks go in
with ``setblock x y z <block> keep`` (air only) and come out with ``execute if block ... run
setblock ... air`` (only where ours is still there), block text from ``blocks.py`` of checked
states.

What was placed goes into an undo journal (``sapling.bridge.placement.Journal``), one file per
dimension (``journal_path``: a journal entry names no dimension). ``!tree undo`` takes the
asking player's newest tree in the dimension they stand in and removes the blocks still as
placed; a player further than ``UNDO_REACH`` blocks from it is asked to come closer first (a
test in an unloaded chunk fails as for a changed block, so the undo would wrongly count as
done). The blocks of an undo that the game did not answer for (or refused for another reason)
are journaled again as a placement of their own, so that the next undo takes out exactly those.

Every tree stands on the ground: before the request goes out, ``terrain.find_surface`` probes the
column of the anchor (``execute in <dimension> if block``) and the trunk base goes on the first
natural ground block; water, another tree, a build or no ground within ``PROBE_DEPTH`` is a
refusal told to the player, with nothing changed. The tree's ground patch goes only where there
is air or a replaceable plant. ``!tree forest <count> [radius] <prompt>`` grows several trees
around the player (``forest.ForestRun``): one journal entry for all of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, AsyncIterable, Callable

from sapling.bridge.bedrock.blocks import to_bedrock
from sapling.bridge.bedrock.messages import (DIMENSION_NAMES, GRAY, GREEN, PLAYER_NAME, RED, YELLOW, Pose, anchor_for,
                                             chat_from_event, parse_packet, player_pose, rawtext,
                                             remove_command, subscribe_request, target)
from sapling.bridge.bedrock.forest import ForestRun
from sapling.bridge.bedrock.queue import BLOCK_IN_THE_WAY, MAX_AWAITING, NOT_SENT, CommandQueue, CommandResult
from sapling.bridge.bedrock.terrain import Footing, find_surface, place_tree_blocks
from sapling.bridge.commands import (GRID_WIDTH, ChatMessage, CommandError, TreeCommand, check_size, help_text,
                                     parse_command, tree_distance)
from sapling.bridge.forest import MAX_FOREST_COUNT, MAX_FOREST_RADIUS, ForestCommand, forest_help
from sapling.bridge.placement import Block, Journal, JournalEntry, order_blocks, undo_order
from sapling.bridge.session import (NOTHING_GROWING, Action, CancelRequest, DropQueued, Finish, Place, Remove, Rules,
                                    Say, Status, Submit, Tone, TreeOutcome, TreeRequest, failed_text)
from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER
from sapling.errors import BedrockError, PlacementError

log = logging.getLogger("sapling.bridge")

BEDROCK_PATH = "/bedrock"
# The undo journal of `sapling serve`, relative to where it runs (as the Java bridge's
# sapling-journal.jsonl); one file per dimension beside it (journal_path).
BEDROCK_JOURNAL = Path("sapling-bedrock-journal.jsonl")
# How close (blocks, horizontally) a player must stand to the base of a tree to undo it: its
# blocks (at most 12 blocks out) then lie within the 4 chunks around a player that the game
# keeps loaded at the smallest simulation distance.
UNDO_REACH = 32
# How far a tree's blocks reach from its base at most (half the widest grid), and so how far from a
# player all of an undo's blocks may lie: a forest (its anchor the middle) asks a player to come
# closer by as much as its blocks reach further.
TREE_REACH = max(GRID_WIDTH.values()) // 2
LOADED_REACH = UNDO_REACH + TREE_REACH
# Said with help: what Java's bridge has that the game's websocket commands cannot do.
NO_PREVIEW = ("preview is not available on Bedrock: it shows trees as display entities (block_display), "
              "which Bedrock does not have")
FOREST_SEEDS = 2**31 - 1 - MAX_FOREST_COUNT  # a forest's seed: sample k uses seed + k (docs/protocol.md)
COLORS = {"green": GREEN, "yellow": YELLOW, "red": RED, "gray": GRAY}

SubmitFn = Callable[[dict, Callable[[dict], None]], Callable[[], None]]

# What the Bedrock session does its own way with a tree (sapling.bridge.session.Rules): it
# journals (where it has a journal: BedrockSession turns it off otherwise); blocks compare as the
# world spells them; decorations wait for the final tree; a cancel stops placing at once; server
# errors are told with what kind they are.
BEDROCK = Rules(trigger=CHAT_TRIGGER, journal=True, same=to_bedrock, defer_decorations=True, cancel_stops_placing=True,
                retry_in_the_way=False, explain_server_errors=True)


def journal_path(base: str | Path, dimension: str) -> Path:
    """The journal file of one dimension: ``sapling-bedrock-journal.jsonl`` ->
    ``sapling-bedrock-journal.nether.jsonl``."""
    base = Path(base)
    return base.with_name(f"{base.stem}.{dimension}{base.suffix}")


def reach(anchor: tuple[int, int, int] | None, feet: tuple[float, float, float]) -> float:
    """Horizontal distance (blocks) from a player's feet to a tree's base (0 for a tree without one)."""
    if anchor is None:
        return 0.0
    return math.hypot(anchor[0] + 0.5 - feet[0], anchor[2] + 0.5 - feet[2])


@dataclass(frozen=True)
class UndoResult:
    """How the game answered an undo's commands: removed, kept (a player changed the block since),
    unanswered (no answer, or refused for another reason: the undo may be repeated)."""

    removed: int
    kept: int
    unanswered: int


def count_undo(results: list[CommandResult]) -> UndoResult:
    removed = sum(r.ok for r in results)
    kept = sum(r.status == BLOCK_IN_THE_WAY for r in results)
    return UndoResult(removed, kept, len(results) - removed - kept)


def undo_text(prompt: str, result: UndoResult, trigger: str) -> str:
    if result.unanswered:
        return (f"the game did not answer for {result.unanswered} blocks of your '{prompt}' ({result.removed} "
                f"removed): '{trigger} undo' again takes out the rest")
    kept = f"; {result.kept} changed since, left as they are" if result.kept else ""
    return f"removed your '{prompt}' ({result.removed} blocks{kept})"


def undo_reach(entry: JournalEntry) -> int:
    """How close (blocks) a player must stand to ``entry.anchor`` to undo it: ``UNDO_REACH``, less as
    much as its blocks lie further than ``TREE_REACH`` from the anchor (a forest), at least 1."""
    if entry.anchor is None:
        return UNDO_REACH
    ax, _, az = entry.anchor
    extent = max((math.hypot(b.x - ax, b.z - az) for b in entry.blocks), default=0.0)
    return max(1, min(UNDO_REACH, math.floor(LOADED_REACH - extent)))


def too_far_text(prompt: str, anchor: tuple[int, int, int], within: int = UNDO_REACH) -> str:
    return f"come within {within} blocks of your '{prompt}' (at {anchor[0]} {anchor[1]} {anchor[2]}) to undo it"


def refused_text(reason: str) -> str:
    return f"no tree here: {reason}"


def bedrock_help(trigger: str, max_size: str, undo: bool, max_forest: int, max_radius: int) -> list[str]:
    """``!tree help`` on Bedrock, one line per message (a message holds at most 500 characters)."""
    return [help_text(trigger, max_size, undo=undo),
            f"{forest_help(trigger, max_forest, max_radius)}; {NO_PREVIEW}"]


def nothing_to_undo_text(dimension: str) -> str:
    return f"nothing of yours to undo in the {DIMENSION_NAMES[dimension]}"


NO_JOURNAL = "undo is off here: this server keeps no journal"
LOST_GAME = "the game disconnected"

TreeResult = TreeOutcome  # the name this module used before the shared state machine


class _Placer:
    """One tree's ``Place`` and ``Remove`` actions as commands; each batch is reported once the game
    has answered all of it (or its unsent commands were dropped)."""

    def __init__(self, commands: CommandQueue, dimension: str = "overworld", logger: logging.Logger = log,
                 footing: Footing | None = None):
        self.commands = commands
        self.dimension = dimension
        self.log = logger
        self.footing = footing  # the ground found under the tree (its patch and lowest logs go in there)
        self.tag = object()  # marks this tree's commands, so a cancel can drop the unsent ones
        self._errors: set[str] = set()

    def place(self, blocks: tuple[Block, ...], report: Callable[[list[Block]], None]) -> None:
        task = asyncio.ensure_future(place_tree_blocks(self.commands, blocks, self.dimension, self.footing, self.tag))

        def answered(done: asyncio.Future) -> None:
            if done.cancelled():
                return
            if done.exception() is not None:  # a block the game cannot spell: nothing of the batch was sent
                self.log.error("could not place a batch of %d blocks: %s", len(blocks), done.exception())
                report([])
                return
            for b, result in done.result():
                if not result.ok and result.status not in (BLOCK_IN_THE_WAY, NOT_SENT) \
                        and result.message not in self._errors:
                    self._errors.add(result.message)  # an unexpected refusal (e.g. an old client): say it once
                    self.log.warning("the game refused setblock of %s: %s (%s)", to_bedrock(b.state), result.message,
                                     result.status)
            report([b for b, result in done.result() if result.ok])

        task.add_done_callback(answered)

    def remove(self, blocks: tuple[Block, ...], report: Callable[[list[Block], int], None]) -> None:
        """Decorations first; a block is no longer ours once the game answered (removed, or a player changed it)."""
        ordered = list(reversed(order_blocks(blocks)))
        futures = [self.commands.run(remove_command(b, self.dimension), tag=self.tag) for b in ordered]

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

    def __init__(self, send_text: Callable[[str], None], submit: SubmitFn, trigger: str = CHAT_TRIGGER,
                 max_size: str = CHAT_MAX_SIZE, max_awaiting: int = MAX_AWAITING, distance: int | None = None,
                 logger: logging.Logger | None = None, journal: str | Path | None = None,
                 max_forest: int = MAX_FOREST_COUNT, max_radius: int = MAX_FOREST_RADIUS,
                 rng: random.Random | None = None):
        """``journal``: the undo journal's base file name (``journal_path`` per dimension); None
        keeps none (no ``!tree undo``). ``max_forest``/``max_radius``: the largest ``!tree forest``
        (trees, blocks around the player); ``rng`` draws each forest's seed."""
        check_size(max_size)
        if not 1 <= max_forest <= MAX_FOREST_COUNT or not 1 <= max_radius <= MAX_FOREST_RADIUS:
            raise BedrockError(f"forest limits must be 1-{MAX_FOREST_COUNT} trees and 1-{MAX_FOREST_RADIUS} blocks, "
                               f"got {max_forest} and {max_radius}")
        self.max_forest, self.max_radius = max_forest, max_radius
        self.rng = rng or random.Random()
        self._send_text = send_text
        self._submit = submit
        self.trigger = trigger
        self.max_size = max_size
        self.distance = distance
        self.log = logger or log
        self.journal = None if journal is None else Path(journal)
        self.commands = CommandQueue(send_text, max_awaiting)
        self._task: asyncio.Task | None = None
        self._owner: str | None = None
        self._doing = ""  # what the running task does, for a player who has to wait
        self._cancel_server: Callable[[], None] | None = None
        self._tree: TreeRequest | None = None
        self._placer: _Placer | None = None
        self._forest: ForestRun | None = None
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
            cmd = parse_command(chat.text, self.trigger, self.max_size, forest=True, max_count=self.max_forest,
                                max_radius=self.max_radius)
        except CommandError as exc:
            self.tell(chat.player, str(exc), RED)
            return
        if cmd is None:
            return
        if not PLAYER_NAME.match(chat.player):
            self.log.warning("ignoring %s from a player name we cannot address: %.40r", self.trigger, chat.player)
            return
        if cmd.kind == "forest":
            if self.busy:
                self.tell(chat.player, f"busy {self._doing}; try again when it is done", RED)
            else:
                self._owner, self._doing = chat.player, f"growing a forest for {chat.player}"
                forest = ForestCommand(cmd.count, cmd.radius, cmd.prompt)
                self._task = asyncio.get_running_loop().create_task(self._grow_forest(chat.player, forest))
        elif cmd.kind == "help":
            for line in bedrock_help(self.trigger, self.max_size, self.journal is not None, self.max_forest,
                                     self.max_radius):
                self.tell(chat.player, line, YELLOW)
        elif cmd.kind == "cancel":
            if self.busy and self._owner == chat.player and self._tree is not None:
                self._act(self._tree.cancel())
            elif self.busy and self._owner == chat.player and self._forest is not None:
                self._forest.cancel()
            else:
                self.tell(chat.player, NOTHING_GROWING, YELLOW)
        elif cmd.kind == "undo" and self.journal is None:
            self.tell(chat.player, NO_JOURNAL, YELLOW)
        elif self.busy:
            self.tell(chat.player, f"busy {self._doing}; try again when it is done", RED)
        elif cmd.kind == "undo":
            self._owner, self._doing = chat.player, f"undoing a tree for {chat.player}"
            self._task = asyncio.get_running_loop().create_task(self._undo(chat.player))
        else:
            self._owner, self._doing = chat.player, f"growing a tree for {chat.player}"
            rules = replace(BEDROCK, trigger=self.trigger, journal=self.journal is not None)
            self._tree = TreeRequest(cmd.prompt, cmd.size, chat.player, rules=rules)
            self._task = asyncio.get_running_loop().create_task(self._grow(chat.player, cmd))

    # --- one tree ---
    async def _grow(self, player: str, cmd: TreeCommand) -> None:
        tree = self._tree
        try:
            result = await self._grow_tree(tree, player, cmd)
        except (CommandError, PlacementError) as exc:  # BedrockError, and the ground probe's BridgeError
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
        ground = await find_surface(self.commands, anchor, pose.dimension)
        if not ground.found:
            self.tell(player, refused_text(ground.reason), RED)
            return TreeOutcome(Status.REFUSED, ground.reason, anchor=anchor)
        anchor = ground.base
        self._placer = _Placer(self.commands, pose.dimension, self.log, Footing.of(ground))
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
                if isinstance(action, Finish) and action.outcome.entry is not None:
                    self._record(action.outcome.entry, self._placer.dimension, player)
                for line in action.outcome.lines if isinstance(action, Finish) else (action,):
                    self.tell(player, line.text, COLORS[line.tone])

    def _record(self, entry: JournalEntry, dimension: str, player: str) -> None:
        try:
            Journal(journal_path(self.journal, dimension)).record(entry)
        except OSError as exc:
            self.log.error("could not write the undo journal %s: %s", journal_path(self.journal, dimension), exc)
            self.tell(player, "could not write the undo journal (see the server log): undo will not find this tree",
                      RED)

    # --- a forest ---
    async def _grow_forest(self, player: str, cmd: ForestCommand) -> None:
        run = None
        try:
            pose = await self._locate(player)
            self._requests += 1
            run = self._forest = ForestRun(cmd, player, pose, self.commands, self._submit,
                                           partial(self.tell, player), f"bedrock-{self._requests}",
                                           self.rng.randint(0, FOREST_SEEDS), self.trigger, self.journal is not None,
                                           self.max_forest, self.max_radius, self.log)
            result = await run.run()
        except asyncio.CancelledError:  # the game left: what was planted stays undoable
            if run is not None and run.placed and self.journal is not None:
                self._record(run.failed(LOST_GAME).entry, run.pose.dimension, player)
            raise
        except (CommandError, PlacementError) as exc:
            result = run.failed(exc) if run is not None else TreeOutcome(Status.FAILED, str(exc),
                                                                         lines=(Say(failed_text(exc), Tone.RED),))
        except Exception as exc:  # noqa: BLE001  (a bug must not end the session silently)
            self.log.exception("bedrock forest for %s failed", player)
            reason = f"{type(exc).__name__}: {exc}"
            result = run.failed(reason) if run is not None else TreeOutcome(Status.FAILED, reason)
            result.lines = (Say("failed: an internal error (see the server log)", Tone.RED),)
        finally:
            self._owner, self._forest = None, None
            if run is not None:
                run.abandon()  # leaving early (disconnect): the server request stops too
        if result.entry is not None:
            self._record(result.entry, run.pose.dimension, player)
        for line in result.lines:
            self.tell(player, line.text, COLORS[line.tone])
        self.results.append(result)
        self.log.info("bedrock forest for %s: %s (%s)", player, result.status, result.message)

    # --- undo ---
    async def _undo(self, player: str) -> None:
        try:
            text, color = await self._undo_last(player)
        except (BedrockError, PlacementError, OSError) as exc:  # a damaged journal is a PlacementError
            text, color = failed_text(exc), RED
        except Exception:  # noqa: BLE001  (a bug must not end the session silently)
            self.log.exception("bedrock undo for %s failed", player)
            text, color = "failed: an internal error (see the server log)", RED
        finally:
            self._owner = None
        self.tell(player, text, color)
        self.log.info("bedrock undo for %s: %s", player, text)

    async def _undo_last(self, player: str) -> tuple[str, str]:
        """Undo ``player``'s newest tree in the dimension they stand in: (what to tell them, colour)."""
        pose = await self._locate(player)
        journal = Journal(journal_path(self.journal, pose.dimension))
        entries = journal.last(1, who=player)
        if not entries:
            return nothing_to_undo_text(pose.dimension), YELLOW
        entry = entries[0]
        within = undo_reach(entry)
        if reach(entry.anchor, pose.feet) > within:
            return too_far_text(entry.prompt, entry.anchor, within), YELLOW
        blocks = undo_order(entry.blocks)
        results = await asyncio.gather(*(self.commands.run(remove_command(b, pose.dimension)) for b in blocks))
        for result in {r.message: r for r in results if r.status not in (0, BLOCK_IN_THE_WAY, NOT_SENT)}.values():
            self.log.warning("the game did not remove a block for undo: %s (%s)", result.message, result.status)
        counted = count_undo(results)
        left = [b for b, r in zip(blocks, results) if not r.ok and r.status != BLOCK_IN_THE_WAY]
        journal.mark_undone(entry.id)
        if left:  # what the game did not answer for stays journaled, so that undo again takes it out
            journal.record(JournalEntry(entry.who, entry.prompt, left, anchor=entry.anchor))
        return undo_text(entry.prompt, counted, self.trigger), YELLOW if counted.unanswered else GREEN


async def bedrock_endpoint(connection: AsyncIterable[str | bytes], send_text: Callable[[str], None], submit: SubmitFn,
                           settings: Any, journal: str | Path | None = BEDROCK_JOURNAL) -> None:
    """The ``/bedrock`` endpoint ``sapling serve`` mounts (``server.app.Endpoint``): one game per
    connection, with the server's trigger word and size ceiling (``ServerSettings``) and the undo
    journal ``journal`` (None: none)."""
    await BedrockSession(send_text, submit, trigger=settings.bedrock_trigger, max_size=settings.bedrock_max_size,
                         journal=journal, max_forest=forest_limit(settings)).run(connection)


def forest_limit(settings: Any) -> int:
    """The largest ``!tree forest`` of a server: one batched request, so at most its ``max_samples``."""
    return max(1, min(MAX_FOREST_COUNT, settings.limits.max_samples))


def endpoints(journal: str | Path | None = BEDROCK_JOURNAL) -> dict[str, Callable]:
    """What a server mounts for Bedrock games: ``{BEDROCK_PATH: bedrock_endpoint}`` journaling to
    ``journal`` (``journal_path`` per dimension; None keeps no journal)."""
    return {BEDROCK_PATH: partial(bedrock_endpoint, journal=journal)}
