"""Training data: a Lightning datamodule over dataset shards.

A recipe names its data: a dataset folder (``data.dataset``), or the built-in
corpus (``data.dataset: null``), which is built once from ``data.seed`` with
``build_dataset`` into a cache folder beside the logs and reused afterwards, so
the corpus and ``sapling dataset build`` are one code path. Validation uses the
dataset's held-out split.

Batches never mix size buckets (grids of one batch share a shape). A batch is
``{"tokens": (B, X, Y, Z) long, "captions": list[str], "window": Window}``; one caption
per tree is drawn at random each time it is seen. With ``data.window`` a tree larger than
the window is cut to a window of it, at a random place each time it is seen (at a fixed
place per tree for validation, so that the loss compares between epochs; ``window_offset``); ``window`` says
where each grid sits in its whole tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler

from sapling.blocks import BlockVocab
from sapling.config import LOGS_DIR, DataConfig
from sapling.errors import DatasetError
from sapling.training.dataset import Dataset, build_dataset, load_dataset
from sapling.training.corpus.generate import GENERATOR_VERSION
from sapling.model.unet3d import Window


@dataclass
class _Bucket:
    blocks: np.ndarray  # (N, X, Y, Z)
    captions: list[list[str]]


def window_shape(grid: tuple[int, ...], window: tuple[int, ...]) -> tuple[int, int, int]:
    """The shape a grid trains at: ``window`` where it is smaller, the grid's own side elsewhere."""
    return tuple(min(g, w) for g, w in zip(grid, window)) if window else tuple(grid)  # type: ignore[return-value]


def window_offset(n: int, s: int, generator: torch.Generator | None = None) -> int:
    """Where a window of side ``s`` starts on an axis of ``n`` voxels: centred on a uniformly random
    voxel, then pushed back inside the grid. A uniform start would see each end of the axis in
    only 1 of ``n - s + 1`` windows (a huge tree's ground patch and crown top in 1 of 33); this way
    every voxel is seen in at least ~s/2n of them (the ground in 27%, the middle in 75%)."""
    if n <= s:
        return 0
    centre = int(torch.randint(n, (), generator=generator))
    return min(max(centre - s // 2, 0), n - s)


class TreeSet(torch.utils.data.Dataset):
    """Trees of one split as ``(bucket, row)`` items; ``__getitem__`` takes a flat index.

    ``window``: trees larger than it come out cut to a window, at a random place (``fixed``:
    the same place per item, for validation).
    """

    def __init__(self, dataset: Dataset, sizes: tuple[str, ...], window: tuple[int, ...] = (), fixed: bool = False):
        self.window, self.fixed = tuple(window), fixed
        self.buckets: dict[str, _Bucket] = {}
        for size in dataset.sizes:
            if size not in sizes:
                continue
            arr = dataset.arrays(size)
            if len(arr.blocks):
                self.buckets[size] = _Bucket(arr.blocks, [dataset.entries[i].captions for i in arr.index])
        self.items = [(size, row) for size, b in self.buckets.items() for row in range(len(b.blocks))]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str, torch.Tensor, torch.Tensor]:
        """(X, Y, Z) tokens, a caption, the (3,) offset of the window and the (3,) whole grid."""
        size, row = self.items[i]
        bucket = self.buckets[size]
        caps = bucket.captions[row] or [""]
        cap = caps[int(torch.randint(len(caps), ()).item())] if len(caps) > 1 else caps[0]
        grid = bucket.blocks[row]
        shape = window_shape(grid.shape, self.window)
        g = torch.Generator().manual_seed(i) if self.fixed else None
        offset = [window_offset(n, s, g) for n, s in zip(grid.shape, shape)]
        (ox, oy, oz), (sx, sy, sz) = offset, shape
        tokens = grid[ox:ox + sx, oy:oy + sy, oz:oz + sz].astype(np.int64)
        return torch.from_numpy(tokens), cap, torch.tensor(offset), torch.tensor(grid.shape)


class BucketBatchSampler(Sampler[list[int]]):
    """Shuffled batches, each drawn from a single size bucket; deterministic per (seed, epoch).

    Under DDP every rank builds the same list of batches (same seed, same epoch) and keeps
    every ``world_size``-th one from ``rank`` on: the ranks train on different trees, and
    together on all of them. The list is padded by repeating its first batches so every
    rank gets the same number of batches (a rank that ran out early would hang the others).
    """

    def __init__(self, trees: TreeSet, batch_size: int, shuffle: bool, seed: int, drop_last: bool = False,
                 rank: int = 0, world_size: int = 1):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
        self.trees, self.batch_size, self.shuffle, self.seed, self.drop_last = trees, batch_size, shuffle, seed, drop_last
        self.rank, self.world_size = rank, world_size
        self.epoch = 0
        self.groups: dict[str, list[int]] = {}
        for i, (size, _) in enumerate(trees.items):
            self.groups.setdefault(size, []).append(i)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _batches(self) -> list[list[int]]:
        g = torch.Generator().manual_seed(self.seed * 100003 + self.epoch)
        batches = []
        for idx in self.groups.values():
            order = [idx[int(j)] for j in torch.randperm(len(idx), generator=g)] if self.shuffle else idx
            for k in range(0, len(order), self.batch_size):
                chunk = order[k:k + self.batch_size]
                if len(chunk) == self.batch_size or not self.drop_last:
                    batches.append(chunk)
        if self.shuffle:
            batches = [batches[int(j)] for j in torch.randperm(len(batches), generator=g)]
        self.epoch += 1  # the next pass differs even when Lightning does not call set_epoch
        if self.world_size > 1 and batches:
            total = len(self) * self.world_size
            batches = (batches * -(-total // len(batches)))[:total]
            batches = batches[self.rank::self.world_size]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self._batches())

    def __len__(self) -> int:
        """Batches per epoch on this rank."""
        n = 0
        for idx in self.groups.values():
            n += len(idx) // self.batch_size if self.drop_last else -(-len(idx) // self.batch_size)
        return -(-n // self.world_size)


def collate(items: list[tuple[torch.Tensor, str, torch.Tensor, torch.Tensor]]) -> dict[str, object]:
    return {"tokens": torch.stack([t for t, *_ in items]), "captions": [c for _, c, *_ in items],
            "window": Window(torch.stack([o for *_, o, _ in items]), torch.stack([f for *_, f in items]))}


def corpus_cache_dir(config: DataConfig, root: Path) -> Path:
    """Where the built-in corpus for this data config is cached (one folder per recipe of data)."""
    types = "all" if not config.types else "-".join(sorted(config.types))
    key = f"corpus-v{GENERATOR_VERSION}-n{config.corpus_size}-s{config.seed}-{types}-g{int(config.ground)}"
    return root / "corpus_cache" / key


def data_vocab(config: DataConfig) -> BlockVocab:
    """The vocabulary a recipe's data uses: a dataset's own, or the tree vocabulary of the built-in corpus."""
    if config.dataset is None:
        return BlockVocab.default()
    return load_dataset(config.dataset, "all").vocab


class TreeDataModule(L.LightningDataModule):
    """Train/validation loaders over a dataset folder or the cached built-in corpus."""

    def __init__(self, config: DataConfig, vocab: BlockVocab, batch_size: int, seed: int, cache_root: str | Path = LOGS_DIR):
        super().__init__()
        self.config, self.vocab, self.batch_size, self.seed = config, vocab, batch_size, seed
        self.cache_root = Path(cache_root)
        self.train_set: TreeSet | None = None
        self.val_set: TreeSet | None = None

    def dataset_dir(self) -> Path:
        if self.config.dataset is not None:
            return Path(self.config.dataset)
        out = corpus_cache_dir(self.config, self.cache_root)
        if not (out / "manifest.json").exists():
            build_dataset(out, count=self.config.corpus_size, seed=self.config.seed,
                          types=list(self.config.types) or None, sizes=list(self.config.sizes),
                          ground=self.config.ground, holdout=self.config.holdout, progress=False, overwrite=True)
        return out

    def prepare_data(self) -> None:
        # Lightning calls this on one process per node before ``setup`` runs on all of them, so
        # DDP ranks do not race to build the corpus cache.
        self.dataset_dir()

    def _rank_and_world_size(self) -> tuple[int, int]:
        """This process's place among the training processes (0 of 1 outside DDP)."""
        if self.trainer is not None:
            return self.trainer.global_rank, self.trainer.world_size
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        return 0, 1

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        root = self.dataset_dir()
        window = self.config.window
        self.train_set = TreeSet(load_dataset(root, "train", vocab=self.vocab), self.config.sizes, window)
        self.val_set = TreeSet(load_dataset(root, "test", vocab=self.vocab), self.config.sizes, window, fixed=True)
        if not len(self.train_set):
            raise DatasetError(f"dataset {root} has no training trees of sizes {', '.join(self.config.sizes)}")
        if not len(self.val_set):
            raise DatasetError(f"dataset {root} has no held-out trees of sizes {', '.join(self.config.sizes)} for validation")

    def train_dataloader(self) -> DataLoader:
        # Sharded here, not by Lightning: it cannot put a DistributedSampler into a custom batch
        # sampler, so the trainer runs with use_distributed_sampler=False.
        rank, world_size = self._rank_and_world_size()
        sampler = BucketBatchSampler(self.train_set, self.batch_size, shuffle=True, seed=self.seed, drop_last=False,
                                     rank=rank, world_size=world_size)
        return DataLoader(self.train_set, batch_sampler=sampler, collate_fn=collate, num_workers=self.config.num_workers)

    def val_dataloader(self) -> DataLoader:
        # Not sharded: every rank validates on the whole held-out split, so val/loss is the same
        # number on every rank (early stopping agrees) without a cross-rank reduction.
        sampler = BucketBatchSampler(self.val_set, self.batch_size, shuffle=False, seed=self.seed)
        return DataLoader(self.val_set, batch_sampler=sampler, collate_fn=collate, num_workers=self.config.num_workers)
