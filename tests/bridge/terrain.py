"""A test terrain for the fake server (``fake_minecraft.FakeMinecraft``): a hill, a pond, an existing
tree and a wall around the player's feet, on top of a flat grass floor (``floor_y``).

``terrain()`` is pure: the blocks by position and each feature's columns; ``lay(mc)`` puts it into a
fake server's world. The player stands at ``(0.5, FLOOR_Y + 1, 0.5)`` (Steve in test_java_bridge's
``Running``); every feature lies within the default forest radius (16) of them, so a forest there
has to find its way around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Pos = tuple[int, int, int]
Column = tuple[int, int]

FLOOR_Y = 63  # the flat world's grass surface; the player's feet are at y 64
GRASS = "minecraft:grass_block"  # as the fake's floor spells it
DIRT = "minecraft:dirt"
WATER = "minecraft:water[level=0]"
WALL = "minecraft:stone_bricks"
LOG = "minecraft:oak_log[axis=y]"
LEAVES = "minecraft:oak_leaves[distance=1,persistent=true,waterlogged=false]"

HILL_CENTRE, HILL_RADIUS, HILL_HEIGHT = (0, 11), 5.5, 4  # 10 blocks south: in front of Steve (yaw 0)
POND_CENTRE, POND_RADII, POND_DEPTH = (-10, -1), (4.5, 3.5), 2
TREE_AT, TREE_HEIGHT, TREE_CROWN = (9, -7), 6, 2  # an oak: trunk column, logs, leaf radius
WALL_FROM, WALL_TO, WALL_Z, WALL_HEIGHT = -6, 6, -13, 3  # stone bricks along x, north of the player


@dataclass(frozen=True)
class Terrain:
    """``blocks``: every position the terrain sets above or into the floor; the ``*_columns``: the
    (x, z) columns each feature covers (the pond's water, the tree's logs and leaves, the wall)."""

    blocks: dict[Pos, str]
    hill: frozenset[Column]
    pond: frozenset[Column]
    tree: frozenset[Column]
    wall: frozenset[Column]


def terrain(floor_y: int = FLOOR_Y) -> Terrain:
    """The hill (grass over dirt, up to ``HILL_HEIGHT`` above the floor), the pond (``POND_DEPTH``
    of still water sunk into the floor), the oak (logs, a round crown of persistent leaves) and the
    wall (``WALL_HEIGHT`` of stone bricks)."""
    blocks: dict[Pos, str] = {}
    hill, pond, tree, wall = set(), set(), set(), set()
    hx, hz = HILL_CENTRE
    r = math.ceil(HILL_RADIUS)
    for x in range(hx - r, hx + r + 1):
        for z in range(hz - r, hz + r + 1):
            top = round(HILL_HEIGHT * (1 - math.hypot(x - hx, z - hz) / HILL_RADIUS))
            if top <= 0:
                continue
            hill.add((x, z))
            for y in range(floor_y, floor_y + top):
                blocks[(x, y, z)] = DIRT
            blocks[(x, floor_y + top, z)] = GRASS
    px, pz = POND_CENTRE
    rx, rz = POND_RADII
    for x in range(px - math.ceil(rx), px + math.ceil(rx) + 1):
        for z in range(pz - math.ceil(rz), pz + math.ceil(rz) + 1):
            if ((x - px) / rx) ** 2 + ((z - pz) / rz) ** 2 <= 1:
                pond.add((x, z))
                for y in range(floor_y - POND_DEPTH + 1, floor_y + 1):
                    blocks[(x, y, z)] = WATER
    tx, tz = TREE_AT
    top = floor_y + TREE_HEIGHT
    for y in range(top - 2, top + 2):  # a crown round the top of the trunk and over it
        reach = TREE_CROWN - (y == top + 1)
        for x in range(tx - reach, tx + reach + 1):
            for z in range(tz - reach, tz + reach + 1):
                if math.hypot(x - tx, z - tz) <= reach + 0.5:
                    blocks[(x, y, z)] = LEAVES
                    tree.add((x, z))
    for y in range(floor_y + 1, top + 1):
        blocks[(tx, y, tz)] = LOG
    for x in range(WALL_FROM, WALL_TO + 1):
        wall.add((x, WALL_Z))
        for y in range(floor_y + 1, floor_y + 1 + WALL_HEIGHT):
            blocks[(x, y, WALL_Z)] = WALL
    return Terrain(blocks, frozenset(hill), frozenset(pond), frozenset(tree), frozenset(wall))


def lay(mc, floor_y: int = FLOOR_Y) -> Terrain:
    """Put ``terrain(floor_y)`` into the fake server ``mc`` (a flat grass floor up to ``floor_y``)."""
    land = terrain(floor_y)
    with mc.lock:
        mc.floor_y = floor_y
        mc.world.update(land.blocks)
    return land
