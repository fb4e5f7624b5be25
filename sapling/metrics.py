"""Quality metrics: pure functions on structures (numpy/scipy), as defined in DESIGN.md.

Per-tree metrics (connectivity, leaf decay, species purity, trunk and crown, stacked
crowns, size)
are gathered by ``tree_metrics``; set metrics against reference trees (1-NNA,
coverage, diversity) rest on a voxel IoU distance (``pairwise_distances``).

Grids are ``(X, Y, Z)`` with y up. Heights of the trunk and crown are counted in
layers above the trunk base, the lowest log layer of the main structure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Literal, NamedTuple, Sequence

import numpy as np

from sapling.blocks import KIND_ID, SPECIES, BlockVocab, parse_state
from sapling.errors import ConfigError, StructureError
from sapling.structure import Coord, Structure

# Vanilla leaves decay when their distance to a log exceeds this.
MAX_LEAF_DISTANCE = 6
_FACES = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))


def leaf_distance(structure: Structure) -> np.ndarray:
    """Vanilla leaf ``distance`` for every voxel ``(X, Y, Z)``: 0 at logs, 1..7 at leaves.

    Breadth-first through leaves from every log of the game's ``logs`` tag along faces
    (``blocks.in_logs_tag``: mangrove roots are not sources), capped at 7 as in the game
    (7 = would decay unless persistent). Other voxels hold 7 too, mangrove roots included.
    """
    kinds = structure.kinds()
    is_leaf = kinds == KIND_ID["leaves"]
    dist = np.full(kinds.shape, 7, dtype=np.int8)
    frontier = np.argwhere(structure.vocab.logs_tag[structure.blocks])  # the game's logs tag: no mangrove roots
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


# --- connected components ---

Connectivity = Literal["any", "face"]
# "any": faces, edges and corners touch (26-neighbourhood, how a player sees "attached");
# "face": faces only (6-neighbourhood, how leaves and the game's physics see it).
_NEIGHBOURHOODS = {
    "any": np.ones((3, 3, 3), dtype=bool),
    "face": np.array([[[abs(a) + abs(b) + abs(c) <= 1 for c in (-1, 0, 1)] for b in (-1, 0, 1)]
                      for a in (-1, 0, 1)], dtype=bool),  # = ndimage.generate_binary_structure(3, 1)
}


class Components(NamedTuple):
    """Connected components of the non-air blocks.

    ``labels`` is ``(X, Y, Z)`` int32: 0 for air, 1..count for the components.
    """

    labels: np.ndarray
    count: int


def components(structure: Structure, connectivity: Connectivity = "any") -> Components:
    """Label the connected components of the non-air blocks (every kind but air)."""
    try:
        neighbourhood = _NEIGHBOURHOODS[connectivity]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown connectivity {connectivity!r}; choose 'any' (faces, edges, corners) or 'face'"
        ) from None
    from scipy import ndimage  # imported on first use: `sapling --help` stays quick

    labels, count = ndimage.label(structure.blocks != 0, structure=neighbourhood)
    return Components(labels.astype(np.int32, copy=False), int(count))


@lru_cache(maxsize=64)
def decaying_leaf_ids(vocab: BlockVocab) -> np.ndarray:
    """(V,) bool: the leaf states that are not persistent (they decay without a log)."""
    return np.array([k == KIND_ID["leaves"] and parse_state(s)[1].get("persistent") != "true"
                     for k, s in zip(vocab.kind_ids.tolist(), vocab.states)], dtype=bool)


def anchor_mask(structure: Structure) -> np.ndarray:
    """``(X, Y, Z)`` bool: the blocks a main structure must contain.

    Logs, where there are any. A structure without logs (a rock, a flower patch, a bush
    of persistent leaves) anchors on any of its blocks, so its largest component is its
    main structure, unless it holds leaves that would decay: leaves need a log, so a
    crown without a trunk has no main structure.
    """
    kinds = structure.kinds()
    logs = kinds == KIND_ID["log"]
    if logs.any():
        return logs
    if decaying_leaf_ids(structure.vocab)[structure.blocks].any():
        return logs  # all False
    return kinds != KIND_ID["air"]


def _main_label(comps: Components, anchor: np.ndarray) -> int:
    """Label of the largest component holding an anchor block, 0 if no component does.

    Ties go to the lowest label (the component met first in x-major scan order).
    """
    sizes = np.bincount(comps.labels.ravel(), minlength=comps.count + 1)
    with_log = np.zeros(comps.count + 1, dtype=bool)
    with_log[np.unique(comps.labels[anchor])] = True
    with_log[0] = False  # air is never the main structure
    if not with_log.any():
        return 0
    return int(np.argmax(np.where(with_log, sizes, -1)))


def main_structure(structure: Structure, connectivity: Connectivity = "any") -> np.ndarray | None:
    """``(X, Y, Z)`` bool mask of the main structure, or None when there is none.

    The main structure is the largest connected component that contains a log, so
    a stray log below the trunk does not become the anchor just for being lowest;
    for structures without logs see ``anchor_mask``.
    """
    comps = components(structure, connectivity)
    label = _main_label(comps, anchor_mask(structure))
    return comps.labels == label if label else None


def _connected_fraction(comps: Components, is_log: np.ndarray) -> float:
    total = int(np.count_nonzero(comps.labels))
    if total == 0:
        return 1.0
    label = _main_label(comps, is_log)
    if not label:
        return 0.0
    return int(np.count_nonzero(comps.labels == label)) / total


def connectivity(structure: Structure) -> float:
    """Fraction of non-air blocks in the main structure, touching at faces, edges or corners.

    1.0 means nothing floats. An empty structure scores 1.0 (nothing floats); leaves
    without any log score 0.0 (no main structure, so everything floats; ``anchor_mask``).
    """
    return _connected_fraction(components(structure, "any"), anchor_mask(structure))


def face_connectivity(structure: Structure) -> float:
    """``connectivity`` with faces only (6-neighbourhood); vanilla trees score 1.0."""
    return _connected_fraction(components(structure, "face"), anchor_mask(structure))


# --- trunk and crown ---

@dataclass(frozen=True)
class Crown:
    """Top of a tree, in layers above the trunk base (None without a main structure).

    ``above_trunk`` is True when the highest leaf is at or above the highest log:
    a trunk topped by leaves (mean heights fail on spruces, whose foliage runs
    down the trunk, so only the tops are compared).
    """

    highest_leaf: int | None
    highest_log: int | None
    above_trunk: bool | None


def _trunk_base(main_logs: np.ndarray) -> int | None:
    ys = np.flatnonzero(main_logs.any(axis=(0, 2)))
    return int(ys[0]) if len(ys) else None


def _trunk_height(main_logs: np.ndarray) -> int:
    base = _trunk_base(main_logs)
    if base is None:
        return 0
    # Logs rising without a gap from the base layer, per (x, z) column; the longest
    # one is the trunk (each column of a 2x2 trunk is measured on its own).
    runs = np.cumprod(main_logs[:, base:, :], axis=1).sum(axis=1)
    return int(runs.max())


def _crown(main: np.ndarray | None, kinds: np.ndarray) -> Crown:
    if main is None:
        return Crown(None, None, None)
    logs = main & (kinds == KIND_ID["log"])
    base = _trunk_base(logs)
    if base is None:  # a main structure without logs (a rock, a bush of persistent leaves)
        return Crown(None, None, None)
    log_ys = np.flatnonzero(logs.any(axis=(0, 2)))
    leaf_ys = np.flatnonzero((main & (kinds == KIND_ID["leaves"])).any(axis=(0, 2)))
    highest_log = int(log_ys[-1]) - base
    if not len(leaf_ys):
        return Crown(None, highest_log, False)
    highest_leaf = int(leaf_ys[-1]) - base
    return Crown(highest_leaf, highest_log, highest_leaf >= highest_log)


def trunk_base(structure: Structure) -> int | None:
    """Grid y of the trunk base (the main structure's lowest log layer), None without logs."""
    main = main_structure(structure)
    return None if main is None else _trunk_base(main & structure.mask_of("log"))


def estimate_trunk_base(structure: Structure) -> Coord:
    """Grid coordinates of the trunk base, for files that do not store one.

    As DESIGN.md defines it: the lowest log layer of the main structure; within that
    layer the log nearest the layer's centre. ``(0, 0, 0)`` when there is no log.
    """
    main = main_structure(structure)
    main_logs = main & structure.mask_of("log") if main is not None else None
    if main_logs is None or not main_logs.any():
        return (0, 0, 0)
    y = _trunk_base(main_logs)
    xz = np.argwhere(main_logs[:, y, :])
    x, z = xz[np.argmin(((xz - xz.mean(axis=0)) ** 2).sum(axis=1))]
    return (int(x), y, int(z))


def trunk_height(structure: Structure) -> int:
    """Length of the longest unbroken vertical log column rising from the trunk base (0 without logs)."""
    main = main_structure(structure)
    return 0 if main is None else _trunk_height(main & structure.mask_of("log"))


def crown(structure: Structure) -> Crown:
    """Highest leaf and highest log of the main structure, above the trunk base."""
    return _crown(main_structure(structure), structure.kinds())


# --- stacked crowns ---

# The most leafless layers a single crown may leave between two of its leaf layers; a gap of
# one more means a second crown stacked above the first.
MAX_CROWN_GAP = 2

# Species whose corpus trees all have a single crown: their leaf layers never leave a gap of
# ``MAX_CROWN_GAP`` + 1 or more leafless layers (``single_crown``; the corpus's generate_tree
# draws again when one would). Jungle trees are left out: vanilla mega jungle trees, and the
# big and huge jungle forms after them, carry small crowns on limbs down the trunk.
ONE_CROWN_SPECIES = frozenset(
    ("oak", "birch", "spruce", "acacia", "dark_oak", "pale_oak", "cherry", "mangrove", "azalea")
)


def _crown_gap(leaf_layers: np.ndarray) -> int:
    """Longest run of ``False`` between the first and last ``True`` of a ``(Y,)`` bool array."""
    ys = np.flatnonzero(leaf_layers)
    return int(np.diff(ys).max() - 1) if len(ys) >= 2 else 0


def crown_gap(structure: Structure) -> int:
    """Longest run of leafless y layers between the lowest and the highest layer holding leaves.

    0 for a crown whose leaf layers follow each other without a gap (and for a tree
    with fewer than two leaf layers). Every leaf of the grid counts, floating ones too:
    a crown floating above the tree is a stacked crown.
    """
    return _crown_gap(structure.mask_of("leaves").any(axis=(0, 2)))


def single_crown(structure: Structure) -> bool:
    """True when no gap of more than ``MAX_CROWN_GAP`` leafless layers splits the leaf layers (no stacked crowns).

    A tree without leaves passes: it has no crown to stack.
    """
    return crown_gap(structure) <= MAX_CROWN_GAP


# --- leaves and species ---

def leaf_decay_fraction(structure: Structure) -> float:
    """Fraction of non-persistent leaves more than 6 face-steps (through leaves) from a log.

    Those leaves would decay in game. Persistent leaves never decay and are left
    out of both counts; with no non-persistent leaves the fraction is 0.0.
    """
    leaves = decaying_leaf_ids(structure.vocab)[structure.blocks]
    total = int(np.count_nonzero(leaves))
    if total == 0:
        return 0.0
    far = leaves & (leaf_distance(structure) > MAX_LEAF_DISTANCE)
    return int(np.count_nonzero(far)) / total


# Species a tree of the named species may draw its logs and leaves from, where
# that is not just itself: azalea trees grow on oak logs.
_ACCEPTED = {"azalea": {"log": ("oak",), "leaves": ("azalea",)}}


def _species_name(species: str) -> str:
    name = str(species).strip().lower().replace(" ", "_").replace("-", "_")
    if name.startswith("minecraft:"):
        name = name[len("minecraft:"):]
    if name not in SPECIES:
        raise ConfigError(f"unknown species {species!r}; choose one of: {', '.join(SPECIES)}")
    return name


def _species_counts(structure: Structure) -> dict[str, dict[str | None, int]]:
    """``{"log": {species: blocks}, "leaves": {species: blocks}}`` (species may be None)."""
    vocab = structure.vocab
    per_id = np.bincount(structure.blocks.ravel(), minlength=len(vocab))
    out: dict[str, dict[str | None, int]] = {"log": {}, "leaves": {}}
    for i in np.flatnonzero(per_id).tolist():
        kind = vocab.kind(i)
        if kind in out:
            sp = vocab.species[i]
            out[kind][sp] = out[kind].get(sp, 0) + int(per_id[i])
    return out


def _purity(counts: dict[str, dict[str | None, int]], species: str) -> float | None:
    total = sum(counts["log"].values()) + sum(counts["leaves"].values())
    if total == 0:
        return None
    accepted = _ACCEPTED.get(species, {})
    pure = sum(
        n for kind in ("log", "leaves") for sp, n in counts[kind].items()
        if sp in accepted.get(kind, (species,))
    )
    return pure / total


def species_purity(structure: Structure, species: str) -> float | None:
    """Fraction of log+leaf blocks that belong to ``species`` (one of ``blocks.SPECIES``).

    For ``"azalea"`` oak logs count as pure (azalea trees grow on oak), leaves must
    be azalea or flowering azalea. None when there are no logs or leaves at all:
    an empty tree is neither pure nor impure. Raises ``ConfigError`` for an
    unknown species name.
    """
    return _purity(_species_counts(structure), _species_name(species))


def _dominant(counts: dict[str, dict[str | None, int]]) -> str | None:
    best, best_purity = None, 0.0
    for sp in SPECIES:  # ties go to the earlier species: oak logs alone are oak, not azalea
        p = _purity(counts, sp)
        if p is not None and p > best_purity:
            best, best_purity = sp, p
    return best


def dominant_species(structure: Structure) -> str | None:
    """The species with the highest ``species_purity``, None without logs or leaves of a species.

    So oak logs under azalea leaves read as ``"azalea"``, and oak logs alone as ``"oak"``.
    """
    return _dominant(_species_counts(structure))


# --- size ---

def _span(occupied: np.ndarray, axis: int) -> int:
    other = tuple(a for a in range(3) if a != axis)
    idx = np.flatnonzero(occupied.any(axis=other))
    return int(idx[-1] - idx[0] + 1) if len(idx) else 0


def height(structure: Structure) -> int:
    """Layers spanned by the non-air blocks (0 when empty)."""
    return _span(structure.blocks != 0, 1)


def width(structure: Structure) -> int:
    """The larger of the x and z spans of the non-air blocks (0 when empty)."""
    occupied = structure.blocks != 0
    return max(_span(occupied, 0), _span(occupied, 2))


# --- all per-tree metrics at once ---

# Decorations a prompt can ask for (``sapling.prompts.decorations_asked``) -> the blocks that are them.
DECORATION_BLOCKS: dict[str, tuple[str, ...]] = {
    "cocoa": ("minecraft:cocoa",),
    "bee_nest": ("minecraft:bee_nest", "minecraft:beehive"),
    "vines": ("minecraft:vine",),
    "hanging_moss": ("minecraft:pale_hanging_moss",),
}


def decorations_present(structure: Structure) -> tuple[str, ...]:
    """The ``DECORATION_BLOCKS`` decorations a structure has at least one block of, sorted."""
    names = {parse_state(state)[0] for state in structure.counts()}
    return tuple(sorted(d for d, blocks in DECORATION_BLOCKS.items() if names.intersection(blocks)))


@dataclass(frozen=True)
class TreeMetrics:
    """Every per-tree metric of DESIGN.md "Quality metrics" (see the functions above).

    ``fully_connected`` is True when the structure has blocks and all of them
    belong to the main structure (26-neighbourhood); an empty structure is not a
    tree, so it is not fully connected even though its connectivity reads 1.0.
    """

    blocks: int
    logs: int
    leaves: int
    components: int
    components_face: int
    connectivity: float
    face_connectivity: float
    fully_connected: bool
    leaf_decay_fraction: float
    species_purity: float | None
    dominant_species: str | None
    trunk_height: int
    height: int
    width: int
    highest_leaf: int | None
    highest_log: int | None
    crown_above_trunk: bool | None
    crown_gap: int
    single_crown: bool
    decorations: tuple[str, ...] = ()  # decorations_present

    def as_dict(self) -> dict[str, int | float | bool | str | list[str] | None]:
        return {**asdict(self), "decorations": list(self.decorations)}  # JSON: a list


def tree_metrics(structure: Structure, species: str | None = None) -> TreeMetrics:
    """All per-tree metrics; ``species_purity`` is None unless ``species`` is given."""
    kinds = structure.kinds()
    is_log = kinds == KIND_ID["log"]
    comps = components(structure, "any")
    comps_face = components(structure, "face")
    anchor = anchor_mask(structure)
    label = _main_label(comps, anchor)
    main = comps.labels == label if label else None
    counts = _species_counts(structure)
    top = _crown(main, kinds)
    gap = _crown_gap((kinds == KIND_ID["leaves"]).any(axis=(0, 2)))
    n_blocks = structure.num_blocks
    return TreeMetrics(
        blocks=n_blocks,
        logs=int(np.count_nonzero(is_log)),
        leaves=int(np.count_nonzero(kinds == KIND_ID["leaves"])),
        components=comps.count,
        components_face=comps_face.count,
        connectivity=_connected_fraction(comps, anchor),
        face_connectivity=_connected_fraction(comps_face, anchor),
        fully_connected=bool(n_blocks > 0 and main is not None and int(np.count_nonzero(main)) == n_blocks),
        leaf_decay_fraction=leaf_decay_fraction(structure),
        species_purity=None if species is None else _purity(counts, _species_name(species)),
        dominant_species=_dominant(counts),
        trunk_height=0 if main is None else _trunk_height(main & is_log),
        height=height(structure),
        width=width(structure),
        highest_leaf=top.highest_leaf,
        highest_log=top.highest_log,
        crown_above_trunk=top.above_trunk,
        crown_gap=gap,
        single_crown=gap <= MAX_CROWN_GAP,
        decorations=decorations_present(structure),
    )


# --- set metrics against reference trees (voxel IoU distance) ---

def _common_frame(structures: Sequence[Structure], by_kind: bool) -> np.ndarray:
    """``(N, V)`` int8 grids of all structures in one frame, aligned on their origins.

    Each row is a flattened box around every structure's blocks, relative to its
    origin (the trunk base), so grids of different sizes compare voxel by voxel.
    Values are kind ids with ``by_kind``, else 1 for any non-air block.
    """
    coords, values = [], []
    for s in structures:
        nz = np.argwhere(s.blocks != 0)
        coords.append(nz - np.asarray(s.origin))
        values.append(s.kinds()[tuple(nz.T)] if by_kind else np.ones(len(nz), dtype=np.int8))
    stacked = np.concatenate(coords) if coords else np.zeros((0, 3), dtype=np.int64)
    if not len(stacked):
        return np.zeros((len(structures), 1), dtype=np.int8)
    lo, hi = stacked.min(axis=0), stacked.max(axis=0) + 1
    dims = tuple((hi - lo).tolist())
    frame = np.zeros((len(structures), int(np.prod(dims))), dtype=np.int8)
    for row, (c, v) in enumerate(zip(coords, values)):
        if len(c):
            frame[row, np.ravel_multi_index(tuple((c - lo).T), dims)] = v
    return frame


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(N, M)`` counts of voxels set in both, for bool ``(N, V)`` and ``(M, V)`` (a BLAS matmul)."""
    return np.rint(a.astype(np.float32) @ b.astype(np.float32).T).astype(np.int64)


def pairwise_distances(
    structures_a: Sequence[Structure],
    structures_b: Sequence[Structure] | None = None,
    by_kind: bool = False,
) -> np.ndarray:
    """``(N, M)`` float64 voxel IoU distances ``1 - |A & B| / |A | B|`` (B defaults to A).

    Occupancy is "non-air", with each pair aligned on their origins (trunk bases).
    With ``by_kind`` a voxel counts as shared only when both hold the same kind
    (log on log, leaves on leaves); the union is still plain occupancy. Two empty
    structures are at distance 0, an empty and a non-empty one at 1.
    """
    a = list(structures_a)
    if structures_b is None:
        fa = fb = _common_frame(a, by_kind)
    else:
        frame = _common_frame(a + list(structures_b), by_kind)
        fa, fb = frame[: len(a)], frame[len(a):]
    occ_a, occ_b = fa != 0, fb != 0
    both = _overlap(occ_a, occ_b)
    union = occ_a.sum(axis=1)[:, None] + occ_b.sum(axis=1)[None, :] - both
    if by_kind:
        kinds = np.setdiff1d(np.union1d(np.unique(fa), np.unique(fb)), [0])
        both = sum((_overlap(fa == k, fb == k) for k in kinds), np.zeros_like(both))
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = 1.0 - both / union
    return np.where(union == 0, 0.0, dist)


def iou_distance(a: Structure, b: Structure, by_kind: bool = False) -> float:
    """Voxel IoU distance of two structures aligned on their origins (see ``pairwise_distances``)."""
    return float(pairwise_distances([a], [b], by_kind)[0, 0])


def _need(structures: Sequence[Structure], what: str) -> None:
    if len(structures) == 0:
        raise StructureError(f"no {what} given: set metrics need at least one structure on each side")


def _one_nna(dist: np.ndarray, n: int) -> float:
    """1-NN accuracy on a joint ``(N+M, N+M)`` distance matrix whose first ``n`` rows are samples: the
    mean of the accuracy on the samples and the accuracy on the references.

    For sets of one size that is the plain accuracy of Lopez-Paz & Oquab's test (as PointFlow
    computes it); for sets of different sizes it keeps 0.5 as the score of indistinguishable sets,
    where the plain accuracy would not (8 samples against 64 references from one distribution
    score about 0.80 plainly: most trees are references, and a reference's nearest tree mostly is one).
    """
    d = dist.astype(np.float64, copy=True)
    np.fill_diagonal(d, np.inf)
    labels = np.arange(len(d)) < n
    nearest = d == d.min(axis=1, keepdims=True)
    same = nearest & (labels[:, None] == labels[None, :])
    # Ties (common with voxel IoU) earn the expected accuracy of a random pick among them.
    correct = same.sum(axis=1) / nearest.sum(axis=1)
    return float((correct[labels].mean() + correct[~labels].mean()) / 2)


def _coverage(cross: np.ndarray) -> float:
    """Fraction of references (columns) that are some sample's (row's) nearest neighbour."""
    return len(np.unique(np.argmin(cross, axis=1))) / cross.shape[1]


def _diversity(within: np.ndarray) -> float:
    n = len(within)
    return float(within[np.triu_indices(n, k=1)].mean()) if n >= 2 else 0.0


def one_nna(samples: Sequence[Structure], references: Sequence[Structure], by_kind: bool = False) -> float:
    """1-nearest-neighbour two-sample test accuracy (leave-one-out over samples + references).

    Each tree is labelled by its nearest other tree; the score is the mean of the
    accuracies on either set, so 0.5 means the sets cannot be told apart whatever
    their sizes, 1.0 that they are fully separated, and well below 0.5 that samples
    sit on top of references (copies score 0). Tied nearest neighbours share the
    credit. Raises ``StructureError`` if either set is empty.
    """
    _need(samples, "samples")
    _need(references, "references")
    joint = list(samples) + list(references)
    return _one_nna(pairwise_distances(joint, by_kind=by_kind), len(samples))


def coverage(samples: Sequence[Structure], references: Sequence[Structure], by_kind: bool = False) -> float:
    """Fraction of references that are the nearest reference of at least one sample.

    A sample with tied nearest references covers the first of them (lowest index).
    Raises ``StructureError`` if either set is empty.
    """
    _need(samples, "samples")
    _need(references, "references")
    return _coverage(pairwise_distances(samples, references, by_kind))


def diversity(samples: Sequence[Structure], by_kind: bool = False) -> float:
    """Mean IoU distance over all pairs of samples (0.0 for fewer than two samples)."""
    return _diversity(pairwise_distances(samples, by_kind=by_kind))


@dataclass(frozen=True)
class SetMetrics:
    """``one_nna``, ``coverage`` and sample ``diversity`` from one joint distance matrix."""

    one_nna: float
    coverage: float
    diversity: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def set_metrics(samples: Sequence[Structure], references: Sequence[Structure], by_kind: bool = False) -> SetMetrics:
    """All set metrics at once, computing the distances a single time."""
    _need(samples, "samples")
    _need(references, "references")
    n = len(samples)
    dist = pairwise_distances(list(samples) + list(references), by_kind=by_kind)
    return SetMetrics(
        one_nna=_one_nna(dist, n),
        coverage=_coverage(dist[:n, n:]),
        diversity=_diversity(dist[:n, :n]),
    )
