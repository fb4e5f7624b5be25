"""The generation service: a request queue in front of one TreePipeline, with dynamic batching.

Requests that agree on everything a forward pass shares (size, steps, guidance,
post-processing) are sampled together: after the first request arrives the
service waits ``batch_window`` seconds for company, then runs up to ``max_batch``
trees in one pipeline call. The pipeline runs on a worker thread, so the event
loop keeps reading and writing sockets; results go to each request's ``deliver``
callback on the loop, which only queues them for that connection's writer, so a
slow client never holds back the model or the other clients. Each tree draws from
its own seed (``seed + sample``), so batching never changes a result.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from sapling.server import protocol
from sapling.server.protocol import Generate, Limits, ProtocolError
from sapling.structure import size_of

if TYPE_CHECKING:  # the service runs any pipeline it is given; importing it needs no torch
    from sapling.model.pipeline import StepEvent, TreePipeline

log = logging.getLogger("sapling.server")


class _Cancelled(Exception):
    """Raised inside the sampling callback when every request of a batch was cancelled."""


@dataclass(eq=False)
class Job:
    """One accepted generate request and where its replies go.

    ``deliver(text)`` is called on the event loop with each encoded reply; ``finished``
    is set (on the loop) once its last reply (done or error) was delivered.
    """

    request: Generate
    seed: int
    deliver: Callable[[str], None]
    peer: str = "-"
    cancelled: threading.Event = field(default_factory=threading.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    received: float = field(default_factory=time.perf_counter)
    status: str = "queued"

    @property
    def key(self) -> tuple:
        """What requests must share to ride in one forward batch."""
        r = self.request
        return r.size, r.sampling_steps, r.guidance_scale, r.postprocess

# Dynamic batching: how long a new request waits for company (seconds), and the most trees in one call.
BATCH_WINDOW = 0.02
MAX_BATCH = 16


class GenerationService:
    """Owns the queue, the worker thread and the pipeline; all methods but the worker's run on the loop."""

    def __init__(self, pipeline: TreePipeline, limits: Limits | None = None, batch_window: float = BATCH_WINDOW,
                 max_batch: int = MAX_BATCH, model_info: dict[str, Any] | None = None):
        self.pipeline = pipeline
        self.limits = limits or Limits()
        self.batch_window = batch_window
        self.max_batch = max(1, max_batch)
        d = pipeline.defaults
        self.defaults = protocol.Defaults(sampling_steps=min(d.sampling_steps, self.limits.max_steps),
                                          guidance_scale=d.guidance_scale, postprocess=d.postprocess)
        self.model_info = dict(model_info or {})
        self._queue: deque[Job] = deque()
        self._running: list[Job] = []
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sapling-model")
        self._accepting = True
        self._worker: asyncio.Task | None = None
        self.batches_run = 0
        self.trees_made = 0

    # --- requests (event loop) ---
    def info(self) -> dict[str, Any]:
        return protocol.info(self.model_info, self.defaults, self.limits)

    def submit(self, request: Generate, deliver: Callable[[str], None], peer: str = "-") -> Job:
        """Queue a request; its ``accepted`` reply is delivered at once. ``ProtocolError("busy")``
        when the queue is full or the server is stopping."""
        if not self._accepting:
            raise ProtocolError("busy", "the server is shutting down", request.id)
        if len(self._queue) >= self.limits.max_queue:
            raise ProtocolError("busy", f"the queue is full ({self.limits.max_queue} requests waiting); "
                                        "try again in a moment", request.id)
        seed = request.seed if request.seed is not None else random.randrange(protocol.MAX_SEED)
        job = Job(request, seed, deliver, peer)
        self._queue.append(job)
        job.deliver(protocol.encode(protocol.accepted(request.id, len(self._queue))))
        self._wake.set()
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="sapling-batcher")
        return job

    def cancel(self, job: Job, reason: str = "cancelled by the client") -> None:
        """Stop a request: it gets a ``cancelled`` error now and nothing after; a queued one leaves
        the queue, a running one stops its batch at the next step if nothing else needs it."""
        if job.finished.is_set():
            return
        job.cancelled.set()
        if job in self._queue:
            self._queue.remove(job)
        self._finish(job, "cancelled", protocol.error("cancelled", reason, job.request.id))

    def _finish(self, job: Job, status: str, last: dict[str, Any]) -> None:
        job.status = status
        job.deliver(protocol.encode(last))
        job.finished.set()
        r = job.request
        ms = (time.perf_counter() - job.received) * 1000
        log.info("request id=%s peer=%s prompt=%r size=%s samples=%d steps=%d seed=%d status=%s ms=%.0f",
                 r.id, job.peer, r.prompt, r.size, r.num_samples, r.sampling_steps, job.seed, status, ms)

    @property
    def pending(self) -> int:
        """Requests waiting or running."""
        return len(self._queue) + len(self._running)

    async def shutdown(self, timeout: float) -> None:
        """Refuse new requests, let queued and running ones finish for up to ``timeout`` seconds,
        cancel what is left, then stop the worker."""
        self._accepting = False
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for job in list(self._queue) + list(self._running):
            self.cancel(job, "the server is shutting down")
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True, cancel_futures=True)

    # --- the batcher (event loop) and the model (worker thread) ---
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            if self.batch_window > 0 and self._batch_trees(self._compatible()) < self.max_batch:
                await asyncio.sleep(self.batch_window)  # let concurrent requests join the batch
            batch = self._compatible()
            if not batch:
                continue
            for job in batch:
                self._queue.remove(job)
                job.status = "running"
            self._running = batch
            try:
                await loop.run_in_executor(self._executor, self._sample, batch, loop)
            finally:
                self._running = []

    def _compatible(self) -> list[Job]:
        """The oldest queued request and those after it that can share its batch (up to max_batch trees)."""
        if not self._queue:
            return []
        key = self._queue[0].key
        batch, trees = [], 0
        for job in self._queue:
            if job.key != key:
                continue
            if batch and trees + job.request.num_samples > self.max_batch:
                break
            batch.append(job)
            trees += job.request.num_samples
        return batch

    @staticmethod
    def _batch_trees(batch: list[Job]) -> int:
        return sum(j.request.num_samples for j in batch)

    def _sample(self, batch: list[Job], loop: asyncio.AbstractEventLoop) -> None:
        """Worker thread: one pipeline call for the whole batch; replies go back through the loop."""
        first = batch[0].request
        prompts, seeds, owners = [], [], []  # one entry per tree
        for job in batch:
            for k in range(job.request.num_samples):
                prompts.append(job.request.prompt)
                seeds.append(job.seed + k)
                owners.append((job, k))
        shape = size_of(first.size)

        def send(job: Job, message: dict[str, Any]) -> None:
            if not job.cancelled.is_set():
                loop.call_soon_threadsafe(_deliver_live, job, protocol.encode(message))

        def on_step(event: StepEvent) -> None:
            if all(job.cancelled.is_set() for job in batch):
                raise _Cancelled
            for i, (job, k) in enumerate(owners):
                if job.request.stream and not job.cancelled.is_set():
                    send(job, protocol.progress(job.request.id, k, event.step, event.steps, shape, event.blocks(i)))

        start = time.perf_counter()
        try:
            trees = self.pipeline(prompts, size=first.size, num_samples=1, steps=first.sampling_steps,
                                  guidance_scale=first.guidance_scale, seed=seeds, postprocess=first.postprocess,
                                  callback=on_step)
        except _Cancelled:
            return
        except Exception as exc:  # noqa: BLE001  (a failed batch must answer its requests, not kill the server)
            log.exception("generation failed for %d request(s)", len(batch))
            for job in batch:
                loop.call_soon_threadsafe(self._finish_live, job, "internal",
                                          protocol.error("internal", f"generation failed: {type(exc).__name__}",
                                                         job.request.id))
            return
        self.batches_run += 1
        self.trees_made += len(trees)
        for (job, k), tree in zip(owners, trees):
            if job.cancelled.is_set():
                continue
            try:
                for message in protocol.structure_messages(
                        job.request.id, k, tree, _metrics(tree, job.seed + k),
                        _schem(tree, shape) if job.request.format == "schem" else None,
                        self.limits.max_message_bytes):
                    send(job, message)
            except Exception as exc:  # noqa: BLE001
                log.exception("could not encode request %s", job.request.id)
                job.cancelled.set()
                loop.call_soon_threadsafe(self._finish_live, job, "internal",
                                          protocol.error("internal", f"could not encode the tree: {exc}",
                                                         job.request.id))
        elapsed = time.perf_counter() - start
        for job in batch:
            if not job.cancelled.is_set():
                total_ms = int((time.perf_counter() - job.received) * 1000)
                loop.call_soon_threadsafe(self._finish_live, job, "done", protocol.done(job.request.id, total_ms))
        log.debug("batch of %d request(s), %d tree(s) in %.2f s", len(batch), len(trees), elapsed)

    def _finish_live(self, job: Job, status: str, last: dict[str, Any]) -> None:
        """On the loop: finish a job unless a cancel got there first."""
        if not job.finished.is_set():
            self._finish(job, status, last)


def _deliver_live(job: Job, text: str) -> None:
    """On the loop: deliver a reply unless the request was finished (cancelled) meanwhile."""
    if not job.finished.is_set():
        job.deliver(text)


def _metrics(tree, seed: int) -> dict[str, Any]:
    """The figures a client shows next to a tree (all JSON-ready)."""
    from sapling.metrics import tree_metrics
    from sapling.prompts import species_from_prompt

    prompt = tree.metadata.get("prompt", "")
    m = asdict(tree_metrics(tree, species_from_prompt(prompt)))
    m = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()}
    m["seed"] = seed
    m["seconds"] = tree.metadata.get("seconds")
    report = tree.metadata.get("postprocess")
    if report:
        m["postprocess"] = {k: report[k] for k in ("mode", "connectivity_before", "blocks_before",
                                                   "floating_blocks_removed") if k in report}
    return m


def _schem(tree, shape: tuple[int, int, int]) -> bytes:
    """The Sponge schematic of a tree, its paste origin at the request's origin (the message frame)."""
    from sapling.schematic import structure_bytes

    return structure_bytes(tree.with_blocks(tree.blocks, origin=protocol.frame_origin(shape)), "schem", "tree")
