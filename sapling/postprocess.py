"""Post-processing: pure functions on a ``Structure`` that return a new one and a report.

Each step fixes one kind of incoherence a sampled (or hand-built) tree can show:

* ``prune``: keep only the main structure (``metrics.main_structure``);
* ``fix_log_axes``: logs lie along their run (vertical ``y``, horizontal ``x``/``z``);
* ``fix_decorations``: vines, cocoa, hanging propagules and hanging moss need support, carpets
  a block below; hanging moss has ``tip`` at the bottom of each strand;
* ``fix_leaves``: vanilla ``distance`` on every leaf, far leaves persistent or dropped;
* ``ground``: a trunk that hovers above the grid floor is lowered or extended down.

``clean`` chains them (the default pipeline of the CLI and of ``TreePipeline``).
Report positions are grid coordinates ``(x, y, z)`` of the structure the step was
given. Leaf states with ``distance`` are not in the model vocabulary: steps that
need new states return the structure over an extended palette (the old states keep
their ids, new ones are appended), which is meant for export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sapling.blocks import KIND_ID, BlockVocab, base_name, format_state, parse_state
from sapling.errors import ConfigError
from sapling.metrics import MAX_LEAF_DISTANCE, components, leaf_distance, main_structure, trunk_base
from sapling.structure import Coord, Structure

Connectivity = Literal["any", "face"]
LeafMode = Literal["persist", "drop"]
GroundMode = Literal["lower", "extend"]

# Vine faces and cocoa facings as grid steps (x east, y up, z south).
DIRECTIONS: dict[str, Coord] = {
    "east": (1, 0, 0), "west": (-1, 0, 0), "south": (0, 0, 1), "north": (0, 0, -1), "up": (0, 1, 0),
}
_VINE_FACES = ("east", "north", "south", "up", "west")
HORIZONTAL = ("east", "north", "south", "west")
# Decorations that are full blocks: vines and hanging moss can attach to them.
_FULL_DECORATIONS = frozenset({"bee_nest", "pale_moss_block"})
_CARPET = "_carpet"  # moss_carpet, pale_moss_carpet, white_carpet...: they need a block below
_HANGING_MOSS = "minecraft:pale_hanging_moss"


def _choice(value: str, what: str, accepted: dict[str, str]) -> str:
    if value not in accepted:
        options = "; ".join(f"'{k}' ({v})" for k, v in accepted.items())
        raise ConfigError(f"unknown {what} {value!r}; choose one of: {options}")
    return value


class _Palette:
    """A structure's vocabulary plus states added on demand (old states keep their ids)."""

    def __init__(self, vocab: BlockVocab):
        self.vocab = vocab
        self.states = list(vocab.states)
        self.index = {s: i for i, s in enumerate(self.states)}

    def id(self, name: str, props: dict[str, str]) -> int:
        state = format_state(name, props)
        if state not in self.index:
            self.index[state] = len(self.states)
            self.states.append(state)
        return self.index[state]

    def build(self) -> BlockVocab:
        return self.vocab if len(self.states) == len(self.vocab) else BlockVocab(self.states)


def _coords(mask: np.ndarray) -> tuple[Coord, ...]:
    return tuple(tuple(p) for p in np.argwhere(mask).tolist())  # type: ignore[misc]


def _kind_counts(structure: Structure, mask: np.ndarray) -> dict[str, int]:
    kinds = structure.kinds()[mask]
    return {k: int(n) for k, n in ((k, np.count_nonzero(kinds == KIND_ID[k])) for k in KIND_ID) if n}


# --- prune ---

@dataclass(frozen=True)
class PruneReport:
    """What ``prune`` removed: blocks outside the main structure, per kind, and their components.

    ``no_log`` is True when there is no main structure (leaves that need a log hold
    none, ``metrics.anchor_mask``): there is no tree to keep, the result is empty and
    ``message`` says so.
    """

    connectivity: str
    blocks_removed: int = 0
    components_removed: int = 0
    removed_by_kind: dict[str, int] = field(default_factory=dict)
    no_log: bool = False
    message: str = ""


def prune(structure: Structure, connectivity: Connectivity = "any") -> tuple[Structure, PruneReport]:
    """Keep only the main structure: the largest connected component holding a log.

    ``connectivity="any"`` counts face, edge and corner contacts (26-neighbourhood:
    diagonal palm fronds stay), ``"face"`` faces only. A structure without logs keeps
    its largest component (a rock, a flower patch), unless it has decaying leaves: a
    crown without a trunk comes back empty (same grid shape, all air), with ``no_log``
    set in the report.
    """
    _choice(connectivity, "connectivity", {"any": "faces, edges and corners touch", "face": "faces only"})
    comps = components(structure, connectivity)
    main = main_structure(structure, connectivity)
    solid = structure.blocks != 0
    if main is None:
        message = ("the structure is empty" if comps.count == 0
                   else "its leaves have no log to hold them, so nothing belongs to a tree: everything was removed")
        report = PruneReport(connectivity, int(np.count_nonzero(solid)), comps.count,
                             _kind_counts(structure, solid), no_log=True, message=message)
        return structure.with_blocks(np.zeros_like(structure.blocks)), report
    stray = solid & ~main
    if not stray.any():
        return structure, PruneReport(connectivity)
    report = PruneReport(connectivity, int(np.count_nonzero(stray)), comps.count - 1,
                         _kind_counts(structure, stray))
    return structure.with_blocks(np.where(main, structure.blocks, 0)), report


# --- leaves ---

@dataclass(frozen=True)
class LeafReport:
    """What ``fix_leaves`` changed.

    ``distances_added``: leaves that had no ``distance``; ``distances_corrected``:
    leaves whose ``distance`` was wrong; ``made_persistent`` / ``dropped``: leaves
    more than 6 steps from a log that would have decayed; ``far``: their positions.
    """

    mode: str
    leaves: int = 0
    distances_added: int = 0
    distances_corrected: int = 0
    made_persistent: int = 0
    dropped: int = 0
    far: tuple[Coord, ...] = ()


def fix_leaves(structure: Structure, mode: LeafMode = "persist") -> tuple[Structure, LeafReport]:
    """Give every leaf the vanilla ``distance`` (``metrics.leaf_distance``), replacing any it had.

    Non-persistent leaves more than 6 face-steps (through leaves) from a log would
    decay in game: ``mode="persist"`` makes them ``persistent=true`` (nothing is
    lost), ``mode="drop"`` removes them. Leaves already persistent never decay and
    are kept in both modes.
    """
    _choice(mode, "leaf mode", {"persist": "far leaves become persistent", "drop": "far leaves are removed"})
    vocab = structure.vocab
    leaves = structure.mask_of("leaves")
    if not leaves.any():
        return structure, LeafReport(mode)
    dist = leaf_distance(structure)
    ids = structure.blocks.astype(np.int64)
    # One new state per (old state, distance) pair.
    keys, inverse = np.unique(ids[leaves] * 8 + dist[leaves], return_inverse=True)
    palette = _Palette(vocab)
    new_ids = np.empty(len(keys), dtype=np.int64)
    added, corrected, persisted, dropped = (np.zeros(len(keys), dtype=bool) for _ in range(4))
    for k, key in enumerate(keys.tolist()):
        old, d = divmod(key, 8)
        name, props = parse_state(vocab.states[old])
        had = props.get("distance")
        added[k], corrected[k] = had is None, had is not None and had != str(d)
        if d > MAX_LEAF_DISTANCE and props.get("persistent") != "true":
            if mode == "drop":
                new_ids[k], dropped[k] = 0, True
                continue
            props["persistent"], persisted[k] = "true", True
        new_ids[k] = palette.id(name, {**props, "distance": str(d)})
    out = ids.copy()
    out[leaves] = new_ids[inverse]
    far = np.zeros(leaves.shape, dtype=bool)
    far[leaves] = (persisted | dropped)[inverse]
    report = LeafReport(
        mode, int(np.count_nonzero(leaves)), int(added[inverse].sum()), int(corrected[inverse].sum()),
        int(persisted[inverse].sum()), int(dropped[inverse].sum()), _coords(far),
    )
    return structure.with_blocks(out, vocab=palette.build()), report


def with_leaf_distance(structure: Structure) -> Structure:
    """Give every leaf that lacks a ``distance`` property the one the game would compute.

    This is the export rule of the model vocabulary (which carries no distance):
    schematic writers apply it so that pasted leaves hold vanilla states. Leaves
    that already name a distance keep it (lossless for files read from disk).
    """
    vocab = structure.vocab
    needs = [i for i, s in enumerate(vocab.states) if vocab.kind(i) == "leaves" and "distance" not in parse_state(s)[1]]
    if not needs:
        return structure
    needs_mask = np.zeros(len(vocab), dtype=bool)
    needs_mask[needs] = True
    where = needs_mask[structure.blocks]
    if not where.any():
        return structure
    dist = leaf_distance(structure)
    states = list(vocab.states)
    index = {s: i for i, s in enumerate(states)}
    table: dict[tuple[int, int], int] = {}
    out = structure.blocks.astype(np.int32)
    for x, y, z in np.argwhere(where).tolist():
        key = (int(out[x, y, z]), int(dist[x, y, z]))
        if key not in table:
            name, props = parse_state(states[key[0]])
            new = format_state(name, {**props, "distance": str(key[1])})
            if new not in index:
                index[new] = len(states)
                states.append(new)
            table[key] = index[new]
        out[x, y, z] = table[key]
    return structure.with_blocks(out, vocab=BlockVocab(states))


# --- log axes ---

@dataclass(frozen=True)
class AxisReport:
    """Logs whose ``axis`` ``fix_log_axes`` changed, and where."""

    changed: int = 0
    positions: tuple[Coord, ...] = ()


def _log_axes(is_log: np.ndarray) -> np.ndarray:
    """``(X, Y, Z)`` int8: the axis (0 x, 1 y, 2 z) each log's log neighbours call for, -1 for none."""
    p = np.pad(is_log, 1)
    core = (slice(1, -1),) * 3

    def n(axis: int, step: int) -> np.ndarray:
        idx = list(core)
        idx[axis] = slice(1 + step, p.shape[axis] - 1 + step)
        return p[tuple(idx)]
    vertical = n(1, 1) | n(1, -1)
    along_x = n(0, 1).astype(np.int8) + n(0, -1)
    along_z = n(2, 1).astype(np.int8) + n(2, -1)
    axes = np.full(is_log.shape, -1, dtype=np.int8)
    axes[is_log & (along_z > 0) & (along_z > along_x)] = 2
    axes[is_log & (along_x > 0) & (along_x >= along_z)] = 0
    axes[is_log & vertical] = 1  # a log in a vertical run is upright, whatever joins it sideways
    return axes


def fix_log_axes(structure: Structure) -> tuple[Structure, AxisReport]:
    """Turn each log to follow its run, decided from its log neighbours (faces only).

    A log with a log above or below is ``axis=y``; otherwise the horizontal axis with
    more log neighbours (``x`` on a tie) wins; a log with no log neighbour keeps its
    axis. Applies to every block of kind log with an ``axis`` property (logs, wood,
    stripped forms, muddy mangrove roots, any species); log blocks without ``axis``
    still count as neighbours.
    """
    vocab = structure.vocab
    axes = _log_axes(structure.mask_of("log"))
    has_axis = np.array([parse_state(s)[1].get("axis") in ("x", "y", "z") for s in vocab.states], dtype=bool)
    ids = structure.blocks.astype(np.int64)
    want = (axes >= 0) & has_axis[ids]
    if not want.any():
        return structure, AxisReport()
    keys, inverse = np.unique(ids[want] * 3 + axes[want], return_inverse=True)
    palette = _Palette(vocab)
    new_ids = np.empty(len(keys), dtype=np.int64)
    for k, key in enumerate(keys.tolist()):
        old, axis = divmod(key, 3)
        name, props = parse_state(vocab.states[old])
        new_ids[k] = palette.id(name, {**props, "axis": "xyz"[axis]})
    out = ids.copy()
    out[want] = new_ids[inverse]
    changed = out != ids
    if not changed.any():
        return structure, AxisReport()
    report = AxisReport(int(np.count_nonzero(changed)), _coords(changed))
    return structure.with_blocks(out, vocab=palette.build()), report


# --- decorations ---

@dataclass(frozen=True)
class DecorationReport:
    """Decorations ``fix_decorations`` removed (per block name), vines it trimmed and hanging
    moss whose ``tip`` it set."""

    removed_by_block: dict[str, int] = field(default_factory=dict)
    vines_trimmed: int = 0
    removed: tuple[Coord, ...] = ()
    trimmed: tuple[Coord, ...] = ()
    tips_fixed: int = 0

    @property
    def total_removed(self) -> int:
        return len(self.removed)

    def __add__(self, other: "DecorationReport") -> "DecorationReport":
        by_block = dict(self.removed_by_block)
        for k, n in other.removed_by_block.items():
            by_block[k] = by_block.get(k, 0) + n
        return DecorationReport(by_block, self.vines_trimmed + other.vines_trimmed,
                                self.removed + other.removed, self.trimmed + other.trimmed,
                                self.tips_fixed + other.tips_fixed)


def supports(vocab: BlockVocab) -> np.ndarray:
    """Per id: True for blocks a vine or hanging block can attach to (non-air, not a thin decoration)."""
    kinds = vocab.kind_ids
    full = np.array([base_name(s) in _FULL_DECORATIONS for s in vocab.states], dtype=bool)
    return (kinds != KIND_ID["air"]) & ((kinds != KIND_ID["decoration"]) | full)


def fix_decorations(structure: Structure) -> tuple[Structure, DecorationReport]:
    """Remove (or trim) decorations that could not stay where they are in game.

    * vine: each face it names must have a support behind it (any non-air block
      but thin decorations) or, for a side face, the vine above must name the same
      face and be supported itself (hanging vines); faces without support are
      dropped, a vine left with none is removed;
    * cocoa: the block it faces (facing = from the cocoa to the log) must be a
      jungle log or wood;
    * hanging mangrove propagule: mangrove leaves directly above;
    * pale hanging moss: a support or more hanging moss directly above;
    * carpets (moss, pale moss, wool: any ``*_carpet``): a block directly below, as the game's
      carpets need; a pale moss carpet's side part (``bottom=false``) a bottom part below. A
      carpet on the grid floor or on the origin's layer (the ground the tree is pasted on lies
      below it) stays.

    Other decorations are kept. Vines and moss are checked top down, so a whole
    chain falls when its top has nothing to hang on; carpets bottom up, after them.
    Then each hanging moss left gets ``tip=true`` where no hanging moss hangs below
    it and ``tip=false`` elsewhere, as the game sets it.
    """
    vocab = structure.vocab
    support = supports(vocab)[structure.blocks]
    kinds = structure.kinds()
    carpet = np.array([base_name(s).endswith(_CARPET) for s in vocab.states], dtype=bool)
    found = np.argwhere((kinds == KIND_ID["decoration"]) & ~carpet[structure.blocks])
    carpets = np.argwhere(carpet[structure.blocks])
    if not len(found) and not len(carpets):
        return structure, DecorationReport()
    palette = _Palette(vocab)
    out = structure.blocks.astype(np.int64)
    shape = out.shape

    def at(pos: tuple[int, int, int], step: Coord) -> tuple[int, int, int] | None:
        p = (pos[0] + step[0], pos[1] + step[1], pos[2] + step[2])
        return p if all(0 <= c < s for c, s in zip(p, shape)) else None

    def state_above(pos: tuple[int, int, int]) -> tuple[str, dict[str, str]] | None:
        p = at(pos, (0, 1, 0))
        return parse_state(palette.states[out[p]]) if p is not None and out[p] else None

    def state_below(pos: tuple[int, int, int]) -> tuple[str, dict[str, str]] | None:
        """The block below, None for air or outside the grid (told apart by the caller)."""
        p = at(pos, (0, -1, 0))
        return parse_state(palette.states[out[p]]) if p is not None and out[p] else None

    removed: list[Coord] = []
    trimmed: list[Coord] = []
    by_block: dict[str, int] = {}
    for x, y, z in sorted(found.tolist(), key=lambda p: (-p[1], p[0], p[2])):  # top down
        pos = (x, y, z)
        name, props = parse_state(vocab.states[out[pos]])
        short = name.split(":", 1)[1]
        keep = True
        if short == "vine":
            above = state_above(pos)
            faces = [f for f in _VINE_FACES if props.get(f) == "true"]
            held = []
            for f in faces:
                p = at(pos, DIRECTIONS[f])
                if p is not None and support[p]:
                    held.append(f)
                elif f != "up" and above is not None and above[0] == name and above[1].get(f) == "true":
                    held.append(f)  # hangs from the vine above, which is already checked
            keep = bool(held)
            if keep and len(held) < len(faces):
                out[pos] = palette.id(name, {**props, **{f: "false" for f in faces if f not in held}})
                trimmed.append(pos)
        elif short == "cocoa":
            facing = props.get("facing", "")
            p = at(pos, DIRECTIONS[facing]) if facing in HORIZONTAL else None
            keep = p is not None and kinds[p] == KIND_ID["log"] and vocab.species[int(structure.blocks[p])] == "jungle"
        elif short == "mangrove_propagule" and props.get("hanging") == "true":
            above = state_above(pos)
            keep = above is not None and above[0] == "minecraft:mangrove_leaves"
        elif short == "pale_hanging_moss":
            p = at(pos, (0, 1, 0))
            keep = p is not None and (bool(support[p]) or parse_state(palette.states[out[p]])[0] == name)
        if not keep:
            out[pos] = 0
            removed.append(pos)
            by_block[short] = by_block.get(short, 0) + 1
    floor = structure.origin[1]
    for x, y, z in sorted(carpets.tolist(), key=lambda p: (p[1], p[0], p[2])):  # bottom up
        pos = (x, y, z)
        name, props = parse_state(vocab.states[out[pos]])
        below = state_below(pos)
        if below is None:
            keep = y in (0, floor)  # on the ground the tree stands on
        elif name == "minecraft:pale_moss_carpet" and props.get("bottom") == "false":
            keep = below[0] == name and below[1].get("bottom", "true") == "true"
        else:
            keep = True
        if not keep:
            short = name.split(":", 1)[1]
            out[pos] = 0
            removed.append(pos)
            by_block[short] = by_block.get(short, 0) + 1
    tips = _fix_moss_tips(out, palette)
    if not removed and not trimmed and not tips:
        return structure, DecorationReport()
    report = DecorationReport(by_block, len(trimmed), tuple(removed), tuple(trimmed), tips)
    return structure.with_blocks(out, vocab=palette.build()), report


def _fix_moss_tips(out: np.ndarray, palette: _Palette) -> int:
    """Set ``tip`` on every pale hanging moss of ``out`` (in place): true where no moss hangs below."""
    moss = np.array([parse_state(s)[0] == _HANGING_MOSS for s in palette.states], dtype=bool)[out]
    if not moss.any():
        return 0
    below = np.zeros_like(moss)
    below[:, 1:, :] = moss[:, :-1, :]  # below[x, y, z]: moss at y - 1
    fixed = 0
    for x, y, z in np.argwhere(moss).tolist():
        name, props = parse_state(palette.states[out[x, y, z]])
        tip = "false" if below[x, y, z] else "true"
        if props.get("tip") != tip:
            out[x, y, z] = palette.id(name, {**props, "tip": tip})
            fixed += 1
    return fixed


# --- ground ---

@dataclass(frozen=True)
class GroundReport:
    """What ``ground`` did to a trunk whose base hovered above the grid floor.

    ``floating``: nothing stood below the trunk base; ``lowered``: layers the whole
    structure moved down; ``logs_added``: logs put under the trunk (``extend``).
    ``base_before`` / ``base_after``: grid y of the trunk base (None without logs).
    """

    mode: str
    floating: bool = False
    lowered: int = 0
    logs_added: int = 0
    base_before: int | None = None
    base_after: int | None = None


def ground(structure: Structure, mode: GroundMode = "lower") -> tuple[Structure, GroundReport]:
    """Put a hovering tree on the grid floor (y = 0).

    The trunk base (``metrics.trunk_base``) floats when it is above y = 0 and
    nothing lies under any of its base-layer logs. ``mode="lower"`` moves the whole
    structure down until its lowest block is at y = 0 (blocks that hang lower than
    the trunk limit the move); ``mode="extend"`` grows each base-layer log column
    down to the floor (as ``axis=y`` where the log has an axis). The origin follows
    the trunk base, so a paste still puts the trunk at the player's feet.
    """
    _choice(mode, "ground mode", {"lower": "move the tree down", "extend": "grow the trunk down to the floor"})
    base = trunk_base(structure)
    main = main_structure(structure)
    if base is None or main is None or base == 0:
        return structure, GroundReport(mode, base_before=base, base_after=base)
    columns = main[:, base, :] & structure.mask_of("log")[:, base, :]  # (X, Z) base-layer logs
    if ((structure.blocks[:, :base, :] != 0).any(axis=1) & columns).any():  # it stands on something
        return structure, GroundReport(mode, base_before=base, base_after=base)
    ox, oy, oz = structure.origin
    if mode == "lower":
        drop = int(np.flatnonzero((structure.blocks != 0).any(axis=(0, 2)))[0])
        if drop == 0:
            return structure, GroundReport(mode, True, base_before=base, base_after=base)
        out = np.zeros_like(structure.blocks)
        out[:, : out.shape[1] - drop, :] = structure.blocks[:, drop:, :]
        return (structure.with_blocks(out, origin=(ox, oy - drop, oz)),
                GroundReport(mode, True, lowered=drop, base_before=base, base_after=base - drop))
    palette = _Palette(structure.vocab)
    out = structure.blocks.astype(np.int64)
    for x, z in np.argwhere(columns).tolist():
        name, props = parse_state(structure.vocab.states[out[x, base, z]])
        out[x, :base, z] = palette.id(name, {**props, "axis": "y"} if "axis" in props else props)
    report = GroundReport(mode, True, logs_added=int(np.count_nonzero(columns)) * base, base_before=base, base_after=0)
    return structure.with_blocks(out, vocab=palette.build(), origin=(ox, oy - base, oz)), report


# --- the whole pipeline ---

@dataclass(frozen=True)
class CleanReport:
    """Everything ``clean`` changed, step by step.

    ``repruned`` counts blocks removed by the later prunes: parts left hanging by a
    removed decoration or dropped leaves.
    """

    prune: PruneReport
    axes: AxisReport
    decorations: DecorationReport
    leaves: LeafReport
    ground: GroundReport
    repruned: int
    blocks_before: int
    blocks_after: int

    def as_dict(self) -> dict[str, Any]:
        """Counts and settings only (JSON-ready, small enough for a file's metadata)."""
        return {
            "connectivity_mode": self.prune.connectivity,
            "leaf_mode": self.leaves.mode,
            "ground_mode": self.ground.mode,
            "no_log": self.prune.no_log,
            "blocks_before": self.blocks_before,
            "blocks_after": self.blocks_after,
            "floating_blocks_removed": self.prune.blocks_removed,
            "floating_parts_removed": self.prune.components_removed,
            "floating_by_kind": dict(self.prune.removed_by_kind),
            "log_axes_fixed": self.axes.changed,
            "decorations_removed": dict(self.decorations.removed_by_block),
            "vines_trimmed": self.decorations.vines_trimmed,
            "moss_tips_fixed": self.decorations.tips_fixed,
            "repruned": self.repruned,
            "leaves": self.leaves.leaves,
            "leaf_distances_added": self.leaves.distances_added,
            "leaf_distances_corrected": self.leaves.distances_corrected,
            "leaves_made_persistent": self.leaves.made_persistent,
            "leaves_dropped": self.leaves.dropped,
            "trunk_floating": self.ground.floating,
            "lowered": self.ground.lowered,
            "trunk_logs_added": self.ground.logs_added,
        }

    def to_text(self) -> str:
        """A few lines a player understands, one per thing that changed."""
        if self.prune.no_log:
            return f"No tree found: {self.prune.message}. Result: 0 blocks (was {self.blocks_before})."
        lines = []
        p = self.prune
        if p.blocks_removed:
            kinds = ", ".join(_n(n, k) for k, n in p.removed_by_kind.items())
            lines.append(f"Removed {_n(p.blocks_removed, 'floating block')} in {_n(p.components_removed, 'loose part')}"
                         f" ({kinds}).")
        if self.axes.changed:
            lines.append(f"Turned {_n(self.axes.changed, 'log')} to lie along {'its' if self.axes.changed == 1 else 'their'} branch or trunk.")
        d = self.decorations
        if d.total_removed:
            what = ", ".join(_n(n, k) for k, n in d.removed_by_block.items())
            lines.append(f"Removed {_n(d.total_removed, 'decoration')} with nothing to hang on ({what}).")
        if d.vines_trimmed:
            lines.append(f"Trimmed {_n(d.vines_trimmed, 'vine')} to the sides that touch a block.")
        if d.tips_fixed:
            lines.append(f"Set the tip of {_n(d.tips_fixed, 'hanging moss block')} (the bottom of each strand).")
        if self.repruned:
            lines.append(f"Removed {_n(self.repruned, 'more block')} left hanging by those removals.")
        lv = self.leaves
        if lv.distances_corrected:
            lines.append(f"Corrected the distance of {_n(lv.distances_corrected, 'leaf block')}.")
        if lv.made_persistent:
            lines.append(f"Made {_n(lv.made_persistent, 'leaf block')} far from any log persistent, so "
                         f"{'it does' if lv.made_persistent == 1 else 'they do'} not decay.")
        if lv.dropped:
            lines.append(f"Dropped {_n(lv.dropped, 'leaf block')} too far from any log (they would decay).")
        g = self.ground
        if g.lowered:
            lines.append(f"Lowered the tree {_n(g.lowered, 'block')} onto the floor.")
        elif g.logs_added:
            lines.append(f"Extended the trunk down to the floor ({_n(g.logs_added, 'log')}).")
        elif g.floating:
            lines.append("The trunk hovers above the floor but other blocks hang lower; "
                         "extend the trunk to ground it.")
        if not lines:
            lines.append("Nothing to fix: the tree is connected, its leaves do not decay and it stands on the floor.")
        lines.append(f"Result: {self.blocks_after} blocks (was {self.blocks_before}).")
        return "\n".join(lines)


# Words a player knows, for block kinds and decoration names in ``CleanReport.to_text``.
_NOUNS = {
    "log": "log", "leaves": "leaf block", "decoration": "decoration", "ground": "ground block",
    "other": "other block", "vine": "vine", "cocoa": "cocoa pod", "mangrove_propagule": "propagule",
    "pale_hanging_moss": "hanging moss block", "moss_carpet": "moss carpet", "pale_moss_carpet": "pale moss carpet",
}


def _n(count: int, noun: str) -> str:
    """``_n(2, "log")`` -> ``"2 logs"``."""
    noun = _NOUNS.get(noun, noun.replace("_", " "))
    return f"{count} {noun}" + ("" if count == 1 else "s")


def clean(
    structure: Structure,
    connectivity: Connectivity = "any",
    leaves: LeafMode = "persist",
    ground_mode: GroundMode = "lower",
) -> tuple[Structure, CleanReport]:
    """The default post-processing: prune, fix log axes and decorations, fix leaves, ground.

    Steps: ``prune`` -> ``fix_log_axes`` -> ``fix_decorations`` -> ``prune`` again if a
    decoration went -> ``fix_leaves`` (with ``leaves="drop"``, decorations and prune
    again for what hung on dropped leaves) -> ``ground`` (leaf distances and carpets
    checked again when the trunk grew). The result has connectivity 1.0 (face connectivity 1.0
    with ``connectivity="face"``), no leaf that would decay, and every block of the
    main structure except unsupported decorations (and far leaves with ``"drop"``).
    """
    _choice(connectivity, "connectivity", {"any": "faces, edges and corners touch", "face": "faces only"})
    _choice(leaves, "leaf mode", {"persist": "far leaves become persistent", "drop": "far leaves are removed"})
    _choice(ground_mode, "ground mode", {"lower": "move the tree down", "extend": "grow the trunk down to the floor"})
    before = structure.num_blocks
    s, pruned = prune(structure, connectivity)
    s, axes = fix_log_axes(s)
    s, decorations = fix_decorations(s)
    repruned = 0
    if decorations.total_removed:
        s, again = prune(s, connectivity)
        repruned += again.blocks_removed
    s, leaf_report = fix_leaves(s, leaves)
    if leaf_report.dropped:
        s, more = fix_decorations(s)
        decorations = decorations + more
        s, again = prune(s, connectivity)
        repruned += again.blocks_removed
    s, grounded = ground(s, ground_mode)
    if grounded.logs_added:
        # New logs bring nearby leaves closer: refresh their distances. Distances only
        # shrink, so this pass neither persists nor drops anything worth reporting.
        s, _ = fix_leaves(s, leaves)
        # The origin went down to the floor with the trunk: carpets that lay on its old layer hover now.
        s, more = fix_decorations(s)
        if more.total_removed:
            decorations = decorations + more
            s, again = prune(s, connectivity)
            repruned += again.blocks_removed
    return s, CleanReport(pruned, axes, decorations, leaf_report, grounded, repruned, before, s.num_blocks)


__all__ = [
    "AxisReport", "CleanReport", "DecorationReport", "GroundReport", "LeafReport", "PruneReport",
    "clean", "fix_decorations", "fix_leaves", "fix_log_axes", "ground", "prune", "with_leaf_distance",
]
