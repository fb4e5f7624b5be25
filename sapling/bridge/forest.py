"""Forests: where each of several trees goes around a player, and ``!tree forest`` (pure).

``plan_forest(count, radius, centre, crowns, seed)`` spaces trees by their crowns (``crown_radius``
of each generated tree: the furthest block from its trunk axis, horizontally): two trunks stand at
least ``crown_i + crown_j + gap`` apart, so no block of one crown can touch the other, and every
trunk at least ``crown + clearance`` from the player, so no tree grows into them. Sites are thrown
at random (Poisson-disk dart throwing, biggest crowns first, a fixed number of throws per tree)
from the seed, with a rotation and mirror per tree: the same arguments give the same forest.
Trees that find no room are reported, not dropped silently.

The world has the last word on a site (water, another tree, a wall): ``ForestPlanner`` proposes
one site at a time and takes the bridge's verdict, the way ``session.TreeRequest`` steps::

    planner = ForestPlanner(count, radius, centre, crowns, seed)
    site = planner.next_site()          # Site: index, x, z, rotation, mirror, crown
    while site is not None:
        ground = <GroundProbe at site.anchor(centre y)>
        site = planner.accept(ground.surface_y + 1) if ground.found else planner.reject(ground.reason)
    planner.plan                        # ForestPlan: trees (with their base y), unfitted

A rejected site's tree throws again (the same seed, the same verdicts: the same forest).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from sapling.blocks import block_kind
from sapling.config import CHAT_TRIGGER, MAX_PROMPT_CHARS
from sapling.errors import CommandError
from sapling.structure import Structure
from sapling.transform import MIRRORS, ROTATIONS

Pos = tuple[int, int, int]

MAX_FOREST_COUNT = 16     # trees in one forest (one batched request; the server allows 64 samples)
MIN_FOREST_RADIUS = 4
MAX_FOREST_RADIUS = 32    # blocks around the player: chunks there are loaded for any view distance
DEFAULT_FOREST_RADIUS = 16
PLAYER_CLEARANCE = 2.0    # blocks between the player and the nearest crown block
# Between two crowns' block centres: above sqrt(2) no block of one touches one of the other, not even
# at an edge (1.0 let two crowns meet face to face or corner to corner).
CROWN_GAP = 1.5
SITE_THROWS = 64          # random sites tried per tree before it counts as not fitting

_NUMBER = re.compile(r"[+-]?\d+")


# --- crowns ----------------------------------------------------------------------------------------

def crown_radius_of(blocks: Iterable[tuple[int, int, int, str]]) -> float:
    """The horizontal reach of a tree: the largest distance from the trunk axis (x = z = 0, block
    centres) of any of its blocks but the ground patch and air. 0 for a bare trunk."""
    reach = 0.0
    for x, _, z, state in blocks:
        if block_kind(state) not in ("air", "ground"):
            reach = max(reach, math.hypot(x, z))
    return reach


def crown_radius(structure: Structure) -> float:
    """``crown_radius_of`` a structure's blocks, relative to its origin (the trunk base). A rotation or
    mirror about the trunk axis leaves it as it is."""
    return crown_radius_of((x, y, z, s) for (x, y, z), s in structure.block_dict().items())


# --- limits and the chat command -------------------------------------------------------------------

def check_forest(count: object, radius: object = DEFAULT_FOREST_RADIUS, max_count: int = MAX_FOREST_COUNT,
                 max_radius: int = MAX_FOREST_RADIUS) -> tuple[int, int]:
    """``(count, radius)`` checked (chat and CLI alike); ``CommandError`` naming the accepted range."""
    for what, v, lo, hi in (("tree count", count, 1, max_count), ("forest radius", radius, MIN_FOREST_RADIUS,
                                                                  max_radius)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise CommandError(f"the {what} must be a whole number from {lo} to {hi}, got {v!r}")
    return count, radius  # type: ignore[return-value]


@dataclass(frozen=True)
class ForestCommand:
    """What ``!tree forest <count> [radius] <prompt>`` asks for."""

    count: int
    radius: int
    prompt: str


def forest_usage(trigger: str = CHAT_TRIGGER) -> str:
    return f"{trigger} forest <count> [radius] <prompt>, e.g. '{trigger} forest 8 birch'"


def parse_forest_command(text: str, trigger: str = CHAT_TRIGGER, max_count: int = MAX_FOREST_COUNT,
                         max_radius: int = MAX_FOREST_RADIUS, max_prompt_chars: int = MAX_PROMPT_CHARS
                         ) -> ForestCommand | None:
    """A chat line -> a ForestCommand; None when it is not one (another ``!tree`` line, or a prompt that
    merely starts with "forest": ``!tree forest spirit``); ``CommandError`` with the reason for a bad one.

    Read it before ``commands.parse_command``, which would take the whole line for a prompt."""
    words = text.strip().split()
    if len(words) < 2 or words[0].lower() != trigger.lower() or words[1].lower() != "forest":
        return None
    rest = words[2:]
    if not rest:
        raise CommandError(f"say how many trees: {forest_usage(trigger)}")
    if not _NUMBER.fullmatch(rest[0]):
        return None
    count, rest = int(rest[0]), rest[1:]
    radius = DEFAULT_FOREST_RADIUS
    if rest and _NUMBER.fullmatch(rest[0]):
        radius, rest = int(rest[0]), rest[1:]
    check_forest(count, radius, max_count, max_radius)
    prompt = " ".join(rest)
    if not prompt:
        raise CommandError(f"say what to grow: {forest_usage(trigger)}")
    if len(prompt) > max_prompt_chars:
        raise CommandError(f"the prompt is {len(prompt)} characters long; at most {max_prompt_chars} are accepted")
    return ForestCommand(count, radius, prompt)


def forest_help(trigger: str = CHAT_TRIGGER, max_count: int = MAX_FOREST_COUNT, max_radius: int = MAX_FOREST_RADIUS
                ) -> str:
    return (f"{forest_usage(trigger)} grows up to {max_count} different trees around you, within the radius "
            f"(default {DEFAULT_FOREST_RADIUS}, at most {max_radius} blocks)")


# --- the plan --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Site:
    """Where tree ``index`` (its place in ``crowns``) goes: trunk axis ``(x, z)``, turned ``rotation``
    degrees clockwise after the ``mirror`` (``sapling.transform.transform``). ``y``: the trunk base,
    once the bridge found the ground there (None before, and in a plan made without the world)."""

    index: int
    x: int
    z: int
    rotation: int
    mirror: str | None
    crown: float
    y: int | None = None

    def anchor(self, y: int) -> Pos:
        """The position to probe or place at, at height ``y``."""
        return self.x, y, self.z


@dataclass(frozen=True)
class Unfitted:
    index: int
    reason: str


@dataclass(frozen=True)
class ForestPlan:
    trees: tuple[Site, ...]       # in the order they were placed (biggest crowns first)
    unfitted: tuple[Unfitted, ...]

    def lines(self) -> list[str]:
        """For the player: how many trees found a place, and why the others did not."""
        out = [f"{len(self.trees)} of {len(self.trees) + len(self.unfitted)} trees found a place"]
        out += [f"tree {u.index + 1}: {u.reason}" for u in self.unfitted]
        return out


def _orientation(seed: int, index: int) -> tuple[int, str | None]:
    rng = random.Random(f"sapling-forest/{seed}/{index}/orientation")
    # A quarter turn and maybe one mirror give all eight ways a tree can face.
    return rng.choice(ROTATIONS), rng.choice((None, MIRRORS[0]))


class ForestPlanner:
    """Sites for ``len(crowns)`` trees around ``centre`` (the player's feet), one at a time: see the
    module docstring. ``crowns[i]``: tree i's crown radius (``crown_radius``)."""

    def __init__(self, count: int, radius: int, centre: tuple[float, float, float], crowns: Sequence[float],
                 seed: int, clearance: float = PLAYER_CLEARANCE, gap: float = CROWN_GAP, throws: int = SITE_THROWS,
                 max_count: int = MAX_FOREST_COUNT, max_radius: int = MAX_FOREST_RADIUS):
        self.count, self.radius = check_forest(count, radius, max_count, max_radius)
        crowns = [float(c) for c in crowns]
        if len(crowns) != count:
            raise CommandError(f"{len(crowns)} crown sizes for {count} trees")
        if any(not math.isfinite(c) or c < 0 for c in crowns):
            raise CommandError("crown radii must be finite and not negative")
        for what, v in (("clearance", clearance), ("gap", gap)):
            if not (math.isfinite(v) and v >= 0):
                raise CommandError(f"the {what} must be a finite number of blocks, not negative, got {v!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise CommandError(f"a forest seed is a whole number, got {seed!r}")
        if isinstance(throws, bool) or not isinstance(throws, int) or throws < 1:
            raise CommandError(f"throws per tree must be a whole number of at least 1, got {throws!r}")
        self.centre = (float(centre[0]), float(centre[1]), float(centre[2]))
        self.crowns, self.seed, self.clearance, self.gap, self.throws = crowns, seed, clearance, gap, throws
        self._order = sorted(range(count), key=lambda i: (-crowns[i], i))
        self._placed: list[Site] = []
        self._unfitted: list[Unfitted] = []
        self._pending: Site | None = None
        self._rng = random.Random()
        self._current = -1
        self._left = 0
        self._tried: set[tuple[int, int]] = set()
        self._last_reason: str | None = None
        self._next_tree()

    @property
    def finished(self) -> bool:
        return self._pending is None

    @property
    def plan(self) -> ForestPlan:
        return ForestPlan(tuple(self._placed), tuple(sorted(self._unfitted, key=lambda u: u.index)))

    def next_site(self) -> Site | None:
        """The site to check now (None: every tree placed or given up, see ``plan``)."""
        return self._pending

    def accept(self, y: int | None = None) -> Site | None:
        """The pending site is good (``y``: its trunk base); returns the next site to check."""
        site = self._take()
        self._placed.append(replace(site, y=None if y is None else int(y)))
        self._next_tree()
        return self._pending

    def reject(self, reason: str = "no ground there") -> Site | None:
        """The pending site is not (``reason``: the ground probe's); the same tree throws again."""
        self._take()
        self._last_reason = reason
        self._pending = self._throw()
        if self._pending is None:
            self._give_up()
            self._next_tree()
        return self._pending

    def _take(self) -> Site:
        if self._pending is None:
            raise CommandError("the forest plan is finished; there is no site to accept or reject")
        site, self._pending = self._pending, None
        return site

    def _next_tree(self) -> None:
        while self._order:
            index = self._order.pop(0)
            crown = self.crowns[index]
            if crown + self.clearance > self.radius:
                self._unfitted.append(Unfitted(index, f"its crown (radius {crown:.1f}) does not fit in a forest "
                                                      f"of radius {self.radius}"))
                continue
            self._rng = random.Random(f"sapling-forest/{self.seed}/{index}")
            self._current, self._left, self._tried, self._last_reason = index, self.throws, set(), None
            self._pending = self._throw()
            if self._pending is not None:
                return
            self._give_up()
        self._pending = None

    def _give_up(self) -> None:
        why = (f"no site with ground was found (last: {self._last_reason})" if self._last_reason else
               f"no room left within {self.radius} blocks")
        self._unfitted.append(Unfitted(self._current, why))

    def _throw(self) -> Site | None:
        """The next free site for the current tree, or None after ``throws`` tries."""
        index, crown = self._current, self.crowns[self._current]
        cx, _, cz = self.centre
        near, far = crown + self.clearance, float(self.radius)
        rotation, mirror = _orientation(self.seed, index)
        while self._left > 0:
            self._left -= 1
            # Area-uniform in the ring between the clearance and the radius.
            r = math.sqrt(self._rng.random() * (far * far - near * near) + near * near)
            a = self._rng.random() * 2 * math.pi
            x, z = round(cx + r * math.cos(a)), round(cz + r * math.sin(a))
            if (x, z) in self._tried:
                continue
            self._tried.add((x, z))
            if not near <= math.hypot(x - cx, z - cz) <= far:
                continue  # rounding moved it out
            if all(math.hypot(x - s.x, z - s.z) >= crown + s.crown + self.gap for s in self._placed):
                return Site(index, x, z, rotation, mirror, crown)
        return None


def plan_forest(count: int, radius: int, centre: tuple[float, float, float], crowns: Sequence[float], seed: int,
                clearance: float = PLAYER_CLEARANCE, gap: float = CROWN_GAP, throws: int = SITE_THROWS,
                max_count: int = MAX_FOREST_COUNT, max_radius: int = MAX_FOREST_RADIUS) -> ForestPlan:
    """Sites for every tree that fits, from geometry alone (every site accepted; see ``ForestPlanner``
    for the plan that asks the world)."""
    planner = ForestPlanner(count, radius, centre, crowns, seed, clearance, gap, throws, max_count, max_radius)
    while not planner.finished:
        planner.accept()
    return planner.plan


__all__ = ["CROWN_GAP", "DEFAULT_FOREST_RADIUS", "MAX_FOREST_COUNT", "MAX_FOREST_RADIUS", "MIN_FOREST_RADIUS",
           "PLAYER_CLEARANCE", "SITE_THROWS", "ForestCommand", "ForestPlan", "ForestPlanner", "Site", "Unfitted",
           "check_forest", "crown_radius", "crown_radius_of", "forest_help", "forest_usage", "parse_forest_command",
           "plan_forest"]
