"""Java block states -> the block argument of a Bedrock ``setblock`` command (pure; no torch).

The model speaks Java Edition block states (``minecraft:oak_log[axis=y]``); a Bedrock
world wants ``oak_log ["pillar_axis"="y"]``. Most tree blocks keep their name and only
their properties change shape; a few are renamed. Targets Bedrock 1.21.50 or newer (the
first with the pale garden blocks), after Mojang flattened wood and leaves (1.20.70),
coarse dirt (1.21.20) and dropped the stray ``stripped_bit`` of cherry/mangrove wood
(1.21.40). Sources: the converters of Chunker (Hive), Geyser and MiNET, and the
``@minecraft/vanilla-data`` state lists.

Properties Bedrock keeps outside the block state (``waterlogged``: a second block layer;
leaf ``distance``, ``snowy``, the propagule's ``stage``) are dropped. Anything not in the
table raises ``PlacementError``: no unchecked text ever reaches a command.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Callable

from sapling.blocks import parse_state
from sapling.bridge.placement import PlacementError

# Java name -> Bedrock name, where they differ.
RENAMES = {
    "rooted_dirt": "dirt_with_roots",
    "flowering_azalea_leaves": "azalea_leaves_flowered",
}

# Java properties with no Bedrock block state: dropped wherever they appear.
DROPPED = frozenset({"waterlogged", "distance", "snowy", "stage"})

# Bedrock's legacy "direction" state (beehive, bee nest, cocoa): 0 south, 1 west, 2 north, 3 east.
DIRECTION = {"south": 0, "west": 1, "north": 2, "east": 3}
# vine_direction_bits: one bit per side the vine clings to. Bedrock has no "up" vine (Java's
# ceiling-only vine becomes 0 bits, the game's default vine).
VINE_BITS = {"south": 1, "west": 2, "north": 4, "east": 8}
# Java wall heights -> Bedrock's pale moss carpet sides.
SIDE_HEIGHT = {"none": "none", "low": "short", "tall": "tall"}

StateValue = bool | int | str
Converter = Callable[[dict[str, str]], dict[str, StateValue]]


def _bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"expected true or false, got {value!r}")
    return value == "true"


def _int(value: str, lo: int, hi: int) -> int:
    n = int(value)
    if not lo <= n <= hi:
        raise ValueError(f"expected {lo}..{hi}, got {n}")
    return n


def _pillar(p: dict[str, str]) -> dict[str, StateValue]:
    if p["axis"] not in ("x", "y", "z"):
        raise ValueError(f"axis must be x, y or z, got {p['axis']!r}")
    return {"pillar_axis": p["axis"]}


def _leaves(p: dict[str, str]) -> dict[str, StateValue]:
    # update_bit asks the game for a decay check: natural leaves want one, persistent ones never decay.
    persistent = _bool(p.get("persistent", "false"))
    return {"persistent_bit": persistent, "update_bit": not persistent}


def _vine(p: dict[str, str]) -> dict[str, StateValue]:
    bits = sum(bit for side, bit in VINE_BITS.items() if _bool(p.get(side, "false")))
    _bool(p.get("up", "false"))  # validated, then dropped (see VINE_BITS)
    return {"vine_direction_bits": bits}


def _cocoa(p: dict[str, str]) -> dict[str, StateValue]:
    return {"age": _int(p["age"], 0, 2), "direction": DIRECTION[p["facing"]]}


def _bee_nest(p: dict[str, str]) -> dict[str, StateValue]:
    return {"direction": DIRECTION[p["facing"]], "honey_level": _int(p["honey_level"], 0, 5)}


def _propagule(p: dict[str, str]) -> dict[str, StateValue]:
    return {"hanging": _bool(p["hanging"]), "propagule_stage": _int(p["age"], 0, 4)}


def _pale_moss_carpet(p: dict[str, str]) -> dict[str, StateValue]:
    out: dict[str, StateValue] = {f"pale_moss_carpet_side_{side}": SIDE_HEIGHT[p.get(side, "none")]
                                  for side in ("east", "north", "south", "west")}
    out["upper_block_bit"] = not _bool(p.get("bottom", "true"))
    return out


def _tip(p: dict[str, str]) -> dict[str, StateValue]:
    return {"tip": _bool(p["tip"])}


def _plain(p: dict[str, str]) -> dict[str, StateValue]:
    return {}


# Java block name -> (the Java properties it may carry, converter). Dropped properties are always allowed.
_WOODS = ("oak", "spruce", "birch", "jungle", "acacia", "dark_oak", "pale_oak", "cherry", "mangrove")
_AXIS = (frozenset({"axis"}), _pillar)
_LEAVES = (frozenset({"persistent"}), _leaves)
_NONE = (frozenset(), _plain)

TABLE: dict[str, tuple[frozenset[str], Converter]] = {
    **{f"{prefix}{wood}_{kind}": _AXIS for wood in _WOODS for kind in ("log", "wood") for prefix in ("", "stripped_")},
    **{f"{wood}_leaves": _LEAVES for wood in _WOODS},
    "azalea_leaves": _LEAVES,
    "flowering_azalea_leaves": _LEAVES,
    "muddy_mangrove_roots": _AXIS,
    "mangrove_roots": _NONE,
    "mangrove_propagule": (frozenset({"age", "hanging"}), _propagule),
    "vine": (frozenset({"east", "north", "south", "up", "west"}), _vine),
    "cocoa": (frozenset({"age", "facing"}), _cocoa),
    "bee_nest": (frozenset({"facing", "honey_level"}), _bee_nest),
    "moss_carpet": _NONE,
    "pale_moss_carpet": (frozenset({"bottom", "east", "north", "south", "west"}), _pale_moss_carpet),
    "pale_hanging_moss": (frozenset({"tip"}), _tip),
    **{name: _NONE for name in ("dirt", "coarse_dirt", "grass_block", "podzol", "rooted_dirt", "mud",
                                "moss_block", "pale_moss_block")},
}


def _format_value(value: StateValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


@lru_cache(maxsize=4096)
def to_bedrock(java_state: str) -> str:
    """``minecraft:birch_leaves[persistent=true]`` -> ``birch_leaves ["persistent_bit"=true,"update_bit"=false]``.

    The result is the block argument of a Bedrock 1.21 ``setblock``/``execute if block`` (name,
    then its states in brackets, keys sorted); ``PlacementError`` for a block or property this
    table does not know.
    """
    try:
        name, props = parse_state(java_state)
    except Exception as exc:  # noqa: BLE001  (any parse failure is a refused state)
        raise PlacementError(f"cannot translate {str(java_state)[:80]!r} for Bedrock: {exc}") from None
    namespace, _, base = name.rpartition(":")
    entry = TABLE.get(base) if namespace in ("", "minecraft") else None
    if entry is None:
        raise PlacementError(f"cannot translate {java_state[:80]!r} for Bedrock: no Bedrock block for {name!r}")
    allowed, convert = entry
    extra = sorted(set(props) - allowed - DROPPED)
    if extra:
        raise PlacementError(f"cannot translate {java_state[:80]!r} for Bedrock: unknown property {extra[0]!r}")
    try:
        states = convert({k: v for k, v in props.items() if k not in DROPPED})
    except (KeyError, ValueError) as exc:
        raise PlacementError(f"cannot translate {java_state[:80]!r} for Bedrock: bad or missing value "
                             f"({exc})") from None
    bedrock_name = RENAMES.get(base, base)
    if not states:
        return bedrock_name
    body = ",".join(f"{json.dumps(k)}={_format_value(v)}" for k, v in sorted(states.items()))
    return f"{bedrock_name} [{body}]"


__all__ = ["to_bedrock", "RENAMES", "TABLE", "DIRECTION", "VINE_BITS"]
