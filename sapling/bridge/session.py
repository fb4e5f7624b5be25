"""One ``!tree`` request, from the generate request to the last chat line: the state machine both
editions drive (pure: no I/O, no asyncio, no RCON, no torch).

The Java bridge (``java/``: RCON, one thread) and the Bedrock session (``bedrock/session.py``:
the game's websocket, asyncio) own their loops and their I/O; a ``TreeRequest`` only steps. Each
event returns the actions to carry out, in order::

    events in                           actions out
    start(anchor, request_id)           Submit(request)    send this generate request to the server
    on_reply(message)                   CancelRequest()    send a cancel for it
    on_placed(blocks, unclaimed=0)      DropQueued()       forget this tree's placements not sent yet
    on_removed(blocks, removed)         Place(blocks)      place into air, in this (support) order
    cancel()                            Remove(blocks)     take out those still exactly as placed
    connection_lost()                   Say(text, tone)    tell the player who asked
                                        Finish(outcome)    the end: TreeOutcome (status, counts,
                                                           journal entry, the lines to say last)

Every ``Place`` is answered once with ``on_placed`` (the blocks that landed; ``unclaimed``: placed
but not told apart from identical blocks already there) and every ``Remove`` once with
``on_removed`` (the blocks that are no longer ours, ``removed`` of them turned to air); the request
goes on only when all are answered. Java answers at once (its commands are synchronous), Bedrock
when the game has answered each command.

States: NEW -start-> GROWING (request sent; streamed blocks placed as they come) -done->
SETTLING (waiting for placements) -> REMOVING (streamed blocks the final tree lacks come out) ->
PLACING (what it has and the world does not goes in) -> FINISHED; GROWING -error reply->
STOPPING (waiting for placements) -> FINISHED. A cancel before ``start`` finishes at ``start``.

The final structure is the truth: when it arrives, streamed blocks it lacks are removed (only
where ours is still exactly there) and missing ones placed. Where the editions differ, ``Rules``
says so, one field per difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Iterable, Union

from sapling.blocks import block_kind
from sapling.bridge.placement import Block, JournalEntry, order_blocks, to_world
from sapling.config import CHAT_TRIGGER
from sapling.server.protocol import assemble
from sapling.structure import DEFAULT_SIZE

Pos = tuple[int, int, int]


class Status(StrEnum):
    """How a tree request ended (a ``str``: ``outcome.status == "done"`` holds)."""

    DONE = "done"
    CANCELLED = "cancelled"
    REFUSED = "refused"                  # the server turned it down: busy, invalid_request, unauthorized
    FAILED = "failed"                    # generation failed, or the server finished without a tree
    CONNECTION_LOST = "connection_lost"  # the connection to the server dropped


class Phase(StrEnum):
    NEW = "new"
    GROWING = "growing"
    SETTLING = "settling"
    STOPPING = "stopping"
    REMOVING = "removing"
    PLACING = "placing"
    FINISHED = "finished"


class Tone(StrEnum):
    """How a chat line looks; the values are Java's ``tellraw`` colours, Bedrock maps them."""

    GREEN = "green"    # news: growing, done
    YELLOW = "yellow"  # notes: help, cancelled, nothing to do
    RED = "red"        # refusals and failures
    GRAY = "gray"      # progress


REFUSED_CODES = frozenset({"busy", "invalid_request", "unauthorized"})


# --- what the player is told (both editions) -------------------------------------------------------

NOTHING_GROWING = "nothing of yours is growing"
LOST_CONNECTION = "lost the connection to the Sapling server"
NO_TREE = "the server finished without sending the tree"
_WHY = {"busy": "the server is busy", "invalid_request": "the server refused the request",
        "internal": "generation failed"}


def growing_text(prompt: str, ahead: int) -> str:
    return f"growing '{prompt}'" + (f" ({ahead} ahead of you)" if ahead > 0 else "")


def progress_text(quarter: int) -> str:
    return f"{quarter * 25}%"


def placed_text(placed: int) -> str:
    return f"{placed} blocks placed"


def done_text(placed: int, skipped: int, trigger: str | None = None, species: dict | None = None) -> str:
    """``trigger``: the bridge's chat word where it can undo (the line then says how); ``species``: the
    structure message's ``species`` field, named when the prompt did not name it plainly ("palm tree")."""
    extra = f", {skipped} skipped (something was in the way)" if skipped else ""
    chosen = (species or {}).get("chosen")
    name = str(chosen or "").replace("_", " ")
    kind = f", {'an' if name[:1] in 'aeiou' else 'a'} {name} tree" if chosen and not (species or {}).get("plain", True) \
        else ""
    undo = f"; '{trigger} undo' removes it" if trigger else ""
    return f"done: {placed_text(placed)}{kind}{extra}{undo}"


def cancelled_text(placed: int, trigger: str | None = None) -> str:
    undo = f"; '{trigger} undo' removes them" if trigger else ""
    return f"cancelled ({placed_text(placed)}{undo})"


def failed_text(reason: object) -> str:
    return f"failed: {reason}"


def server_error_text(code: object, message: str, explain: bool) -> str:
    """An ``error`` reply other than ``cancelled``, for the player: what kind first when ``explain``."""
    return f"{_WHY.get(code, 'the server said no')}: {message}" if explain else message


# --- what differs between editions ----------------------------------------------------------------

def _itself(state: str) -> str:
    return state


@dataclass(frozen=True)
class Rules:
    """What one bridge does its own way with a tree; every other step is the same for both."""

    trigger: str = CHAT_TRIGGER
    # Java journals what it placed (``!tree undo``); the done and cancelled lines then say so.
    journal: bool = True
    # How the world spells a block state: two states with the same spelling are the same block
    # (Bedrock: ``to_bedrock``, which drops leaf ``distance``).
    same: Callable[[str], str] = _itself
    # Bedrock: vines, cocoa and propagules wait for the final tree (they need their support).
    defer_decorations: bool = False
    # Bedrock: a cancel drops this tree's queued placements and skips the reconcile; Java only
    # asks the server to stop, places what still streams in and reconciles if the tree finishes.
    cancel_stops_placing: bool = False
    # Java: the final pass places again what found no air while streaming; Bedrock only what it
    # has not asked for with that block yet.
    retry_in_the_way: bool = True
    # Bedrock: a server error is told as "the server is busy: <its text>" (and the outcome's
    # message is "busy: <its text>"); Java passes the server's text on as it is.
    explain_server_errors: bool = False


# --- actions ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submit:
    request: dict


@dataclass(frozen=True)
class CancelRequest:
    pass


@dataclass(frozen=True)
class DropQueued:
    pass


@dataclass(frozen=True)
class Place:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Remove:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Say:
    text: str
    tone: Tone = Tone.GREEN


@dataclass
class TreeOutcome:
    """The end of one request. ``lines`` are said last, after the bridge's own bookkeeping."""

    status: Status
    message: str
    entry: JournalEntry | None = None  # what to journal (None: nothing, or the bridge keeps none)
    skipped: int = 0                   # blocks of the final tree that could not go in (not air)
    structure: dict | None = None      # the final structure message, when one came
    placed: int = 0                    # blocks of ours in the world at the end
    removed: int = 0                   # streamed blocks taken out again because the final tree lacks them
    anchor: Pos | None = None
    lines: tuple[Say, ...] = ()


@dataclass(frozen=True)
class Finish:
    outcome: TreeOutcome


Action = Union[Submit, CancelRequest, DropQueued, Place, Remove, Say, Finish]


# --- the state machine ------------------------------------------------------------------------------

def _pos(b: Block) -> Pos:
    return b.x, b.y, b.z


class TreeRequest:
    """One tree for ``who``: see the module docstring for its events, actions and states."""

    def __init__(self, prompt: str, size: str = DEFAULT_SIZE, who: str = "", seed: int | None = None,
                 rules: Rules = Rules()):
        self.prompt, self.size, self.who, self.seed, self.rules = prompt, size, who, seed, rules
        self.phase = Phase.NEW
        self.request_id: str | None = None
        self.anchor: Pos | None = None
        self.cancelled = False                 # cancel() was called
        self.sent: dict[Pos, str] = {}         # what we asked for at each position, as the world spells it
        self.placed: dict[Pos, Block] = {}     # what the world confirmed is ours
        self.removed = 0
        self.outcome: TreeOutcome | None = None
        self._entry = JournalEntry(who, prompt, []) if rules.journal else None
        self._parts: list[dict] = []
        self._final: dict | None = None
        self._truth: list[Block] = []
        self._wanted: dict[Pos, str] = {}
        self._error: dict = {}
        self._quarter = 0
        self._unclaimed = 0
        self._outstanding = 0  # Place/Remove actions not answered yet
        self._then: Callable[[], list[Action]] | None = None  # the next step, once they all are

    @property
    def finished(self) -> bool:
        return self.phase is Phase.FINISHED

    @property
    def streaming(self) -> bool:
        """The server request is open (a cancel would reach it)."""
        return self.phase is Phase.GROWING

    # --- events ---
    def start(self, anchor: Pos, request_id: str) -> list[Action]:
        """The tree goes at ``anchor``: the generate request goes out (stream on)."""
        self.anchor, self.request_id = anchor, request_id
        if self._entry is not None:
            self._entry.anchor = anchor
        if self.cancelled:
            return self._finish(Status.CANCELLED, "cancelled before it started", Say("cancelled", Tone.YELLOW))
        self.phase = Phase.GROWING
        request = {"type": "generate", "id": request_id, "prompt": self.prompt, "size": self.size, "stream": True}
        if self.seed is not None:
            request["seed"] = self.seed
        return [Submit(request)]

    def on_reply(self, msg: dict) -> list[Action]:
        """One message from the server (docs/protocol.md); others' and late ones are ignored."""
        if self.phase is not Phase.GROWING or msg.get("id") not in (self.request_id, None):
            return []
        kind, first = msg.get("type"), msg.get("sample", 0) == 0
        if kind == "accepted":
            return [Say(growing_text(self.prompt, int(msg.get("queue_position", 1)) - 1))]
        if kind == "progress" and first:
            return self._progress(msg)
        if kind in ("structure", "structure_part") and first:
            self._parts.append(msg)
            if kind == "structure" or len(self._parts) == msg.get("parts"):
                self._final = assemble(self._parts)
        elif kind == "done":
            self.phase = Phase.SETTLING
            if self._final is None:
                return self._finish(Status.FAILED, NO_TREE, Say(failed_text(NO_TREE), Tone.RED))
            final = self._final
            self._truth = to_world([(x, y, z, final["palette"][i]) for x, y, z, i in final["blocks"]], self.anchor)
            return self._when_settled(self._remove_stale)
        elif kind == "error":
            self.phase, self._error = Phase.STOPPING, msg
            return [DropQueued(), *self._when_settled(self._stopped)]
        return []

    def on_placed(self, blocks: Iterable[Block], unclaimed: int = 0) -> list[Action]:
        """A ``Place`` is answered: ``blocks`` landed (ours now)."""
        self._outstanding -= 1
        for b in blocks:
            self.placed[_pos(b)] = b
        self._unclaimed += unclaimed
        return self._settled()

    def on_removed(self, blocks: Iterable[Block], removed: int) -> list[Action]:
        """A ``Remove`` is answered: ``blocks`` are not ours any more (``removed`` went back to air,
        the others a player had changed)."""
        self._outstanding -= 1
        for b in blocks:
            self.placed.pop(_pos(b), None)
            self.sent.pop(_pos(b), None)
        self.removed += removed
        return self._settled()

    def cancel(self) -> list[Action]:
        """The player asked to stop; blocks placed so far stay (journaled, where there is a journal)."""
        if self.cancelled or self.finished:
            return []
        self.cancelled = True
        if self.phase is Phase.NEW:
            return []  # start() ends it
        actions: list[Action] = [DropQueued()] if self.rules.cancel_stops_placing else []
        return actions + [CancelRequest()] if self.streaming else actions

    def connection_lost(self) -> list[Action]:
        return self._finish(Status.CONNECTION_LOST, LOST_CONNECTION, Say(LOST_CONNECTION, Tone.RED))

    # --- steps ---
    def _progress(self, msg: dict) -> list[Action]:
        blocks = to_world(msg["blocks"], self.anchor)
        if self.rules.defer_decorations:
            blocks = [b for b in blocks if block_kind(b.state) != "decoration"]
        actions: list[Action] = []
        step, steps = int(msg.get("step", 0)), max(1, int(msg.get("steps", 1)))
        if step * 4 // steps > self._quarter and step < steps:
            self._quarter = step * 4 // steps
            actions.append(Say(progress_text(self._quarter), Tone.GRAY))
        if not self._stopping():
            actions += self._place(blocks, lambda pos, key: pos in self.sent)
        return actions

    def _place(self, blocks: Iterable[Block], skip: Callable[[Pos, str], bool]) -> list[Action]:
        out = []
        for b in order_blocks(blocks):
            pos, key = _pos(b), self.rules.same(b.state)
            if not skip(pos, key):
                self.sent[pos] = key
                out.append(b)
        if not out:
            return []
        self._outstanding += 1
        return [Place(tuple(out))]

    def _stopping(self) -> bool:
        return self.cancelled and self.rules.cancel_stops_placing

    def _when_settled(self, step: Callable[[], list[Action]]) -> list[Action]:
        self._then = step
        return self._settled()

    def _settled(self) -> list[Action]:
        if self._outstanding or self._then is None:
            return []
        step, self._then = self._then, None
        return step()

    def _remove_stale(self) -> list[Action]:
        self.phase = Phase.REMOVING
        same = self.rules.same
        self._wanted = {_pos(b): same(b.state) for b in self._truth}
        stale = [] if self._stopping() else [b for pos, b in self.placed.items()
                                             if self._wanted.get(pos) != same(b.state)]
        if not stale:
            return self._place_missing()
        self._outstanding += 1
        self._then = self._place_missing
        return [Remove(tuple(stale))]

    def _place_missing(self) -> list[Action]:
        self.phase = Phase.PLACING
        self._unclaimed = 0  # of the final tree's blocks, those placed but not told apart
        if self.rules.retry_in_the_way:
            def skip(pos: Pos, key: str) -> bool:
                return pos in self.placed and self.rules.same(self.placed[pos].state) == key
        else:
            def skip(pos: Pos, key: str) -> bool:
                return self.sent.get(pos) == key
        actions = [] if self._stopping() else self._place(self._truth, skip)
        return actions + self._when_settled(self._reconciled)

    def _reconciled(self) -> list[Action]:
        same = self.rules.same
        ours = sum(1 for pos, b in self.placed.items() if self._wanted.get(pos) == same(b.state))
        skipped = len(self._wanted) - ours - self._unclaimed
        if self._stopping():
            return self._finish(Status.CANCELLED, "cancelled while placing",
                                Say(cancelled_text(len(self.placed), self._undo_trigger()), Tone.YELLOW),
                                len(self.placed), skipped)
        return self._finish(Status.DONE, placed_text(ours), Say(done_text(ours, skipped, self._undo_trigger(),
                                                                      (self._final or {}).get("species"))),
                            ours, skipped, self._final)

    def _stopped(self) -> list[Action]:
        """The server ended the request with an error (cancelled, busy, invalid, internal)."""
        code, text, placed = self._error.get("code"), str(self._error.get("message", "")), len(self.placed)
        if code == "cancelled":
            return self._finish(Status.CANCELLED, text, Say(cancelled_text(placed, self._undo_trigger()), Tone.YELLOW),
                                placed)
        explain = self.rules.explain_server_errors
        return self._finish(Status.REFUSED if code in REFUSED_CODES else Status.FAILED,
                            f"{code}: {text}" if explain else text,
                            Say(server_error_text(code, text, explain), Tone.RED), placed)

    def _undo_trigger(self) -> str | None:
        return self.rules.trigger if self.rules.journal else None

    def _finish(self, status: Status, message: str, line: Say, placed: int | None = None, skipped: int = 0,
                structure: dict | None = None) -> list[Action]:
        entry = self._entry
        if entry is not None:
            entry.blocks = list(self.placed.values())
            entry = entry if status is Status.DONE or entry.blocks else None
        placed = len(self.placed) if placed is None else placed
        self.outcome = TreeOutcome(status, message, entry, skipped, structure, placed, self.removed, self.anchor,
                                   (line,))
        self.phase = Phase.FINISHED
        self._then = None
        return [Finish(self.outcome)]


__all__ = ["Action", "CancelRequest", "DropQueued", "Finish", "Phase", "Place", "Remove", "Rules", "Say", "Status",
           "Submit", "Tone", "TreeOutcome", "TreeRequest", "cancelled_text", "done_text", "failed_text",
           "growing_text", "progress_text", "server_error_text", "NOTHING_GROWING", "LOST_CONNECTION", "NO_TREE"]
