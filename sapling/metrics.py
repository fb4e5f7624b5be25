"""Quality metrics: pure functions on structures (numpy/scipy), as defined in DESIGN.md."""

from __future__ import annotations

from collections import deque

import numpy as np

from sapling.blocks import KIND_ID
from sapling.structure import Structure

# Vanilla leaves decay when their distance to a log exceeds this.
MAX_LEAF_DISTANCE = 6
_FACES = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))


def leaf_distance(structure: Structure) -> np.ndarray:
    """Vanilla leaf ``distance`` for every voxel ``(X, Y, Z)``: 0 at logs, 1..7 at leaves.

    Breadth-first through leaves from every log along faces, capped at 7 as in the
    game (7 = would decay unless persistent). Non-leaf, non-log voxels hold 7 too.
    """
    kinds = structure.kinds()
    is_leaf = kinds == KIND_ID["leaves"]
    dist = np.full(kinds.shape, 7, dtype=np.int8)
    frontier = np.argwhere(kinds == KIND_ID["log"])
    dist[tuple(frontier.T)] = 0
    queue = deque(map(tuple, frontier.tolist()))
    sx, sy, sz = kinds.shape
    while queue:
        x, y, z = queue.popleft()
        d = dist[x, y, z] + 1
        if d > MAX_LEAF_DISTANCE:
            continue
        for dx, dy, dz in _FACES:
            nx, ny, nz = x + dx, y + dy, z + dz
            if 0 <= nx < sx and 0 <= ny < sy and 0 <= nz < sz and is_leaf[nx, ny, nz] and dist[nx, ny, nz] > d:
                dist[nx, ny, nz] = d
                queue.append((nx, ny, nz))
    return dist
