"""Where a tree stands: the surface under a target column, found with yes/no block tests (pure).

A bridge cannot read the world; it can only ask whether a block matches. Java answers
``execute if block X Y Z <block|#tag>`` over RCON with "Test passed" / "Test failed"; Bedrock
answers ``execute in <dim> if block X Y Z <name>`` with status 0 (passed) or a failure status.
One command may chain several conditions (``if block ... unless block ...``): they all have to
hold, so one command asks "are these 12 positions all air?" (a conjunction over positions) or,
with ``unless`` only, "is this block none of these?" (a union, negated): either way one question
per command. A ``GroundProbe`` asks the fewest it can, the way ``session.TreeRequest`` steps:

    probe = GroundProbe(anchor)            # the column (x, z), searched around y
    query = probe.next()                   # a Query: query.command() is the text to send
    while query is not None:
        query = probe.answer(passed)       # java_passed(reply) / bedrock_passed(status)
    probe.result                           # Ground: base (where the trunk goes) or reason

The search: the highest non-air block from ``anchor y + PROBE_UP`` down to ``anchor y -
PROBE_DEPTH``, by air tests over runs of positions that grow as they pass (1, 1, 2, 4, ...,
after one test of the whole span above the anchor) and halve on a failure; then what that
block is, in order (an answer ends the search): natural ground (the trunk base goes on top),
leaves or wood (another tree: refused), a plant, snow layer or other block a trunk grows through
(the search goes on below it), water, lava, anything else (built blocks: refused). A flat
meadow costs 4 commands, grass on it 8.

The tree's ground patch (``block_kind`` "ground" under its trunk, as the corpus grows it) goes
only where there is air or a replaceable plant: ``PatchCheck`` asks one question per block and
filters; ``replace_command`` places one such block (Java: the test and the placement in one
command). ``space_queries`` asks whether a tree's blocks above the ground are all air (nothing of
another tree or a player's build in the way).

Block classes are spelled with the game's tags on Java (``#minecraft:leaves``: short commands)
and with every member's Bedrock name on Bedrock (it has no block tags in commands). The tag
contents below are vanilla 1.21.4's (``data/minecraft/tags/block``); the explicit Java names keep
the classes right where later versions moved blocks between tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from sapling.blocks import block_kind, parse_state
from sapling.bridge.placement import MAX_Y, MIN_Y, Block, check_anchor, command_state
from sapling.bridge.rcon import MAX_COMMAND_BYTES
from sapling.errors import BridgeError, PlacementError

Pos = tuple[int, int, int]

PROBE_UP = 12     # the surface may lie this far above the anchor (a hillside in front of the player)
PROBE_DEPTH = 24  # ... and this far below it; deeper is "no ground"
MAX_RUN = 16      # positions in one all-air test (the RCON command limit allows about 30)
# A command's length limit: Java's RCON packet (rcon.py); Bedrock documents none, so the same.
MAX_QUERY_BYTES = MAX_COMMAND_BYTES

# Block tests the probe knows the answer text of (java_passed).
JAVA_PASSED = "Test passed"
JAVA_FAILED = "Test failed"
BEDROCK_DIMENSIONS = ("overworld", "nether", "the_end")  # what Bedrock's ``execute in`` takes


class Edition(StrEnum):
    JAVA = "java"
    BEDROCK = "bedrock"


# --- vanilla 1.21.4 block tags (names without the namespace) -------------------------------------

_SPECIES = ("oak", "spruce", "birch", "jungle", "acacia", "dark_oak", "pale_oak", "mangrove", "cherry")
_COLOURS = ("white", "orange", "magenta", "light_blue", "yellow", "lime", "pink", "gray", "light_gray", "cyan",
            "purple", "blue", "brown", "green", "red", "black")
_SMALL_FLOWERS = ("dandelion", "open_eyeblossom", "poppy", "blue_orchid", "allium", "azure_bluet", "red_tulip",
                  "orange_tulip", "white_tulip", "pink_tulip", "oxeye_daisy", "cornflower", "lily_of_the_valley",
                  "wither_rose", "torchflower", "closed_eyeblossom")
TAGS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "dirt": ("dirt", "grass_block", "podzol", "coarse_dirt", "mycelium", "rooted_dirt", "moss_block", "mud",
             "muddy_mangrove_roots", "pale_moss_block"),
    "sand": ("sand", "red_sand", "suspicious_sand"),
    "base_stone_overworld": ("stone", "granite", "diorite", "andesite", "tuff", "deepslate"),
    "terracotta": ("terracotta",) + tuple(f"{c}_terracotta" for c in _COLOURS),
    "nylium": ("crimson_nylium", "warped_nylium"),
    "leaves": tuple(f"{s}_leaves" for s in _SPECIES) + ("azalea_leaves", "flowering_azalea_leaves"),
    "logs": tuple(f"{p}{s}_{k}" for s in _SPECIES for k in ("log", "wood") for p in ("", "stripped_"))
    + tuple(f"{p}{s}_{k}" for s in ("crimson", "warped") for k in ("stem", "hyphae") for p in ("", "stripped_")),
    "replaceable": ("air", "water", "lava", "short_grass", "fern", "dead_bush", "seagrass", "tall_seagrass", "fire",
                    "soul_fire", "snow", "vine", "glow_lichen", "resin_clump", "light", "tall_grass", "large_fern",
                    "structure_void", "void_air", "cave_air", "bubble_column", "warped_roots", "nether_sprouts",
                    "crimson_roots", "hanging_roots"),
    "flowers": _SMALL_FLOWERS + ("sunflower", "lilac", "peony", "rose_bush", "pitcher_plant",
                                 "flowering_azalea_leaves", "flowering_azalea", "mangrove_propagule",
                                 "cherry_leaves", "pink_petals", "chorus_flower", "spore_blossom"),
    "saplings": tuple(f"{s}_sapling" for s in _SPECIES if s != "mangrove")
    + ("azalea", "flowering_azalea", "mangrove_propagule"),
    "crops": ("beetroots", "carrots", "potatoes", "wheat", "melon_stem", "pumpkin_stem", "torchflower_crop",
              "pitcher_crop"),
}.items()}

_WET = ("water", "lava", "bubble_column", "seagrass", "tall_seagrass")


# --- block classes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One command's worth of a class test at a position. ``any_of``: the block is one of these
    (asked as ``unless ... unless ...``: passed means it is none of them); otherwise ``all_of`` and
    ``none_of``: it matches every ``all_of`` and no ``none_of`` (passed means it is a member)."""

    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()

    @property
    def member_if_passed(self) -> bool:
        return not self.any_of


@dataclass(frozen=True)
class BlockClass:
    """What a probed block may be: ``java`` (tags and names, the checks of one union, in the order
    asked) and its members, the block names it stands for (Bedrock asks for these by name)."""

    name: str
    java: tuple[Check, ...]

    @property
    def members(self) -> frozenset[str]:
        out: set[str] = set()
        for check in self.java:
            if check.any_of:
                out |= set().union(*(_expand(b) for b in check.any_of))
            else:
                inside = set.intersection(*(set(_expand(b)) for b in check.all_of))
                out |= inside - set().union(*(_expand(b) for b in check.none_of))
        return frozenset(out)


def _expand(block: str) -> frozenset[str]:
    """``"#minecraft:leaves"`` -> its member names; ``"minecraft:dirt"`` -> ``{"dirt"}``."""
    if block.startswith("#"):
        return TAGS[block[1:].split(":", 1)[1]]
    return frozenset({block.split(":", 1)[1]})


def _m(*names: str) -> tuple[str, ...]:
    return tuple(n if n.startswith("#") else f"minecraft:{n}" for n in names)


# Natural ground a tree grows on: the commonest first (a union answers at its first member).
GROUND = BlockClass("ground", (
    Check(any_of=_m("grass_block", "dirt", "#minecraft:dirt", "#minecraft:sand", "#minecraft:base_stone_overworld",
                    "gravel", "snow_block", "podzol", "coarse_dirt", "mud", "moss_block", "#minecraft:terracotta",
                    "clay", "sandstone", "red_sandstone", "mycelium")),
    Check(any_of=_m("rooted_dirt", "pale_moss_block", "muddy_mangrove_roots", "calcite", "#minecraft:nylium",
                    "netherrack", "soul_sand", "soul_soil", "basalt", "blackstone", "end_stone")),
))
TREE = BlockClass("tree", (Check(any_of=_m("#minecraft:leaves", "#minecraft:logs", "mangrove_roots", "bee_nest")),))
# What a trunk grows through, the ground lying below: replaceable plants and snow layers (not the
# liquids the replaceable tag also holds), flowers, saplings, crops and other small plants.
PLANT = BlockClass("plant", (
    Check(all_of=_m("#minecraft:replaceable"), none_of=_m(*_WET)),
    Check(any_of=_m("#minecraft:flowers", "#minecraft:saplings", "#minecraft:crops", "brown_mushroom",
                    "red_mushroom", "sugar_cane", "sweet_berry_bush", "moss_carpet", "pale_moss_carpet",
                    "pale_hanging_moss", "lily_pad", "cave_vines", "cave_vines_plant", "small_dripleaf")),
))
WATER = BlockClass("water", (Check(any_of=_m("water", "bubble_column", "seagrass", "tall_seagrass", "kelp",
                                             "kelp_plant")),))
LAVA = BlockClass("lava", (Check(any_of=_m("lava")),))
# Air or a replaceable plant: where the ground patch may go (one check on both editions).
OPEN = BlockClass("open", (Check(all_of=_m("#minecraft:replaceable"), none_of=_m(*_WET)),))
CLASS_ORDER = (GROUND, TREE, PLANT, WATER, LAVA)  # a plant's class test comes after TREE: #flowers holds leaves


# --- Bedrock names ---------------------------------------------------------------------------------

def bedrock_names(java_name: str) -> frozenset[str]:
    """``sapling.bridge.bedrock.blocks.bedrock_names``, imported on use (bedrock/ imports this module)."""
    from sapling.bridge.bedrock.blocks import bedrock_names as names

    return names(java_name)


# --- queries ---------------------------------------------------------------------------------------

def _bedrock_dimension(dimension: str | None) -> str:
    dim = dimension or "overworld"
    if dim not in BEDROCK_DIMENSIONS:
        raise BridgeError(f"unknown Bedrock dimension {dim!r}; the game's are {', '.join(BEDROCK_DIMENSIONS)}")
    return dim


@dataclass(frozen=True)
class Literal:
    """One condition: the block at ``pos`` matches ``block`` (``positive``) or does not."""

    pos: Pos
    block: str  # the edition's spelling: "minecraft:air", "#minecraft:leaves"; Bedrock "air"
    positive: bool = True

    def text(self) -> str:
        x, y, z = self.pos
        return f"{'if' if self.positive else 'unless'} block {x} {y} {z} {self.block}"


@dataclass(frozen=True)
class Query:
    """One yes/no question: do all ``literals`` hold? ``command()`` is the text to send."""

    edition: Edition
    literals: tuple[Literal, ...]

    def command(self, dimension: str | None = None) -> str:
        """Java: ``execute if block ...`` (``dimension``: e.g. ``minecraft:the_nether``, else where the
        console is); Bedrock: ``execute in <dimension> if block ...`` (default the overworld)."""
        body = " ".join(lit.text() for lit in self.literals)
        if self.edition is Edition.BEDROCK:
            return f"execute in {_bedrock_dimension(dimension)} {body}"
        if dimension is not None and not re.fullmatch(r"[a-z0-9_.-]+:[a-z0-9_./-]+", dimension):
            raise BridgeError(f"not a dimension id: {dimension[:40]!r}")
        return f"execute in {dimension} {body}" if dimension else f"execute {body}"

    def holds(self, block_at: Callable[[Pos], str]) -> bool:
        """The game's answer in a world where ``block_at(pos)`` is the block state there (for tests and
        simulators; Java tags read as ``TAGS``, Bedrock names through ``bedrock_names``)."""
        for lit in self.literals:
            name = parse_state(block_at(lit.pos))[0].split(":", 1)[1]
            if self.edition is Edition.JAVA:
                match = name in _expand(lit.block)
            else:
                match = lit.block in bedrock_names(name)
            if match != lit.positive:
                return False
        return True


def _union_queries(pos: Pos, names: Sequence[str], edition: Edition) -> list[tuple[Query, bool]]:
    """"One of ``names``?" as ``unless`` chains under the length limit (passed: none of them)."""
    out: list[tuple[Query, bool]] = []
    part: list[Literal] = []
    for name in names:
        trial = part + [Literal(pos, name, False)]
        if part and len(Query(edition, tuple(trial)).command().encode()) > MAX_QUERY_BYTES:
            out.append((Query(edition, tuple(part)), False))
            trial = [Literal(pos, name, False)]
        part = trial
    if part:
        out.append((Query(edition, tuple(part)), False))
    return out


def class_queries(pos: Pos, cls: BlockClass, edition: Edition = Edition.JAVA) -> list[tuple[Query, bool]]:
    """The questions that tell whether the block at ``pos`` is of ``cls``, in order, each with what a
    pass means (True: a member; False: not one of that part): the block is a member as soon as one
    answer says so. Java asks ``cls.java``'s checks (tags); Bedrock every member by its Bedrock name."""
    if edition is Edition.BEDROCK:
        names = sorted(set().union(*(bedrock_names(n) for n in cls.members)))
        return _union_queries(pos, names, edition)
    out: list[tuple[Query, bool]] = []
    for check in cls.java:
        if check.any_of:
            out += _union_queries(pos, check.any_of, edition)
        else:
            lits = [Literal(pos, b, True) for b in check.all_of] + [Literal(pos, b, False) for b in check.none_of]
            out.append((Query(edition, tuple(lits)), True))
    return out


def air_query(positions: Sequence[Pos], edition: Edition = Edition.JAVA) -> Query:
    """Are all ``positions`` air? (A cave's ``cave_air`` answers no; the class tests then pass it.)"""
    air = "minecraft:air" if edition is Edition.JAVA else "air"
    return Query(edition, tuple(Literal(p, air) for p in positions))


def java_passed(reply: str) -> bool:
    """A Java reply to a Query. "Test passed" / "Test failed"; an empty reply is a failure too (when
    a condition before the last fails, the chain ends without a word); anything else ("That position
    is not loaded", "Unknown block tag") is a ``BridgeError`` with the game's text."""
    text = reply.strip()
    if text == JAVA_PASSED:
        return True
    if text in (JAVA_FAILED, ""):
        return False
    raise BridgeError(f"the game did not answer a block test: {text[:100]}")


def bedrock_passed(status_code: int) -> bool:
    """A Bedrock reply's ``statusCode`` to a Query: 0 passed, any failure code failed. (The game
    answers a test in an unloaded chunk as a failed one: probe near a player.)"""
    return status_code == 0


# --- the probe -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ground:
    """Where a tree can stand in one column, or why not.

    ``base``: the trunk's lowest block (on top of the ground block ``surface_y``); None when
    refused, with ``reason`` for the player. ``plants``: positions between the ground and the air
    above it that hold plants or snow layers (the trunk's lowest logs go there: place those with
    ``replace_command``). ``queries``: how many commands the probe asked."""

    anchor: Pos
    base: Pos | None
    surface_y: int | None = None
    reason: str | None = None
    plants: tuple[Pos, ...] = ()
    queries: int = 0

    @property
    def found(self) -> bool:
        return self.base is not None


def no_ground_text(depth: int) -> str:
    return f"no ground within {depth} blocks below"


def _runs(first: int | None) -> Iterator[int]:
    """Lengths of the air tests going down: the span above the anchor, then 1, 1, 2, 4, ... MAX_RUN."""
    if first:
        yield min(first, MAX_RUN)
    yield 1
    n = 1
    while True:
        yield n
        n = min(n * 2, MAX_RUN)


class GroundProbe:
    """Finds the surface in the column of ``anchor``: ``next()``/``answer()`` until it returns None,
    then ``result`` (see the module docstring)."""

    def __init__(self, anchor: Pos, edition: Edition = Edition.JAVA, up: int = PROBE_UP, depth: int = PROBE_DEPTH):
        self.anchor = check_anchor(anchor)
        self.edition = Edition(edition)
        for what, v, most in (("up", up, 64), ("depth", depth, 128)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= most:
                raise PlacementError(f"probe {what} must be a whole number of blocks from 0 to {most}, got {v!r}")
        self.depth = depth
        x, y, z = self.anchor
        self.top = min(y + up, MAX_Y - 1)  # the trunk base must fit under the build limit
        self.bottom = max(y - depth, MIN_Y)
        self.result: Ground | None = None
        self.asked = 0
        self._plants: list[int] = []
        self._steps = self._search()
        self._pending: Query | None = None
        self._advance(None)

    def next(self) -> Query | None:
        """The question to ask now (None: finished, see ``result``)."""
        return self._pending

    def answer(self, passed: bool) -> Query | None:
        """The answer to ``next()``; returns the next question (None: finished)."""
        if self._pending is None:
            raise PlacementError("the ground probe has finished; it asks nothing more")
        self.asked += 1
        self._advance(bool(passed))
        return self._pending

    def _advance(self, passed: bool | None) -> None:
        try:
            self._pending = self._steps.send(passed)
        except StopIteration as stop:
            self._pending = None
            self.result = stop.value

    def _pos(self, y: int) -> Pos:
        return self.anchor[0], y, self.anchor[2]

    def _ask_air(self, lo: int, hi: int):
        return (yield air_query([self._pos(y) for y in range(hi, lo - 1, -1)], self.edition))

    def _is(self, y: int, cls: BlockClass):
        for query, member_if_passed in class_queries(self._pos(y), cls, self.edition):
            if (yield query) == member_if_passed:
                return True
        return False

    def _highest_solid(self, hi: int, first_span: int | None):
        """The highest y in [bottom, hi] that is not air (None: all air): runs that grow as they pass."""
        sizes = _runs(first_span)
        while hi >= self.bottom:
            lo = max(hi - next(sizes) + 1, self.bottom)
            if (yield from self._ask_air(lo, hi)):
                hi = lo - 1
                continue
            while lo < hi:  # something in [lo, hi]: halve towards the highest
                mid = (lo + hi + 1) // 2
                if (yield from self._ask_air(mid, hi)):
                    hi = mid - 1
                else:
                    lo = mid
            return hi
        return None

    def _search(self):
        x, y0, z = self.anchor
        hi, first = self.top, self.top - y0 if self.top > y0 else None
        while True:
            y = yield from self._highest_solid(hi, first)
            if y is None:
                return self._refuse(no_ground_text(self.depth))
            if self._plants and y < self._plants[-1] - 1:
                self._plants = []  # air between: those plants stand on something else
            if (yield from self._is(y, GROUND)):
                if y == self.top and not self._plants:
                    return self._refuse(f"the ground rises more than {self.top - y0} blocks above the target "
                                        f"(solid at y {y})")
                return Ground(self.anchor, (x, y + 1, z), y, None, tuple(self._pos(p) for p in sorted(self._plants)),
                              self.asked)
            if (yield from self._is(y, TREE)):
                return self._refuse(f"another tree is in the way (leaves or wood at y {y})")
            if (yield from self._is(y, PLANT)):
                self._plants.append(y)
                hi, first = y - 1, None
                continue
            if (yield from self._is(y, WATER)):
                return self._refuse(f"water at y {y}: trees are not planted in water")
            if (yield from self._is(y, LAVA)):
                return self._refuse(f"lava at y {y}")
            return self._refuse(f"the block at y {y} is not natural ground (dirt, grass, sand, stone...); "
                                "trees are not planted on built blocks")

    def _refuse(self, reason: str) -> Ground:
        return Ground(self.anchor, None, None, reason, (), self.asked)


def find_ground(anchor: Pos, block_at: Callable[[Pos], str], edition: Edition = Edition.JAVA, up: int = PROBE_UP,
                depth: int = PROBE_DEPTH) -> Ground:
    """``GroundProbe`` answered from a known world (``block_at(pos)`` -> block state; tests, simulators)."""
    probe = GroundProbe(anchor, edition, up, depth)
    query = probe.next()
    while query is not None:
        query = probe.answer(query.holds(block_at))
    assert probe.result is not None
    return probe.result


def world_lookup(blocks: Mapping[Pos, str], default: str = "minecraft:air") -> Callable[[Pos], str]:
    """``block_at`` for ``find_ground``/``Query.holds`` from ``{pos: state}`` (the rest ``default``)."""
    return lambda pos: blocks.get(pos, default)


# --- the ground patch and the space a tree takes ---------------------------------------------------

def patch_blocks(blocks: Iterable[Block], base_y: int) -> list[Block]:
    """The tree's ground patch: its ground-kind blocks below the trunk base ``base_y``."""
    return [b for b in blocks if b.y < base_y and block_kind(b.state) == "ground"]


@dataclass(frozen=True)
class PatchCheck:
    """Questions whose answers say which patch blocks may go in: those whose place is air or a
    replaceable plant (no liquid).

    ``queries`` are all independent (send them together); ``owners[i]`` is the index in ``blocks``
    that ``queries[i]`` asks about (Java: one question per block; Bedrock one or two, its names being
    many), ``member_if_passed[i]`` what its pass means. ``allowed`` takes the answers, in order, and
    returns the blocks that may go in (with ``replace_command``); the rest stay out of the tree."""

    blocks: tuple[Block, ...]
    queries: tuple[Query, ...]
    owners: tuple[int, ...]
    member_if_passed: tuple[bool, ...]

    @classmethod
    def of(cls, blocks: Iterable[Block], edition: Edition = Edition.JAVA) -> "PatchCheck":
        blocks = tuple(blocks)
        asked = [(i, q, m) for i, b in enumerate(blocks) for q, m in class_queries((b.x, b.y, b.z), OPEN, edition)]
        return cls(blocks, tuple(q for _, q, _ in asked), tuple(i for i, _, _ in asked), tuple(m for *_, m in asked))

    def allowed(self, answers: Sequence[bool]) -> tuple[Block, ...]:
        if len(answers) != len(self.queries):
            raise PlacementError(f"{len(answers)} answers for {len(self.queries)} patch questions")
        ok = {i for i, passed, member in zip(self.owners, answers, self.member_if_passed) if bool(passed) == member}
        return tuple(b for i, b in enumerate(self.blocks) if i in ok)


def replace_command(b: Block, edition: Edition = Edition.JAVA, dimension: str | None = None) -> str:
    """Places ``b`` over air or a replaceable plant (the ground patch; a trunk's foot in grass).

    Java tests and places in one command (nothing else is ever replaced, whatever changed since the
    probe); Bedrock cannot test a union in one command, so it replaces what ``PatchCheck`` or the
    probe found there."""
    if Edition(edition) is Edition.JAVA:
        (query, _), = class_queries((b.x, b.y, b.z), OPEN, Edition.JAVA)
        return f"{query.command(dimension)} run setblock {b.x} {b.y} {b.z} {command_state(b.state)} replace"
    from sapling.bridge.bedrock.blocks import to_bedrock

    return f"execute in {_bedrock_dimension(dimension)} run setblock {b.x} {b.y} {b.z} {to_bedrock(b.state)} replace"


def space_queries(blocks: Iterable[Block], edition: Edition = Edition.JAVA, above_y: int | None = None
                  ) -> list[Query]:
    """Questions that pass only if every position of ``blocks`` (those at ``above_y`` and higher) is air:
    the tree would touch nothing (another tree's crown, a wall). All must pass; stop at a failure."""
    cells = sorted({(b.x, b.y, b.z) for b in blocks if above_y is None or b.y >= above_y},
                   key=lambda p: (p[1], p[0], p[2]))
    out, run = [], []
    for p in cells:
        trial = run + [p]
        if run and len(air_query(trial, edition).command().encode()) > MAX_QUERY_BYTES:
            out.append(air_query(run, edition))
            trial = [p]
        run = trial
    if run:
        out.append(air_query(run, edition))
    return out


__all__ = ["CLASS_ORDER", "GROUND", "LAVA", "MAX_QUERY_BYTES", "MAX_RUN", "OPEN", "PLANT", "PROBE_DEPTH", "PROBE_UP",
           "TAGS", "TREE", "WATER", "BlockClass", "Check", "Edition", "Ground", "GroundProbe", "Literal", "PatchCheck",
           "Query", "air_query", "bedrock_names", "bedrock_passed", "class_queries", "find_ground", "java_passed",
           "no_ground_text", "patch_blocks", "replace_command", "space_queries", "world_lookup"]
