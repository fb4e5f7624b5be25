"""Preview a tree before placing it, as display entities (Java 1.19.4+; pure: no I/O).

A preview changes no block: each visible block of the tree becomes a ``block_display`` entity at
that block's position (a block display draws its block from the entity's position as the minimum
corner, so ``X.0 Y.0 Z.0``: ``summon`` would centre whole-number x and z on the block). Blocks
with every face against a full block of the tree (log, leaves, ground) are left out: nobody sees
them, and a crown has hundreds. Every entity carries two tags, ``sapling_preview`` and
``sapling_preview_<request id>``: ``kill_command(id)`` removes exactly one preview and
``kill_all_command()`` every preview (at bridge start: none outlives a restart).

``TreePreview`` is one player's preview, stepped by the bridge like ``session.TreeRequest``::

    events in                              actions out
    start(anchor, request_id, now)         Submit(request)     generate this tree (not streamed)
    on_reply(message, now)                 CancelRequest()     cancel the request in flight
    accept(now)                            Send(commands)      game commands (summon, kill), in order
    reroll(request_id, now)                Place(blocks)       place into air (keep), support order
    cancel(now)                            Say(text, tone)     tell the player
    tick(now)                              Done(outcome)       the end: PreviewOutcome
    on_placed(blocks, unclaimed=0)
    connection_lost()

Accept places exactly the blocks that were shown (the same checked states ``TreeRequest`` would
place), with one ``Place``; its ``on_placed`` answer ends the preview with a journal entry. Reroll
asks for the next seed. A preview nobody answers is removed after ``PREVIEW_TIMEOUT_S`` (the
bridge calls ``tick`` now and then with its clock; nothing here reads one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Union

from sapling.blocks import block_kind, parse_state
from sapling.bridge.placement import Block, JournalEntry, check_anchor, command_state, order_blocks, to_world
from sapling.bridge.session import CancelRequest, Place, Say, Submit, Tone, done_text, failed_text
from sapling.config import CHAT_TRIGGER
from sapling.errors import PlacementError
from sapling.server.protocol import assemble
from sapling.structure import DEFAULT_SIZE

Pos = tuple[int, int, int]

PREVIEW_TAG = "sapling_preview"   # on every preview entity
MAX_PREVIEW_ENTITIES = 2048       # display entities in one preview (a normal tree shows 100-400)
PREVIEW_TIMEOUT_S = 300.0         # an unanswered preview is removed after this long
DISPLAY_ENTITY = "minecraft:block_display"
# Full blocks hide the faces of what they touch; decorations, and mangrove roots (a lattice), do not.
_HIDING_KINDS = frozenset({"log", "leaves", "ground"})
_SEE_THROUGH = frozenset({"minecraft:mangrove_roots"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.+-]{1,48}")  # what an entity tag and a selector's tag= take
_NEIGHBOURS = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))


def check_request_id(request_id: str) -> str:
    if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
        raise PlacementError(f"a preview id is 1-48 letters, digits or _ . + -, got {str(request_id)[:60]!r}")
    return request_id


def preview_tag(request_id: str) -> str:
    """The tag of one preview's entities."""
    return f"{PREVIEW_TAG}_{check_request_id(request_id)}"


def _hides(state: str) -> bool:
    return block_kind(state) in _HIDING_KINDS and parse_state(state)[0] not in _SEE_THROUGH


def visible_blocks(blocks: Iterable[Block]) -> list[Block]:
    """``blocks`` less those whose six neighbours are all full blocks of the same tree."""
    blocks = list(blocks)
    hiding = {(b.x, b.y, b.z) for b in blocks if _hides(b.state)}
    return [b for b in blocks
            if not all((b.x + dx, b.y + dy, b.z + dz) in hiding for dx, dy, dz in _NEIGHBOURS)]


def block_state_snbt(state: str) -> str:
    """A checked block state as the ``block_state`` compound of a block display, every property
    explicit (what ``setblock`` would place): ``{Name:"minecraft:oak_log",Properties:{axis:"y"}}``."""
    name, props = parse_state(command_state(state))
    body = f'Name:"{name}"'
    if props:
        body += ",Properties:{" + ",".join(f'{k}:"{v}"' for k, v in props.items()) + "}"
    return "{" + body + "}"


def summon_command(b: Block, request_id: str) -> str:
    """One display entity showing ``b`` in its block, tagged for its preview."""
    return (f"summon {DISPLAY_ENTITY} {b.x}.0 {b.y}.0 {b.z}.0 "
            f'{{block_state:{block_state_snbt(b.state)},Tags:["{PREVIEW_TAG}","{preview_tag(request_id)}"]}}')


def preview_commands(blocks: Iterable[Block], request_id: str, max_entities: int = MAX_PREVIEW_ENTITIES) -> list[str]:
    """``summon`` commands for the visible blocks, in support order; ``PlacementError`` over the cap."""
    shown = visible_blocks(order_blocks(blocks))
    if len(shown) > max_entities:
        raise PlacementError(f"the preview would need {len(shown)} display entities; at most {max_entities} are "
                             "shown at once (grow the tree without a preview, or a smaller one)")
    return [summon_command(b, request_id) for b in shown]


def kill_command(request_id: str) -> str:
    """Removes exactly the entities of one preview."""
    return f"kill @e[type={DISPLAY_ENTITY},tag={preview_tag(request_id)}]"


def kill_all_command() -> str:
    """Removes every preview (for bridge start)."""
    return f"kill @e[type={DISPLAY_ENTITY},tag={PREVIEW_TAG}]"


# --- the preview state machine ----------------------------------------------------------------------

class PreviewPhase(StrEnum):
    NEW = "new"
    GROWING = "growing"    # the generate request is out
    SHOWING = "showing"    # the entities are up, waiting for the player
    PLACING = "placing"    # accepted: waiting for the Place answer
    FINISHED = "finished"


class PreviewStatus(StrEnum):
    PLACED = "placed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    FAILED = "failed"
    CONNECTION_LOST = "connection_lost"


@dataclass(frozen=True)
class Send:
    """Game commands to send in order (summon, kill); their replies change nothing here."""

    commands: tuple[str, ...]


@dataclass
class PreviewOutcome:
    status: PreviewStatus
    message: str
    entry: JournalEntry | None = None  # what to journal when placed (None without a journal)
    placed: int = 0
    skipped: int = 0                   # shown blocks that found no air
    seed: int | None = None
    anchor: Pos | None = None
    lines: tuple[Say, ...] = ()


@dataclass(frozen=True)
class Done:
    outcome: PreviewOutcome


Action = Union[Submit, CancelRequest, Send, Place, Say, Done]


def shown_text(prompt: str, seed: int, shown: int, total: int, trigger: str, timeout_s: float) -> str:
    return (f"preview of '{prompt}' (seed {seed}, {total} blocks, {shown} shown): '{trigger} accept' places it, "
            f"'{trigger} reroll' shows another, '{trigger} cancel' removes it (it goes by itself in "
            f"{max(1, round(timeout_s / 60))} min)")


STILL_GROWING = "the preview is still growing"
TIMED_OUT = "the preview timed out and was removed"
REMOVED = "preview removed"


class TreePreview:
    """One previewed tree for ``who``: see the module docstring for its events and actions."""

    def __init__(self, prompt: str, seed: int, size: str = DEFAULT_SIZE, who: str = "", trigger: str = CHAT_TRIGGER,
                 journal: bool = True, timeout_s: float = PREVIEW_TIMEOUT_S,
                 max_entities: int = MAX_PREVIEW_ENTITIES):
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise PlacementError(f"a preview needs a seed (a whole number, not negative), got {seed!r}")
        self.prompt, self.seed, self.size, self.who, self.trigger = prompt, seed, size, who, trigger
        self.journal, self.timeout_s, self.max_entities = journal, float(timeout_s), max_entities
        self.phase = PreviewPhase.NEW
        self.anchor: Pos | None = None
        self.request_id: str | None = None  # the request in flight, or whose tree is shown
        self.blocks: tuple[Block, ...] = ()  # the tree shown (what accept places)
        self.outcome: PreviewOutcome | None = None
        self._shown_at = 0.0
        self._parts: list[dict] = []
        self._final: dict | None = None

    @property
    def finished(self) -> bool:
        return self.phase is PreviewPhase.FINISHED

    # --- events ---
    def start(self, anchor: Pos, request_id: str, now: float) -> list[Action]:
        """The preview goes at ``anchor`` (the trunk base: ``ground.GroundProbe``'s ``base``)."""
        if self.phase is not PreviewPhase.NEW:
            raise PlacementError("this preview has started already")
        self.anchor = check_anchor(anchor)
        return self._request(request_id)

    def on_reply(self, msg: dict, now: float) -> list[Action]:
        """One server message (others' and late ones are ignored)."""
        if self.phase is not PreviewPhase.GROWING or msg.get("id") not in (self.request_id, None):
            return []
        kind = msg.get("type")
        if kind in ("structure", "structure_part") and msg.get("sample", 0) == 0:
            self._parts.append(msg)
            if kind == "structure" or len(self._parts) == msg.get("parts"):
                self._final = assemble(self._parts)
        elif kind == "done":
            if self._final is None:
                return self._fail("the server finished without sending the tree")
            final = self._final
            try:
                blocks = to_world([(x, y, z, final["palette"][i]) for x, y, z, i in final["blocks"]], self.anchor)
                commands = preview_commands(blocks, self.request_id, self.max_entities)
            except PlacementError as exc:
                return self._fail(str(exc))
            self.blocks = tuple(order_blocks(blocks))
            self.phase, self._shown_at = PreviewPhase.SHOWING, now
            return [Send(tuple(commands)),
                    Say(shown_text(self.prompt, self.seed, len(commands), len(blocks), self.trigger, self.timeout_s))]
        elif kind == "error":
            return self._fail(str(msg.get("message", msg.get("code", "generation failed"))))
        return []

    def accept(self, now: float) -> list[Action]:
        """Place the tree shown: the entities go, the blocks come (keep mode)."""
        if self.phase is PreviewPhase.GROWING:
            return [Say(STILL_GROWING, Tone.YELLOW)]
        if self.phase is not PreviewPhase.SHOWING:
            return []
        self.phase = PreviewPhase.PLACING
        return [Send((kill_command(self.request_id),)), Place(self.blocks)]

    def reroll(self, request_id: str, now: float) -> list[Action]:
        """Show the next seed instead (``request_id``: the new request's)."""
        if self.phase is PreviewPhase.GROWING:
            return [Say(STILL_GROWING, Tone.YELLOW)]
        if self.phase is not PreviewPhase.SHOWING:
            return []
        old = self.request_id
        self.seed += 1
        self.blocks = ()
        return [Send((kill_command(old),)), *self._request(request_id)]

    def cancel(self, now: float) -> list[Action]:
        if self.phase is PreviewPhase.GROWING:
            return [CancelRequest(), *self._finish(PreviewStatus.CANCELLED, REMOVED, Tone.YELLOW)]
        if self.phase is PreviewPhase.SHOWING:
            return [Send((kill_command(self.request_id),)), *self._finish(PreviewStatus.CANCELLED, REMOVED,
                                                                          Tone.YELLOW)]
        return []

    def tick(self, now: float) -> list[Action]:
        """The bridge's clock: a preview shown for ``timeout_s`` is removed."""
        if self.phase is PreviewPhase.SHOWING and now - self._shown_at >= self.timeout_s:
            return [Send((kill_command(self.request_id),)), *self._finish(PreviewStatus.TIMED_OUT, TIMED_OUT,
                                                                          Tone.YELLOW)]
        return []

    def on_placed(self, blocks: Iterable[Block], unclaimed: int = 0) -> list[Action]:
        """The ``Place`` of accept is answered: ``blocks`` landed (``unclaimed``: placed, not told apart)."""
        if self.phase is not PreviewPhase.PLACING:
            return []
        placed = list(blocks)
        skipped = len(self.blocks) - len(placed) - unclaimed
        entry = JournalEntry(self.who, self.prompt, placed, anchor=self.anchor) if self.journal and placed else None
        trigger = self.trigger if self.journal else None
        return self._finish(PreviewStatus.PLACED, done_text(len(placed), skipped, trigger), Tone.GREEN, entry,
                            len(placed), skipped)

    def connection_lost(self) -> list[Action]:
        """The Sapling server went away: a tree still growing is lost; one shown stays acceptable."""
        if self.phase in (PreviewPhase.NEW, PreviewPhase.GROWING):
            return self._finish(PreviewStatus.CONNECTION_LOST, "lost the connection to the Sapling server", Tone.RED)
        return []

    # --- steps ---
    def _request(self, request_id: str) -> list[Action]:
        self.request_id = check_request_id(request_id)
        self.phase, self._parts, self._final = PreviewPhase.GROWING, [], None
        return [Submit({"type": "generate", "id": request_id, "prompt": self.prompt, "size": self.size,
                        "seed": self.seed, "stream": False})]

    def _fail(self, reason: str) -> list[Action]:
        return self._finish(PreviewStatus.FAILED, reason, Tone.RED, text=failed_text(reason))

    def _finish(self, status: PreviewStatus, message: str, tone: Tone, entry: JournalEntry | None = None,
                placed: int = 0, skipped: int = 0, text: str | None = None) -> list[Action]:
        self.phase = PreviewPhase.FINISHED
        self.outcome = PreviewOutcome(status, message, entry, placed, skipped, self.seed, self.anchor,
                                      (Say(text or message, tone),))
        return [Done(self.outcome)]


__all__ = ["DISPLAY_ENTITY", "MAX_PREVIEW_ENTITIES", "PREVIEW_TAG", "PREVIEW_TIMEOUT_S", "Action", "Done",
           "PreviewOutcome", "PreviewPhase", "PreviewStatus", "Send", "TreePreview", "block_state_snbt",
           "check_request_id", "kill_all_command", "kill_command", "preview_commands", "preview_tag",
           "summon_command", "visible_blocks"]
