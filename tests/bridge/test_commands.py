"""The !tree chat grammar and the anchor in front of a player, shared by both editions."""

import pytest

from sapling.bridge.commands import (
    CommandError,
    TreeCommand,
    anchor_in_front,
    help_text,
    parse_command,
    tree_distance,
)


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


@pytest.mark.parametrize("text, expected", [
    ("!tree preview big oak", TreeCommand("preview", "oak", "big")),
    ("!tree accept", TreeCommand("accept")),
    ("!tree reroll", TreeCommand("reroll")),
    ("!tree forest 3 8 birch", TreeCommand("forest", "birch", "normal", 3, 8)),
    ("!tree forest 5 birch", TreeCommand("forest", "birch", "normal", 5, 16)),
    ("!tree forest spirit", TreeCommand("generate", "forest spirit")),
])
def test_preview_and_forest_where_the_bridge_offers_them(text, expected):
    assert parse_command(text, "!tree", max_size="big", preview=True, forest=True) == expected


def test_a_bridge_without_preview_or_forest_reads_those_words_as_prompts():
    assert parse_command("!tree accept") == TreeCommand("generate", "accept")
    assert parse_command("!tree forest 3 birch") == TreeCommand("generate", "forest 3 birch")
    with pytest.raises(CommandError, match="from 1 to 16"):
        parse_command("!tree forest 99 birch", forest=True)
    with pytest.raises(CommandError, match="say what to preview"):
        parse_command("!tree preview", preview=True)
    full = help_text(preview=True, forest=True)
    assert "!tree preview <prompt>" in full and "!tree forest <count>" in full
    assert "preview" not in help_text() and "forest" not in help_text()
