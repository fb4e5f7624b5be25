"""Previews as display entities: the commands (valid SNBT, under the RCON limit) and the state machine."""

import itertools

import nbtlib
import pytest

from sapling.bridge.placement import Block, command_state, to_world
from sapling.bridge.preview import (MAX_PREVIEW_ENTITIES, PREVIEW_TIMEOUT_S, Done, PreviewPhase, PreviewStatus, Send,
                                    TreePreview, kill_all_command, kill_command, preview_commands, summon_command,
                                    visible_blocks)
from sapling.bridge.rcon import MAX_COMMAND_BYTES
from sapling.bridge.session import CancelRequest, Place, Say, Submit
from sapling.errors import PlacementError
from sapling.server import protocol

LOG = "minecraft:oak_log[axis=y]"
LEAF = "minecraft:oak_leaves[persistent=true]"
VINE = "minecraft:vine[east=false,north=true,south=false,up=false,west=false]"
ANCHOR = (100, 64, -30)


def entity_nbt(command):
    """The SNBT argument of a summon command, parsed as the game would (nbtlib's SNBT parser)."""
    head, x, y, z, snbt = command.split(" ", 5)[1:]
    assert head == "minecraft:block_display"
    return (float(x), float(y), float(z)), nbtlib.parse_nbt(snbt)


def test_a_summon_puts_a_tagged_display_in_the_block_with_its_full_state():
    b = Block(-3, 70, 12, LEAF)
    command = summon_command(b, "req-7")
    assert command.startswith("summon minecraft:block_display -3.0 70.0 12.0 {")  # x.0: not centred on the block
    pos, nbt = entity_nbt(command)
    assert pos == (-3.0, 70.0, 12.0)
    assert nbt["block_state"]["Name"] == "minecraft:oak_leaves"
    full = command_state(LEAF)  # what setblock places: every property explicit
    assert dict(nbt["block_state"]["Properties"]) == dict(p.split("=") for p in full[full.index("[") + 1:-1].split(","))
    assert list(nbt["Tags"]) == ["sapling_preview", "sapling_preview_req-7"]
    assert "Properties" not in entity_nbt(summon_command(Block(0, 0, 0, "minecraft:dirt"), "r"))[1]["block_state"]


def test_every_command_parses_and_fits_even_for_wordy_states_at_the_world_edge():
    states = [LOG, LEAF, VINE, "minecraft:cocoa[age=2,facing=north]", "minecraft:oak_stairs[facing=east]",
              "minecraft:mangrove_propagule[age=4,hanging=true,stage=0,waterlogged=false]",
              "minecraft:bee_nest[facing=south,honey_level=5]"]
    rid = "x" * 48
    for state, (x, z) in itertools.product(states, ((-29_999_999, 29_999_999), (0, 0))):
        command = summon_command(Block(x, -64, z, state), rid)
        assert len(command.encode()) <= MAX_COMMAND_BYTES
        entity_nbt(command)
    assert len(kill_command(rid).encode()) <= MAX_COMMAND_BYTES


def test_only_blocks_a_player_can_see_get_an_entity():
    cube = [Block(x, y, z, LOG) for x, y, z in itertools.product(range(3), repeat=3)]
    shown = visible_blocks(cube)
    assert len(shown) == 26 and Block(1, 1, 1, LOG) not in shown
    # Vines and other decorations hide nothing: a log wrapped in vines stays visible.
    wrapped = [Block(0, 0, 0, LOG)] + [Block(x, y, z, VINE) for x, y, z in
                                        ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))]
    assert len(visible_blocks(wrapped)) == 7
    assert len(preview_commands(cube, "r1")) == 26


def test_a_preview_too_big_is_refused_with_a_clear_message():
    slab = [Block(x, 64, z, LEAF) for x in range(40) for z in range(40)]
    with pytest.raises(PlacementError, match=f"1600 display entities; at most {MAX_PREVIEW_ENTITIES // 2} are shown"):
        preview_commands(slab, "r1", max_entities=MAX_PREVIEW_ENTITIES // 2)


def test_kill_commands_remove_one_preview_or_all():
    assert kill_command("r1") == "kill @e[type=minecraft:block_display,tag=sapling_preview_r1]"
    assert kill_all_command() == "kill @e[type=minecraft:block_display,tag=sapling_preview]"
    for bad in ("", "a b", "r]1", "x" * 49, 5):
        with pytest.raises(PlacementError, match="a preview id is"):
            kill_command(bad)


# --- the state machine ---

TREE = [(0, -1, 0, "minecraft:grass_block[snowy=false]"), (0, 0, 0, LOG), (0, 1, 0, LOG), (0, 2, 0, LOG),
        (1, 2, 0, LEAF), (-1, 2, 0, LEAF), (0, 3, 0, LEAF), (1, 1, 0, VINE)]


def structure(rid, blocks=TREE):
    palette = ["minecraft:air"] + sorted({s for *_, s in blocks})
    return {"type": "structure", "id": rid, "sample": 0, "size": [16, 16, 16], "origin": [8, 1, 8],
            "palette": palette, "blocks": [[x, y, z, palette.index(s)] for x, y, z, s in blocks], "metrics": {}}


def shown(preview, rid="r1", now=0.0, blocks=TREE):
    preview.on_reply(structure(rid, blocks), now)
    return preview.on_reply(protocol.done(rid, 10), now)


def test_preview_then_accept_places_exactly_what_was_shown():
    p = TreePreview("oak", seed=5, who="Alex")
    submit, = p.start(ANCHOR, "r1", now=0.0)
    assert submit == Submit({"type": "generate", "id": "r1", "prompt": "oak", "size": "normal", "seed": 5,
                             "stream": False})
    actions = shown(p)
    send, say = actions
    assert isinstance(send, Send) and all(c.startswith("summon minecraft:block_display ") for c in send.commands)
    shown_positions = {entity_nbt(c)[0] for c in send.commands}
    world = to_world(TREE, ANCHOR)
    assert shown_positions == {(float(b.x), float(b.y), float(b.z)) for b in world}  # a small tree: all visible
    assert "'!tree accept' places it" in say.text and p.phase is PreviewPhase.SHOWING
    kill, place = p.accept(now=30.0)
    assert kill == Send((kill_command("r1"),))
    assert isinstance(place, Place) and sorted(place.blocks) == sorted(world)
    done, = p.on_placed(place.blocks[:-1])  # one block found something in the way
    outcome = done.outcome
    assert outcome.status is PreviewStatus.PLACED and outcome.placed == len(world) - 1 and outcome.skipped == 1
    assert outcome.entry.who == "Alex" and outcome.entry.anchor == ANCHOR and len(outcome.entry.blocks) == 7
    assert "'!tree undo' removes it" in outcome.lines[0].text
    assert p.finished and p.accept(now=31.0) == []


def test_reroll_shows_the_next_seed_and_removes_the_old_preview():
    p = TreePreview("oak", seed=5)
    p.start(ANCHOR, "r1", 0.0)
    assert isinstance(p.reroll("r2", 1.0)[0], Say)  # still growing: nothing to reroll yet
    shown(p)
    kill, submit = p.reroll("r2", 2.0)
    assert kill == Send((kill_command("r1"),))
    assert submit.request["id"] == "r2" and submit.request["seed"] == 6 and p.seed == 6
    assert p.on_reply(structure("r1"), 3.0) == []  # the old request's late message is ignored
    actions = shown(p, "r2", 4.0, TREE[:3])
    assert all(c.endswith('"sapling_preview_r2"]}') for c in actions[0].commands)
    kill, place = p.accept(5.0)
    assert kill == Send((kill_command("r2"),)) and len(place.blocks) == 3


def test_cancel_timeout_and_failures_end_the_preview():
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    cancel, done = p.cancel(1.0)
    assert cancel == CancelRequest() and done.outcome.status is PreviewStatus.CANCELLED
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    shown(p, now=100.0)
    assert p.tick(100.0 + PREVIEW_TIMEOUT_S - 1) == []
    kill, done = p.tick(100.0 + PREVIEW_TIMEOUT_S)
    assert kill == Send((kill_command("r1"),)) and done.outcome.status is PreviewStatus.TIMED_OUT
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    shown(p)
    kill, done = p.cancel(2.0)
    assert kill == Send((kill_command("r1"),)) and done.outcome.status is PreviewStatus.CANCELLED
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    done, = p.on_reply(protocol.error("busy", "queue full", "r1"), 1.0)
    assert done.outcome.status is PreviewStatus.FAILED and "queue full" in done.outcome.lines[0].text
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    done, = shown(p, blocks=TREE + [(0, 5, 0, "minecraft:tnt[unstable=false]")])
    assert done.outcome.status is PreviewStatus.FAILED and "never placed by a generated tree" in done.outcome.message
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    assert p.connection_lost()[0].outcome.status is PreviewStatus.CONNECTION_LOST
    with pytest.raises(PlacementError, match="seed"):
        TreePreview("oak", seed=None)


def test_a_preview_never_changes_a_block():
    """Everything but accept sends only summon and kill; only accept places."""
    p = TreePreview("oak", seed=1)
    actions = p.start(ANCHOR, "r1", 0.0) + shown(p) + p.reroll("r2", 1.0) + shown(p, "r2", 2.0) + p.tick(3.0)
    actions += p.cancel(4.0)
    assert not any(isinstance(a, Place) for a in actions)
    for a in actions:
        if isinstance(a, Send):
            assert all(c.startswith(("summon minecraft:block_display ", "kill @e[type=minecraft:block_display,"))
                       for c in a.commands)
    assert isinstance(actions[-1], Done) and actions[-1].outcome.status is PreviewStatus.CANCELLED


def test_a_split_structure_is_assembled_before_showing():
    p = TreePreview("oak", seed=1)
    p.start(ANCHOR, "r1", 0.0)
    whole = structure("r1")
    half = len(whole["blocks"]) // 2
    for i, blocks in enumerate((whole["blocks"][:half], whole["blocks"][half:])):
        assert p.on_reply(dict(whole, type="structure_part", blocks=blocks, part=i, parts=2), 0.0) == []
    send, _ = p.on_reply(protocol.done("r1", 5), 0.0)
    assert len(send.commands) == len(TREE)
