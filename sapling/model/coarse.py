"""Coarse-to-fine: a tree sampled on a smaller grid, scaled up, and what the fine pass re-predicts.

The network trains on 16x32x16 windows of huge trees (docs/MODEL.md, "Huge trees on 2 CPU
cores"); asked for a whole 24x64x24 grid at once it lays leaves up the whole column. At big size
it lays out whole trees. So a huge tree is sampled at big size, scaled by ``scale_factor``
around its trunk axis (``upscale``), and its leaves and the air around them are re-predicted at
huge size (``refine_mask``), with its trunk and ground kept. Pure functions on id grids
``(X, Y, Z)``; ``TreePipeline`` applies them.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sapling.blocks import KIND_ID, BlockVocab
from sapling.metrics import leaf_distance
from sapling.structure import Structure

# The grid each size is first sampled on when coarse-to-fine is on (the others are sampled directly).
COARSE_SIZE = {"huge": "big"}
# Leaves further than this from a log (vanilla ``distance``, 7 = decaying) are always re-predicted.
FAR_LEAF = 2


def refine_steps(steps: int) -> int:
    """Steps of the fine pass for a request of ``steps``: half (the layout is already there), at least 2."""
    return max(2, steps // 2)


def scale_factor(coarse: tuple[int, int, int], fine: tuple[int, int, int]) -> float:
    """One factor for all axes (a tree keeps its proportions): the largest that fits every axis."""
    return min(f / c for c, f in zip(coarse, fine))


def _source_index(n_fine: int, n_coarse: int, factor: float, centred: bool) -> np.ndarray:
    """(n_fine,) coarse index of each fine index; -1 where the scaled tree does not reach.

    A centred axis (x, z) scales about the trunk column (``n // 2``, where training data puts
    it); the height axis keeps the ground layer (y = 0) one block thick and scales above it.
    """
    i = np.arange(n_fine)
    if centred:
        src = np.floor((i - n_fine // 2) / factor + 0.5).astype(int) + n_coarse // 2
    else:
        src = np.where(i == 0, 0, 1 + np.floor((i - 1) / factor).astype(int))
    return np.where((src >= 0) & (src < n_coarse), src, -1)


def upscale(grid: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """(X, Y, Z) ids of a coarse grid -> ``shape`` ids: nearest-neighbour scaling by
    ``scale_factor`` about the trunk axis, ground layer kept; air where the coarse grid ends."""
    factor = scale_factor(grid.shape, shape)
    idx = [_source_index(n, c, factor, centred=axis != 1) for axis, (n, c) in enumerate(zip(shape, grid.shape))]
    out = grid[np.ix_(*(np.maximum(i, 0) for i in idx))].copy()
    outside = (idx[0] < 0)[:, None, None] | (idx[1] < 0)[None, :, None] | (idx[2] < 0)[None, None, :]
    out[outside] = 0
    return out


def refine_mask(grid: np.ndarray, vocab: BlockVocab, uniform: np.ndarray, fraction: float,
                shell: int = 2, far: int = FAR_LEAF) -> np.ndarray:
    """(X, Y, Z) bool: the voxels the fine pass re-predicts.

    Each leaf, decoration and air voxel within ``shell`` blocks of the crown (leaves and
    decorations: air beside the bare trunk or the ground patch stays, or leaves sprout there), with probability
    ``fraction`` (``uniform`` (X, Y, Z): U(0, 1) draws, so the caller's generator decides), and
    every leaf more than ``far`` steps from a log (vanilla ``distance``): scaling a crown moves its
    outer leaves away from the branches that feed them. Logs and ground stay: they carry the
    layout the coarse pass got right. Far air stays air.
    """
    kinds = vocab.kind_ids[grid]
    crown = (kinds == KIND_ID["leaves"]) | (kinds == KIND_ID["decoration"])
    near = ndimage.binary_dilation(crown, iterations=shell) if shell else crown
    keep = (kinds == KIND_ID["log"]) | (kinds == KIND_ID["ground"])
    starved = (kinds == KIND_ID["leaves"]) & (leaf_distance(Structure(grid, vocab)) > far)
    return (near & ~keep & (uniform < fraction)) | starved


__all__ = ["COARSE_SIZE", "FAR_LEAF", "refine_mask", "refine_steps", "scale_factor", "upscale"]
