"""Grow `!tree forest 8 birch` with the shipped model on the test terrain and draw the placed world
into docs/images/forest.png (docs/bridge.md's forest picture).

    python scripts/forest_picture.py [--seed 11] [--out docs/images/forest.png]

No Minecraft is involved: the world is the test suite's fake server (tests/bridge/fake_minecraft.py,
real RCON on a loopback port) holding the test terrain (tests/bridge/terrain.py: a hill, a pond, an
oak and a stone-brick wall on flat grass), both imported from tests/bridge/. ``sapling serve``'s
server runs the shipped model (sapling/data/model/default.pt) with its own sampling settings, and
the Java bridge's ``grow_forest`` places the forest around the player at (0.5, 64, 0.5) over RCON,
exactly as ``!tree forest 8 birch`` does. The picture is ``sapling.render``'s isometric view of
every block within the forest radius, from the pond's bottom up (the floor drawn as the fake holds
it: grass all the way down).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bridge"))

from fake_minecraft import FakeMinecraft  # the test suite's fake server
from terrain import FLOOR_Y, POND_DEPTH, lay

from sapling.bridge.forest import DEFAULT_FOREST_RADIUS
from sapling.bridge.java import WorldEditor, grow_forest, server_connection
from sapling.bridge.rcon import RconClient
from sapling.generate import default_checkpoint
from sapling.model.pipeline import TreePipeline
from sapling.render import render_structure
from sapling.server.app import BackgroundServer, ServerSettings
from sapling.structure import Structure

PLAYER = (0.5, FLOOR_Y + 1.0, 0.5)
COUNT, PROMPT = 8, "birch"
MARGIN = 2  # blocks around the forest radius, so crowns at its edge are whole


def world_box(mc: FakeMinecraft, half: int, y_from: int) -> Structure:
    """Every block of the fake's world in the columns within ``half`` of the player, from ``y_from`` up."""
    top = max(y for _, y, _ in mc.world)
    px, pz = int(PLAYER[0]), int(PLAYER[2])
    blocks = {(x - px, y - y_from, z - pz): mc.block(x, y, z)
              for x in range(px - half, px + half + 1) for z in range(pz - half, pz + half + 1)
              for y in range(y_from, top + 1)}
    return Structure.from_blocks({p: s for p, s in blocks.items() if s != "minecraft:air"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=Path("docs/images/forest.png"))
    ap.add_argument("--size-px", type=int, default=1024, help="the picture's longer side")
    args = ap.parse_args()
    pipe = TreePipeline.from_checkpoint(default_checkpoint(), device="cpu")
    with FakeMinecraft() as mc, BackgroundServer(pipe, ServerSettings(port=0)) as srv:
        lay(mc)
        mc.add_player("Steve", PLAYER)
        ws = server_connection(srv.url, None)
        try:
            outcome = grow_forest(ws, WorldEditor(RconClient("127.0.0.1", mc.port, "pw")), PROMPT, PLAYER, COUNT,
                                  DEFAULT_FOREST_RADIUS, "Steve", seed=args.seed,
                                  say=lambda text, tone: print(f"  chat: {text}"))
        finally:
            ws.close()
        for line in outcome.lines:
            print(f"  chat: {line.text}")
        if outcome.plan is None or len(outcome.plan.trees) != COUNT:
            raise SystemExit(f"the forest did not grow whole: {outcome.message}")
        image = render_structure(world_box(mc, DEFAULT_FOREST_RADIUS + MARGIN, FLOOR_Y - POND_DEPTH), args.size_px)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out, format="PNG")
    print(f"wrote {args.out} ({image.width}x{image.height})")


if __name__ == "__main__":
    main()
