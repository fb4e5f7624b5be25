"""Generate ``sapling/data/game/java_to_bedrock.json``: Java block states -> Bedrock block states.

Source: PrismarineJS minecraft-data (https://github.com/PrismarineJS/minecraft-data),
``data/bedrock/<version>/blocksJ2B.json`` (every Java state, all properties written, to the
full Bedrock state minecraft-data's converters give for it), checked against the
``blockStates.json`` next to it (every state that Bedrock knows, with each state's NBT type)
and against the newest Bedrock's. The package's ``dataPaths.json`` says which folders a
Bedrock version reads. To regenerate::

    cd /tmp && npm install minecraft-data@3.119.0
    python scripts/gen_bedrock_table.py --source /tmp/node_modules/minecraft-data --version 1.26.60

``--version`` is a Bedrock version of ``dataPaths.json``: the script reads the blocksJ2B that
version uses, checks each Bedrock state strictly against that J2B folder's blockStates.json
(the full state, typed) and leniently against ``--version``'s own (every name and value still
there; states added since take the game's defaults, as a command leaving them out does).
Without ``--source`` the script looks at ``$SAPLING_MINECRAFT_DATA``,
``./node_modules/minecraft-data`` and ``/tmp/node_modules/minecraft-data``.

Which Bedrock version: the blocksJ2B of bedrock/1.26.30, the newest in minecraft-data 3.119.0
(``dataPaths.json`` uses it for Bedrock 1.26.30 to 1.26.60, and every state it names is still
in 1.26.60's blockStates.json). A Bedrock ``/connect`` client updates itself, and the game's
commands take only current block and state names. The table whose keys match our Java 1.21.4
exactly is bedrock/1.21.60's, but it is out of date even for its own version: 1,740 of its
Bedrock states (doors and fence gates with the old ``direction``, ``creaking_heart`` with
``active``...) are not in 1.21.60's blockStates.json. The 1.26.30 table is keyed by newer Java
states, the same strings as Java 1.21.4's for all but two blocks; for those the script upgrades
the Java 1.21.4 state to the later spelling (``JAVA_UPGRADES``) and looks that up.

The Java states come from the shipped Java table (``sapling/data/game/java_blocks.json``,
``scripts/gen_block_table.py``): every state of every block. A block the source does not map
at all (or maps to Bedrock's ``unknown``) is left out and listed in the header's ``unmapped``;
a block only partly mapped stops the script.

Compression: per Java block the table stores the Bedrock name and, per Bedrock state, the
smallest set of Java properties its value depends on, with the value for each combination
(``"pillar_axis": [["axis"], {"x": "x", "y": "y", "z": "z"}]``), or the value itself when it
is constant (``"update_bit": false``). Any mapping factorises this way (at worst over all the
block's properties); the script rebuilds every state from the stored form and checks it
against the source before writing. Values carry Bedrock's types: ``byte`` as a JSON bool,
``int`` as a number, ``string`` as a string. ``null`` marks a Bedrock state a block variant
does not have (where the Bedrock name varies with the Java state).

The output is deterministic (blocks sorted by name, one block per line, keys sorted): running
the script again on the same package and Java table gives the same bytes
(``tests/bridge/test_bedrock_blocks.py`` checks it when the package is present).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from minecraft_data import ENV, data_root, dump_table, default_sources, package_version, version_key  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "sapling" / "data" / "game" / "java_to_bedrock.json"
JAVA_TABLE = REPO / "sapling" / "data" / "game" / "java_blocks.json"
FORMAT = 1
# The newest Bedrock version minecraft-data 3.119.0 knows; it reads bedrock/1.26.30's blocksJ2B.
DEFAULT_VERSION = "1.26.60"
NAME_KEY = "name"  # the pseudo-state the Bedrock block name is factorised under

# Names and values that can stand in a command without quoting trouble (checked on write and on read).
NAME_RE = re.compile(r"[a-z0-9_]+")
STATE_KEY_RE = re.compile(r"(minecraft:)?[a-z0-9_]+")
STRING_RE = re.compile(r"[a-z0-9_]+")


def _creaking_heart(props: dict[str, str]) -> dict[str, str]:
    # Java 1.21.5 replaced active=true/false by creaking_heart_state: active=true is awake, false is
    # uprooted, as Java-side upgraders (Xaero's map) and Bedrock's own 1.21.60 state upgrade of the
    # same change (PocketMine's upgrade schema) have it.
    out = {k: v for k, v in props.items() if k != "active"}
    out["creaking_heart_state"] = "awake" if props["active"] == "true" else "uprooted"
    return out


# Java 1.21.4 name -> (name in the source's Java version, property rewrite), tried for a state the
# source does not hold as it is. A block with some states left unmapped stops the script, so a new
# package shows what to add here.
JAVA_UPGRADES = {
    "chain": ("iron_chain", None),  # renamed in Java 1.21.9 (copper chains), same properties
    "creaking_heart": ("creaking_heart", _creaking_heart),
}
JAVA_UPGRADE_NOTES = {
    "chain": "Java 1.21.9 renamed chain to iron_chain",
    "creaking_heart": "Java 1.21.5 replaced active=true/false by creaking_heart_state=awake/uprooted",
}


def locate(source: Path, version: str | None) -> dict:
    """Where the files for Bedrock ``version`` are: ``j2b`` (blocksJ2B.json), ``states`` (the
    blockStates.json of the J2B's own folder), ``newest_states`` (``version``'s blockStates.json),
    ``bedrock_version`` (the J2B folder's version), ``users`` (the versions reading that J2B) and
    ``package`` (the package version)."""
    root = data_root(source)
    paths = json.loads((root / "dataPaths.json").read_text(encoding="utf-8"))["bedrock"]
    with_j2b = {v: p for v, p in paths.items() if "blocksJ2B" in p and "blockStates" in p}
    if version is None:
        releases = [v for v in with_j2b if re.fullmatch(r"\d+\.\d+(\.\d+)?", v)]
        version = max(releases, key=version_key)
    if version not in with_j2b:
        known = ", ".join(sorted(with_j2b, key=version_key)[-8:])
        raise SystemExit(f"{root}: no blocksJ2B.json for bedrock {version} (newest: {known})")
    folder = with_j2b[version]["blocksJ2B"]
    own_states = root / folder / "blockStates.json"
    if not own_states.is_file():
        raise SystemExit(f"{root / folder}: no blockStates.json next to blocksJ2B.json")
    return {
        "j2b": root / folder / "blocksJ2B.json",
        "states": own_states,
        "newest_states": root / with_j2b[version]["blockStates"] / "blockStates.json",
        "bedrock_version": folder.rsplit("/", 1)[-1],
        "newest": version,
        "users": sorted((v for v, p in with_j2b.items() if p["blocksJ2B"] == folder), key=version_key),
        "package": package_version(root),
    }


def parse_mcdata_state(text: str) -> tuple[str, dict[str, str]]:
    """``minecraft:oak_log[axis=y]`` (minecraft-data's spelling, ``[]`` for none) -> name, properties."""
    m = re.fullmatch(r"minecraft:([a-z0-9_]+)\[(.*)\]", text)
    if not m:
        raise SystemExit(f"unexpected state spelling {text!r}")
    name, body = m.groups()
    props = {}
    for pair in body.split(",") if body else ():
        key, sep, value = pair.partition("=")
        if not sep or key in props:
            raise SystemExit(f"unexpected state spelling {text!r}")
        props[key] = value
    return name, props


def bedrock_types(block_states: list[dict]) -> tuple[dict[str, dict[str, str]], set]:
    """Each Bedrock block's state types (``byte``, ``int``, ``string``) and the set of its valid full states."""
    types: dict[str, dict[str, str]] = {}
    valid = set()
    for entry in block_states:
        block = types.setdefault(entry["name"], {})
        for key, state in entry["states"].items():
            if block.setdefault(key, state["type"]) != state["type"]:
                raise SystemExit(f"bedrock {entry['name']}: state {key} has two types")
        valid.add((entry["name"], frozenset((k, s["value"]) for k, s in entry["states"].items())))
    return types, valid


def typed(name: str, props: dict[str, str], types: dict[str, dict[str, str]], valid: set) -> dict:
    """A J2B Bedrock state -> its states with Bedrock's types, checked to be a state the game knows."""
    block = types.get(name)
    if block is None or set(props) != set(block):
        raise SystemExit(f"bedrock {name}[{props}] is not a full state of blockStates.json")
    out: dict = {}
    for key, value in props.items():
        kind = block[key]
        if kind == "byte":
            out[key] = {"true": True, "false": False}[value]
        elif kind == "int":
            out[key] = int(value)
        elif kind == "string":
            if not STRING_RE.fullmatch(value):
                raise SystemExit(f"bedrock {name}: unexpected value {value!r}")
            out[key] = value
        else:
            raise SystemExit(f"bedrock {name}: state {key} of unknown type {kind}")
        if not STATE_KEY_RE.fullmatch(key):
            raise SystemExit(f"bedrock {name}: unexpected state name {key!r}")
    nbt = frozenset((k, int(v) if isinstance(v, bool) else v) for k, v in out.items())
    if (name, nbt) not in valid:
        raise SystemExit(f"bedrock {name}{out} is not a state of blockStates.json")
    return out


def state_values(block_states: list[dict]) -> dict[str, dict[str, set]]:
    """Each Bedrock block's states and the values each may take (from a blockStates.json)."""
    out: dict[str, dict[str, set]] = {}
    for entry in block_states:
        block = out.setdefault(entry["name"], {})
        for key, state in entry["states"].items():
            block.setdefault(key, set()).add(state["value"])
    return out


def still_valid(name: str, states: dict, values: dict[str, dict[str, set]]) -> str | None:
    """Why ``name`` with ``states`` would not stand in a newer Bedrock with these ``values``
    (None when every name and value is still there: states it added take the game's defaults)."""
    block = values.get(name)
    if block is None:
        return f"no block {name}"
    for key, value in states.items():
        if (int(value) if isinstance(value, bool) else value) not in block.get(key, ()):
            return f"{name}: no {key}={value}"
    return None


def factorise(java_props: dict[str, list[str]], states: dict[tuple[str, ...], dict]) -> dict:
    """Per Java block: ``{"name": ..., "states": {...}}`` (see module docstring) for ``states``,
    keyed by the tuple of Java values in sorted property order."""
    keys = sorted(java_props)
    outputs = sorted({k for out in states.values() for k in out})
    entry: dict = {}
    stored = {}
    for out_key in outputs:
        column = {combo: out.get(out_key) for combo, out in states.items()}
        if len(set(map(json.dumps, column.values()))) == 1:
            stored[out_key] = next(iter(column.values()))
            continue
        for size in range(1, len(keys) + 1):
            found = None
            for subset in itertools.combinations(range(len(keys)), size):
                table: dict[str, object] = {}
                if all(table.setdefault(",".join(combo[i] for i in subset), value) == value
                       for combo, value in column.items()):
                    found = [[keys[i] for i in subset], dict(sorted(table.items()))]
                    break
            if found:
                stored[out_key] = found
                break
    entry["name"] = stored.pop(NAME_KEY)
    if stored:
        entry["states"] = stored
    return entry


def expand(entry: dict, props: dict[str, str]) -> tuple[str, dict]:
    """Inverse of ``factorise`` for one full Java state (what ``sapling.bridge.bedrock.blocks`` does)."""
    def pick(spec):
        if isinstance(spec, list):
            return spec[1][",".join(props[k] for k in spec[0])]
        return spec

    states = {k: pick(v) for k, v in entry.get("states", {}).items()}
    return pick(entry["name"]), {k: v for k, v in states.items() if v is not None}


def java_states(java_table: dict) -> dict[str, dict[tuple[str, ...], dict[str, str]]]:
    """Every full state of every Java block: name -> {values in sorted key order: properties}."""
    out = {}
    for name, block in java_table["blocks"].items():
        keys = sorted(block["properties"])
        out[name] = {combo: dict(zip(keys, combo))
                     for combo in itertools.product(*(block["properties"][k] for k in keys))}
    return out


def build_table(j2b: dict, block_states: list[dict], java_table: dict, where: dict,
                newest_states: list[dict] | None = None) -> dict:
    """The shipped table (see module docstring); ``where`` is ``locate``'s answer."""
    types, valid = bedrock_types(block_states)
    newest = state_values(newest_states) if newest_states is not None else None
    source = {}
    for key, value in j2b.items():
        name, props = parse_mcdata_state(key)
        source[(name, frozenset(props.items()))] = value
    blocks, unmapped, upgraded = {}, [], []
    for name, combos in sorted(java_states(java_table).items()):
        new_name, rewrite = JAVA_UPGRADES.get(name, (name, None))
        targets, missing = {}, []
        for combo, props in combos.items():
            target = source.get((name, frozenset(props.items())))
            if target is None and name in JAVA_UPGRADES:  # keyed by a later Java's spelling
                looked_up = rewrite(props) if rewrite else props
                target = source.get((new_name, frozenset(looked_up.items())))
                if target is not None and name not in upgraded:
                    upgraded.append(name)
            if target is None:
                missing.append(props)
                continue
            b_name, b_props = parse_mcdata_state(target)
            if b_name == "unknown":
                missing.append(props)
                continue
            if not NAME_RE.fullmatch(b_name):
                raise SystemExit(f"bedrock name {b_name!r} for {name}")
            b_states = typed(b_name, b_props, types, valid)
            problem = still_valid(b_name, b_states, newest) if newest is not None else None
            if problem:
                raise SystemExit(f"{name}{props}: Bedrock {where['newest']} no longer has its state ({problem})")
            targets[combo] = {NAME_KEY: b_name, **b_states}
        if missing and targets:
            raise SystemExit(f"{name}: {len(missing)} of {len(combos)} states have no Bedrock state in the source, "
                             f"e.g. {missing[0]} (add a JAVA_UPGRADES rule?)")
        if missing:
            unmapped.append(name)
            continue
        keys = sorted(java_table["blocks"][name]["properties"])
        entry = factorise(java_table["blocks"][name]["properties"], targets)
        for combo, want in targets.items():  # the stored form gives back every state exactly
            got_name, got = expand(entry, dict(zip(keys, combo)))
            if {NAME_KEY: got_name, **got} != want:
                raise SystemExit(f"{name}{combo}: factorised table gives {got_name}{got}, source {want}")
        blocks[name] = entry
    folder = f"data/bedrock/{where['bedrock_version']}"
    checked = f"{folder}/blockStates.json"
    if newest is not None and where["newest"] != where["bedrock_version"]:
        checked += f" and data/bedrock/{where['newest']}'s"
    return {
        "format": FORMAT,
        "bedrock_version": where["bedrock_version"],
        "bedrock_versions": where["users"],
        "checked_against": where["newest"],
        "java_version": java_table["game_version"],
        "java_upgrades": {name: JAVA_UPGRADE_NOTES[name] for name in upgraded},
        "minecraft_data": where["package"],
        "source": f"PrismarineJS minecraft-data {where['package']}, {folder}/blocksJ2B.json checked against "
                  f"{checked} (regenerate: scripts/gen_bedrock_table.py --version {where['newest']})",
        "unmapped": unmapped,
        "blocks": blocks,
    }


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="the minecraft-data package folder")
    parser.add_argument("--version", default=DEFAULT_VERSION,
                        help=f"Bedrock version whose blocksJ2B to read (default: {DEFAULT_VERSION})")
    parser.add_argument("--java-table", type=Path, default=JAVA_TABLE,
                        help=f"the Java block table (default: {JAVA_TABLE.relative_to(REPO)})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default: {OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    source = args.source
    if source is None:
        source = next((p for p in default_sources() if p.exists()), None)
        if source is None:
            raise SystemExit("minecraft-data not found: run 'cd /tmp && npm install minecraft-data@3.119.0' "
                             f"or pass --source (or set ${ENV})")
    where = locate(source, args.version)

    def read(path: Path):
        return json.loads(path.read_text(encoding="utf-8"))

    newest = read(where["newest_states"]) if where["newest_states"] != where["states"] else None
    table = build_table(read(where["j2b"]), read(where["states"]), read(args.java_table), where, newest)
    text = dump_table(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(f"{args.out}: {len(table['blocks'])} Java {table['java_version']} blocks to Bedrock "
          f"{where['bedrock_version']} (checked against {where['newest']}; minecraft-data {where['package']}; "
          f"unmapped: {', '.join(table['unmapped']) or 'none'}), {len(text.encode())} bytes", file=sys.stderr)
    return args.out


if __name__ == "__main__":
    main()
