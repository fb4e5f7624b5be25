"""The Java bridge on real ground, with previews and forests: sapling serve (tiny model), a fake
Minecraft speaking real RCON with a flat grass floor, chat in a real log file, the CLI."""

import itertools
import math

from test_java_bridge import Running, expected_world  # tests/bridge is on sys.path
from typer.testing import CliRunner

from sapling.bridge.java import WorldEditor, grow_tree, server_connection
from sapling.bridge.placement import command_state
from sapling.bridge.preview import PREVIEW_TAG
from sapling.bridge.rcon import RconClient
from sapling.cli import app

WATER = "minecraft:water[level=0]"
ENTITIES = "5000"  # the tiny random model grows dense blocks: more than a real tree shows


def editor_for(mc):
    return WorldEditor(RconClient("127.0.0.1", mc.port, "pw"))


def shown_world(blocks, floor):
    """What accepting a preview of ``blocks`` leaves in a world with a grass floor up to ``floor``."""
    return {(b.x, b.y, b.z): command_state(b.state) for b in blocks if b.y > floor}


def test_a_tree_lands_on_the_ground_below_a_raised_anchor_and_water_is_refused(server, fake_minecraft):
    mc = fake_minecraft
    mc.floor_y = 59  # the ground lies 5 blocks under the anchor's y 64
    with server_connection(server.url, None) as ws:
        outcome = grow_tree(ws, editor_for(mc), "oak tree", (0, 64, 10), "console", seed=1)
        assert outcome.status == "done" and outcome.anchor == (0, 60, 10)
        assert mc.world and mc.world == expected_world(outcome.structure, (0, 60, 10), floor=59)
        # A pond: nothing is asked of the server, nothing changes.
        world = dict(mc.world)
        pond = {(x, y, 40): WATER for x in range(-2, 3) for y in (58, 59)}
        mc.world.update(pond)
        sent = len(mc.commands)
        refused = grow_tree(ws, editor_for(mc), "oak tree", (0, 64, 40), "console", seed=1)
    assert refused.status == "refused" and "water at y 59" in refused.lines[0].text
    assert mc.world == {**world, **pond}
    assert not [c for c in mc.commands[sent:] if c.startswith(("setblock", "fill"))]


def test_preview_accept_cancel_and_chat_refusals(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path, preview_entities=int(ENTITIES))
    try:
        mc.world[(0, 63, 10)] = WATER  # Steve faces a water hole
        r.say("Steve", "!tree oak tree")
        assert "water at y 63" in r.told("Steve", "no place for a tree there")
        del mc.world[(0, 63, 10)]
        assert mc.commands[0] == f"kill @e[type=minecraft:block_display,tag={PREVIEW_TAG}]"  # at start
        r.say("Steve", "!tree preview birch tree")
        r.told("Steve", "preview of 'birch tree'")
        shown = r.bridge._previews[mc.uuid("Steve")].preview
        entities = mc.tagged(PREVIEW_TAG)
        assert entities and mc.world == {}  # a preview changes no block
        assert all(e["type"] == "minecraft:block_display" for e in entities)
        r.say("Steve", "!tree accept")
        r.told("Steve", "done:")
        assert mc.tagged(PREVIEW_TAG) == []
        assert mc.world == shown_world(shown.blocks, 63)
        for e in entities:  # every block shown is the block placed there
            x, y, z = (int(v) for v in e["pos"])
            if y > 63:
                assert mc.world[(x, y, z)] == e["block_state"]
        assert r.journal.last()[0].uuid == mc.uuid("Steve")
        r.say("Steve", "!tree undo")
        r.told("Steve", "removed your 'birch tree'")
        assert mc.world == {}
        # Cancel removes a preview and changes nothing.
        r.say("Steve", "!tree preview oak tree")
        r.told("Steve", "preview of 'oak tree'")
        assert mc.tagged(PREVIEW_TAG)
        r.say("Steve", "!tree cancel")
        r.told("Steve", "preview removed")
        assert mc.tagged(PREVIEW_TAG) == [] and mc.world == {}
        r.say("Steve", "!tree accept")
        r.told("Steve", "no preview of yours to accept")
        r.say("Steve", "!tree help")
        assert "preview <prompt> shows it first" in r.told("Steve", "forest <count>")
    finally:
        r.stop()


def test_an_unanswered_preview_times_out(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path, preview_timeout=0.2, preview_entities=int(ENTITIES))
    try:
        r.say("Steve", "!tree preview oak tree")
        r.told("Steve", "preview of 'oak tree'")
        r.told("Steve", "the preview timed out and was removed")
        assert mc.tagged(PREVIEW_TAG) == [] and mc.world == {} and r.journal.last() == []
    finally:
        r.stop()


def test_a_forest_of_three_is_spaced_on_the_ground_and_one_undo_removes_it(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path)
    try:
        r.say("Steve", "!tree forest 3 32 oak tree")
        r.told("Steve", "trees found a place")
        plan = r.bridge.last_forest.plan
        assert len(plan.trees) == 3, plan.lines()
        assert all(site.y == 64 for site in plan.trees)  # on the floor's grass
        for a, b in itertools.combinations(plan.trees, 2):
            assert math.hypot(a.x - b.x, a.z - b.z) >= a.crown + b.crown
        [entry] = r.journal.last(5)
        assert mc.world and {(b.x, b.y, b.z) for b in entry.blocks} == set(mc.world)
        r.say("Steve", "!tree undo")
        r.told("Steve", "removed your 'oak tree'")
        assert mc.world == {}
    finally:
        r.stop()


def test_place_preview_and_forest_from_the_cli(server, fake_minecraft, tmp_path, monkeypatch):
    mc = fake_minecraft
    mc.floor_y = 63
    monkeypatch.setenv("SAPLING_RCON_PASSWORD", "pw")
    runner = CliRunner()
    journal = tmp_path / "j.jsonl"
    rcon = ["--server", server.url, "--rcon-port", str(mc.port), "--journal", str(journal)]
    r = runner.invoke(app, ["place", "-p", "oak tree", "--at", "0", "70", "0", "--seed", "4", "--preview", "--preview-entities", ENTITIES, *rcon],
                      input="n\n")
    assert r.exit_code == 0, r.output
    assert "preview of 'oak tree'" in r.output and "preview removed" in r.output
    assert mc.world == {} and mc.tagged(PREVIEW_TAG) == []
    r = runner.invoke(app, ["place", "-p", "oak tree", "--at", "0", "70", "0", "--seed", "4", "--preview", "--preview-entities", ENTITIES, *rcon],
                      input="\n")
    assert r.exit_code == 0, r.output
    assert "done:" in r.output and mc.world and mc.tagged(PREVIEW_TAG) == []
    assert min(y for _, y, _ in mc.world) == 64  # on the ground, not at y 70
    assert runner.invoke(app, ["undo", *rcon[2:]]).exit_code == 0 and mc.world == {}
    r = runner.invoke(app, ["place", "-p", "oak tree", "--at", "0", "64", "0", "--forest", "3", "--radius", "32",
                            *rcon])
    assert r.exit_code == 0, r.output
    assert "3 of 3 trees found a place" in r.output and mc.world
    assert runner.invoke(app, ["undo", *rcon[2:]]).exit_code == 0 and mc.world == {}
    r = runner.invoke(app, ["place", "-p", "oak", "--at", "0", "64", "0", "--forest", "99", *rcon])
    assert r.exit_code == 1 and "tree count must be a whole number from 1 to 16" in r.output
