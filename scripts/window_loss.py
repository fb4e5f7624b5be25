"""Does a network trained on windows predict whole huge grids as well as windows? Masked loss both ways.

    python scripts/window_loss.py CKPT [--recipe config/cpu_every_size.yaml] [--root lightning_logs] [--trees 8]

Held-out huge trees of the recipe's corpus (built into ROOT/corpus_cache if missing) are masked at
progress t = 0.3, 0.6, 0.9 (89%, 59%, 16% of voxels) and predicted twice from the same masked grid:
once whole (24x64x24, as sampling runs) and once as two 16x32x16 windows with their coordinates
in the whole tree (as training runs). The loss (the training loss: cross-entropy at masked voxels,
air weighted down) is compared on the voxels both see. Equal losses: windows cost the network
nothing at sampling time; a gap: the whole grid is out of what it learnt.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch

from sapling.config import load_config
from sapling.model.checkpoint import Checkpoint, load_network
from sapling.model.schedule import MaskSchedule
from sapling.model.text import TextEncoder
from sapling.model.unet3d import Window
from sapling.training.data import TreeDataModule, TreeSet
from sapling.training.dataset.load import load_dataset
from sapling.training.module import class_weights, masked_loss

PROGRESS = (0.3, 0.6, 0.9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--recipe", type=Path, default=Path("config/cpu_every_size.yaml"))
    ap.add_argument("--root", type=Path, default=Path("lightning_logs"), help="where the corpus cache lives")
    ap.add_argument("--trees", type=int, default=8)
    args = ap.parse_args()
    cfg = load_config(args.recipe)
    ck = Checkpoint.load(args.checkpoint)
    net = load_network(ck).eval()
    data = TreeDataModule(cfg.data, ck.vocab, 1, cfg.training.seed, cache_root=args.root)
    trees = TreeSet(load_dataset(data.dataset_dir(), "test", vocab=ck.vocab), ("huge",))
    text = TextEncoder(ck.model_config.text_encoder, max_length=ck.model_config.text_max_length)
    schedule = MaskSchedule(ck.model_config.mask_schedule)
    weight = class_weights(len(ck.vocab), cfg.training.air_weight)
    torch.manual_seed(0)  # the caption each tree is seen with
    g = torch.Generator().manual_seed(0)
    rows: dict[float, list[tuple[float, float]]] = {t: [] for t in PROGRESS}
    with torch.inference_mode():
        for i in range(min(args.trees, len(trees))):
            tokens, caption, _, frame = trees[i]
            x0, emb = tokens[None], text.encode([caption])
            for t in PROGRESS:
                noised = schedule.add_noise(x0, torch.tensor([t]), net.mask_id, generator=g)
                whole = net(noised.tokens, noised.ratio, emb.tokens, emb.mask, emb.pooled)
                # two windows up the trunk axis, x and z centred: the voxels both predictions cover
                sx, sy, sz = (16, frame[1].item() // 2, 16)
                ox, oz = (frame[0].item() - sx) // 2, (frame[2].item() - sz) // 2
                w_logits, w_logits_whole, w_x0, w_mask = [], [], [], []
                for oy in (0, sy):
                    cut = (slice(None), slice(ox, ox + sx), slice(oy, oy + sy), slice(oz, oz + sz))
                    win = Window(torch.tensor([[ox, oy, oz]]), frame[None])
                    w_logits.append(net(noised.tokens[cut], noised.ratio, emb.tokens, emb.mask, emb.pooled, window=win))
                    w_logits_whole.append(whole[(slice(None),) + cut])
                    w_x0.append(x0[cut])
                    w_mask.append(noised.mask[cut])
                y0, m = torch.cat(w_x0, dim=2), torch.cat(w_mask, dim=2)
                rows[t].append((float(masked_loss(torch.cat(w_logits_whole, dim=3), y0, m, weight)),
                                float(masked_loss(torch.cat(w_logits, dim=3), y0, m, weight))))
    print(f"{args.checkpoint}: {len(rows[PROGRESS[0]])} held-out huge trees")
    print(f"{'t':>4} {'masked':>7} {'whole grid':>11} {'windows':>8}")
    for t, pairs in rows.items():
        ratio = float(schedule.mask_ratio(torch.tensor([t]))[0])
        print(f"{t:>4} {ratio:>7.0%} {statistics.mean(p[0] for p in pairs):>11.3f} {statistics.mean(p[1] for p in pairs):>8.3f}")
    flat = [p for pairs in rows.values() for p in pairs]
    print(f"mean {'':>7} {statistics.mean(p[0] for p in flat):>11.3f} {statistics.mean(p[1] for p in flat):>8.3f}")


if __name__ == "__main__":
    main()
