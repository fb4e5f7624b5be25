"""The Java bridge's pure parts: chat lines and command echoes in the server log of each server type,
following the log through rotation."""

import os

import pytest

from sapling.bridge.commands import ChatMessage
from sapling.bridge.java import LogFollower, is_command_echo, log_message, parse_chat_line


FORGE = "[05Mar2025 12:00:05.123] [Server thread/INFO] [net.minecraft.server.MinecraftServer/]: "


@pytest.mark.parametrize("line, expected", [
    # vanilla and Fabric: "[%d{HH:mm:ss}] [%t/%level]: %msg"
    ("[12:00:05] [Server thread/INFO]: <Steve> !tree birch tree", ChatMessage("Steve", "!tree birch tree")),
    ("[12:00:05] [Server thread/INFO]: [Not Secure] <Alex_2> hello", ChatMessage("Alex_2", "hello")),
    # Paper: the same layout for the server's own loggers; chat comes from its chat thread
    ("[12:00:05] [Async Chat Thread - #0/INFO]: <Steve> !tree oak", ChatMessage("Steve", "!tree oak")),
    ("[12:00:05 INFO]: <Steve> !tree oak", ChatMessage("Steve", "!tree oak")),  # the GUI console's layout
    # Forge and NeoForge: "[%d{ddMMMyyyy HH:mm:ss.SSS}] [%t/%level] [%logger/%markerSimpleName]: %msg"
    (FORGE + "<Steve> !tree birch tree", ChatMessage("Steve", "!tree birch tree")),
    (FORGE + "[Not Secure] <.Mobile_Bob> !tree oak", ChatMessage(".Mobile_Bob", "!tree oak")),
    # display names, resolved to players later (sapling.bridge.identity)
    ("[12:00:05] [Server thread/INFO]: <[Red] Steve [Admin]> !tree oak",
     ChatMessage("[Red] Steve [Admin]", "!tree oak")),
    ("[12:00:05] [Server thread/INFO]: <~Nick> a <b> c", ChatMessage("~Nick", "a <b> c")),
    ("[12:00:05] [Server thread/INFO]: Steve joined the game", None),
    ("[12:00:05] [Server thread/INFO]: [Rcon] <Steve> !tree oak", None),  # /say, not chat
    ("[12:00:05] [Server thread/INFO]: [Essentials] <Steve> !tree oak", None),  # a plugin's logger
    ("[12:00:05] [Server thread/WARN]: <Steve> !tree oak", None),  # chat is logged at INFO
    ("[12:00:05] [Server thread/INFO]: * Steve waves", None),  # /me
    ("[12:00:05] [Server thread/INFO]: <   > !tree", None),
    (FORGE + "Steve joined the game", None),
    ("<Steve> !tree oak", None),
])
def test_chat_lines(line, expected):
    assert parse_chat_line(line) == expected


@pytest.mark.parametrize("line, echo", [
    ("[12:00:05] [Server thread/INFO]: [Rcon: Changed the block at 0, 64, 10]", True),
    ("[12:00:05] [Server thread/INFO]: [Rcon: Successfully filled 12 block(s)]", True),
    (FORGE + "[Rcon: Successfully filled 3 block(s)]", True),
    ("[12:00:05] [Server thread/INFO]: [Rcon: Created new objective [sapling_confirm]]", True),
    ("[12:00:05] [Server thread/INFO]: [Rcon: Enabled trigger [sapling_confirm] for Steve]", True),
    ("[12:00:05] [Server thread/INFO]: [Steve: Changed the block at 0, 64, 10]", False),  # a player's own command
    ("[12:00:05] [Server thread/INFO]: <Steve> [Rcon: Changed the block at 0, 64, 10]", False),  # chat
    ("[12:00:05] [Server thread/INFO]: [Rcon] Changed the block", False),
])
def test_the_bridges_own_command_echoes(line, echo):
    message = log_message(line)
    assert message is not None and is_command_echo(message) is echo


def test_log_follower_reads_new_lines_only_and_survives_rotation(tmp_path):
    path = tmp_path / "latest.log"
    path.write_text("old line\n")
    f = LogFollower(path)
    assert f.poll() == []
    with path.open("a") as out:
        out.write("one\ntw")
    assert f.poll() == ["one"]  # a half-written line waits
    with path.open("a") as out:
        out.write("o\n")
    assert f.poll() == ["two"]
    # Rotation: the server renames the log and starts a new one.
    os.rename(path, tmp_path / "2026-11-28-1.log")
    path.write_text("fresh\n")
    assert f.poll() == ["fresh"]
    # Truncation in place.
    path.write_text("")
    assert f.poll() == []
    path.write_text("after truncate\n")
    assert f.poll() == ["after truncate"]
    f.close()


def test_log_follower_waits_for_a_missing_file(tmp_path):
    f = LogFollower(tmp_path / "latest.log")
    assert f.poll() == []
    (tmp_path / "latest.log").write_text("hello\n")
    assert f.poll() == ["hello"]
