"""The !tree chat grammar and the anchor in front of a player, shared by both editions."""

import pytest

from sapling.bridge.commands import CommandError, TreeCommand, anchor_in_front, help_text, parse_command, tree_distance


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
    with pytest.raises(CommandError, match=words):
        parse_command(text, "!tree", max_size="big")


@pytest.mark.parametrize("yaw, expected", [(0, (0, 64, 10)), (90, (-10, 64, 0)), (180, (0, 64, -10)),
                                           (-90, (10, 64, 0)), (270, (10, 64, 0))])
def test_anchor_in_front_follows_java_yaw(yaw, expected):
    assert anchor_in_front((0.5, 64.0, 0.5), yaw, 10) == expected


def test_help_and_distance():
    assert "undo" in help_text() and "undo" not in help_text(undo=False)
    assert "huge" not in help_text(max_size="big") and "huge" in help_text(max_size="huge")
    assert tree_distance("normal") == 10 and tree_distance("huge") == 14
    with pytest.raises(CommandError, match="unknown size"):
        parse_command("!tree big oak", max_size="giant")
