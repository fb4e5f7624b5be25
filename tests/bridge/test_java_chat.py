"""The Java bridge's pure parts: chat lines in the server log, following the log through rotation."""

import os

import pytest

from sapling.bridge.java import ChatMessage, LogFollower, parse_chat_line


@pytest.mark.parametrize("line, expected", [
    ("[12:00:05] [Server thread/INFO]: <Steve> !tree birch tree", ChatMessage("Steve", "!tree birch tree")),
    ("[12:00:05] [Server thread/INFO]: [Not Secure] <Alex_2> hello", ChatMessage("Alex_2", "hello")),
    ("[12:00:05 INFO]: <Steve> !tree oak", ChatMessage("Steve", "!tree oak")),  # Paper
    ("[12:00:05] [Server thread/INFO]: Steve joined the game", None),
    ("[12:00:05] [Server thread/INFO]: [Rcon] <Steve> !tree oak", None),  # not chat
    ("[12:00:05] [Server thread/INFO]: <Steve with spaces> !tree", None),
    ("<Steve> !tree oak", None),
])
def test_chat_lines(line, expected):
    assert parse_chat_line(line) == expected


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
