"""The Java bridge's pure parts: chat lines, !tree commands, where a tree goes, following the log."""

import os

import pytest

from sapling.bridge.java import (BridgeError, ChatMessage, LogFollower, TreeCommand, anchor_in_front,
                                 parse_chat_line, parse_command)


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


@pytest.mark.parametrize("text, expected", [
    ("!tree tall birch tree", TreeCommand("generate", "tall birch tree", "normal")),
    ("!TREE   oak   tree ", TreeCommand("generate", "oak tree", "normal")),
    ("!tree big spruce tree", TreeCommand("generate", "spruce tree", "big")),
    ("!tree big", TreeCommand("generate", "big", "normal")),
    ("!tree help", TreeCommand("help")),
    ("!tree undo", TreeCommand("undo")),
    ("!tree cancel", TreeCommand("cancel")),
    ("hello everyone", None),
    ("!trees oak", None),
])
def test_commands(text, expected):
    assert parse_command(text, "!tree", max_size="big") == expected


@pytest.mark.parametrize("text, words", [
    ("!tree", "say what to grow"),
    ("!tree huge jungle tree", "not allowed here"),
    ("!tree " + "x" * 201, "at most 200"),
])
def test_bad_commands_say_why(text, words):
    with pytest.raises(BridgeError, match=words):
        parse_command(text, "!tree", max_size="big")


@pytest.mark.parametrize("yaw, expected", [(0, (0, 64, 10)), (90, (-10, 64, 0)), (180, (0, 64, -10)),
                                           (-90, (10, 64, 0)), (270, (10, 64, 0))])
def test_anchor_in_front_follows_java_yaw(yaw, expected):
    assert anchor_in_front((0.5, 64.0, 0.5), yaw, 10) == expected


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
