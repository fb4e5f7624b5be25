"""What the sampler may draw: pure functions over logits and token grids, for any vocabulary.

* ``species_lock``: per tree, one log species, one leaf species and one ground block (the
  prompt's species where its ``SpeciesPrior`` is clear);
* ``pick_anchors``: the trunk voxel the connected sampler grows from;
* ``disconnected``: newly fixed blocks that do not touch the anchored structure;
* ``repair_mask``: what ``repair`` re-predicts (stray parts plus an air shell);
* ``stray_leaves``: leaves a one-crown tree holds across a stacked-crown gap (a leaf on the ground
  patch, a sprig on the bare trunk), which the sampler draws again with leaves ruled out;
* ``decaying_leaves``: leaves the game would decay (more than 6 steps from a log), drawn again the same way;
* ``decoration_spots`` / ``place_decorations``: where an asked-for decoration could hang, and the
  most probable such spot for each one the sampler did not draw; ``decoration_bias``: the logit
  penalty on decorations nobody asked for.

They decide; ``TreePipeline`` applies (fixes tokens, re-masks). Shapes: logits
``(B, V, X, Y, Z)``, tokens and masks ``(B, X, Y, Z)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import torch

from sapling.blocks import KIND_ID, WOOD_SPECIES, BlockVocab, parse_state
from sapling.structure import Structure

Anchor = tuple[int, int, int]


@lru_cache(maxsize=16)
def _kinds_and_species(vocab: BlockVocab) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(V,) kind ids, (V,) species index (-1 for none) and the number of species of a vocabulary."""
    names = sorted({s for s in vocab.species if s is not None})
    kinds = torch.as_tensor(vocab.kind_ids.astype("int64"))
    species = torch.tensor([names.index(s) if s is not None else -1 for s in vocab.species])
    return kinds, species, len(names)


@dataclass(frozen=True)
class SpeciesLock:
    """``allowed`` (B, V) bool: the blocks each tree may still use; ``species`` per tree: the species
    the lock chose (the leaf species, else the log species; None for a vocabulary without either)."""

    allowed: torch.Tensor
    species: list[str | None]


def _wood_of(species: str) -> str:
    """The log species of a tree species: azalea trees grow on oak logs."""
    return species if species in WOOD_SPECIES else "oak"


def species_lock(logits: torch.Tensor, vocab: BlockVocab,
                 candidates: Sequence[Sequence[str] | None] | None = None) -> SpeciesLock:
    """(B, V, X, Y, Z) logits -> the blocks each tree may still use, and the species chosen.

    Per tree, the species with the largest expected number of logs (and, separately,
    of leaves: azalea trees grow azalea leaves on oak logs) and the most expected
    ground block win; blocks of other species and other ground blocks are ruled
    out, as are species decorations (cocoa, propagules, pale moss) of neither species.
    ``candidates`` (one entry per tree, from the prompt's ``SpeciesPrior``) narrows the choice:
    a tree whose prompt is clear gets its species whatever the model expects; None (or
    candidates the vocabulary has no blocks of) leaves the choice to the model.
    A vocabulary without log (or leaf) species locks nothing for that kind; one
    without ground blocks leaves the rest alone: the lock works with any vocabulary.
    """
    kind, species, n_species = (t.to(logits.device) if torch.is_tensor(t) else t for t in _kinds_and_species(vocab))
    names = _species_names(vocab)
    expected = torch.softmax(logits.float(), dim=1).flatten(2).sum(dim=2)  # (B, V)
    b, v = expected.shape
    allowed = torch.ones(b, v, dtype=torch.bool, device=logits.device)
    chosen = []
    for k in ("log", "leaves"):
        ids = (kind == KIND_ID[k]) & (species >= 0)
        if not ids.any():
            chosen.append(torch.full((b,), -2, device=logits.device))  # matches no species
            continue
        per_species = torch.zeros(b, n_species, device=logits.device)
        per_species.index_add_(1, species[ids], expected[:, ids])
        present = torch.zeros(n_species, dtype=torch.bool, device=logits.device)
        present[species[ids].unique()] = True
        per_species = per_species.masked_fill(~present[None, :], -1.0)  # a species without such blocks never wins
        if candidates is not None:
            per_species = per_species.masked_fill(~_candidate_mask(candidates, names, k, present, b), -1.0)
        best = per_species.argmax(dim=1)  # (B,)
        chosen.append(best)
        allowed &= ~(ids[None, :] & (species[None, :] != best[:, None]))
    deco = (kind == KIND_ID["decoration"]) & (species >= 0)
    ok = (species[None, :] == chosen[0][:, None]) | (species[None, :] == chosen[1][:, None])
    allowed &= ~(deco[None, :] & ~ok)
    ground = kind == KIND_ID["ground"]
    if ground.any():
        best_ground = torch.where(ground[None, :], expected, torch.full_like(expected, -1.0)).argmax(dim=1)
        allowed &= ~(ground[None, :] & (torch.arange(v, device=logits.device)[None, :] != best_ground[:, None]))
    tree_species = [names[int(leaf)] if int(leaf) >= 0 else names[int(log)] if int(log) >= 0 else None
                    for log, leaf in zip(chosen[0].tolist(), chosen[1].tolist())]
    return SpeciesLock(allowed, tree_species)


@lru_cache(maxsize=16)
def _species_names(vocab: BlockVocab) -> tuple[str, ...]:
    return tuple(sorted({s for s in vocab.species if s is not None}))


def _candidate_mask(candidates: Sequence[Sequence[str] | None], names: tuple[str, ...], kind: str,
                    present: torch.Tensor, batch: int) -> torch.Tensor:
    """(B, S) bool: the species a tree may choose for ``kind`` blocks (all where nothing narrows it)."""
    mask = torch.ones(batch, len(names), dtype=torch.bool, device=present.device)
    for i, cand in enumerate(candidates):
        if not cand:
            continue
        wanted = {_wood_of(c) for c in cand} if kind == "log" else set(cand)
        row = torch.tensor([n in wanted for n in names], dtype=torch.bool, device=present.device)
        if (row & present).any():  # candidates this vocabulary cannot build leave the model free
            mask[i] = row
    return mask


def pick_anchors(logits: torch.Tensor, vocab: BlockVocab) -> list[tuple[Anchor, int] | None]:
    """Per sample, the most log-like voxel of the centre column's lower half and its log id.

    Training data stands every trunk on the centre column, so this is the trunk; growth
    from it is what the connected sampler accepts. ``None`` each when the vocabulary has
    no log (nothing to grow from: the sampler then samples plainly).
    """
    b, _, sx, sy, sz = logits.shape
    cx, cz = sx // 2, sz // 2
    log_ids = torch.as_tensor(vocab.ids_of_kind("log"), device=logits.device)
    if not len(log_ids):
        return [None] * b
    col = torch.softmax(logits[:, :, cx, : max(1, sy // 2), cz].float(), dim=1)  # (B, V, Y/2)
    ys = col[:, log_ids].sum(dim=1).argmax(dim=1)  # (B,)
    return [((cx, int(ys[i]), cz), int(log_ids[col[i, log_ids, int(ys[i])].argmax()])) for i in range(b)]


def disconnected(tokens: torch.Tensor, mask: torch.Tensor, newly: torch.Tensor,
                 anchors: list[Anchor | None]) -> np.ndarray:
    """(B, X, Y, Z) bool: newly fixed solid voxels not face-connected to their sample's anchor.

    Faces only: vanilla-strict attachment. A sample without an anchor rejects nothing.
    """
    from scipy import ndimage

    solid = ((tokens != 0) & ~mask).cpu().numpy()
    newly_np = newly.cpu().numpy()
    reject = np.zeros_like(solid)
    for i, anchor in enumerate(anchors):
        if anchor is None:
            continue
        labels, _ = ndimage.label(solid[i])
        reject[i] = newly_np[i] & solid[i] & (labels != labels[anchor])
    return reject


def repair_mask(grids: np.ndarray, vocab: BlockVocab) -> tuple[np.ndarray, list[Anchor | None]]:
    """(B, X, Y, Z) ids -> what to re-predict and where each sample's main structure is anchored.

    Every solid voxel outside the main structure (faces only) plus the air shell around
    it, so the model can rebuild a bridge; ``None`` anchors for samples without a main
    structure (those are left as they are).
    """
    from scipy import ndimage

    from sapling.metrics import main_structure

    remask = np.zeros(grids.shape, dtype=bool)
    anchors: list[Anchor | None] = []
    for i, g in enumerate(grids):
        main = main_structure(Structure(g, vocab), "face")
        if main is None or not main.any():
            anchors.append(None)
            continue
        stray = (g != 0) & ~main
        if stray.any():
            remask[i] = ndimage.binary_dilation(stray, structure=np.ones((3, 3, 3), bool)) & ~main
        anchors.append(tuple(int(v) for v in np.argwhere(main)[0]))  # type: ignore[arg-type]
    return remask, anchors


def stray_leaves(grid: np.ndarray, vocab: BlockVocab, max_fraction: float) -> np.ndarray:
    """(X, Y, Z) ids -> (X, Y, Z) bool: the leaves on the smaller side of a stacked-crown gap.

    While a gap of more than ``MAX_CROWN_GAP`` leafless layers splits the leaf layers
    (``metrics.crown_gap``), the leaves on the side of the widest gap that holds fewer of them
    are stray, as long as all stray leaves together are at most ``max_fraction`` of the tree's
    leaves: a few leaves on the ground patch or on the bare trunk, not a second crown (which
    stays, and counts as one).
    """
    from sapling.metrics import MAX_CROWN_GAP

    leaves = vocab.kind_ids[grid] == KIND_ID["leaves"]
    layers = leaves.sum(axis=(0, 2))
    budget = max_fraction * layers.sum()
    stray_layers = np.zeros(len(layers), dtype=bool)
    while True:
        ys = np.flatnonzero(layers)
        if len(ys) < 2:
            break
        gaps = np.diff(ys) - 1
        k = int(gaps.argmax())
        if gaps[k] <= MAX_CROWN_GAP:
            break
        below = np.arange(len(layers)) <= ys[k]
        side = below if layers[below].sum() <= layers[~below].sum() else ~below
        budget -= layers[side].sum()
        if budget < 0:
            break
        stray_layers |= side & (layers > 0)
        layers = np.where(side, 0, layers)
    return leaves & stray_layers[None, :, None]


def crownless(grid: np.ndarray, vocab: BlockVocab, min_share: float) -> bool:
    """(X, Y, Z) ids -> whether the main structure (``metrics.main_structure``, by faces: what
    ``repair`` keeps) is under ``min_share`` leaves: a bare trunk, a trunk whose crown floats
    apart (repair would re-grow it with the connected sampler, which starves crowns, or drop it),
    or nothing at all. A tree whose crown never came."""
    from sapling.metrics import main_structure

    main = main_structure(Structure(grid, vocab), "face")
    if main is None or not main.any():
        return True
    leaves = int(np.count_nonzero(main & (vocab.kind_ids[grid] == KIND_ID["leaves"])))
    return leaves < min_share * int(np.count_nonzero(main))


def decaying_leaves(grid: np.ndarray, vocab: BlockVocab) -> np.ndarray:
    """(X, Y, Z) ids -> (X, Y, Z) bool: the leaves the game would decay.

    Not persistent and more than ``metrics.MAX_LEAF_DISTANCE`` face steps through leaves from a
    log (``metrics.leaf_distance``, the game's rule): the edge of a wide canopy that grew without
    the branch logs that would feed it.
    """
    from sapling.metrics import MAX_LEAF_DISTANCE, decaying_leaf_ids, leaf_distance

    structure = Structure(grid, vocab)
    return decaying_leaf_ids(vocab)[grid] & (leaf_distance(structure) > MAX_LEAF_DISTANCE)


# --- decorations the prompt asks for ---


def _neighbour(values: np.ndarray, step: tuple[int, int, int]) -> np.ndarray:
    """(X, Y, Z) -> (X, Y, Z): ``values`` at each voxel + ``step`` (False / 0 outside the grid)."""
    out = np.zeros_like(values)
    src = tuple(slice(max(d, 0), n + min(d, 0)) for d, n in zip(step, values.shape))
    dst = tuple(slice(max(-d, 0), n + min(-d, 0)) for d, n in zip(step, values.shape))
    out[dst] = values[src]
    return out


def decoration_spots(grid: np.ndarray, vocab: BlockVocab, ids: Sequence[int],
                     attached: np.ndarray | None = None) -> np.ndarray:
    """(X, Y, Z) ids -> (len(ids), X, Y, Z) bool: the air voxels where each decoration block would stay.

    The rules of ``postprocess.fix_decorations`` for a block placed alone: a vine's every face on
    a support (a non-air block that is not a thin decoration), cocoa facing a jungle log, hanging
    moss under a support; a bee nest (or hive) beside a log with its entrance free, as the game's
    beehive decorator hangs them on the trunk. ``attached`` (X, Y, Z) bool limits the supports
    (to the tree's main structure: a decoration on a floating part would be pruned with it).
    Other blocks get no spot.
    """
    from sapling.postprocess import DIRECTIONS, HORIZONTAL, supports

    kinds = vocab.kind_ids[grid]
    support = supports(vocab)[grid]
    log = kinds == KIND_ID["log"]
    if attached is not None:
        support, log = support & attached, log & attached
    jungle_log = log & (np.asarray(vocab.species, dtype=object)[grid] == "jungle")
    air = grid == 0
    out = np.zeros((len(ids), *grid.shape), dtype=bool)
    for k, block in enumerate(ids):
        name, props = parse_state(vocab.states[block])
        if name == "minecraft:vine":
            faces = [f for f in DIRECTIONS if props.get(f) == "true"]
            ok = air.copy() if faces else np.zeros_like(air)
            for f in faces:
                ok &= _neighbour(support, DIRECTIONS[f])
        elif name == "minecraft:cocoa" and props.get("facing") in HORIZONTAL:
            ok = air & _neighbour(jungle_log, DIRECTIONS[props["facing"]])
        elif name == "minecraft:pale_hanging_moss":
            ok = air & _neighbour(support, DIRECTIONS["up"])
        elif name in ("minecraft:bee_nest", "minecraft:beehive"):
            beside = np.logical_or.reduce([_neighbour(log, DIRECTIONS[f]) for f in HORIZONTAL])
            facing = props.get("facing")
            ok = air & beside & (_neighbour(air, DIRECTIONS[facing]) if facing in HORIZONTAL else True)
        else:
            continue
        out[k] = ok
    return out


@lru_cache(maxsize=16)
def _decoration_ids(vocab: BlockVocab) -> dict[str, list[int]]:
    """Per ``metrics.DECORATION_BLOCKS`` decoration, the ids of its blocks in ``vocab``."""
    from sapling.metrics import DECORATION_BLOCKS

    names = [parse_state(s)[0] for s in vocab.states]
    return {d: [i for i, n in enumerate(names) if n in blocks] for d, blocks in DECORATION_BLOCKS.items()}


def decoration_bias(vocab: BlockVocab, asked: Sequence[frozenset[str]], penalty: float) -> torch.Tensor:
    """(B, V) logit offsets: ``-penalty`` on the blocks of each decoration a sample's prompt does not
    ask for (``metrics.DECORATION_BLOCKS``), 0 elsewhere."""
    bias = torch.zeros(len(asked), len(vocab))
    for d, ids in _decoration_ids(vocab).items():
        for b, want in enumerate(asked):
            if d not in want:
                bias[b, ids] = -penalty
    return bias


@dataclass(frozen=True)
class Placement:
    """One decoration block ``place_decorations`` adds: ``block`` (a vocabulary id) at ``position``."""

    decoration: str
    position: Anchor
    block: int


def place_decorations(log_probs: torch.Tensor, grid: np.ndarray, vocab: BlockVocab, asked: frozenset[str],
                      preferred: np.ndarray | None = None) -> list[Placement]:
    """For each decoration in ``asked`` that ``grid`` lacks (or has only where the game would not
    keep it), its most probable spot.

    ``log_probs`` (V, X, Y, Z): the sampler's last prediction (-inf for blocks the species lock
    ruled out: no cocoa on a birch); ``grid`` (X, Y, Z) ids after the last step. Spots are
    ``decoration_spots`` on the grid's main structure; voxels of ``preferred`` (X, Y, Z) bool,
    those the last step still predicted, come first, because a voxel fixed earlier was predicted
    with its block in view. A decoration with no spot (cocoa on a tree without jungle logs) is
    left out: the prompt asked for something this tree cannot hold.
    """
    from sapling.metrics import DECORATION_BLOCKS, decorations_present, main_structure
    from sapling.postprocess import fix_decorations

    if not asked.intersection(DECORATION_BLOCKS):
        return []
    tree = Structure(grid, vocab)
    kept = decorations_present(fix_decorations(tree)[0])  # a cocoa facing away from its log does not count
    missing = [d for d in sorted(asked) if d in DECORATION_BLOCKS and d not in kept]
    if not missing:
        return []
    main = main_structure(tree, "face")
    if main is None:
        return []
    placed: list[Placement] = []
    for d in missing:
        ids = _decoration_ids(vocab)[d]
        if not ids:
            continue
        spots = decoration_spots(grid, vocab, ids, main)
        score = log_probs[ids].float().cpu().numpy().astype(np.float64)
        score[~spots] = -np.inf
        if preferred is not None:
            score[:, ~preferred] -= 1e4
        best = int(np.argmax(score))
        if not np.isfinite(score.flat[best]):
            continue
        k, x, y, z = np.unravel_index(best, score.shape)
        placed.append(Placement(d, (int(x), int(y), int(z)), ids[int(k)]))
        grid = grid.copy()
        grid[x, y, z] = ids[int(k)]  # the next decoration sees this one (no two on one voxel)
    return placed


__all__ = ["Anchor", "Placement", "SpeciesLock", "crownless", "decaying_leaves", "decoration_bias", "decoration_spots",
           "disconnected", "pick_anchors", "place_decorations", "repair_mask", "species_lock", "stray_leaves"]
