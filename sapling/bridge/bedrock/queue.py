"""Commands to the game, at most ``MAX_AWAITING`` awaiting an answer (asyncio).

The game refuses more than 100 commands awaiting an answer ("Too many commands have been
requested", status -2147418109), so ``CommandQueue`` keeps at most that many in flight, resends
a refused one after backing off, and matches each ``commandResponse`` (or ``error``) to its
request by ``header.requestId``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from sapling.bridge.bedrock.messages import command_request

MAX_AWAITING = 100              # the game's limit of commands awaiting a response
TOO_MANY_COMMANDS = -2147418109  # its status when that limit is exceeded
BLOCK_IN_THE_WAY = -2147352576   # "The block couldn't be placed" (keep found no air), or a failed test
COMMAND_TIMEOUT = 30.0          # seconds before an unanswered command counts as failed


@dataclass(frozen=True)
class CommandResult:
    """The game's answer: ``status`` 0 is success (``statusCode``), anything else a failure."""

    status: int
    message: str = ""
    body: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 0


NO_ANSWER = -1    # our own statuses, never sent by the game
NOT_SENT = -2


@dataclass(eq=False)
class _Pending:
    line: str
    future: asyncio.Future
    urgent: bool
    tag: object = None
    request_id: str = ""
    timer: asyncio.TimerHandle | None = None


class CommandQueue:
    """Sends command lines to the game, never more than ``max_awaiting`` unanswered.

    ``run`` returns a future resolved with the CommandResult. Urgent commands (chat replies,
    finding a player) jump ahead of queued blocks. When the game still says "too many
    commands" (another client shares its budget, or it counts differently), the command
    goes back to the front, the window shrinks to what is in flight and grows back slowly.
    """

    def __init__(self, send_text: Callable[[str], None], max_awaiting: int = MAX_AWAITING,
                 timeout: float = COMMAND_TIMEOUT):
        self._send_text = send_text
        self.max_awaiting = max_awaiting
        self.timeout = timeout
        self._urgent: deque[_Pending] = deque()
        self._queued: deque[_Pending] = deque()
        self._awaiting: dict[str, _Pending] = {}
        self._window = float(max_awaiting)
        self._backoff = 0.05
        self._retry: asyncio.TimerHandle | None = None
        self._closed = False
        self.sent = 0
        self.peak_awaiting = 0
        self.too_many = 0  # "too many commands" refusals seen

    @property
    def awaiting(self) -> int:
        return len(self._awaiting)

    def run(self, line: str, urgent: bool = False, tag: object = None) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if self._closed:
            future.set_result(CommandResult(NOT_SENT, "the game disconnected"))
            return future
        (self._urgent if urgent else self._queued).append(_Pending(line, future, urgent, tag))
        self._pump()
        return future

    def _pump(self) -> None:
        while (self._urgent or self._queued) and self._retry is None and len(self._awaiting) < int(self._window):
            p = (self._urgent or self._queued).popleft()
            p.request_id = str(uuid.uuid4())
            self._awaiting[p.request_id] = p
            p.timer = asyncio.get_running_loop().call_later(self.timeout, self._expire, p.request_id)
            self.sent += 1
            self.peak_awaiting = max(self.peak_awaiting, len(self._awaiting))
            self._send_text(json.dumps(command_request(p.request_id, p.line)))

    def on_reply(self, header: dict, body: dict) -> bool:
        """A ``commandResponse`` or ``error`` from the game; False when it answers nothing of ours."""
        p = self._awaiting.pop(str(header.get("requestId")), None)
        if p is None:
            return False
        if p.timer is not None:
            p.timer.cancel()
        status = body.get("statusCode")
        if status == TOO_MANY_COMMANDS:
            self.too_many += 1
            self._window = max(1.0, float(len(self._awaiting)))
            (self._urgent if p.urgent else self._queued).appendleft(p)
            if not self._awaiting and self._retry is None:  # no answer will come to wake us: wait a little
                self._retry = asyncio.get_running_loop().call_later(self._backoff, self._resume)
                self._backoff = min(1.0, self._backoff * 2)
        else:
            self._window = min(float(self.max_awaiting), self._window + 1.0 / self._window)
            self._backoff = 0.05
            code = status if isinstance(status, int) and not isinstance(status, bool) else NO_ANSWER
            _resolve(p, CommandResult(code, str(body.get("statusMessage", "")), body))
        self._pump()
        return True

    def _resume(self) -> None:
        self._retry = None
        self._pump()

    def _expire(self, request_id: str) -> None:
        p = self._awaiting.pop(request_id, None)
        if p is not None:
            _resolve(p, CommandResult(NO_ANSWER, "the game did not answer"))
            self._pump()

    def drop(self, tag: object) -> int:
        """Forget the queued (unsent) commands with this tag; their futures resolve as not sent."""
        dropped = 0
        for q in (self._urgent, self._queued):
            keep = deque()
            for p in q:
                if p.tag is tag and tag is not None:
                    _resolve(p, CommandResult(NOT_SENT, "cancelled"))
                    dropped += 1
                else:
                    keep.append(p)
            q.clear()
            q.extend(keep)
        return dropped

    def close(self) -> None:
        """The connection is gone: every command still waiting fails."""
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
        for p in [*self._awaiting.values(), *self._urgent, *self._queued]:
            if p.timer is not None:
                p.timer.cancel()
            _resolve(p, CommandResult(NOT_SENT, "the game disconnected"))
        self._awaiting.clear()
        self._urgent.clear()
        self._queued.clear()


def _resolve(p: _Pending, result: CommandResult) -> None:
    if not p.future.done():
        p.future.set_result(result)
