"""Placement planning (pure): support order, fill merging, state checks, undo commands, the journal."""

import json
import sys
import subprocess

import pytest

from sapling.blocks import BlockVocab, block_kind
from sapling.bridge.placement import (MAX_FILL_VOLUME, Block, Journal, JournalEntry, PlacementError, check_state,
                                      order_blocks, persistent_leaves, plan_placement, to_world, undo_commands)

TREE = ([(0, y, 0, "oak_log[axis=y]") for y in range(5)]
        + [(dx, 5, dz, "oak_leaves[distance=1,persistent=false]") for dx in range(-2, 3) for dz in range(-2, 3)]
        + [(0, -1, 0, "grass_block"), (1, 2, 0, "cocoa[age=0,facing=west]"), (0, 6, 0, "minecraft:air")]
        + [(2, 4, 2, "vine[east=false,north=true,south=false,up=false,west=false]")])


def test_world_positions_and_persistent_leaves():
    blocks = to_world(TREE, (100, 64, -20))
    assert Block(100, 64, -20, "minecraft:oak_log[axis=y]") in blocks  # origin = anchor
    assert Block(100, 63, -20, "minecraft:grass_block") in blocks
    assert Block(98, 69, -22, "minecraft:oak_leaves[persistent=true]") in blocks
    assert len(blocks) == len(TREE) - 1  # air skipped
    assert persistent_leaves("minecraft:oak_log[axis=y]") == "minecraft:oak_log[axis=y]"


def test_support_order_ground_logs_leaves_decorations_bottom_up():
    ordered = order_blocks(to_world(TREE, (0, 0, 0)))
    kinds = [block_kind(b.state) for b in ordered]
    assert kinds == sorted(kinds, key=["ground", "log", "leaves", "decoration"].index)
    logs = [b.y for b in ordered if block_kind(b.state) == "log"]
    assert logs == sorted(logs)


def test_plan_merges_runs_into_fills_and_writes_into_air_only():
    plan = plan_placement(to_world(TREE, (10, 70, 10)))
    texts = [c.text for c in plan.commands]
    assert all(t.endswith(" keep") for t in texts)
    assert "fill 10 70 10 10 74 10 minecraft:oak_log[axis=y] keep" in texts
    # Commands name every property (the game's defaults spelled out); the blocks keep their checked states.
    assert "fill 8 75 8 12 75 12 minecraft:oak_leaves[distance=7,persistent=true,waterlogged=false] keep" in texts
    assert texts[0] == "setblock 10 69 10 minecraft:grass_block[snowy=false] keep"
    assert Block(10, 69, 10, "minecraft:grass_block") in plan.blocks
    assert texts[-1].startswith("setblock") and ("cocoa" in texts[-1] or "vine" in texts[-1])
    covered = sorted(b for c in plan.commands for b in c.blocks)
    assert covered == sorted(plan.blocks)  # every block exactly once
    assert len(plan.commands) == 5
    single = plan_placement(to_world(TREE, (10, 70, 10)), use_fill=False)
    assert len(single.commands) == plan.num_blocks and all(c.text.startswith("setblock") for c in single.commands)


def test_fill_boxes_respect_the_volume_limit():
    cells = [Block(x, y, z, "minecraft:oak_log[axis=y]") for x in range(40) for y in range(30) for z in range(30)]
    plan = plan_placement(cells)
    assert all(len(c.blocks) <= MAX_FILL_VOLUME for c in plan.commands)
    assert sum(len(c.blocks) for c in plan.commands) == len(cells)


@pytest.mark.parametrize("state", [
    "minecraft:tnt", "minecraft:command_block", "oak_log[axis=y] keep\nop Steve", "oak_log[axis=y]; say hi",
    'oak_log[axis="y"]', "minecraft:air", "", "oak_log[axis=y] run kill @a",
])
def test_only_checked_block_states_enter_commands(state):
    with pytest.raises(PlacementError):
        check_state(state)
    with pytest.raises(PlacementError):
        to_world([(0, 0, 0, state)] if state != "minecraft:air" else [(0, 0, 0, "minecraft:tnt")], (0, 64, 0))


def test_commands_carry_full_states_and_undo_tests_only_what_the_tree_decides():
    tree = [(0, 0, 0, "oak_leaves[distance=2,persistent=false]"), (0, 1, 0, "bee_nest[facing=east,honey_level=0]")]
    blocks = to_world(tree, (0, 64, 0), leaves_persistent=False)
    plan = plan_placement(blocks, use_fill=False)
    assert [c.text for c in plan.commands] == [
        "setblock 0 64 0 minecraft:oak_leaves[distance=2,persistent=false,waterlogged=false] keep",
        "setblock 0 65 0 minecraft:bee_nest[facing=east,honey_level=0] keep",
    ]
    leaf = to_world([(0, 0, 0, "oak_leaves[persistent=false]")], (0, 64, 0))[0]
    # The game recomputes a placed leaf's distance: the undo test must not name one.
    assert undo_commands([leaf]) == [
        "execute if block 0 64 0 minecraft:oak_leaves[persistent=true] run setblock 0 64 0 air"]


@pytest.mark.parametrize("state", ["oak_leaves[distance=9,persistent=true]", "grass_block[snowy=maybe]",
                                   "oak_leaves[persistent=true,waterlogged=wet]"])
def test_values_the_game_does_not_allow_are_refused(state):
    # model_key drops these properties, so only the game's table catches the bad value.
    with pytest.raises(PlacementError, match="is not one of"):
        check_state(state)


def test_every_vocabulary_state_is_accepted():
    for state in BlockVocab.default().states[1:]:
        assert check_state(state) == state


@pytest.mark.parametrize("state", ["minecraft:poppy", "minecraft:stone_slab[type=bottom]", "minecraft:oak_fence",
                                   "minecraft:white_terracotta", "minecraft:red_mushroom_block[up=false]"])
def test_any_models_blocks_are_accepted(state):
    """Models trained on imported data place flowers, slabs, fences: any block the game knows."""
    assert check_state(state) == state


@pytest.mark.parametrize("state", ["minecraft:lava", "minecraft:water[level=0]", "minecraft:fire", "minecraft:barrier",
                                   "minecraft:structure_block", "othermod:magic_log[axis=y]"])
def test_blocks_that_harm_builds_or_the_game_does_not_know_are_refused(state):
    with pytest.raises(PlacementError):
        check_state(state)


@pytest.mark.parametrize("anchor", [(0, 400, 0), (40_000_000, 64, 0)])
def test_positions_outside_the_world_are_refused(anchor):
    with pytest.raises(PlacementError, match="outside the world"):
        to_world(TREE, anchor)
    with pytest.raises(PlacementError, match="small integer"):
        to_world([(0, 0, "1", "oak_log[axis=y]")], (0, 64, 0))


def test_undo_removes_only_what_is_still_as_placed_in_reverse_order():
    blocks = to_world(TREE, (0, 64, 0))
    cmds = undo_commands(blocks)
    assert len(cmds) == len(blocks)
    assert cmds[0].startswith("execute if block") and "vine" in cmds[0] or "cocoa" in cmds[0]
    assert cmds[-1] == "execute if block 0 63 0 minecraft:grass_block run setblock 0 63 0 air"


def test_journal_round_trip_last_and_undone(tmp_path):
    j = Journal(tmp_path / "j" / "journal.jsonl")
    assert j.last() == []
    a = JournalEntry("Steve", "oak tree", to_world(TREE[:3], (0, 64, 0)), anchor=(0, 64, 0))
    b = JournalEntry("Alex", 'birch "tree"\n', to_world(TREE[3:6], (5, 64, 5)))
    j.record(a)
    j.record(b)
    lines = (tmp_path / "j" / "journal.jsonl").read_text().splitlines()
    assert json.loads(lines[1])["prompt"] == 'birch "tree"\n' and json.loads(lines[0])["who"] == "Steve"
    assert [e.id for e in j.last(5)] == [b.id, a.id]
    assert [e.id for e in j.last(5, who="Steve")] == [a.id]
    assert j.last()[0].blocks == b.blocks
    j.mark_undone(b.id)
    assert [e.id for e in j.last(5)] == [a.id]
    assert j.entries()[0].anchor == (0, 64, 0)


def test_damaged_journal_is_reported(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"who": "x"}\n')
    with pytest.raises(PlacementError, match="journal.jsonl:1"):
        Journal(path).entries()
    path.write_text('{"who":"x","prompt":"p","id":"1","when":"2026-01-01T00:00:00Z","blocks":[[0,0,0,"minecraft:tnt"]]}\n')
    with pytest.raises(PlacementError, match="damaged"):
        Journal(path).entries()


def test_bridge_never_imports_torch():
    code = ("import sys, sapling.bridge.placement, sapling.server.protocol; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
