"""``sapling serve``: the websocket server around a GenerationService.

One connection = one reader (this handler) and one writer task draining that
connection's outgoing queue, so a slow client only delays itself. Binding
anything but loopback requires a token, sent as ``Authorization: Bearer <token>``
or ``?token=``; a wrong or missing one gets an ``unauthorized`` error and the
connection is closed.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import ipaddress
import logging
import signal
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER
from sapling.errors import ServerConfigError
from sapling.server import protocol, web
from sapling.server.protocol import DEFAULT_HOST, DEFAULT_PORT, Cancel, Generate, Info, Limits, Ping, ProtocolError
from sapling.server.service import BATCH_WINDOW, MAX_BATCH, GenerationService, Job
from sapling.structure import SIZES

if TYPE_CHECKING:
    from sapling.model.pipeline import TreePipeline

# A request of a mounted endpoint: the request dict and a callback for each reply dict; it returns
# a function that cancels the request.
Submit = Callable[[dict, Callable[[dict], None]], Callable[[], None]]
# An endpoint mounted at a path (the Bedrock game's /bedrock): it talks to one connection in its own
# protocol, sends text with ``send`` and asks the service for trees through ``submit``. The server
# knows no endpoint itself, so it depends on no bridge; ``sapling serve`` mounts them.
Endpoint = Callable[["ServerConnection", Callable[[str], None], Submit, "ServerSettings"], Awaitable[None]]

log = logging.getLogger("sapling.server")


@dataclass
class ServerSettings:
    """Everything ``sapling serve`` takes besides the model; each field is a CLI option."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # required unless host is a loopback address
    token: str | None = None
    limits: Limits = field(default_factory=Limits)
    # seconds the batcher waits for concurrent requests to share a forward pass
    batch_window: float = BATCH_WINDOW
    # trees per forward pass
    max_batch: int = MAX_BATCH
    # seconds SIGINT/SIGTERM lets running requests finish before cancelling them
    shutdown_timeout: float = 10.0
    # the chat word Bedrock players start a command with, and the largest size they may ask for
    bedrock_trigger: str = CHAT_TRIGGER
    bedrock_max_size: str = CHAT_MAX_SIZE

    def check(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise ServerConfigError(
                f"binding {self.host} exposes the server beyond this machine: give --token "
                "(or SAPLING_TOKEN) so that only clients who know it can generate")
        if self.token is not None and len(self.token) < 8:
            raise ServerConfigError("the token must be at least 8 characters long")
        if not self.bedrock_trigger.strip() or " " in self.bedrock_trigger.strip():
            raise ServerConfigError("the Bedrock trigger must be one word, e.g. !tree")
        if self.bedrock_max_size not in SIZES:
            raise ServerConfigError(f"unknown Bedrock max size {self.bedrock_max_size!r}; choose {', '.join(SIZES)}")
        if not 0 <= self.port <= 65535:
            raise ServerConfigError(f"port must be between 0 and 65535, got {self.port}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token_from(connection: ServerConnection) -> str | None:
    request = connection.request
    auth = request.headers.get("Authorization", "") if request is not None else ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    query = parse_qs(urlsplit(request.path).query) if request is not None else {}
    values = query.get("token")
    return values[0] if values else None


class SaplingServer:
    """The service plus the websocket endpoint; ``start``/``stop`` on a running event loop."""

    def __init__(self, pipeline: TreePipeline, settings: ServerSettings | None = None,
                 model_info: dict[str, Any] | None = None, endpoints: Mapping[str, Endpoint] | None = None):
        self.settings = settings or ServerSettings()
        self.settings.check()
        self.pipeline = pipeline
        self.model_info = model_info or {}
        self.endpoints = {path.rstrip("/"): e for path, e in (endpoints or {}).items()}
        self.service: GenerationService | None = None
        self._server: Server | None = None
        self.port: int | None = None

    async def start(self) -> None:
        s = self.settings
        self.service = GenerationService(self.pipeline, s.limits, s.batch_window, s.max_batch, self.model_info)
        # The page's /palette.json describes the blocks of the model being served.
        self._server = await serve(self._handle, s.host, s.port, max_size=s.limits.max_message_bytes,
                                   max_queue=64, compression=None,
                                   process_request=web.request_handler(getattr(self.pipeline, "vocab", None)))
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("serving on ws://%s:%d (model %s on %s)", s.host, self.port,
                 self.model_info.get("name", "?"), self.pipeline.device)

    async def stop(self) -> None:
        """Stop accepting connections, let work finish (up to the shutdown timeout), close."""
        if self._server is None:
            return
        # Stop listening only: websockets' own close() runs once, and the second one, which closes
        # the connections after the work is done, must be the one that counts.
        self._server.server.close()
        assert self.service is not None
        await self.service.shutdown(self.settings.shutdown_timeout)
        await asyncio.sleep(0.05)  # let the writers flush the last replies
        self._server.close(close_connections=True)
        await self._server.wait_closed()
        self._server = None

    # --- one connection ---
    async def _handle(self, connection: ServerConnection) -> None:
        peer = "%s:%s" % connection.remote_address[:2] if connection.remote_address else "-"
        outbox: asyncio.Queue[str | None] = asyncio.Queue()
        writer = asyncio.create_task(self._write(connection, outbox))
        jobs: dict[str, Job] = {}
        try:
            if self.settings.token is not None:
                given = _token_from(connection) or ""
                if not hmac.compare_digest(given.encode(), self.settings.token.encode()):
                    log.warning("unauthorized connection from %s", peer)
                    outbox.put_nowait(protocol.encode(protocol.error(
                        "unauthorized", "missing or wrong token (send 'Authorization: Bearer <token>' or ?token=)")))
                    outbox.put_nowait(None)
                    await writer
                    await connection.close(code=1008, reason="unauthorized")
                    return
            path = urlsplit(connection.request.path).path.rstrip("/") if connection.request is not None else ""
            if path in self.endpoints:
                log.info("%s connected from %s", path, peer)
                await self.endpoints[path](connection, outbox.put_nowait, self._submitter(jobs, peer), self.settings)
                log.info("%s at %s disconnected", path, peer)
                return
            async for text in connection:
                self._on_message(text, outbox, jobs, peer)
        except ConnectionClosed:
            pass
        finally:
            assert self.service is not None
            for job in list(jobs.values()):  # a client that leaves cancels its work
                self.service.cancel(job, "the client disconnected")
            outbox.put_nowait(None)
            if not writer.done():
                writer.cancel()

    def _submitter(self, jobs: dict[str, Job], peer: str) -> Submit:
        """``submit`` for a mounted endpoint: its requests are ``jobs`` of this connection, so
        leaving cancels them like any client's."""
        service = self.service
        assert service is not None

        def submit(request: dict, on_message):
            for done_id in [i for i, j in jobs.items() if j.finished.is_set()]:
                del jobs[done_id]
            try:
                generate = protocol.parse_message(json.dumps(request), self.settings.limits, service.defaults)
                if not isinstance(generate, Generate):
                    raise ProtocolError("invalid_request", "a mounted endpoint only sends generate requests")
                job = service.submit(generate, lambda text: on_message(json.loads(text)), peer)
            except ProtocolError as exc:
                on_message(protocol.error(exc.code, exc.message, exc.request_id))
                return lambda: None
            jobs[generate.id] = job
            return lambda: service.cancel(job)

        return submit

    def _on_message(self, text: str | bytes, outbox: asyncio.Queue, jobs: dict[str, Job], peer: str) -> None:
        service = self.service
        assert service is not None
        send = outbox.put_nowait
        for done_id in [i for i, j in jobs.items() if j.finished.is_set()]:
            del jobs[done_id]
        try:
            request = protocol.parse_message(text, self.settings.limits, service.defaults)
            if isinstance(request, Ping):
                send(protocol.encode(protocol.pong()))
            elif isinstance(request, Info):
                send(protocol.encode(service.info()))
            elif isinstance(request, Cancel):
                job = jobs.get(request.id)
                if job is None:
                    raise ProtocolError("invalid_request", f"field 'id': no request {request.id!r} is in flight "
                                                           "on this connection", request.id)
                service.cancel(job)
            elif isinstance(request, Generate):
                if request.id in jobs:
                    raise ProtocolError("invalid_request", f"field 'id': request {request.id!r} is already in "
                                                           "flight on this connection", request.id)
                if len(jobs) >= self.settings.limits.max_in_flight:
                    raise ProtocolError("busy", f"this connection already has {len(jobs)} requests in flight "
                                                f"(limit {self.settings.limits.max_in_flight})", request.id)
                jobs[request.id] = service.submit(request, send, peer)
        except ProtocolError as exc:
            if exc.code == "invalid_request":
                log.info("invalid request from %s: %s", peer, exc.message)
            send(protocol.encode(protocol.error(exc.code, exc.message, exc.request_id)))

    @staticmethod
    async def _write(connection: ServerConnection, outbox: asyncio.Queue) -> None:
        try:
            while (text := await outbox.get()) is not None:
                await connection.send(text)
        except ConnectionClosed:
            pass


async def serve_forever(server: SaplingServer, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set), then shut down cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
                handled.append(sig)
            except (NotImplementedError, RuntimeError):  # pragma: no cover  (Windows)
                pass
    await server.start()
    try:
        await stop.wait()
        log.info("stopping: no new connections; finishing running requests (up to %.0f s)",
                 server.settings.shutdown_timeout)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        await server.stop()
    log.info("stopped")


class BackgroundServer:
    """A SaplingServer on its own event loop in a daemon thread (tests, benchmarks, notebooks).

    >>> with BackgroundServer(pipeline) as srv:
    ...     url = srv.url
    """

    def __init__(self, pipeline: TreePipeline, settings: ServerSettings | None = None,
                 model_info: dict[str, Any] | None = None, endpoints: Mapping[str, Endpoint] | None = None):
        settings = settings or ServerSettings(port=0)
        self.server = SaplingServer(pipeline, settings, model_info, endpoints)
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="sapling-server", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001  (reported to the starting thread)
            self._error = exc
            self._ready.set()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        await self.server.start()
        self._ready.set()
        await self._stop.wait()
        await self.server.stop()

    def start(self) -> "BackgroundServer":
        if self._thread.is_alive():
            return self
        self._thread.start()
        self._ready.wait(timeout=60)
        if self._error is not None:
            raise self._error
        return self

    @property
    def url(self) -> str:
        host = self.server.settings.host
        return f"ws://{host}:{self.server.port}"

    @property
    def service(self) -> GenerationService:
        assert self.server.service is not None
        return self.server.service

    def call(self, fn, *args):
        """Run ``fn(*args)`` on the server's loop and return its result (for inspection in tests)."""
        done = threading.Event()
        box: list[Any] = []
        self._loop.call_soon_threadsafe(lambda: (box.append(fn(*args)), done.set()))
        done.wait(10)
        return box[0] if box else None

    def stop(self, timeout: float = 30) -> None:
        if self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def model_info(pipeline: TreePipeline, checkpoint: str) -> dict[str, Any]:
    """What ``info`` tells clients about the loaded model."""
    params = sum(p.numel() for p in pipeline.model.parameters())
    info = {k: v for k, v in pipeline.info.items() if isinstance(v, (str, int, float, bool))}
    return {"name": info.get("recipe", "sapling"), "checkpoint": checkpoint, "device": str(pipeline.device),
            "parameters": params, "vocab_size": len(pipeline.vocab), **info}


__all__ = ["BackgroundServer", "SaplingServer", "ServerSettings", "ServerConfigError", "serve_forever",
           "model_info", "is_loopback", "Endpoint", "Submit", "DEFAULT_HOST", "DEFAULT_PORT"]
