"""Generate ``sapling/data/game/java_blocks.json``: the game's own block-state table.

Source: PrismarineJS minecraft-data (https://github.com/PrismarineJS/minecraft-data),
``data/pc/<version>/blocks.json``, as shipped by the npm package ``minecraft-data``.
The table was generated from minecraft-data 3.119.0, Java 1.21.4: the version whose
DataVersion (4189) Sapling writes and that the users' packs were saved with (later
versions renamed blocks, e.g. ``chain``, and changed ``creaking_heart``'s properties, which
a 1.21.4 world would not read). To regenerate::

    cd /tmp && npm install minecraft-data@3.119.0
    python scripts/gen_block_table.py --source /tmp/node_modules/minecraft-data --version 1.21.4

``--source`` is the package folder (``node_modules/minecraft-data``; its ``dataPaths.json``
says which folder holds ``blocks.json`` for a version, e.g. 1.21.10 reads pc/1.21.9) or one
``blocks.json`` file (then ``--version`` is taken from its folder name unless given, and the
package version from the nearest ``package.json`` above it). Without ``--source`` the script
looks at ``$SAPLING_MINECRAFT_DATA``, ``./node_modules/minecraft-data`` and
``/tmp/node_modules/minecraft-data``; without ``--version`` it takes ``DEFAULT_VERSION``.

For every block the table holds its properties with their allowed values in the game's
order, the default state's values, the block's ``material`` string (e.g.
``"leaves;mineable/hoe"``) and its ``boundingBox`` as ``shape`` (``"block"``, or ``"empty"``
for blocks one walks through: flowers, grass, buttons). blocks.json gives each block ``states`` (name, type, num_values,
values), ``minStateId`` and ``defaultState``; a state id is a mixed-radix number over the
properties with the *last* property varying fastest, ``bool`` values in the order
``true, false``. The default state is decoded from ``defaultState - minStateId`` and checked
against facts about the game (default oak leaves are ``distance=7,persistent=false``).

The output is deterministic (blocks sorted by name, one block per line): running the
script again on the same package gives the same bytes (``tests/test_game_data.py`` checks
it when the package is present).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from minecraft_data import ENV, data_root, dump_table, default_sources, package_version, version_key  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "sapling" / "data" / "game" / "java_blocks.json"
FORMAT = 1
# The game version of the table: the one whose DataVersion (4189) sapling.schematic writes.
DEFAULT_VERSION = "1.21.4"

# Facts about the game that a wrong decoding of the state ids would break.
KNOWN_DEFAULTS = {
    "oak_leaves": {"distance": "7", "persistent": "false", "waterlogged": "false"},
    "oak_log": {"axis": "y"},
    "vine": {f: "false" for f in ("east", "north", "south", "up", "west")},
    "grass_block": {"snowy": "false"},
    "oak_stairs": {"facing": "north", "half": "bottom", "shape": "straight", "waterlogged": "false"},
    "note_block": {"instrument": "harp", "note": "0", "powered": "false"},
    "redstone_wire": {"east": "none", "north": "none", "power": "0", "south": "none", "west": "none"},
}


def locate(source: Path, version: str | None) -> tuple[Path, str, str]:
    """``(blocks.json, game version, package version)`` for a package folder or a blocks.json file."""
    if source.is_file():
        version = version or source.parent.name
        return source, version, package_version(source.parent)
    root = data_root(source)
    paths = json.loads((root / "dataPaths.json").read_text(encoding="utf-8"))["pc"]
    with_blocks = {v: p["blocks"] for v, p in paths.items() if "blocks" in p}
    if version is None:
        candidates = [v for v in with_blocks if re.fullmatch(r"1\.21(\.\d+)?", v)]
        if not candidates:
            raise SystemExit(f"{root}: no pc 1.21.x version in dataPaths.json")
        version = max(candidates, key=version_key)
    if version not in with_blocks:
        releases = [v for v in with_blocks if re.fullmatch(r"\d+\.\d+(\.\d+)?", v)]
        known = ", ".join(sorted(releases, key=version_key)[-8:])
        raise SystemExit(f"{root}: no blocks.json for pc {version} (newest: {known})")
    return root / with_blocks[version] / "blocks.json", version, package_version(root)


def decode_block(block: dict) -> dict:
    """One blocks.json entry -> ``{"default", "material", "properties", "shape"}`` (see module docstring)."""
    properties: dict[str, list[str]] = {}
    for prop in block.get("states") or []:
        if prop["type"] == "bool":
            values = ["true", "false"]
        elif "values" in prop:
            values = [str(v) for v in prop["values"]]
        elif prop["type"] == "int":
            values = [str(i) for i in range(prop["num_values"])]
        else:
            raise SystemExit(f"{block['name']}: property {prop['name']} of type {prop['type']} lists no values")
        if len(values) != prop["num_values"] or len(set(values)) != len(values):
            raise SystemExit(f"{block['name']}: property {prop['name']} has values {values}, "
                             f"expected {prop['num_values']} distinct ones")
        properties[prop["name"]] = values
    count = math.prod(len(v) for v in properties.values())
    if block["maxStateId"] - block["minStateId"] + 1 != count:
        raise SystemExit(f"{block['name']}: {count} property combinations but state ids "
                         f"{block['minStateId']}..{block['maxStateId']}")
    index = block["defaultState"] - block["minStateId"]
    if not 0 <= index < count:
        raise SystemExit(f"{block['name']}: defaultState {block['defaultState']} outside its state ids")
    default: dict[str, str] = {}
    for name in reversed(list(properties)):  # the last property varies fastest
        values = properties[name]
        index, i = divmod(index, len(values))
        default[name] = values[i]
    return {"default": dict(sorted(default.items())), "material": block["material"], "properties": properties,
            "shape": block.get("boundingBox", "block")}


def build_table(blocks: list[dict], game_version: str, package_version: str) -> dict:
    table = {}
    for block in blocks:
        if block["name"] in table:
            raise SystemExit(f"block {block['name']} is listed twice")
        table[block["name"]] = decode_block(block)
    for name, expected in KNOWN_DEFAULTS.items():
        got = table.get(name, {}).get("default")
        if got != expected:
            raise SystemExit(f"decoding check failed: default {name} is {got}, the game's is {expected}")
    return {
        "format": FORMAT,
        "game_version": game_version,
        "minecraft_data": package_version,
        "source": f"PrismarineJS minecraft-data {package_version}, data/pc/{game_version}/blocks.json "
                  f"(regenerate: scripts/gen_block_table.py)",
        "blocks": dict(sorted(table.items())),
    }


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="the minecraft-data package folder or one blocks.json file")
    parser.add_argument("--version", default=DEFAULT_VERSION,
                        help=f"Java version, e.g. 1.21.11 (default: {DEFAULT_VERSION}, DataVersion 4189)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default: {OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    source = args.source
    if source is None:
        source = next((p for p in default_sources() if p.exists()), None)
        if source is None:
            raise SystemExit("minecraft-data not found: run 'cd /tmp && npm install minecraft-data@3.119.0' "
                             f"or pass --source (or set ${ENV})")
    blocks_json, version, package_version = locate(source, args.version)
    blocks = json.loads(blocks_json.read_text(encoding="utf-8"))
    text = dump_table(build_table(blocks, version, package_version))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    print(f"{args.out}: {len(blocks)} blocks of Java {version} (minecraft-data {package_version}), "
          f"{len(text.encode())} bytes", file=sys.stderr)
    return args.out


if __name__ == "__main__":
    main()
