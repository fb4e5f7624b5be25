"""Reading the Java server's ``logs/latest.log``: chat lines of every supported layout, the bridge's
own command echoes, and a follower that survives log rotation (pure but for ``LogFollower``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sapling.bridge.commands import (
    ChatMessage,
)


# The line layouts of logs/latest.log (log4j2 PatternLayouts; docs/bridge.md cites them):
#   vanilla, Fabric, Paper  "[%d{HH:mm:ss}] [%t/%level]: %msg"        [12:00:05] [Server thread/INFO]: ...
#   Forge, NeoForge         "[%d{ddMMMyyyy HH:mm:ss.SSS}] [%t/%level] [%logger/%markerSimpleName]: %msg"
#   the GUI console layout  "[%d{HH:mm:ss} %level]: %msg"            [12:00:05 INFO]: ... (console captures)
LOG_LINE = re.compile(r"^\[[^\]]+\](?: \[[^\]]*/INFO\](?: \[[^\]]*\])?)?: (?P<message>.*)$")
# Vanilla's chat.type.text "<%s> %s" with the display name (team prefix and suffix, nicknames);
# unsigned chat carries the "[Not Secure] " header (MinecraftServer.logChatMessage).
CHAT_MESSAGE = re.compile(r"^(?:\[Not Secure\] )?<(?P<player>[^<>]{1,64}?)> (?P<text>.*)$")
# The bridge's own commands as the server echoes them to operators and the log
# (chat.type.admin "[%s: %s]" with the RCON source's name "Rcon"): setblock, fill, objective, enable.
COMMAND_ECHO = re.compile(r"^\[Rcon: (?:Changed the block at |Successfully filled |Created new objective |"
                          r"Enabled trigger )")
ECHO_ADVICE = ("the server echoes each block the bridge places to operators' chat and to its log "
               "(broadcast-rcon-to-ops and the logAdminCommands game rule are on): set "
               "broadcast-rcon-to-ops=false in server.properties and restart to stop both, or run "
               "'/gamerule logAdminCommands false' (1.21.11 and newer: log_admin_commands) to keep them out of "
               "the log; the bridge changes no server settings itself")

# What the Java bridge does its own way with a tree (sapling.bridge.session.Rules): it journals, so
# players can undo; blocks compare by their checked state; decorations go in as they stream.

def log_message(line: str) -> str | None:
    """The message of a server log line (the part after the layout's prefix), or None."""
    m = LOG_LINE.match(line.rstrip("\r\n"))
    return m.group("message") if m else None


def parse_chat(message: str) -> ChatMessage | None:
    """A log message -> the chat message it holds (``player``: the display name), or None."""
    m = CHAT_MESSAGE.match(message)
    if not m or not m.group("player").strip():
        return None
    return ChatMessage(m.group("player"), m.group("text"))


def parse_chat_line(line: str) -> ChatMessage | None:
    """A server log line -> the chat message it holds, or None for any other line."""
    message = log_message(line)
    return None if message is None else parse_chat(message)


def is_command_echo(message: str) -> bool:
    """Whether a log message is the server echoing one of the bridge's own RCON commands."""
    return bool(COMMAND_ECHO.match(message))


class LogFollower:
    """New lines of a growing log file (``tail -F``): starts at the end, survives rotation/truncation."""

    def __init__(self, path: str | Path, from_start: bool = False):
        self.path = Path(path)
        self._file = None
        self._inode = None
        self._buffer = ""
        self._open(seek_end=not from_start)

    def _open(self, seek_end: bool) -> None:
        try:
            f = self.path.open("r", encoding="utf-8", errors="replace")
        except FileNotFoundError:
            self._file = None
            return
        if seek_end:
            f.seek(0, os.SEEK_END)
        self._file, self._inode, self._buffer = f, os.fstat(f.fileno()).st_ino, ""

    def poll(self) -> list[str]:
        if self._file is None:
            self._open(seek_end=False)  # the file appeared (or came back after rotation)
            if self._file is None:
                return []
        try:
            st = os.stat(self.path)
            rotated = st.st_ino != self._inode or st.st_size < self._file.tell()
        except FileNotFoundError:
            rotated = False  # being rotated: read what is left, reopen later
        chunk = self._file.read()
        if rotated:
            self._file.close()
            self._open(seek_end=False)
            chunk += self._file.read() if self._file else ""
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split("\n")
        return lines

    def close(self) -> None:
        if self._file:
            self._file.close()


