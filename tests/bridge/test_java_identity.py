"""The Java bridge's questions to the server about players, over real RCON against the fake server:
`list uuids`, the trigger objective, `scoreboard players enable|get`, `/trigger` as players run it,
targets by UUID."""

import pytest

from sapling.bridge.identity import CONFIRM_OBJECTIVE, OnlinePlayer
from sapling.bridge.java import WorldEditor
from sapling.bridge.rcon import RconClient
from sapling.errors import BridgeError


@pytest.fixture
def editor(fake_minecraft):
    fake_minecraft.add_player("Steve", (0.5, 64.0, 0.5), (90.0, 0.0))
    fake_minecraft.add_player(".Mobile_Bob", (10.5, 70.0, -3.5), uuid="00000000-0000-0000-0009-01f64f65c7c3")
    with RconClient("127.0.0.1", fake_minecraft.port, "pw") as rcon:
        yield WorldEditor(rcon)


def test_online_players_by_username_and_uuid(editor, fake_minecraft):
    assert editor.online_players() == (OnlinePlayer("Steve", fake_minecraft.uuid("Steve")),
                                       OnlinePlayer(".Mobile_Bob", "00000000-0000-0000-0009-01f64f65c7c3"))
    assert fake_minecraft.commands == ["list uuids"]
    fake_minecraft.players.clear()
    assert editor.online_players() == ()


def test_players_are_found_and_told_by_uuid(editor, fake_minecraft):
    bob = "00000000-0000-0000-0009-01f64f65c7c3"
    assert editor.player_position(bob) == ((10.5, 70.0, -3.5), 0.0)
    editor.tell(bob, "hello")
    assert fake_minecraft.told(".Mobile_Bob") == ["[Sapling] hello"]
    editor.tell("@a", "everyone")
    assert fake_minecraft.told("Steve") == ["[Sapling] everyone"]
    with pytest.raises(BridgeError, match="not a player"):
        editor.player_position("Steve @e")
    editor.tell("Steve @e[type=cow]", "no")  # never sent: not a target
    assert not [c for c in fake_minecraft.commands if "@e" in c]


def test_the_confirmation_round_trip(editor, fake_minecraft):
    mc = fake_minecraft
    editor.add_trigger_objective()
    editor.add_trigger_objective()  # already there: fine, nothing changes
    assert mc.objectives == {CONFIRM_OBJECTIVE: "trigger"}
    assert editor.score("Steve") is None
    # A player may not /trigger until enabled, and only once per enable.
    assert mc.run_as("Steve", f"/trigger {CONFIRM_OBJECTIVE} set 42") == "You cannot trigger this objective yet"
    editor.enable_trigger("Steve")
    editor.enable_trigger("Steve")  # "Nothing changed. That trigger is already enabled": fine
    assert editor.score("Steve") == 0
    assert mc.run_as("Steve", f"/trigger {CONFIRM_OBJECTIVE} set 42") == \
        f"Triggered [{CONFIRM_OBJECTIVE}] (set value to 42)"
    assert mc.run_as("Steve", f"/trigger {CONFIRM_OBJECTIVE} set 43") == "You cannot trigger this objective yet"
    assert editor.score("Steve") == 42
    assert editor.score(".Mobile_Bob") is None  # /trigger set only its runner's score
    assert [c.split(" ")[:3] for c in mc.commands] == [["scoreboard", "objectives", "add"]] * 2 + [
        ["scoreboard", "players", "get"], ["scoreboard", "players", "enable"], ["scoreboard", "players", "enable"],
        ["scoreboard", "players", "get"], ["scoreboard", "players", "get"], ["scoreboard", "players", "get"]]


def test_an_objective_of_that_name_that_is_not_a_trigger_is_reported(editor, fake_minecraft):
    fake_minecraft.objectives[CONFIRM_OBJECTIVE] = "dummy"  # someone else's
    editor.add_trigger_objective()
    with pytest.raises(BridgeError, match="not a 'trigger' objective"):
        editor.enable_trigger("Steve")
    assert fake_minecraft.objectives == {CONFIRM_OBJECTIVE: "dummy"}  # left as it was
    with pytest.raises(BridgeError, match="not a username"):
        editor.score("Steve Alex")
