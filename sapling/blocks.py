"""Block states and vocabularies: block-state strings <-> integer ids. No torch.

A block state is written canonically as ``minecraft:oak_log[axis=y]``: namespace
always present, properties sorted by name, no spaces. ``BlockVocab`` maps such
strings to ids; id 0 is always ``minecraft:air``. A vocabulary also reserves a
*mask id* (``len(vocab)``) for the diffusion model; it is never a block and never
leaves the model.

Two kinds of vocabulary exist:

* a file's own palette (any block, modded names too), so reading and writing a
  schematic is lossless;
* the model vocabulary (``BlockVocab.default()``), a closed set covering every
  vanilla tree. Data enters a model through ``BlockVocab.encode``, which maps a
  state onto its *model key* (see ``model_key``) and reports what it cannot map.

Leaf ``distance`` is not part of the model vocabulary: it is derived from the
shape of the tree when a structure is exported (``metrics.leaf_distance``), as
the game itself would compute it. ``waterlogged``, ``snowy`` and a propagule's
``stage`` are dropped the same way: they describe surroundings, not the tree.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

import numpy as np

from sapling.errors import BlockError

AIR = "minecraft:air"

# Block kinds, stored as small ints in vectorised lookups (``BlockVocab.kind_ids``).
KINDS = ("air", "log", "leaves", "decoration", "ground", "other")
KIND_ID = {k: i for i, k in enumerate(KINDS)}

SPECIES = (
    "oak", "birch", "spruce", "jungle", "acacia", "dark_oak",
    "pale_oak", "cherry", "mangrove", "azalea",
)
# Species whose wood blocks exist (azalea trees grow on oak logs).
WOOD_SPECIES = SPECIES[:-1]

_STATE_RE = re.compile(r"^(?:([a-z0-9_.\-]+):)?([a-z0-9_./\-]+)(?:\[(.*)\])?$")
_PROP_RE = re.compile(r"^([a-z0-9_]+)=([a-z0-9_\-]+)$")

# Properties that the model vocabulary does not carry (see module docstring).
DROPPED_PROPERTIES = frozenset({"distance", "waterlogged", "snowy", "stage"})


def parse_state(state: str) -> tuple[str, dict[str, str]]:
    """Split ``"oak_log[axis=y]"`` into ``("minecraft:oak_log", {"axis": "y"})``.

    Raises ``BlockError`` for anything that is not a block-state string.
    """
    if not isinstance(state, str):
        raise BlockError(f"block state must be a string, got {type(state).__name__}")
    text = state.strip().lower()
    m = _STATE_RE.match(text)
    if not m:
        raise BlockError(f"malformed block state {state!r} (expected e.g. 'minecraft:oak_log[axis=y]')")
    namespace, name, props_text = m.group(1) or "minecraft", m.group(2), m.group(3)
    props: dict[str, str] = {}
    if props_text:
        for part in props_text.split(","):
            pm = _PROP_RE.match(part.strip())
            if not pm:
                raise BlockError(f"malformed property {part!r} in block state {state!r}")
            if pm.group(1) in props:
                raise BlockError(f"property {pm.group(1)!r} given twice in block state {state!r}")
            props[pm.group(1)] = pm.group(2)
    return f"{namespace}:{name}", props


def format_state(name: str, props: dict[str, str] | None = None) -> str:
    """Inverse of ``parse_state``: properties sorted by name."""
    if not props:
        return name
    return name + "[" + ",".join(f"{k}={props[k]}" for k in sorted(props)) + "]"


@lru_cache(maxsize=65536)
def canonical(state: str) -> str:
    """The canonical spelling of a block state (lossless: only syntax changes)."""
    return format_state(*parse_state(state))


def model_key(state: str) -> str:
    """The state with the properties the model vocabulary does not carry removed."""
    name, props = parse_state(state)
    return format_state(name, {k: v for k, v in props.items() if k not in DROPPED_PROPERTIES})


def base_name(state: str) -> str:
    """``"minecraft:oak_log[axis=y]"`` -> ``"oak_log"`` (namespace and properties dropped)."""
    return parse_state(state)[0].split(":", 1)[1]


# --- kinds and species, derived from the block name alone (works for any palette) ---

_LOG_SUFFIXES = ("_log", "_wood")
_GROUND = frozenset({
    "dirt", "grass_block", "podzol", "rooted_dirt", "mud", "coarse_dirt", "moss_block",
})
_DECORATION = frozenset({
    "vine", "cocoa", "bee_nest", "mangrove_propagule", "moss_carpet", "pale_moss_block",
    "pale_moss_carpet", "pale_hanging_moss",
})
# Blocks of the log kind outside the game's ``minecraft:logs`` tag (the tag is the logs, wood and
# stems of each species; mangrove roots are not in it): leaves do not count their distance from them.
NOT_IN_LOGS_TAG = frozenset({"mangrove_roots", "muddy_mangrove_roots"})
_DECORATION_SPECIES = {
    "cocoa": "jungle", "mangrove_propagule": "mangrove", "pale_moss_block": "pale_oak",
    "pale_moss_carpet": "pale_oak", "pale_hanging_moss": "pale_oak",
}


@lru_cache(maxsize=65536)  # pure; corpus growers ask it for every canvas block
def block_kind(state: str) -> str:
    """One of ``KINDS`` for any block state (unknown blocks are ``"other"``).

    Mangrove roots count as logs: they are the wood of a mangrove and connect its
    trunk to the ground.
    """
    name = base_name(state)
    if name in ("air", "cave_air", "void_air"):
        return "air"
    if name.endswith(_LOG_SUFFIXES) or name in ("mangrove_roots", "muddy_mangrove_roots"):
        return "log"
    if name.endswith("_leaves"):
        return "leaves"
    if name in _DECORATION:
        return "decoration"
    if name in _GROUND:
        return "ground"
    return "other"


def in_logs_tag(state: str) -> bool:
    """True for a block leaves count their ``distance`` from: a log of the game's ``logs`` tag."""
    return block_kind(state) == "log" and base_name(state) not in NOT_IN_LOGS_TAG


def block_species(state: str) -> str | None:
    """The tree species a block belongs to, or None (air, ground, vines, bee nests)."""
    name = base_name(state)
    if name in _DECORATION_SPECIES:
        return _DECORATION_SPECIES[name]
    if name.endswith("_leaves"):
        stem = name[: -len("_leaves")]
        if stem in ("azalea", "flowering_azalea"):
            return "azalea"
        return stem if stem in SPECIES else None
    if name in ("mangrove_roots", "muddy_mangrove_roots"):
        return "mangrove"
    if name.endswith(_LOG_SUFFIXES):
        stem = name.rsplit("_", 1)[0]
        if stem.startswith("stripped_"):
            stem = stem[len("stripped_"):]
        return stem if stem in SPECIES else None
    return None


# --- the default (model) vocabulary ---

def _default_states() -> list[str]:
    states = [AIR]
    for sp in WOOD_SPECIES:
        for form in (f"{sp}_log", f"{sp}_wood", f"stripped_{sp}_log", f"stripped_{sp}_wood"):
            states += [f"minecraft:{form}[axis={a}]" for a in "xyz"]
    states += [f"minecraft:muddy_mangrove_roots[axis={a}]" for a in "xyz"]
    states.append("minecraft:mangrove_roots")
    for leaf in [f"{sp}_leaves" for sp in WOOD_SPECIES] + ["azalea_leaves", "flowering_azalea_leaves"]:
        states += [f"minecraft:{leaf}[persistent={p}]" for p in ("false", "true")]
    faces = ("east", "north", "south", "up", "west")
    for bits in range(1, 32):
        states.append(format_state("minecraft:vine", {f: str(bool(bits >> i & 1)).lower() for i, f in enumerate(faces)}))
    for facing in ("north", "south", "east", "west"):
        states += [f"minecraft:cocoa[age={age},facing={facing}]" for age in range(3)]
        states += [f"minecraft:bee_nest[facing={facing},honey_level={h}]" for h in range(6)]
    for hanging in ("true", "false"):
        states += [f"minecraft:mangrove_propagule[age={age},hanging={hanging}]" for age in range(5)]
    states += [
        "minecraft:moss_carpet", "minecraft:pale_moss_block",
        "minecraft:pale_moss_carpet[bottom=true,east=none,north=none,south=none,west=none]",
        "minecraft:pale_hanging_moss[tip=false]", "minecraft:pale_hanging_moss[tip=true]",
    ]
    states += [f"minecraft:{g}" for g in sorted(_GROUND)]
    return states


UnknownPolicy = Literal["error", "air"]


@dataclass
class EncodeReport:
    """What ``BlockVocab.encode_many`` changed: unknown states mapped to air, with counts."""

    unknown: dict[str, int]

    @property
    def total_unknown(self) -> int:
        return sum(self.unknown.values())


class BlockVocab:
    """An ordered list of canonical block states; the index is the block id.

    ``states[0]`` is always air. ``mask_id == len(self)`` is reserved for the model.
    """

    def __init__(self, states: Iterable[str]):
        canon = [canonical(s) for s in states]
        if not canon or canon[0] != AIR:
            canon = [AIR] + [s for s in canon if s != AIR]
        if len(set(canon)) != len(canon):
            dup = sorted({s for s in canon if canon.count(s) > 1})
            raise BlockError(f"vocabulary lists states more than once: {dup[:5]}")
        self.states: tuple[str, ...] = tuple(canon)
        self._ids = {s: i for i, s in enumerate(self.states)}
        self._keys: dict[str, int] | None = None
        # Vectorised per-id lookups (numpy) for metrics and post-processing.
        self.kind_ids = np.array([KIND_ID[block_kind(s)] for s in self.states], dtype=np.int8)
        self.logs_tag = np.array([in_logs_tag(s) for s in self.states], dtype=bool)  # leaf-distance sources
        self.species = tuple(block_species(s) for s in self.states)

    # --- lookups ---
    def __len__(self) -> int:
        return len(self.states)

    def __contains__(self, state: str) -> bool:
        try:
            return canonical(state) in self._ids
        except BlockError:
            return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlockVocab) and other.states == self.states

    def __hash__(self) -> int:
        return hash(self.states)

    def __repr__(self) -> str:
        return f"BlockVocab({len(self)} states, hash={self.content_hash[:12]})"

    @property
    def mask_id(self) -> int:
        return len(self.states)

    def id(self, state: str) -> int:
        """Exact id of a state (canonicalised). Raises ``BlockError`` if absent."""
        key = canonical(state)
        try:
            return self._ids[key]
        except KeyError:
            raise BlockError(f"block {key!r} is not in this vocabulary of {len(self)} states") from None

    def state(self, block_id: int) -> str:
        if block_id == self.mask_id:
            raise BlockError("the mask id is not a block (it must never leave the model)")
        if not 0 <= block_id < len(self.states):
            raise BlockError(f"block id {block_id} out of range 0..{len(self.states) - 1}")
        return self.states[block_id]

    def kind(self, block_id: int) -> str:
        return KINDS[self.kind_ids[block_id]]

    def ids_of_kind(self, kind: str) -> np.ndarray:
        return np.flatnonzero(self.kind_ids == KIND_ID[kind])

    # --- mapping foreign states onto this vocabulary ---
    def encode(self, state: str, unknown: UnknownPolicy = "error") -> int:
        """Id of ``state`` in this vocabulary, matching exactly or by ``model_key``.

        ``unknown="air"`` maps a block that has no match to air (0) instead of raising.
        """
        key = canonical(state)
        if key in self._ids:
            return self._ids[key]
        if self._keys is None:
            self._keys = {}
            for i, s in enumerate(self.states):
                self._keys.setdefault(model_key(s), i)
        mk = model_key(key)
        if mk in self._keys:
            return self._keys[mk]
        if unknown == "air":
            return 0
        raise BlockError(f"block {key!r} is not in the model vocabulary (map it to air to import anyway)")

    def encode_many(self, states: Iterable[str], unknown: UnknownPolicy = "error") -> tuple[np.ndarray, EncodeReport]:
        """Ids for a palette of states, plus a report of what was mapped to air."""
        ids, missing = [], {}
        for s in states:
            i = self.encode(s, unknown="air")
            if i == 0 and block_kind(s) != "air":
                if unknown == "error":
                    raise BlockError(f"block {canonical(s)!r} is not in the model vocabulary (map it to air to import anyway)")
                missing[canonical(s)] = missing.get(canonical(s), 0) + 1
            ids.append(i)
        return np.array(ids, dtype=np.int64), EncodeReport(missing)

    # --- persistence ---
    @property
    def content_hash(self) -> str:
        """SHA-256 over the ordered states: equal hashes mean interchangeable ids."""
        return hashlib.sha256("\n".join(self.states).encode()).hexdigest()

    def to_json(self) -> str:
        return json.dumps({"states": list(self.states), "hash": self.content_hash}, indent=0)

    @classmethod
    def from_json(cls, text: str) -> "BlockVocab":
        try:
            data = json.loads(text)
            states = data["states"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BlockError(f"not a vocabulary JSON document: {exc}") from None
        vocab = cls(states)
        if "hash" in data and data["hash"] != vocab.content_hash:
            raise BlockError("vocabulary hash does not match its states (the file was edited or corrupted)")
        return vocab

    @classmethod
    def default(cls) -> "BlockVocab":
        """The model vocabulary: every block of every vanilla tree (see module docstring)."""
        return _default_vocab()


@lru_cache(maxsize=1)
def _default_vocab() -> BlockVocab:
    return BlockVocab(_default_states())
