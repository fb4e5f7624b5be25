"""Placement planning and the undo journal (pure, apart from the journal file; no torch).

A structure from the server (blocks relative to the request's origin) becomes
commands for the game, in an order that gives every block its support: ground,
then logs bottom-up (trunk, then branches), then leaves, then decorations (vines
and cocoa need the logs and leaves they hang on). Runs of identical blocks merge
into ``fill`` boxes. Every command writes into air only (``keep``), so nothing a
player built is replaced, and every block state is checked against the model's
the game's block table before it enters a command: no text from chat or the network ever
does. Undo removes a block only where the block we placed is still exactly there
(``execute if block ... run setblock ... air``).

Two spellings of a placed block: ``setblock``/``fill`` carry the *full* state
(``command_state``: every property of the block explicit, the game's defaults spelled
out), so what lands never depends on the game's defaults; ``Block.state`` (the journal,
undo and presence tests) stays the checked state, which names only the properties the
tree decides. A test of it matches the block whatever the game later sets by itself
(leaf ``distance`` one tick after placement, ``snowy`` under snow), so undo never
leaves a block behind because the game updated it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator
from uuid import uuid4

from sapling.blocks import block_kind, canonical, format_state, parse_state
from sapling.bridge.identity import is_uuid
from sapling.errors import BlockError, PlacementError
from sapling.game_data import complete_state

MAX_FILL_VOLUME = 32768  # vanilla's limit for one fill command
KIND_ORDER = {"ground": 0, "log": 1, "leaves": 2, "decoration": 3, "other": 4}
WORLD_LIMIT = 30_000_000  # the world border's furthest extent
MIN_Y, MAX_Y = -64, 319   # Java 1.18+ overworld build height


@dataclass(frozen=True, order=True)
class Block:
    """A block at a world position."""

    x: int
    y: int
    z: int
    state: str


@dataclass(frozen=True)
class Command:
    """One game command and the blocks it places (``fill``: every block of its box)."""

    text: str
    blocks: tuple[Block, ...]

    @property
    def is_fill(self) -> bool:
        return self.text.startswith("fill ")


@dataclass(frozen=True)
class PlacementPlan:
    commands: tuple[Command, ...]
    blocks: tuple[Block, ...]  # in placement order

    @property
    def num_blocks(self) -> int:
        return len(self.blocks)


# Blocks a generated structure never places, whatever its model was trained on: ones that act on
# their surroundings (flow, burn, explode, teleport) and could harm what players built, and ones
# only operators may place.
REFUSED_BLOCKS = frozenset("minecraft:" + n for n in (
    "air", "cave_air", "void_air", "water", "lava", "fire", "soul_fire", "tnt", "bubble_column",
    "nether_portal", "end_portal", "end_gateway", "command_block", "chain_command_block",
    "repeating_command_block", "structure_block", "structure_void", "jigsaw", "barrier", "light",
    "spawner", "trial_spawner", "test_block", "test_instance_block",
))


@lru_cache(maxsize=4096)
def check_state(state: str) -> str:
    """The canonical form of a block state that may be placed; ``PlacementError`` otherwise.

    Any block of any model's vocabulary (models trained on imported data place flowers,
    stone, fences...): the game must know the block and allow every value
    (``game_data.complete_state``), and it must not be one of ``REFUSED_BLOCKS``. The
    canonical spelling only contains ``[a-z0-9_:.-]`` names and ``key=value`` properties,
    so it cannot smuggle a command.
    """
    try:
        state_c = canonical(state)
        name = parse_state(state_c)[0]
    except (BlockError, TypeError) as exc:
        raise PlacementError(f"refusing block state {str(state)[:60]!r}: {exc}") from None
    if name in REFUSED_BLOCKS:
        raise PlacementError(f"refusing block state {state_c[:80]!r}: {name} is never placed by a generated tree")
    check = complete_state(state_c)
    if not check.known or check.problems:
        raise PlacementError(f"refusing block state {state_c[:80]!r}: {'; '.join(check.problems)[:120]}")
    return state_c


@lru_cache(maxsize=4096)
def command_state(state: str) -> str:
    """The block argument of a ``setblock``/``fill``: a checked state with every property explicit.

    ``check_state`` first (so nothing unchecked enters a command), then the game's defaults for
    what the state leaves out: ``oak_leaves[persistent=true]`` is placed as
    ``oak_leaves[distance=7,persistent=true,waterlogged=false]``, exactly what the game makes of
    the short form (it then computes the leaf's distance itself, as for any placed leaf).
    """
    return complete_state(check_state(state)).state


def setblock_command(b: Block) -> str:
    """Places ``b`` into air only, with every property of its state explicit."""
    return f"setblock {b.x} {b.y} {b.z} {command_state(b.state)} keep"


def persistent_leaves(state: str) -> str:
    """Leaves as a player would place them: ``persistent=true``, no ``distance`` (the game keeps it).

    A tree that appears step by step never has its leaves decay half-grown, and one whose
    logs a player later cuts behaves like a player-built one. Other blocks are unchanged.
    """
    if block_kind(state) != "leaves":
        return state
    name, props = parse_state(state)
    props.pop("distance", None)
    props["persistent"] = "true"
    return format_state(name, props)


def check_anchor(anchor: tuple[int, int, int]) -> tuple[int, int, int]:
    x, y, z = (int(v) for v in anchor)
    if not (-WORLD_LIMIT <= x <= WORLD_LIMIT and -WORLD_LIMIT <= z <= WORLD_LIMIT and MIN_Y <= y <= MAX_Y):
        raise PlacementError(f"position {x} {y} {z} is outside the world")
    return x, y, z


def to_world(blocks: Iterable[tuple[int, int, int, str]], anchor: tuple[int, int, int],
             leaves_persistent: bool = True) -> list[Block]:
    """Blocks relative to the origin -> checked world blocks at ``anchor`` (air skipped).

    Blocks outside the build height are dropped (the game would refuse them)."""
    ax, ay, az = check_anchor(anchor)
    out = []
    for x, y, z, state in blocks:
        for v in (x, y, z):
            if not isinstance(v, int) or isinstance(v, bool) or abs(v) > 512:
                raise PlacementError(f"refusing block position {[x, y, z]!r}: not a small integer offset")
        if state in ("air", "minecraft:air"):
            continue
        s = check_state(state)
        if leaves_persistent:
            s = persistent_leaves(s)
        if MIN_Y <= ay + y <= MAX_Y:
            out.append(Block(ax + x, ay + y, az + z, s))
    return out


def order_blocks(blocks: Iterable[Block]) -> list[Block]:
    """Support first: ground, logs, leaves, decorations; within each, bottom-up."""
    return sorted(blocks, key=lambda b: (KIND_ORDER[block_kind(b.state)], b.y, b.x, b.z))


def _boxes(cells: set[tuple[int, int, int]]) -> Iterator[tuple[tuple[int, int, int], tuple[int, int, int]]]:
    """Greedy cover of ``cells`` by boxes (x first, then z, then y), each within the fill limit."""
    left = set(cells)
    for start in sorted(cells, key=lambda c: (c[1], c[2], c[0])):
        if start not in left:
            continue
        x0, y0, z0 = start
        x1 = x0
        while (x1 + 1, y0, z0) in left:
            x1 += 1
        z1 = z0
        while all((x, y0, z1 + 1) in left for x in range(x0, x1 + 1)):
            z1 += 1
        y1 = y0
        while (x1 - x0 + 1) * (z1 - z0 + 1) * (y1 - y0 + 2) <= MAX_FILL_VOLUME and all(
                (x, y1 + 1, z) in left for x in range(x0, x1 + 1) for z in range(z0, z1 + 1)):
            y1 += 1
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                for z in range(z0, z1 + 1):
                    left.discard((x, y, z))
        yield (x0, y0, z0), (x1, y1, z1)


def plan_placement(blocks: Iterable[Block], use_fill: bool = True) -> PlacementPlan:
    """Commands that place ``blocks`` (world positions, checked states) into air only, in support order.

    With ``use_fill``, same-state blocks of one stage that form boxes of two or more go out as
    one ``fill ... keep``; the rest as ``setblock ... keep``. Commands name full states
    (``command_state``); the plan's ``Block``s keep their checked states.
    """
    ordered = order_blocks(blocks)
    commands: list[tuple[tuple, Command]] = []
    by_stage: dict[tuple[int, str], set[tuple[int, int, int]]] = {}
    for b in ordered:
        by_stage.setdefault((KIND_ORDER[block_kind(b.state)], b.state), set()).add((b.x, b.y, b.z))
    for (stage, state), cells in by_stage.items():
        boxes = _boxes(cells) if use_fill else (((c, c) for c in sorted(cells, key=lambda c: (c[1], c[0], c[2]))))
        for (x0, y0, z0), (x1, y1, z1) in boxes:
            placed = tuple(Block(x, y, z, state) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)
                           for z in range(z0, z1 + 1))
            if len(placed) == 1:
                text = setblock_command(placed[0])
            else:
                text = f"fill {x0} {y0} {z0} {x1} {y1} {z1} {command_state(state)} keep"
            commands.append(((stage, y0, x0, z0), Command(text, placed)))
    commands.sort(key=lambda c: c[0])
    return PlacementPlan(tuple(c for _, c in commands), tuple(ordered))


def undo_order(blocks: Iterable[Block]) -> list[Block]:
    """The reverse of placement: decorations first, then leaves, logs top-down."""
    return list(reversed(order_blocks(blocks)))


def undo_command(b: Block) -> str:
    """Turns ``b`` back to air only if the block there is still exactly the one we placed."""
    return f"execute if block {b.x} {b.y} {b.z} {b.state} run setblock {b.x} {b.y} {b.z} air"


def undo_commands(blocks: Iterable[Block]) -> list[str]:
    """Commands that turn back to air exactly those ``blocks`` still holding the state we placed."""
    return [undo_command(b) for b in undo_order(blocks)]


# --- the undo journal -------------------------------------------------------------------------------

@dataclass
class JournalEntry:
    """One placement: who asked, when, for what, and the blocks that were actually placed.

    ``who`` is the player's name (the username the server reported, or "console"); ``uuid`` the
    player's UUID where the bridge resolved one (Java chat), None otherwise (``sapling place``,
    Bedrock, journals written before UUIDs were recorded)."""

    who: str
    prompt: str
    blocks: list[Block]
    id: str = field(default_factory=lambda: uuid4().hex[:12])
    when: float = field(default_factory=time.time)
    anchor: tuple[int, int, int] | None = None
    undone: bool = False
    uuid: str | None = None

    def to_json(self) -> str:
        d = asdict(self)
        d["blocks"] = [[b.x, b.y, b.z, b.state] for b in self.blocks]
        d["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.when))
        d.pop("undone")
        if d["uuid"] is None:
            d.pop("uuid")  # the old line format, which every version reads
        return json.dumps(d, separators=(",", ":"))

    def belongs_to(self, who: str | None = None, uuid: str | None = None) -> bool:
        """Whether this placement is the player's: by UUID where both sides have one, else by name
        (an entry journaled before UUIDs were recorded is its name's)."""
        if uuid is not None:
            if self.uuid is not None:
                return self.uuid == uuid.lower()
            return who is not None and self.who == who
        return who is None or self.who == who


class Journal:
    """An append-only JSON-lines file of placements and undos (one line each).

    A placement line: ``{"who","prompt","blocks":[[x,y,z,state],...],"id","when","anchor"}`` and,
    where the player was resolved to one, ``"uuid"`` (lines without it, from older versions, read
    as before); an undo line: ``{"undo": id, "when": ...}``. Undone placements are never undone twice.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def record(self, entry: JournalEntry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(entry.to_json() + "\n")

    def mark_undone(self, entry_id: str) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"undo": entry_id, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}) + "\n")

    def entries(self) -> list[JournalEntry]:
        """Every placement, oldest first, with ``undone`` set; ``PlacementError`` for a damaged file."""
        if not self.path.exists():
            return []
        out: dict[str, JournalEntry] = {}
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                if "undo" in d:
                    if d["undo"] in out:
                        out[d["undo"]].undone = True
                    continue
                blocks = [Block(int(x), int(y), int(z), check_state(s)) for x, y, z, s in d["blocks"]]
                when = time.mktime(time.strptime(d["when"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
                anchor = tuple(d["anchor"]) if d.get("anchor") else None
                player = d.get("uuid")
                if player is not None and not (isinstance(player, str) and is_uuid(player)):
                    raise ValueError(f"uuid {str(player)[:40]!r} is not a UUID")
                out[d["id"]] = JournalEntry(str(d["who"]), str(d["prompt"]), blocks, str(d["id"]), when, anchor,
                                            uuid=player.lower() if player else None)
            except (ValueError, KeyError, TypeError, PlacementError) as exc:
                raise PlacementError(f"{self.path}:{n}: damaged journal line ({exc})") from None
        return list(out.values())

    def last(self, n: int = 1, who: str | None = None, uuid: str | None = None) -> list[JournalEntry]:
        """The ``n`` newest placements not yet undone (of the player ``who``/``uuid`` if given, see
        ``JournalEntry.belongs_to``), newest first."""
        live = [e for e in self.entries() if not e.undone and e.belongs_to(who, uuid)]
        return list(reversed(live))[:n]
