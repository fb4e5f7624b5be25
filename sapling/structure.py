"""Structure: a grid of block ids ``(X, Y, Z)`` (y up) with its vocabulary, origin and metadata.

The origin is the base of the trunk, in grid coordinates: pasting a structure puts
the origin at the player's feet. Structures read from files keep the file's own
palette; ``remap`` moves one onto the model vocabulary and reports what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping

import numpy as np

from sapling.blocks import AIR, KIND_ID, BlockVocab, EncodeReport, UnknownPolicy, canonical
from sapling.errors import StructureError

# Size buckets, as (X, Y, Z) = width x height x depth.
SIZES: dict[str, tuple[int, int, int]] = {
    "normal": (16, 16, 16),
    "big": (16, 32, 16),
    "huge": (24, 64, 24),
}
# What a request without a size gets: the CLI, the server, the bridges and the evaluator.
DEFAULT_SIZE = "normal"

Coord = tuple[int, int, int]


def size_of(size: str | tuple[int, int, int]) -> tuple[int, int, int]:
    """A size name or an explicit ``(X, Y, Z)`` tuple -> ``(X, Y, Z)``."""
    if isinstance(size, str):
        try:
            return SIZES[size]
        except KeyError:
            raise StructureError(f"unknown size {size!r}; choose one of: {', '.join(SIZES)}") from None
    dims = tuple(int(d) for d in size)
    if len(dims) != 3 or min(dims) < 1:
        raise StructureError(f"a size is three positive numbers (X, Y, Z), got {size!r}")
    return dims  # type: ignore[return-value]


def bucket_for(shape: tuple[int, int, int]) -> str | None:
    """Name of the smallest size bucket that holds ``shape``, or None if none does."""
    for name, dims in SIZES.items():
        if all(s <= d for s, d in zip(shape, dims)):
            return name
    return None


@dataclass
class Structure:
    """A block grid ``blocks`` of shape ``(X, Y, Z)`` holding ids into ``vocab``.

    ``origin`` is the trunk base in grid coordinates (it may lie outside the grid
    for files whose offset says so). ``metadata`` carries prompt, seed, sampler
    settings, captions: anything JSON-serialisable.
    """

    blocks: np.ndarray
    vocab: BlockVocab
    origin: Coord = (0, 0, 0)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.blocks = np.asarray(self.blocks)
        if self.blocks.ndim != 3:
            raise StructureError(f"a structure grid is 3-D (X, Y, Z), got shape {self.blocks.shape}")
        if self.blocks.dtype.kind not in "iu":
            raise StructureError(f"block ids must be integers, got {self.blocks.dtype}")
        self.blocks = self.blocks.astype(np.int32 if len(self.vocab) > 32767 else np.int16, copy=False)
        if self.blocks.size and (self.blocks.min() < 0 or self.blocks.max() >= len(self.vocab)):
            raise StructureError(
                f"block ids must lie in 0..{len(self.vocab) - 1} (the mask id never leaves the model)"
            )
        self.origin = tuple(int(c) for c in self.origin)  # type: ignore[assignment]

    # --- construction ---
    @classmethod
    def empty(cls, shape: tuple[int, int, int], vocab: BlockVocab | None = None, **kw: Any) -> "Structure":
        return cls(np.zeros(shape, dtype=np.int16), vocab or BlockVocab.default(), **kw)

    @classmethod
    def from_blocks(
        cls,
        blocks: Mapping[Coord, str],
        vocab: BlockVocab | None = None,
        origin: Coord | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> "Structure":
        """Build from ``{(x, y, z): state}``, coordinates relative to the trunk base.

        Without ``vocab`` the palette is exactly the states used (lossless for any
        block); with it, every state must be in that vocabulary.
        """
        coords = np.array(list(blocks.keys()), dtype=np.int64).reshape(-1, 3)
        states = [canonical(s) for s in blocks.values()]
        if vocab is None:
            vocab = BlockVocab([AIR] + sorted(set(states) - {AIR}))
        ids = np.array([vocab.id(s) for s in states], dtype=np.int64)
        lo = coords.min(axis=0) if len(coords) else np.zeros(3, dtype=np.int64)
        hi = coords.max(axis=0) + 1 if len(coords) else np.ones(3, dtype=np.int64)
        grid = np.zeros(tuple(hi - lo), dtype=np.int32)
        if len(coords):
            grid[tuple((coords - lo).T)] = ids
        base = np.zeros(3, dtype=np.int64) if origin is None else np.asarray(origin)
        return cls(grid, vocab, tuple((base - lo).tolist()), dict(metadata or {}))

    # --- views ---
    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.blocks.shape)  # type: ignore[return-value]

    @property
    def num_blocks(self) -> int:
        """Non-air blocks."""
        return int(np.count_nonzero(self.blocks))

    def kinds(self) -> np.ndarray:
        """``(X, Y, Z)`` int8 grid of kind ids (``blocks.KINDS``)."""
        return self.vocab.kind_ids[self.blocks]

    def mask_of(self, kind: str) -> np.ndarray:
        """``(X, Y, Z)`` bool grid of the blocks of one kind (``"log"``, ``"leaves"``, ...)."""
        return self.kinds() == KIND_ID[kind]

    def state_at(self, x: int, y: int, z: int) -> str:
        return self.vocab.state(int(self.blocks[x, y, z]))

    def iter_blocks(self) -> Iterator[tuple[int, int, int, str]]:
        """Non-air blocks as ``(x, y, z, state)`` in grid coordinates, x fastest then z then y."""
        for y in range(self.blocks.shape[1]):
            layer = self.blocks[:, y, :]
            zs, xs = np.nonzero(layer.T)
            for z, x in zip(zs.tolist(), xs.tolist()):
                yield x, y, z, self.vocab.states[layer[x, z]]

    def block_dict(self) -> dict[Coord, str]:
        """``{(x, y, z): state}`` of non-air blocks relative to the origin (for comparisons)."""
        ox, oy, oz = self.origin
        return {(x - ox, y - oy, z - oz): s for x, y, z, s in self.iter_blocks()}

    def counts(self) -> dict[str, int]:
        """Number of blocks per state (air excluded), most frequent first."""
        ids, n = np.unique(self.blocks, return_counts=True)
        pairs = [(self.vocab.states[i], int(c)) for i, c in zip(ids.tolist(), n.tolist()) if i != 0]
        return dict(sorted(pairs, key=lambda p: (-p[1], p[0])))

    # --- transforms (each returns a new Structure) ---
    def with_blocks(self, blocks: np.ndarray, **changes: Any) -> "Structure":
        return replace(self, blocks=blocks, metadata=dict(self.metadata), **changes)

    def bounding_box(self) -> tuple[Coord, Coord] | None:
        """``(lo, hi)`` inclusive-exclusive box around the non-air blocks, or None if empty."""
        nz = np.argwhere(self.blocks != 0)
        if not len(nz):
            return None
        return tuple(nz.min(axis=0).tolist()), tuple((nz.max(axis=0) + 1).tolist())  # type: ignore[return-value]

    def crop(self) -> "Structure":
        """The smallest grid holding every non-air block; the origin moves with it."""
        box = self.bounding_box()
        if box is None:
            return self.with_blocks(np.zeros((1, 1, 1), dtype=self.blocks.dtype), origin=(0, 0, 0))
        lo, hi = box
        sub = self.blocks[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        return self.with_blocks(sub.copy(), origin=tuple(o - l for o, l in zip(self.origin, lo)))

    def place_in(self, size: str | tuple[int, int, int]) -> "Structure":
        """Put the structure into a grid of ``size``: lowest block on the floor, trunk base centred.

        When centring the trunk would push blocks over an edge, the structure slides
        just enough to fit. Raises ``StructureError`` if it cannot fit at all.
        """
        dims = size_of(size)
        c = self.crop()
        if any(s > d for s, d in zip(c.shape, dims)):
            raise StructureError(
                f"structure of size {'x'.join(map(str, c.shape))} does not fit in "
                f"{'x'.join(map(str, dims))}" + (f" ({size})" if isinstance(size, str) else "")
            )
        shift = [0, 0, 0]
        for axis in (0, 2):
            want = dims[axis] // 2 - c.origin[axis]  # puts the trunk base on the centre column
            shift[axis] = min(max(want, 0), dims[axis] - c.shape[axis])
        grid = np.zeros(dims, dtype=c.blocks.dtype)
        grid[shift[0]:shift[0] + c.shape[0], 0:c.shape[1], shift[2]:shift[2] + c.shape[2]] = c.blocks
        return c.with_blocks(grid, origin=tuple(o + s for o, s in zip(c.origin, shift)))

    def remap(self, vocab: BlockVocab, unknown: UnknownPolicy = "error") -> tuple["Structure", EncodeReport]:
        """The same structure over ``vocab`` (e.g. the model vocabulary).

        Blocks ``vocab`` lacks raise ``BlockError``, or with ``unknown="air"`` become
        air and are counted (per block, not per palette entry) in the report.
        """
        table, report = vocab.encode_many(self.vocab.states, unknown=unknown)
        if report.unknown:
            ids, n = np.unique(self.blocks, return_counts=True)
            counts = dict(zip(ids.tolist(), n.tolist()))
            report = EncodeReport({
                self.vocab.states[i]: counts[i]
                for i in range(len(self.vocab)) if table[i] == 0 and self.vocab.states[i] in report.unknown and i in counts
            })
        return self.with_blocks(table[self.blocks], vocab=vocab), report

    def compact(self) -> "Structure":
        """Same blocks over a palette of just the states used (air first)."""
        used = np.unique(self.blocks)
        used = used[used != 0]
        palette = BlockVocab([AIR] + [self.vocab.states[i] for i in used.tolist()])
        table = np.zeros(len(self.vocab), dtype=np.int32)
        table[used] = np.arange(1, len(used) + 1)
        return self.with_blocks(table[self.blocks], vocab=palette)
