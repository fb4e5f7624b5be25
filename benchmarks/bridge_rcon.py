"""Bridge speed: blocks placed per second through RCON, and chat line -> first placed block.

    python benchmarks/bridge_rcon.py [--checkpoint CKPT] [--trees 5]

Runs against the test RCON server (tests/bridge/fake_minecraft.py: real RCON over
loopback TCP, an in-memory world), so the figures are the bridge's own cost plus one
loopback round trip per command; a real server adds its tick-bound command latency.
Part 1 places generated trees (shipped model, normal size) with fill merging and
with one setblock per block. Part 2 starts `sapling serve` in-process and the Java
bridge on a log file, appends `!tree ...` chat lines and times the first block.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bridge"))

from fake_minecraft import FakeMinecraft  # noqa: E402

from sapling.bridge.java import BridgeSettings, JavaBridge, LogFollower, WorldEditor  # noqa: E402
from sapling.bridge.placement import Journal, to_world  # noqa: E402
from sapling.bridge.rcon import RconClient  # noqa: E402

PROMPTS = ["oak tree", "tall birch tree", "spruce tree", "cherry tree", "acacia tree", "dark oak tree", "jungle tree"]


def trees(pipe, n: int) -> list[list[tuple[int, int, int, str]]]:
    out = []
    for i in range(n):
        s = pipe(PROMPTS[i % len(PROMPTS)], seed=i)[0]
        ox, oy, oz = s.shape[0] // 2, 1, s.shape[2] // 2
        out.append([(x - ox, y - oy, z - oz, st) for x, y, z, st in s.iter_blocks()])
    return out


def placement_rate(blocks_list, use_fill: bool) -> tuple[float, float]:
    """(blocks per second, commands per tree) placing each tree into an empty world."""
    with FakeMinecraft() as mc:
        editor = WorldEditor(RconClient("127.0.0.1", mc.port, "pw"))
        placed = 0
        t = time.perf_counter()
        for i, blocks in enumerate(blocks_list):
            result = editor.place(to_world(blocks, (i * 40, 64, 0)), use_fill=use_fill)
            placed += len(result.placed)
        seconds = time.perf_counter() - t
        return placed / seconds, editor.commands_sent / len(blocks_list)


def chat_to_first_block(url: str, n: int) -> list[float]:
    with FakeMinecraft() as mc, tempfile.TemporaryDirectory() as tmp:
        mc.add_player("Steve", (0.5, 64.0, 0.5), (0.0, 0.0))
        log = Path(tmp) / "latest.log"
        log.write_text("")
        bridge = JavaBridge(BridgeSettings(server=url, cooldown=0, poll_interval=0.02),
                            WorldEditor(RconClient("127.0.0.1", mc.port, "pw")), LogFollower(log),
                            Journal(Path(tmp) / "j.jsonl"))
        stop = threading.Event()
        thread = threading.Thread(target=bridge.run, args=(stop.is_set,), daemon=True)
        thread.start()
        times = []
        for i in range(n):
            with mc.lock:
                mc.world.clear()
                start_count = len(mc.tellraws)
            t = time.perf_counter()
            with log.open("a") as f:
                f.write(f"[12:00:0{i % 10}] [Server thread/INFO]: <Steve> !tree {PROMPTS[i % len(PROMPTS)]}\n")
            while not mc.world:
                time.sleep(0.001)
            times.append(time.perf_counter() - t)
            while not any("done" in p["text"] for _, p in mc.tellraws[start_count:]):
                time.sleep(0.01)
        stop.set()
        thread.join(10)
        return times


def main() -> None:
    from sapling.generate import default_checkpoint
    from sapling.model.pipeline import TreePipeline
    from sapling.server.app import BackgroundServer, ServerSettings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--trees", type=int, default=5)
    args = ap.parse_args()
    pipe = TreePipeline.from_checkpoint(args.checkpoint or default_checkpoint(), device="cpu")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores; test RCON server on loopback")
    blocks_list = trees(pipe, args.trees)
    mean_blocks = statistics.mean(len(b) for b in blocks_list)
    print(f"{'placement':<22}{'blocks/s':>10}{'commands/tree':>15}   ({args.trees} trees, {mean_blocks:.0f} blocks each)")
    for use_fill in (True, False):
        rate, per_tree = placement_rate(blocks_list, use_fill)
        print(f"{'fill + setblock' if use_fill else 'setblock only':<22}{rate:>10.0f}{per_tree:>15.1f}", flush=True)
    with BackgroundServer(pipe, ServerSettings(port=0)) as srv:
        times = chat_to_first_block(srv.url, args.trees)
    print(f"chat line -> first placed block: median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s ({len(times)} trees, default settings, stream on)")


if __name__ == "__main__":
    main()
