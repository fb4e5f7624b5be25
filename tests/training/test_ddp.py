"""Multi-process training: DDP shards the size-bucket batches over the ranks; rank 0 alone writes.

The slow test runs the real ``sapling train`` CLI with ``training.strategy=ddp``, two
processes on the CPU (gloo): Lightning's subprocess launcher re-runs the command for
rank 1, as it does for ``torchrun``-free multi-GPU runs on one machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from sapling.config import DataConfig
from sapling.training.data import BucketBatchSampler, TreeDataModule, data_vocab

REPO = Path(__file__).resolve().parents[2]


def _trees(**sizes: int) -> SimpleNamespace:
    """What the sampler reads of a TreeSet: its (size, row) items."""
    return SimpleNamespace(items=[(size, row) for size, n in sizes.items() for row in range(n)])


def _shards(trees, world_size: int, epoch: int = 0, batch_size: int = 3, **kw) -> list[list[list[int]]]:
    out = []
    for rank in range(world_size):
        s = BucketBatchSampler(trees, batch_size, shuffle=True, seed=7, rank=rank, world_size=world_size, **kw)
        s.set_epoch(epoch)
        batches = list(s)
        assert len(batches) == len(s)
        out.append(batches)
    return out


def test_sampler_shards_batches_over_ranks_without_overlap():
    trees = _trees(normal=12, big=6)  # 4 + 2 batches of 3
    (whole,) = _shards(trees, 1)
    shards = _shards(trees, 2)
    assert [len(s) for s in shards] == [3, 3]
    # Every rank built the same epoch's list and kept every other batch of it.
    assert shards[0] == whole[0::2] and shards[1] == whole[1::2]
    seen = [i for shard in shards for b in shard for i in b]
    assert sorted(seen) == list(range(18))  # disjoint, and all trees together
    for shard in shards:
        for b in shard:
            assert len({trees.items[i][0] for i in b}) == 1  # still one size bucket per batch


def test_sampler_pads_so_every_rank_gets_the_same_number_of_batches():
    trees = _trees(normal=10, big=4)  # 4 + 2 batches (the last of each bucket short)
    (whole,) = _shards(trees, 1)
    shards = _shards(trees, 4)
    assert [len(s) for s in shards] == [2, 2, 2, 2]  # 6 batches padded to 8: a short rank would hang DDP
    flat = [b for pair in zip(*shards) for b in pair]
    assert flat == whole + whole[:2]  # padded with the epoch's first batches
    assert sorted(i for b in whole for i in b) == list(range(14))
    # More ranks than batches: each still gets one.
    assert [len(s) for s in _shards(_trees(normal=2), 3)] == [1, 1, 1]


def test_sampler_is_deterministic_per_epoch_and_differs_between_epochs():
    trees = _trees(normal=30)
    assert _shards(trees, 2, epoch=3) == _shards(trees, 2, epoch=3)
    assert _shards(trees, 2, epoch=3) != _shards(trees, 2, epoch=4)
    # Without set_epoch (Lightning does not call it on a batch sampler) each pass is the next epoch.
    s = BucketBatchSampler(trees, 3, shuffle=True, seed=7, rank=1, world_size=2)
    first, second = list(s), list(s)
    assert first == _shards(trees, 2, epoch=0)[1] and second == _shards(trees, 2, epoch=1)[1]
    with pytest.raises(ValueError, match="rank 2"):
        BucketBatchSampler(trees, 3, shuffle=True, seed=7, rank=2, world_size=2)


def test_datamodule_shards_training_batches_by_the_trainers_rank(tmp_path):
    from sapling.training.dataset import build_dataset

    ds = tmp_path / "ds"
    build_dataset(ds, count=24, types=["oak", "birch"], sizes=["normal"], holdout=0.25, progress=False)
    cfg = DataConfig(dataset=str(ds), sizes=("normal",))
    loaders = {}
    for rank in (0, 1):
        dm = TreeDataModule(cfg, data_vocab(cfg), batch_size=3, seed=0)
        dm.trainer = SimpleNamespace(global_rank=rank, world_size=2)  # what Lightning attaches under DDP
        dm.setup("fit")
        loaders[rank] = (dm.train_dataloader(), dm.val_dataloader(), len(dm.train_set), len(dm.val_set))
    train_sets = [{i for b in loaders[r][0].batch_sampler for i in b} for r in (0, 1)]
    assert not train_sets[0] & train_sets[1]
    assert train_sets[0] | train_sets[1] == set(range(loaders[0][2]))
    # Validation is not sharded: every rank scores the whole held-out split.
    for r in (0, 1):
        assert sorted(i for b in loaders[r][1].batch_sampler for i in b) == list(range(loaders[r][3]))


# --- the end-to-end run ---

DRIVER = '''
"""`sapling train`, recording per process which trees it trains on and which files it writes."""
import hashlib, json, os
from pathlib import Path

import torch.distributed as dist
from lightning.pytorch.plugins.io import TorchCheckpointIO

import sapling.render
import sapling.training.callbacks as callbacks
from sapling.training.data import BucketBatchSampler

LOG = Path(os.environ["SAPLING_DDP_RECORD"]) / f"pid{os.getpid()}.jsonl"


def note(kind, **fields):
    rank = dist.get_rank() if dist.is_initialized() else None
    with open(LOG, "a") as f:
        f.write(json.dumps({"kind": kind, "rank": rank, **fields}) + "\\n")


def wrap(owner, name, describe):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        note(name, **describe(*args, **kwargs))
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


iterate = BucketBatchSampler.__iter__


def record_batches(self):
    epoch = self.epoch
    batches = list(iterate(self))
    if self.shuffle:  # the training loader
        def tree(i):
            size, row = self.trees.items[i]
            return hashlib.sha1(self.trees.buckets[size].blocks[row].tobytes()).hexdigest()[:16]
        note("train_batches", epoch=epoch, sampler_rank=self.rank, world_size=self.world_size,
             batches=batches, trees=[[tree(i) for i in b] for b in batches])
    return iter(batches)


BucketBatchSampler.__iter__ = record_batches
wrap(TorchCheckpointIO, "save_checkpoint", lambda self, ckpt, path, *a, **k: {"path": str(path)})
wrap(sapling.render, "save_preview", lambda structures, out, *a, **k: {"path": str(out)})
wrap(callbacks, "plot_curves", lambda metrics, out: {"path": str(out)})

from sapling.cli import main

main()
'''


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_ddp_two_processes_shard_data_and_rank_zero_writes_a_loadable_checkpoint(tmp_path):
    from sapling.model.pipeline import TreePipeline
    from sapling.training.dataset import build_dataset

    ds = tmp_path / "ds"
    summary = build_dataset(ds, count=24, types=["oak", "birch"], sizes=["normal"], holdout=0.25, progress=False)
    n_train = summary.splits["train"]
    assert n_train == 18  # 6 batches of 3: 3 per rank, no padding
    record = tmp_path / "record"
    record.mkdir()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(DRIVER))

    # A clean environment: no inherited cluster variables (Lightning would take a SLURM or
    # torchrun job for the cluster), one thread per process on a small CPU.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "TORCHELASTIC_", "PL_")) and k not in
           ("MASTER_ADDR", "MASTER_PORT", "RANK", "LOCAL_RANK", "WORLD_SIZE", "NODE_RANK", "GROUP_RANK")}
    env.update(SAPLING_DDP_RECORD=str(record), OMP_NUM_THREADS="1", PYTHONPATH=str(REPO),
               PYTHONWARNINGS="ignore")
    sets = ["training.strategy=ddp", "training.devices=2", "training.accelerator=cpu", "training.num_nodes=1",
            f"data.dataset={ds}", "training.num_epochs=2", "training.batch_size=3",
            "training.sample_every_n_epochs=2", "training.checkpoint_every_n_epochs=1"]
    cmd = [sys.executable, str(driver), "train", "--config", str(REPO / "config" / "tiny.yaml")]
    for s in sets:
        cmd += ["--set", s]
    # Its own process group, so a stalled run is ended with the rank Lightning launched for it.
    proc = subprocess.Popen(cmd, cwd=run_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=420)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail("the DDP run stalled (a collective joined by one rank only?):\n" + stderr[-5000:])
    assert proc.returncode == 0, stdout[-3000:] + stderr[-5000:]
    assert "trained 2 epoch(s)" in stdout

    notes = [json.loads(line) for f in sorted(record.glob("*.jsonl")) for line in f.read_text().splitlines()]
    batches = [n for n in notes if n["kind"] == "train_batches"]
    assert {n["rank"] for n in batches} == {0, 1}  # two processes trained
    assert {(n["rank"], n["sampler_rank"], n["world_size"]) for n in batches} == {(0, 0, 2), (1, 1, 2)}

    # Each rank sees different trees, together all of them, in a new order each epoch.
    by_epoch: dict[int, dict[int, dict]] = {}
    for n in batches:
        assert n["rank"] not in by_epoch.get(n["epoch"], {}), "one pass per epoch"
        by_epoch.setdefault(n["epoch"], {})[n["rank"]] = n
    assert sorted(by_epoch) == [0, 1]
    for epoch, ranks in by_epoch.items():
        assert [len(ranks[r]["batches"]) for r in (0, 1)] == [3, 3]
        idx = [{i for b in ranks[r]["batches"] for i in b} for r in (0, 1)]
        trees = [{t for b in ranks[r]["trees"] for t in b} for r in (0, 1)]
        assert not idx[0] & idx[1] and idx[0] | idx[1] == set(range(n_train)), epoch
        assert not trees[0] & trees[1] and len(trees[0] | trees[1]) == n_train, epoch
    assert by_epoch[0][0]["batches"] != by_epoch[1][0]["batches"]

    # Checkpoints, sample previews and the curve plot come from rank 0 alone, into one log folder.
    writes = [n for n in notes if n["kind"] in ("save_checkpoint", "save_preview", "plot_curves")]
    assert writes and {n["rank"] for n in writes} == {0}, writes
    assert sorted(p.name for p in (run_dir / "lightning_logs").iterdir()) == ["version_0"]
    log_dir = run_dir / "lightning_logs" / "version_0"
    ckdir = log_dir / "checkpoints"
    assert sorted(p.name for p in ckdir.iterdir()) == ["epoch=0.ckpt", "epoch=1.ckpt", "last.ckpt",
                                                       "samples-epoch=2.png"]
    assert [Path(n["path"]).name for n in writes if n["kind"] == "save_preview"] == ["samples-epoch=2.png"]
    assert [Path(n["path"]).name for n in writes if n["kind"] == "plot_curves"] == ["training_curves.png"]
    assert (log_dir / "training_curves.png").stat().st_size > 5000
    assert (log_dir / "metrics.csv").exists()

    # 3 batches per rank and epoch: the optimiser stepped 6 times, not 12.
    import torch

    last = ckdir / "last.ckpt"
    assert torch.load(last, map_location="cpu", weights_only=True)["global_step"] == 6
    pipe = TreePipeline.from_checkpoint(last, device="cpu")
    tree = pipe("oak tree", steps=2, seed=0, postprocess="none")[0]
    assert tree.shape == (16, 16, 16)
