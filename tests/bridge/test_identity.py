"""Who is speaking (pure): vanilla's `list uuids` and `scoreboard players get` replies, display names
resolved against online players, the confirm policies, the confirm button."""

import json

import pytest

from sapling.bridge.identity import (CONFIRM_OBJECTIVE, CONFIRM_POLICIES, OnlinePlayer, Speaker, Unresolved, allowed,
                                     check_policy, confirm_button, needs_confirmation, parse_online_players,
                                     parse_score, resolve)
from sapling.errors import BridgeError

STEVE = OnlinePlayer("Steve", "069a79f4-44e9-4726-a5be-fca90e38aaf5")
ALEX = OnlinePlayer("Alex", "ec561538-f3fd-461d-aff5-086b22154bce")
GEYSER = OnlinePlayer(".Mobile_Bob", "00000000-0000-0000-0009-01f64f65c7c3")  # Floodgate: "." prefix
BOB = OnlinePlayer("Mobile_Bob", "5b6b9c7e-0c2a-4b7e-9c1e-2d6a4f0b8e11")
RED = OnlinePlayer("Red", "7f3a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b")
ONLINE = (STEVE, ALEX, GEYSER, BOB, RED)


def test_list_uuids_reply_as_vanilla_writes_it():
    reply = ("There are 2 of a max of 20 players online: Steve (069a79f4-44e9-4726-a5be-fca90e38aaf5), "
             "Alex (EC561538-F3FD-461D-AFF5-086B22154BCE)")
    assert parse_online_players(reply) == (STEVE, ALEX)  # UUIDs in lower case
    assert parse_online_players("There are 0 of a max of 20 players online: ") == ()
    assert parse_online_players("There are 1 of a max of 8 players online: .Mobile_Bob "
                                "(00000000-0000-0000-0009-01f64f65c7c3)") == (GEYSER,)


@pytest.mark.parametrize("reply", [
    "Unknown or incomplete command, see below for error",
    "There are 2 of a max of 20 players online: Steve, Alex",  # plain `list`: names only
    "There are 2 of a max of 20 players online: Steve (069a79f4-44e9-4726-a5be-fca90e38aaf5)",  # one missing
    "",
])
def test_other_replies_are_an_error(reply):
    with pytest.raises(BridgeError):
        parse_online_players(reply)


@pytest.mark.parametrize("display, player, exact", [
    ("Steve", STEVE, True),
    ("[Red] Steve", STEVE, False),          # team prefix: the team name is not a player
    ("[Red] Steve [Admin]", STEVE, False),  # and suffix
    ("§cSteve§r", STEVE, True),             # legacy colour codes a plugin left in
    ("~Alex", ALEX, False),                 # a nickname plugin's marker
    ("steve", STEVE, False),                # case differs
    (".Mobile_Bob", GEYSER, True),          # a Bedrock player through Geyser, not the Java Mobile_Bob
    ("[VIP] .Mobile_Bob", GEYSER, False),
    ("Mobile_Bob", BOB, True),
    ("Red", RED, True),
])
def test_display_names_resolve_to_the_one_player_they_name(display, player, exact):
    assert resolve(display, ONLINE) == Speaker(display.replace("§c", "").replace("§r", ""), player, exact)


@pytest.mark.parametrize("display, candidates", [
    ("~Nick", ()),                 # a nickname that names nobody online
    ("Herobrine", ()),             # nobody of that name is online
    ("Steve_2", ()),               # a longer name is another name
    ("Alex & Steve", (ALEX, STEVE)),  # two players: which one?
])
def test_names_that_name_no_single_player_are_unresolved(display, candidates):
    result = resolve(display, ONLINE)
    assert isinstance(result, Unresolved) and result.candidates == candidates
    assert display in result.reason


def test_nobody_online_resolves_nothing():
    assert resolve("Steve", ()) == Unresolved("Steve")


def test_policies_say_what_waits_for_a_click():
    assert CONFIRM_POLICIES == ("never", "guarded", "always")
    table = {(p, a, g): needs_confirmation(p, a, g) for p in CONFIRM_POLICIES for a in ("generate", "undo", "help")
             for g in (False, True)}
    assert {k for k, v in table.items() if v} == {
        ("guarded", "undo", False), ("guarded", "undo", True), ("guarded", "generate", True),
        ("always", "undo", False), ("always", "undo", True), ("always", "generate", False),
        ("always", "generate", True)}
    with pytest.raises(BridgeError, match="never, guarded, always"):
        check_policy("sometimes")


def test_allow_lists_take_usernames_or_uuids():
    assert allowed(STEVE, ())
    assert allowed(STEVE, ("steve",)) and not allowed(ALEX, ("Steve",))
    assert allowed(ALEX, (ALEX.uuid.upper(),)) and not allowed(STEVE, (ALEX.uuid,))


def test_scores_as_vanilla_reports_them():
    assert parse_score(f"Steve has 12345 [{CONFIRM_OBJECTIVE}]") == 12345
    assert parse_score(f"[Red] Steve has -3 [{CONFIRM_OBJECTIVE}]") == -3  # shown with the team prefix
    assert parse_score(f"Can't get value of {CONFIRM_OBJECTIVE} for Steve; none is set") is None
    assert parse_score(f"Can't get value of {CONFIRM_OBJECTIVE} for Steve, none is set") is None  # newer text
    with pytest.raises(BridgeError):
        parse_score(f"Unknown scoreboard objective '{CONFIRM_OBJECTIVE}'")


def test_the_button_runs_trigger_in_both_spellings_and_shows_the_command():
    component = confirm_button("remove your 'oak tree'", 987654, 60)
    json.dumps(component)  # JSON-ready
    button = component[1]
    command = f"/trigger {CONFIRM_OBJECTIVE} set 987654"
    assert button["click_event"] == {"action": "run_command", "command": command}  # Java 1.21.5+
    assert button["clickEvent"] == {"action": "run_command", "value": command}     # older
    text = "".join(part["text"] for part in component)
    assert "remove your 'oak tree'" in text and command in text and "60 s" in text
