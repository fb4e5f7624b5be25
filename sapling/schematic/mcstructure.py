"""Bedrock Edition ``.mcstructure``: the structure block's export format (little-endian NBT, no gzip).

The layout, as wiki.bedrock.dev ("mcstructure") describes it and Bedrock's own exports hold::

    format_version          Int 1
    size                    List[Int] [X, Y, Z]
    structure
      block_indices         List of two List[Int] layers, X*Y*Z palette indices each, in ZYX order:
                            z fastest, then y, then x (index = (x * Y + y) * Z + z); -1 = no block
                            (the world's block stays, as with a structure void)
      entities              List[Compound] (empty: trees have none)
      palette
        default
          block_palette     List[{name: String, states: Compound, version: Int}]
          block_position_data  Compound (block entities, by block index; empty)
    structure_world_origin  List[Int] (where the structure was saved from; 0, 0, 0)

Layer 0 holds the blocks; layer 1 holds the water of waterlogged blocks (Bedrock keeps
water as a second block in the same place) and -1 elsewhere. Air is written as -1, as
``.nbt`` leaves air out: loading the tree keeps whatever stands around it. A structure
block places the minimum corner of the grid (not the trunk); our origin travels in an
extra ``SaplingOrigin`` tag, the metadata in ``SaplingMetadata`` (the game ignores both).

Blocks are translated with the game data's Java-to-Bedrock table
(``sapling.bridge.bedrock.blocks``: minecraft-data's ``blocksJ2B``, typed values: a byte
state is a JSON bool, an int an int, a string a string), written as NBT ``Byte``, ``Int``
and ``String``. ``version`` is the block-state version of that table's Bedrock data.

Reading inverts the same table (``to_java``): among the Java states of the blocks that
become the Bedrock name, the one whose Bedrock states agree best with the file's (a state
the table never writes, such as ``update_bit=true`` on leaves, costs one disagreement),
then the one closest to the game's default. What Bedrock does not store comes from the
shape, as the game computes it: leaf ``distance`` (``postprocess.with_leaf_distance``) and
``waterlogged`` (the water layer); the rest takes the Java default, so a vine's ``up`` face
(Bedrock vines have none), a propagule's ``stage`` and ``snowy`` read as false/0.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Any

import nbtlib
import numpy as np
from nbtlib.tag import Byte, Compound, Int, List, String

from sapling.blocks import AIR, BlockVocab, block_kind, canonical, format_state, parse_state
from sapling.errors import BlockError, SchematicError
from sapling.game_data import block_info
from sapling.metrics import estimate_trunk_base
from sapling.postprocess import with_leaf_distance
from sapling.schematic.nbt import (
    _INTS, MAX_PALETTE, METADATA_TAG, _check_dims, _get, _grid_dtype, _int, _int_triple, _Invalid, _opt,
    _read_metadata, _vocab_from_states,
)
from sapling.schematic.vanilla import ORIGIN_TAG
from sapling.structure import Structure

BYTEORDER = "little"  # all Bedrock NBT files
FORMAT_VERSION = 1
# Block-state version of the table's Bedrock data (minecraft-data bedrock/1.26.30 blockStates.json:
# 18168865 = 0x01153C21, bytes 1.21.60.33); Bedrock upgrades older versions when it loads a file.
BLOCK_VERSION = 18168865
NO_BLOCK = -1
WATER = "minecraft:water[level=0]"  # what fills layer 1 under a waterlogged block
_WATER_NAMES = frozenset({"minecraft:water", "minecraft:flowing_water"})
_NAMESPACE = "minecraft:"


# --- Java <-> Bedrock block states (pure; the table is the bridge's) ---

# The bridge owns the table and its load-time checks; imported on first use, so that reading
# other formats does not load the bridge package.
def _table() -> dict[str, Any]:
    from sapling.bridge.bedrock.blocks import java_blocks

    return java_blocks()


@lru_cache(maxsize=4096)
def to_bedrock_block(java_state: str) -> tuple[str, tuple[tuple[str, bool | int | str], ...]]:
    """A full Java state -> ``(Bedrock name with namespace, sorted (state, typed value) pairs)``.

    A block the table lacks (modded, misspelled) keeps its Java name and properties (as string
    states): Bedrock shows it as an unknown block, and ``to_java`` gives it back unchanged.
    """
    name, props = parse_state(java_state)
    entry = _table().get(name.split(":", 1)[1]) if name.startswith(_NAMESPACE) else None
    if entry is None:
        return name, tuple(sorted(props.items()))
    from sapling.bridge.bedrock.blocks import bedrock_state

    try:
        bedrock, states = bedrock_state(entry, props)
    except KeyError as exc:
        raise BlockError(f"no Bedrock equivalent of {java_state} (its {exc} is not in the table)") from None
    return _NAMESPACE + bedrock, states


@lru_cache(maxsize=1)
def _java_names_by_bedrock() -> dict[str, tuple[str, ...]]:
    """Bedrock name (no namespace) -> the Java blocks (no namespace) that can become it."""
    from sapling.bridge.bedrock.blocks import bedrock_names

    out: dict[str, list[str]] = {}
    for java in _table():
        for bedrock in bedrock_names(java):
            out.setdefault(bedrock, []).append(java)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=256)
def _java_states(java: str) -> tuple[tuple[str, str, dict[str, Any], int], ...]:
    """Every state of Java block ``java``: (full state, Bedrock name, Bedrock states, properties off default)."""
    from sapling.bridge.bedrock.blocks import bedrock_state

    info = block_info(_NAMESPACE + java)
    entry = _table()[java]
    keys = list(info.properties) if info is not None else []
    rows = []
    for values in itertools.product(*(info.properties[k] for k in keys)) if info is not None else [()]:
        props = dict(zip(keys, values))
        bedrock, states = bedrock_state(entry, props)
        off = sum(props[k] != info.default[k] for k in keys) if info is not None else 0
        rows.append((format_state(_NAMESPACE + java, props), bedrock, dict(states), off))
    return tuple(rows)


def _typed(value: Any) -> bool | int | str:
    """An NBT state value as the table types it: Byte -> bool, other integers -> int, String -> str."""
    if isinstance(value, Byte):
        return bool(int(value))
    if isinstance(value, _INTS):
        return int(value)
    return str(value)


@lru_cache(maxsize=4096)
def to_java(name: str, states: tuple[tuple[str, bool | int | str], ...] = ()) -> str:
    """A Bedrock block (``minecraft:oak_log``, ``(("pillar_axis", "x"),)``) -> the full Java state.

    The inverse of ``to_bedrock_block`` over the game's table (see the module docstring for
    how a state without an exact match is chosen). A Bedrock block with no Java equivalent
    keeps its name, without states (a block the Java game does not know).
    """
    short = name[len(_NAMESPACE):] if name.startswith(_NAMESPACE) else None
    candidates = _java_names_by_bedrock().get(short, ()) if short is not None else ()
    if not candidates:
        return _unknown_block(name, states)
    given = dict(states)
    best, best_score = None, None
    for java in candidates:
        for state, bedrock, bstates, off in _java_states(java):
            if bedrock != short:
                continue
            wrong = sum(1 for k, v in bstates.items() if k in given and given[k] != v)
            missing = sum(1 for k in bstates if k not in given)
            score = (wrong, missing, off)
            if best_score is None or score < best_score:
                best, best_score = state, score
    return best if best is not None else _unknown_block(name, states)


def _unknown_block(name: str, states: tuple[tuple[str, bool | int | str], ...]) -> str:
    """A block the table cannot translate: its name, with its states as Java properties where they
    can be spelled as such (what ``to_bedrock_block`` wrote for a modded block comes back as it was)."""
    props = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in states}
    try:
        return canonical(format_state(name, props))
    except BlockError:  # Bedrock-only spellings (namespaced state names, spaces): the name alone
        return canonical(name)


# --- reading ---

def _palette_entry(tag: Any, where: str) -> tuple[str, tuple[tuple[str, bool | int | str], ...]]:
    if not isinstance(tag, Compound):
        raise _Invalid(f"{where} has type {type(tag).__name__}, expected a compound")
    name = str(_get(tag, "name", String, "a string", where + "."))
    states = _opt(tag, "states", Compound, "a compound", where + ".") or {}
    for key, value in states.items():
        if not isinstance(value, (String, *_INTS)):
            raise _Invalid(f"{where}.states.{key} has type {type(value).__name__}, expected a byte, int or string")
    return name, tuple(sorted((str(k), _typed(v)) for k, v in states.items()))


def _layer(tag: Any, volume: int, shape: tuple[int, int, int], where: str) -> np.ndarray:
    if not isinstance(tag, List) or (len(tag) and not all(isinstance(v, _INTS) for v in tag[:1])):
        raise _Invalid(f"{where} is not a list of integers")
    if len(tag) != volume:
        raise _Invalid(f"{where} holds {len(tag)} indices, but the size {'x'.join(map(str, shape))} needs {volume}")
    values = np.fromiter((int(v) for v in tag), dtype=np.int64, count=volume)
    return values.reshape(shape)  # ZYX order = C order of an (X, Y, Z) grid


def _read_mcstructure(root: Compound) -> Structure:
    version = _int(root, "format_version")
    if version != FORMAT_VERSION:
        raise _Invalid(f"format_version {version} is not supported (only {FORMAT_VERSION})")
    shape = _check_dims(_int_triple(_get(root, "size", List, "a list"), "tag size"), "size")
    volume = math.prod(shape)
    body = _get(root, "structure", Compound, "a compound")
    layers = _get(body, "block_indices", List, "a list", "structure.")
    if not 1 <= len(layers) <= 2:
        raise _Invalid(f"structure.block_indices holds {len(layers)} layers, expected 2")
    palette = _get(_get(body, "palette", Compound, "a compound", "structure."), "default", Compound,
                   "a compound", "structure.palette.")
    entries = _get(palette, "block_palette", List, "a list", "structure.palette.default.")
    if len(entries) > MAX_PALETTE:
        raise _Invalid(f"the block palette has {len(entries)} entries (limit {MAX_PALETTE})")
    bedrock = [_palette_entry(t, f"block_palette[{i}]") for i, t in enumerate(entries)]
    try:
        java = [to_java(name, states) for name, states in bedrock]
    except BlockError as exc:
        raise _Invalid(f"bad block name in the palette: {exc}") from None
    # structure_void and air keep the world's block: the same as -1.
    java = [AIR if _is_void(s) else s for s in java]
    blocks = _indices(_layer(layers[0], volume, shape, "structure.block_indices[0]"), len(java),
                      "structure.block_indices[0]")
    water_layer = np.full(shape, NO_BLOCK, dtype=np.int64) if len(layers) < 2 else _indices(
        _layer(layers[1], volume, shape, "structure.block_indices[1]"), len(java), "structure.block_indices[1]")
    # Each cell is (layer-0 block, layer-1 water or none); "no block" is palette index len(java).
    none = len(java)
    is_water = np.array([name in _WATER_NAMES for name, _ in bedrock] + [False])
    water = np.where(is_water[water_layer], water_layer, none)
    uniq, inverse = np.unique(blocks * (none + 1) + water, return_inverse=True)
    cells = []
    for key in uniq.tolist():
        block, wet = divmod(key, none + 1)
        if wet == none:
            cells.append(AIR if block == none else java[block])
        else:  # water in layer 1: the block is waterlogged; over no block, the water itself
            cells.append(java[wet] if block == none else _waterlogged(java[block]))
    vocab, table = _vocab_from_states(cells)
    grid = table[inverse].reshape(shape).astype(_grid_dtype(vocab))
    s = Structure(grid, vocab, (0, 0, 0), _read_metadata(root, None))
    s = with_leaf_distance(_without_leaf_distance(s))
    saved = _opt(root, ORIGIN_TAG, List, "a list")
    origin = _int_triple(saved, f"tag {ORIGIN_TAG}") if saved is not None else estimate_trunk_base(s)
    return s.with_blocks(s.blocks, origin=origin)


def _indices(values: np.ndarray, palette: int, where: str) -> np.ndarray:
    """File indices -> palette indices, -1 becoming ``palette`` (the no-block entry)."""
    bad = (values < NO_BLOCK) | (values >= palette)
    if bad.any():
        first = int(values.ravel()[np.argmax(bad.ravel())])
        raise _Invalid(f"{where}: palette index {first} is not in the palette ({palette} entries)")
    return np.where(values == NO_BLOCK, palette, values)


def _is_void(state: str) -> bool:
    return parse_state(state)[0] == "minecraft:structure_void" or block_kind(state) == "air"


def _waterlogged(state: str) -> str:
    """The state with ``waterlogged=true``, if the block can hold water (Bedrock keeps water beside others)."""
    name, props = parse_state(state)
    return format_state(name, {**props, "waterlogged": "true"}) if "waterlogged" in props else state


def _without_leaf_distance(s: Structure) -> Structure:
    """Leaves without ``distance`` (Bedrock stores none), for ``with_leaf_distance`` to compute it."""
    states = []
    for i, state in enumerate(s.vocab.states):
        if s.vocab.kind(i) == "leaves":
            name, props = parse_state(state)
            state = format_state(name, {k: v for k, v in props.items() if k != "distance"})
        states.append(state)
    if tuple(states) == s.vocab.states:
        return s
    order = list(dict.fromkeys(states))
    index = {st: i for i, st in enumerate(order)}
    table = np.array([index[st] for st in states], dtype=np.int64)
    return s.with_blocks(table[s.blocks], vocab=BlockVocab(order))


# --- writing ---

def _state_tags(states: tuple[tuple[str, bool | int | str], ...]) -> Compound:
    def tag(value: bool | int | str) -> Any:
        if isinstance(value, bool):
            return Byte(int(value))
        return Int(value) if isinstance(value, int) else String(value)

    return Compound({k: tag(v) for k, v in states})


def _write_mcstructure(s: Structure, meta: str, data_version: int, name: str) -> nbtlib.File:
    """``s`` over full Java states (``files.structure_bytes`` prepares it) -> the root compound."""
    del data_version, name  # Bedrock files carry neither
    palette: dict[tuple[str, tuple], int] = {}
    table = np.full(len(s.vocab), NO_BLOCK, dtype=np.int64)
    wet = np.zeros(len(s.vocab), dtype=bool)
    for i, state in enumerate(s.vocab.states):
        if s.vocab.kind(i) == "air":
            continue
        try:
            block = to_bedrock_block(state)
        except BlockError as exc:  # a table out of step with the Java table
            raise SchematicError(f"cannot be a .mcstructure: {exc}") from None
        table[i] = palette.setdefault(block, len(palette))
        wet[i] = parse_state(state)[1].get("waterlogged") == "true"
    layer0 = table[s.blocks].ravel()
    layer1 = np.full(layer0.shape, NO_BLOCK, dtype=np.int64)
    if wet[s.blocks].any():
        layer1[wet[s.blocks].ravel()] = palette.setdefault(to_bedrock_block(WATER), len(palette))
    block_palette = List[Compound]([
        Compound({"name": String(bname), "states": _state_tags(states), "version": Int(BLOCK_VERSION)})
        for bname, states in palette
    ])
    return nbtlib.File({
        "format_version": Int(FORMAT_VERSION),
        "size": List[Int]([Int(d) for d in s.shape]),
        "structure": Compound({
            "block_indices": List[List[Int]]([List[Int]([Int(v) for v in layer.tolist()]) for layer in (layer0, layer1)]),
            "entities": List[Compound](),
            "palette": Compound({"default": Compound({
                "block_palette": block_palette,
                "block_position_data": Compound(),
            })}),
        }),
        "structure_world_origin": List[Int]([Int(0), Int(0), Int(0)]),
        ORIGIN_TAG: List[Int]([Int(c) for c in s.origin]),
        METADATA_TAG: String(meta),
    }, root_name="")


__all__ = ["BLOCK_VERSION", "BYTEORDER", "FORMAT_VERSION", "to_bedrock_block", "to_java"]
