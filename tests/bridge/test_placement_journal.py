"""The undo journal records the player's UUID and goes by it; journals written before still read."""

import json

import pytest

from sapling.bridge.placement import Block, Journal, JournalEntry, PlacementError

STEVE = "069a79f4-44e9-4726-a5be-fca90e38aaf5"
ALEX = "ec561538-f3fd-461d-aff5-086b22154bce"
LOG = [Block(0, 64, 0, "minecraft:oak_log[axis=y]")]


def test_the_uuid_is_recorded_and_placements_go_by_it(tmp_path):
    j = Journal(tmp_path / "journal.jsonl")
    steve = JournalEntry("Steve", "oak tree", LOG, uuid=STEVE)
    console = JournalEntry("console", "birch tree", LOG)
    j.record(steve)
    j.record(console)
    lines = [json.loads(line) for line in j.path.read_text().splitlines()]
    assert lines[0]["uuid"] == STEVE and "uuid" not in lines[1]  # the old format where there is none
    assert [e.uuid for e in j.entries()] == [STEVE, None]
    assert j.last(5, who="Steve", uuid=STEVE) == [j.entries()[0]]
    assert j.last(5, who="Steve", uuid=STEVE.upper()) == [j.entries()[0]]
    # Someone else with that name (a nickname, a later account): not Steve's placement.
    assert j.last(5, who="Steve", uuid=ALEX) == []
    assert [e.who for e in j.last(5)] == ["console", "Steve"]


def test_journals_written_before_uuids_still_read_and_go_by_name(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text('{"who":"Steve","prompt":"oak tree","blocks":[[0,64,0,"minecraft:oak_log[axis=y]"]],'
                    '"id":"a1b2c3d4e5f6","when":"2026-01-02T03:04:05Z","anchor":[0,64,0]}\n'
                    '{"undo":"nothing","when":"2026-01-02T03:04:06Z"}\n')
    j = Journal(path)
    [entry] = j.entries()
    assert (entry.who, entry.uuid, entry.anchor, entry.blocks) == ("Steve", None, (0, 64, 0), LOG)
    assert j.last(1, who="Steve", uuid=STEVE) == [entry]  # the name's, as it was
    assert j.last(1, who="Alex", uuid=ALEX) == []
    j.record(JournalEntry("Steve", "spruce tree", LOG, uuid=STEVE))
    assert [e.prompt for e in j.last(5, who="Steve", uuid=STEVE)] == ["spruce tree", "oak tree"]


@pytest.mark.parametrize("value", ['"not-a-uuid"', "42"])
def test_a_damaged_uuid_is_reported(tmp_path, value):
    path = tmp_path / "j.jsonl"
    path.write_text('{"who":"Steve","prompt":"oak","blocks":[],"id":"x","when":"2026-01-02T03:04:05Z",'
                    f'"anchor":null,"uuid":{value}}}\n')
    with pytest.raises(PlacementError, match="j.jsonl:1: damaged journal line"):
        Journal(path).entries()
