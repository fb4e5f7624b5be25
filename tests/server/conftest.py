"""Fixtures for the server tests: a server whose sampling the test holds and releases.

A test that must act while a request is running (cancel it, disconnect, fill the queue) holds the
request at its first step instead of hoping that it is still running: no race, however slow or
fast the machine. Nothing here imports torch at module level (test_protocol.py is torch-free).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

import pytest

HANG_GUARD = 120  # seconds; only so that a broken test fails instead of hanging


@dataclass
class Call:
    """One sampling call of a GatedPipeline: the steps whose callback ran, and how it ended."""

    steps: int = 0
    returned: bool = False  # True: it sampled every step; False (once ``ended``): an exception stopped it
    ended: threading.Event = field(default_factory=threading.Event)

    def wait_until_ended(self) -> Call:
        assert self.ended.wait(HANG_GUARD), "the sampling call never ended"
        return self


class GatedPipeline:
    """A TreePipeline whose sampling holds after the callback of its first step (the first progress
    message is on its way) until ``release()``; from then on every call runs freely. Everything
    else is the wrapped pipeline's."""

    def __init__(self, pipeline):
        self._pipeline = pipeline
        self._released = threading.Event()
        self.calls: list[Call] = []

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def release(self) -> None:
        self._released.set()

    def __call__(self, *args, callback=None, **kwargs):
        call = Call()
        self.calls.append(call)

        def gated(event):
            call.steps += 1
            if callback is not None:
                callback(event)
            if not self._released.wait(HANG_GUARD):
                raise RuntimeError("the test never released the GatedPipeline")

        try:
            trees = self._pipeline(*args, callback=gated, **kwargs)
            call.returned = True
            return trees
        finally:
            call.ended.set()


@dataclass
class HeldServer:
    """A running BackgroundServer over a GatedPipeline; ``cancelled`` receives, in order, the id of
    each request the server asks the service to cancel (the client's cancel, a disconnect, shutdown)."""

    server: object  # BackgroundServer
    pipeline: GatedPipeline
    cancelled: queue.Queue

    @property
    def url(self) -> str:
        return self.server.url

    def release(self) -> None:
        self.pipeline.release()


@pytest.fixture
def held_server(tiny_pipeline):
    """``held_server(**settings)`` starts a HeldServer with the tiny pipeline (``ServerSettings(port=0,
    **settings)``); it is released and stopped after the test."""
    from sapling.server.app import BackgroundServer, ServerSettings

    started: list[HeldServer] = []

    def start(**settings) -> HeldServer:
        gate = GatedPipeline(tiny_pipeline)
        srv = BackgroundServer(gate, ServerSettings(port=0, **settings)).start()
        held = HeldServer(srv, gate, queue.Queue())
        started.append(held)
        service, cancel = srv.service, srv.service.cancel

        def recording_cancel(job, *args, **kwargs):
            cancel(job, *args, **kwargs)
            held.cancelled.put(job.request.id)

        service.cancel = recording_cancel  # the server calls service.cancel for every cancellation
        return held

    yield start
    for held in started:
        held.release()  # a held worker would keep stop() waiting
        held.server.stop()
