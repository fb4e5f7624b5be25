"""``!tree forest`` on Bedrock: one batched generate request, a site per tree, one journal entry (asyncio).

``ForestRun.run()`` goes through four steps, each told in chat: the generate request for all the
trees at once (``num_samples``, no streaming: the trees are spaced by their finished crowns); the
plan (``sapling.bridge.forest.ForestPlanner``, each site's ground found with ``terrain.find_surface``
and the site rejected where there is none); the trees, one after the other, each turned and mirrored
as its site says (``sapling.transform``) and placed on its ground (``terrain.place_tree_blocks``);
and the outcome, whose journal entry holds every block of the forest, so that one ``!tree undo``
removes it all. A cancel stops the request, or the probing, or the placing (queued commands are
dropped); what was placed by then is journaled.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Callable

from sapling.bridge.bedrock.messages import GRAY, GREEN, Pose, anchor_for
from sapling.bridge.bedrock.queue import CommandQueue
from sapling.bridge.bedrock.terrain import Footing, find_surface, place_tree_blocks
from sapling.bridge.forest import ForestCommand, ForestPlanner, crown_radius_of
from sapling.bridge.placement import Block, JournalEntry, order_blocks, to_world
from sapling.bridge.session import (NO_TREE, REFUSED_CODES, Say, Status, Tone, TreeOutcome,
                                    cancelled_text, failed_text, placed_text, server_error_text)
from sapling.server.protocol import assemble
from sapling.structure import DEFAULT_SIZE, Structure
from sapling.transform import transform

log = logging.getLogger("sapling.bridge")

Rel = tuple[int, int, int, str]  # a block relative to its tree's origin (the trunk base)
SubmitFn = Callable[[dict, Callable[[dict], None]], Callable[[], None]]


def forest_prompt(prompt: str) -> str:
    """The journal's name for a forest (``!tree undo`` says it)."""
    return f"forest of {prompt}"


def growing_forest_text(count: int, prompt: str, ahead: int) -> str:
    return f"growing a forest of {count} '{prompt}'" + (f" ({ahead} ahead of you)" if ahead > 0 else "")


def planted_text(n: int, of: int, blocks: int) -> str:
    return f"tree {n} of {of} planted ({blocks} blocks)"


def forest_done_text(placed: int, trees: int, trigger: str | None) -> str:
    undo = f"; '{trigger} undo' removes the whole forest" if trigger else ""
    return f"done: {placed_text(placed)} in {trees} trees{undo}"


def relative_blocks(message: dict) -> list[Rel]:
    """A structure message's blocks as ``(x, y, z, state)`` relative to its origin (docs/protocol.md)."""
    palette = message["palette"]
    return [(x, y, z, palette[i]) for x, y, z, i in message["blocks"]]


def oriented(blocks: list[Rel], rotation: int, mirror: str | None) -> list[Rel]:
    """``blocks`` mirrored, then turned (``sapling.transform``: block states turn with them)."""
    if rotation == 0 and mirror is None:
        return list(blocks)
    s = Structure.from_blocks({(x, y, z): state for x, y, z, state in blocks})
    return [(x, y, z, state) for (x, y, z), state in transform(s, rotation, mirror).block_dict().items()]


class ForestRun:
    """One ``!tree forest`` for ``who`` standing at ``pose``: ``await run()`` -> ``TreeOutcome`` (its
    ``entry`` is the whole forest, ``lines`` what to say last); ``cancel()`` from the chat."""

    def __init__(self, cmd: ForestCommand, who: str, pose: Pose, commands: CommandQueue, submit: SubmitFn,
                 say: Callable[[str, str], None], request_id: str, seed: int, trigger: str, journal: bool,
                 max_count: int, max_radius: int, logger: logging.Logger = log):
        self.cmd, self.who, self.pose, self.commands, self.submit = cmd, who, pose, commands, submit
        self.say, self.request_id, self.seed, self.trigger, self.journal = say, request_id, seed, trigger, journal
        self.max_count, self.max_radius, self.log = max_count, max_radius, logger
        self.tag = object()  # marks the forest's commands, so a cancel can drop the unsent ones
        self.cancelled = False
        self.placed: list[Block] = []
        self._inbox: asyncio.Queue[dict | None] = asyncio.Queue()
        self._cancel_server: Callable[[], None] | None = None
        self._streaming = False

    # --- events ---
    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        self.commands.drop(self.tag)
        self._inbox.put_nowait(None)

    def abandon(self) -> None:
        """The session is closing: a request still open is cancelled at the server."""
        if self._streaming and self._cancel_server is not None:
            self._streaming = False
            self._cancel_server()

    # --- steps ---
    async def run(self) -> TreeOutcome:
        trees = await self._generate()
        if isinstance(trees, TreeOutcome):
            return trees
        plan, footings = await self._plan(trees)
        if self.cancelled:
            return self._outcome(Status.CANCELLED, "cancelled before planting",
                                 Say(cancelled_text(0, self._undo_trigger()), Tone.YELLOW), 0)
        notes = [Say(line, Tone.YELLOW if plan.unfitted else Tone.GREEN) for line in plan.lines()]
        skipped = 0
        for n, site in enumerate(plan.trees, 1):
            if self.cancelled:
                break
            rel = oriented(trees[site.index], site.rotation, site.mirror)
            blocks = tuple(order_blocks(to_world(rel, (site.x, site.y, site.z))))
            results = await place_tree_blocks(self.commands, blocks, self.pose.dimension, footings[site.index],
                                              self.tag)
            landed = [b for b, r in results if r.ok]
            self.placed += landed
            skipped += len(blocks) - len(landed)
            if not self.cancelled:
                self.say(planted_text(n, len(plan.trees), len(landed)), GRAY)
        if self.cancelled:
            return self._outcome(Status.CANCELLED, "cancelled while planting",
                                 Say(cancelled_text(len(self.placed), self._undo_trigger()), Tone.YELLOW), skipped,
                                 notes)
        if not plan.trees:
            return self._outcome(Status.FAILED, "no tree found a place", Say(failed_text("no tree found a place"),
                                                                                Tone.RED), 0, notes)
        done = forest_done_text(len(self.placed), len(plan.trees), self._undo_trigger())
        return self._outcome(Status.DONE, placed_text(len(self.placed)), Say(done), skipped, notes)

    async def _generate(self) -> list[list[Rel]] | TreeOutcome:
        """The trees, in sample order; or the outcome of a request that ended without them."""
        request = {"type": "generate", "id": self.request_id, "prompt": self.cmd.prompt, "size": DEFAULT_SIZE,
                   "num_samples": self.cmd.count, "seed": self.seed, "stream": False}
        inbox = self._inbox
        self._streaming = True
        self._cancel_server = self.submit(request, inbox.put_nowait)
        parts: dict[int, list[dict]] = {}
        finals: dict[int, dict] = {}
        try:
            while True:
                msg = await inbox.get()
                if msg is None:  # cancelled by the player
                    self.abandon()
                    return self._outcome(Status.CANCELLED, "cancelled while generating",
                                         Say(cancelled_text(0, self._undo_trigger()), Tone.YELLOW), 0)
                if msg.get("id") not in (self.request_id, None):
                    continue
                kind = msg.get("type")
                if kind == "accepted":
                    self.say(growing_forest_text(self.cmd.count, self.cmd.prompt,
                                                 int(msg.get("queue_position", 1)) - 1), GREEN)
                elif kind in ("structure", "structure_part"):
                    sample = int(msg.get("sample", 0))
                    parts.setdefault(sample, []).append(msg)
                    if kind == "structure" or len(parts[sample]) == msg.get("parts"):
                        finals[sample] = assemble(parts.pop(sample))
                elif kind == "done":
                    self._streaming = False
                    break
                elif kind == "error":
                    self._streaming = False
                    code, text = msg.get("code"), str(msg.get("message", ""))
                    if code == "cancelled":
                        return self._outcome(Status.CANCELLED, text, Say(cancelled_text(0, None), Tone.YELLOW), 0)
                    return self._outcome(Status.REFUSED if code in REFUSED_CODES else Status.FAILED,
                                         f"{code}: {text}", Say(server_error_text(code, text, True), Tone.RED), 0)
        except asyncio.CancelledError:
            self.abandon()
            raise
        if not finals:
            return self._outcome(Status.FAILED, NO_TREE, Say(failed_text(NO_TREE), Tone.RED), 0)
        self.say(f"{len(finals)} trees generated; finding ground for them", GRAY)
        return [relative_blocks(finals[k]) for k in sorted(finals)]

    async def _plan(self, trees: list[list[Rel]]):
        """Sites for the trees, each on ground the game confirmed: (ForestPlan, {tree index: Footing})."""
        feet_y = anchor_for(self.pose, 0)[1]
        planner = ForestPlanner(len(trees), self.cmd.radius, self.pose.feet, [crown_radius_of(t) for t in trees],
                                self.seed, max_count=self.max_count, max_radius=self.max_radius)
        footings: dict[int, Footing] = {}
        site = planner.next_site()
        while site is not None and not self.cancelled:
            ground = await find_surface(self.commands, site.anchor(feet_y), self.pose.dimension)
            if ground.found:
                footings[site.index] = Footing.of(ground)
                site = planner.accept(ground.base[1])
            else:
                site = planner.reject(ground.reason)
        return planner.plan, footings

    def failed(self, reason: object) -> TreeOutcome:
        """The outcome of a forest that stopped on an error: what was placed is still journaled."""
        return self._outcome(Status.FAILED, str(reason), Say(failed_text(reason), Tone.RED), 0)

    def _undo_trigger(self) -> str | None:
        return self.trigger if self.journal else None

    def _outcome(self, status: Status, message: str, last: Say, skipped: int,
                 notes: tuple[Say, ...] | list[Say] = ()) -> TreeOutcome:
        x, _, z = self.pose.feet
        centre = (math.floor(x), anchor_for(self.pose, 0)[1], math.floor(z))
        entry = JournalEntry(self.who, forest_prompt(self.cmd.prompt), list(self.placed), anchor=centre) \
            if self.journal and self.placed else None
        return TreeOutcome(status, message, entry, skipped, None, len(self.placed), 0, centre, (*notes, last))


__all__ = ["ForestRun", "forest_done_text", "forest_prompt", "growing_forest_text", "oriented", "planted_text",
           "relative_blocks"]
