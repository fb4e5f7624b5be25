"""Server load: throughput and latency of `sapling serve` under 1, 4 and 16 concurrent clients.

    python benchmarks/server_load.py [--checkpoint CKPT] [--clients 1,4,16] [--requests 3]

Starts the server in-process on a free loopback port (the shipped model unless
--checkpoint), then for each client count runs each client on its own thread,
sending M generate requests one after another (stream on, defaults otherwise),
once with dynamic batching (--max-batch, --batch-window-ms) and once without
(max_batch 1, no window), in the same run. Prints trees per second, p50/p95
latency (request sent -> done) and time to the first progress message.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time

import torch
from websockets.sync.client import connect

from sapling.generate import default_checkpoint
from sapling.model.pipeline import TreePipeline
from sapling.server.app import BackgroundServer, ServerSettings
from sapling.server.protocol import Limits

PROMPTS = ["oak tree", "tall birch tree", "spruce tree", "cherry tree", "acacia tree", "dark oak tree"]


def client(url: str, n: int, requests: int, steps: int, out: list, errors: list) -> None:
    try:
        with connect(url, max_size=None) as ws:
            for r in range(requests):
                sent = time.perf_counter()
                first = None
                ws.send(json.dumps({"type": "generate", "id": f"{n}-{r}", "prompt": PROMPTS[(n + r) % len(PROMPTS)],
                                    "seed": n * 100 + r, "stream": True, "sampling_steps": steps}))
                while True:
                    m = json.loads(ws.recv(timeout=600))
                    if m["type"] == "progress" and first is None:
                        first = time.perf_counter() - sent
                    if m["type"] == "error":
                        raise RuntimeError(m["message"])
                    if m["type"] == "done":
                        out.append((time.perf_counter() - sent, first))
                        break
    except Exception as exc:  # noqa: BLE001
        errors.append(exc)


def run(pipe: TreePipeline, clients: int, requests: int, steps: int, batched: bool, max_batch: int,
        window_ms: float) -> dict:
    settings = ServerSettings(port=0, limits=Limits(max_queue=256, max_in_flight=4),
                              max_batch=max_batch if batched else 1, batch_window=window_ms / 1000 if batched else 0)
    with BackgroundServer(pipe, settings) as srv:
        out: list = []
        errors: list = []
        threads = [threading.Thread(target=client, args=(srv.url, n, requests, steps, out, errors))
                   for n in range(clients)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        batches = srv.service.batches_run
    if errors:
        raise errors[0]
    lat = sorted(x[0] for x in out)
    first = sorted(x[1] for x in out if x[1] is not None)
    return {"trees_per_s": len(out) / wall, "p50": statistics.median(lat),
            "p95": lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))],
            "first_progress": statistics.median(first), "batches": batches, "requests": len(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--requests", type=int, default=3, help="requests per client, sent one after another")
    ap.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--batch-window-ms", type=float, default=20.0)
    args = ap.parse_args()
    pipe = TreePipeline.from_checkpoint(args.checkpoint or default_checkpoint(), device=args.device)
    steps = args.steps or pipe.defaults.sampling_steps
    pipe("oak tree", steps=2, postprocess="none")  # warm-up
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads, "
          f"device {pipe.device}, torch {torch.__version__}; normal size, {steps} steps, "
          f"{args.requests} requests per client")
    print(f"{'clients':>7} {'mode':<10}{'trees/s':>9}{'p50 s':>8}{'p95 s':>8}{'1st progress s':>16}{'batches':>9}")
    for clients in [int(c) for c in args.clients.split(",")]:
        for batched in (False, True):
            r = run(pipe, clients, args.requests, steps, batched, args.max_batch, args.batch_window_ms)
            mode = "batched" if batched else "one-by-one"
            print(f"{clients:>7} {mode:<10}{r['trees_per_s']:>9.2f}{r['p50']:>8.2f}{r['p95']:>8.2f}"
                  f"{r['first_progress']:>16.3f}{r['batches']:>9}", flush=True)


if __name__ == "__main__":
    main()
