"""A synchronous RCON client for Minecraft Java Edition servers, with reconnection.

Minecraft speaks Source RCON over TCP: each packet is ``<int32 length><int32 id><int32
type><UTF-8 body>\\0\\0`` with little-endian ints, the length counting everything after
itself. Type 3 logs in (the reply is type 2 with our id, or id -1 for a wrong password),
type 2 runs a command, type 0 carries its output. What vanilla does, and this client
relies on (``net.minecraft.server.rcon.thread.RconClient``):

- it reads each packet with one 1460-byte read and closes the connection when the length
  does not match, so a command body over 1446 bytes is never run, and two packets that
  arrive together break the connection: this client never sends a packet before the
  previous one has been answered;
- it splits output every 4096 characters, one packet each; an unknown packet type is
  answered with ``Unknown request <hex>`` under that packet's id. So when a reply packet
  is full (4096 bytes or more) the client sends a type-0 packet as an end marker and
  joins packets until the marker's answer arrives; a shorter packet is the whole reply.

A dropped connection is re-established with exponential backoff. If the command had been
sent but no reply came, ``RconConnectionLost(maybe_executed=True)`` tells the caller to
look at the world before sending it again; nothing is resent blindly.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time
from pathlib import Path

from sapling.errors import RconAuthError, RconConnectionLost, RconError

MAX_COMMAND_BYTES = 1446  # vanilla reads 1460 bytes per packet: 1460 - 12 header - 2 NULs
MAX_REPLY_CHUNK = 4096  # vanilla splits output into packets of 4096 characters
TYPE_RESPONSE, TYPE_COMMAND, TYPE_LOGIN = 0, 2, 3
_HEADER = struct.Struct("<iii")
_MAX_PACKET = 4 * MAX_REPLY_CHUNK + 10  # 4096 chars of up to 4 UTF-8 bytes each, plus header


class _Dropped(Exception):
    """Internal: the socket failed or the peer closed it."""


class RconClient:
    """One RCON connection; ``command`` is thread-safe (one round-trip at a time)."""

    def __init__(self, host: str, port: int, password: str, timeout: float = 10.0, retries: int = 5,
                 backoff: float = 0.25):
        self.host, self.port, self.password = host, port, password
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.reconnects = 0
        self._sock: socket.socket | None = None
        self._was_connected = False  # a connection existed, so a missing one was lost
        self._next_id = 0
        self._lock = threading.RLock()

    # --- connection ---

    def connect(self) -> None:
        """Open the TCP connection and log in (one attempt)."""
        with self._lock:
            self._drop()
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            except OSError as exc:
                raise RconError(f"cannot connect to RCON at {self.host}:{self.port}: {exc} "
                                "(is enable-rcon=true in server.properties, and the port right?)") from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            try:
                request_id = self._send(TYPE_LOGIN, self.password.encode("utf-8"))
                while True:
                    reply_id, reply_type, _ = self._read_packet()
                    if reply_id == -1:
                        raise RconAuthError(f"the RCON server at {self.host}:{self.port} refused the password "
                                            "(compare it with rcon.password in server.properties)")
                    if reply_id == request_id and reply_type == TYPE_COMMAND:
                        break  # Source servers send an empty type-0 packet first; skip it
            except _Dropped as exc:
                self._drop()
                raise RconError(f"the RCON server at {self.host}:{self.port} closed the connection "
                                f"during login: {exc}") from None
            except RconError:
                self._drop()
                raise
            self._was_connected = True

    def close(self) -> None:
        with self._lock:
            self._drop()
            self._was_connected = False

    def __enter__(self) -> "RconClient":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None

    def _reconnect(self) -> None:
        """Connect again, waiting backoff, 2*backoff, ... between attempts; RconError after `retries`."""
        last = None
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                self.connect()
            except RconAuthError:
                raise
            except RconError as exc:
                last = exc
                continue
            self.reconnects += 1
            return
        raise RconError(f"lost the connection to RCON at {self.host}:{self.port} and could not reconnect "
                        f"after {self.retries} attempts: {last}")

    def _stale(self) -> bool:
        """True when the server closed the idle connection (a restart, a timeout): seen before sending."""
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            return bool(readable) and self._sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # --- commands ---

    def command(self, command: str) -> str:
        """Run one command and return its whole reply (every packet joined)."""
        body = command.encode("utf-8")
        if len(body) > MAX_COMMAND_BYTES:
            raise RconError(f"command is {len(body)} bytes; Minecraft drops RCON commands over "
                            f"{MAX_COMMAND_BYTES} bytes: {command[:60]}...")
        if "\0" in command:
            raise RconError("an RCON command cannot contain a NUL character")
        with self._lock:
            for attempt in range(2):
                self._ensure_connection()
                try:
                    request_id = self._send(TYPE_COMMAND, body)
                    break
                except _Dropped as exc:  # a packet cut short is never run (vanilla checks its length)
                    self._drop()
                    if attempt:
                        raise RconError(f"cannot send to RCON at {self.host}:{self.port}: {exc}") from None
            try:
                return self._read_reply(request_id)
            except _Dropped as exc:
                self._drop()
                self._reconnect()
                raise RconConnectionLost(f"the connection to RCON dropped before the reply came ({exc}); "
                                         "the command may have run", maybe_executed=True) from None

    def _ensure_connection(self) -> None:
        """Connect on first use; reconnect when the connection was lost or the server closed it."""
        if self._sock is None and not self._was_connected:
            self.connect()
        elif self._sock is None:
            self._reconnect()
        elif self._stale():  # lost before sending: nothing can have run, so reconnect and send
            self._drop()
            self._reconnect()

    def _read_reply(self, request_id: int) -> str:
        parts: list[bytes] = []
        marker_id = None
        while True:
            reply_id, _, body = self._read_packet()
            if reply_id == marker_id:
                break
            if reply_id != request_id:
                continue  # a late packet of an earlier exchange
            parts.append(body)
            if marker_id is None:
                if len(body) < MAX_REPLY_CHUNK:
                    break  # not full: vanilla sent everything in this packet
                # Full: more may follow. Ask for the marker only now, so the server has already
                # read the command packet (two packets in one read would break the connection).
                marker_id = self._send(TYPE_RESPONSE, b"")
        return b"".join(parts).decode("utf-8", errors="replace")

    # --- packets ---

    def _send(self, packet_type: int, body: bytes) -> int:
        self._next_id = self._next_id % 0x7FFFFFFF + 1  # positive: -1 means "auth failed"
        packet = _HEADER.pack(len(body) + 10, self._next_id, packet_type) + body + b"\0\0"
        try:
            self._sock.sendall(packet)  # one write: vanilla reads each packet with one read
        except OSError as exc:
            raise _Dropped(str(exc)) from None
        return self._next_id

    def _read_packet(self) -> tuple[int, int, bytes]:
        (length,) = struct.unpack("<i", self._read_exact(4))
        if not 10 <= length <= _MAX_PACKET:
            self._drop()
            raise RconError(f"{self.host}:{self.port} sent a malformed RCON packet (length {length}); "
                            "is that the RCON port?")
        data = self._read_exact(length)
        request_id, packet_type = struct.unpack_from("<ii", data)
        return request_id, packet_type, data[8:-2]

    def _read_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self._sock.recv(n - len(buf))
            except OSError as exc:  # reset, timeout
                raise _Dropped(str(exc) or type(exc).__name__) from None
            if not chunk:
                raise _Dropped("the server closed the connection")
            buf += chunk
        return bytes(buf)


def read_password(file: str | None, env: str = "SAPLING_RCON_PASSWORD") -> str:
    """The RCON password from ``file`` (trailing newline removed) or else the ``env`` variable."""
    if file:
        path = Path(file)
        try:
            password = path.read_text(encoding="utf-8").rstrip("\r\n")
        except FileNotFoundError:
            raise RconError(f"RCON password file {path} does not exist") from None
        except OSError as exc:
            raise RconError(f"cannot read RCON password file {path}: {exc}") from None
        if not password:
            raise RconError(f"RCON password file {path} is empty")
        return password
    password = os.environ.get(env, "")
    if not password:
        raise RconError(f"no RCON password: pass --rcon-password-file FILE (holding rcon.password from "
                        f"server.properties) or set {env}")
    return password
