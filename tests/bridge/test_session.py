"""The tree-request state machine both editions drive (pure: no server, no game, no asyncio)."""

from dataclasses import replace

import pytest

from sapling.bridge.placement import Block
from sapling.bridge.session import (LOST_CONNECTION, NO_TREE, CancelRequest, DropQueued, Finish, Phase, Place, Remove,
                                    Rules, Say, Status, Submit, Tone, TreeRequest)
from sapling.server import protocol

JAVA = Rules(trigger="!tree")
BEDROCK = Rules(journal=False, defer_decorations=True, cancel_stops_placing=True, retry_in_the_way=False,
                explain_server_errors=True)
ANCHOR = (100, 64, 100)
LOG = "minecraft:oak_log[axis=y]"
LEAF = "minecraft:oak_leaves[persistent=true]"
VINE = "minecraft:vine[east=false,north=true,south=false,up=false,west=false]"
RID = "r1"


def progress(blocks, step=1, steps=4, sample=0):
    """A progress message of blocks given relative to the origin."""
    return {"type": "progress", "id": RID, "sample": sample, "step": step, "steps": steps,
            "blocks": [list(b) for b in blocks]}


def structure(blocks, sample=0):
    palette = ["minecraft:air"] + sorted({s for *_, s in blocks})
    return {"type": "structure", "id": RID, "sample": sample, "size": [16, 16, 16], "origin": [8, 1, 8],
            "palette": palette, "blocks": [[x, y, z, palette.index(s)] for x, y, z, s in blocks], "metrics": {}}


def world(x, y, z, state):
    return Block(ANCHOR[0] + x, ANCHOR[1] + y, ANCHOR[2] + z, state)


def of(kind, actions):
    return [a for a in actions if isinstance(a, kind)]


class Game:
    """Answers Place and Remove at once, as Java does: blocks at ``occupied`` positions find no air."""

    def __init__(self, tree, occupied=()):
        self.tree, self.occupied = tree, set(occupied)
        self.placed_commands: list[Block] = []
        self.said: list[Say] = []

    def run(self, actions):
        """Carry out ``actions`` and everything they lead to; return the Finish action, if any."""
        todo = list(actions)
        while todo:
            a = todo.pop(0)
            if isinstance(a, Place):
                self.placed_commands += a.blocks
                todo += self.tree.on_placed([b for b in a.blocks if (b.x, b.y, b.z) not in self.occupied])
            elif isinstance(a, Remove):
                todo += self.tree.on_removed(a.blocks, len(a.blocks))
            elif isinstance(a, Say):
                self.said.append(a)
            elif isinstance(a, Finish):
                return a
        return None


def test_a_tree_grows_then_the_final_structure_is_the_truth():
    tree = TreeRequest("oak tree", "normal", "Steve", seed=7, rules=JAVA)
    assert tree.phase is Phase.NEW
    [submit] = tree.start(ANCHOR, RID)
    assert submit == Submit({"type": "generate", "id": RID, "prompt": "oak tree", "size": "normal", "stream": True,
                             "seed": 7})
    assert tree.streaming
    game = Game(tree, occupied={(100, 66, 100)})
    assert tree.on_reply(protocol.accepted(RID, 3)) == [Say("growing 'oak tree' (2 ahead of you)")]
    actions = tree.on_reply(progress([(0, 2, 0, LEAF), (0, 0, 0, LOG), (0, 1, 0, LOG), (1, 3, 0, LEAF)]))
    assert actions[0] == Say("25%", Tone.GRAY)
    [place] = of(Place, actions)
    assert [b.state for b in place.blocks] == [LOG, LOG, LEAF, LEAF]  # support order: logs, then leaves
    assert game.run(actions) is None and tree.phase is Phase.GROWING
    assert set(tree.placed) == {(100, 64, 100), (100, 65, 100), (101, 67, 100)}  # (0,2,0) was in the way
    # The final tree drops the leaf at (1,3,0) and adds one at (0,3,0).
    final = [(0, 0, 0, LOG), (0, 1, 0, LOG), (0, 2, 0, LEAF), (0, 3, 0, LEAF)]
    assert tree.on_reply(structure(final)) == []
    actions = tree.on_reply(protocol.done(RID, 5))
    assert actions == [Remove((world(1, 3, 0, LEAF),))]
    finish = game.run(actions)
    assert game.placed_commands[-2:] == [world(0, 2, 0, LEAF), world(0, 3, 0, LEAF)]  # Java tries the skipped one again
    outcome = finish.outcome
    assert tree.finished and outcome.status is Status.DONE and outcome.status == "done"
    assert (outcome.message, outcome.placed, outcome.skipped, outcome.removed) == ("3 blocks placed", 3, 1, 1)
    assert outcome.lines == (Say("done: 3 blocks placed, 1 skipped (something was in the way); "
                                 "'!tree undo' removes it"),)
    assert outcome.entry.who == "Steve" and outcome.entry.anchor == ANCHOR
    assert sorted(outcome.entry.blocks) == sorted([world(0, 0, 0, LOG), world(0, 1, 0, LOG), world(0, 3, 0, LEAF)])
    assert outcome.structure["palette"] == structure(final)["palette"]
    assert tree.on_reply(protocol.done(RID, 5)) == [] and tree.cancel() == []  # finished: nothing more


def test_bedrock_rules_defer_decorations_wait_for_answers_and_do_not_retry():
    tree = TreeRequest("oak tree", rules=BEDROCK)
    tree.start(ANCHOR, RID)
    actions = tree.on_reply(progress([(0, 0, 0, LOG), (0, 1, 0, LOG), (0, 0, -1, VINE)]))
    [place] = of(Place, actions)
    assert VINE not in {b.state for b in place.blocks}  # the vine waits for the final tree
    tree.on_reply(structure([(0, 0, 0, LOG), (0, 1, 0, LOG), (0, 0, -1, VINE)]))
    # The server is done before the game answered: nothing happens until it has.
    assert tree.on_reply(protocol.done(RID, 5)) == [] and tree.phase is Phase.SETTLING
    actions = tree.on_placed([place.blocks[0]])  # (0,1,0) found no air
    [final_place] = of(Place, actions)
    assert final_place.blocks == (world(0, 0, -1, VINE),)  # asked for once already: not again
    [finish] = tree.on_placed(final_place.blocks)
    assert finish.outcome.lines == (Say("done: 2 blocks placed, 1 skipped (something was in the way)"),)
    assert finish.outcome.entry is None  # no journal


def test_blocks_compare_as_the_world_spells_them():
    rules = replace(BEDROCK, same=lambda state: state.split("[")[0])
    tree = TreeRequest("oak", rules=rules)
    tree.start(ANCHOR, RID)
    [place] = tree.on_reply(progress([(0, 0, 0, LOG)], step=4, steps=4))  # the last step: no percentage
    tree.on_placed(place.blocks)
    tree.on_reply(structure([(0, 0, 0, "minecraft:oak_log[axis=x]")]))  # the same block for this world
    [finish] = tree.on_reply(protocol.done(RID, 5))
    assert (finish.outcome.status, finish.outcome.placed, finish.outcome.removed) == (Status.DONE, 1, 0)


@pytest.mark.parametrize("rules, placed_after_cancel, status, line", [
    (JAVA, True, Status.DONE, "done: 2 blocks placed; '!tree undo' removes it"),
    (BEDROCK, False, Status.CANCELLED, "cancelled (1 blocks placed)"),
])
def test_cancel_asks_the_server_once_and_bedrock_stops_placing(rules, placed_after_cancel, status, line):
    tree = TreeRequest("oak", who="Steve", rules=rules)
    tree.start(ANCHOR, RID)
    game = Game(tree)
    game.run(tree.on_reply(progress([(0, 0, 0, LOG)])))
    cancel = tree.cancel()
    assert of(CancelRequest, cancel) == [CancelRequest()]
    assert (DropQueued() in cancel) is rules.cancel_stops_placing
    assert tree.cancel() == []
    assert bool(of(Place, tree.on_reply(progress([(0, 1, 0, LOG)], step=2)))) is placed_after_cancel
    # The server finished before the cancel reached it.
    tree.on_reply(structure([(0, 0, 0, LOG), (0, 1, 0, LOG)]))
    actions = tree.on_reply(protocol.done(RID, 5))
    if placed_after_cancel:
        actions = tree.on_placed([world(0, 1, 0, LOG)]) + actions
    finish = game.run(actions)
    assert finish.outcome.status is status and finish.outcome.lines[0].text == line


@pytest.mark.parametrize("rules, entry", [(JAVA, True), (BEDROCK, False)])
def test_a_cancelled_reply_keeps_what_was_placed(rules, entry):
    tree = TreeRequest("oak", who="Steve", rules=rules)
    tree.start(ANCHOR, RID)
    Game(tree).run(tree.on_reply(progress([(0, 0, 0, LOG), (0, 1, 0, LOG)])))
    tree.cancel()
    actions = tree.on_reply(protocol.error("cancelled", "cancelled by the client", RID))
    assert actions[0] == DropQueued()
    outcome = actions[-1].outcome
    assert (outcome.status, outcome.message, outcome.placed) == (Status.CANCELLED, "cancelled by the client", 2)
    undo = "; '!tree undo' removes them" if entry else ""
    assert outcome.lines == (Say(f"cancelled (2 blocks placed{undo})", Tone.YELLOW),)
    assert (outcome.entry is not None) is entry


def test_an_error_waits_for_placements_in_flight():
    tree = TreeRequest("oak", rules=BEDROCK)
    tree.start(ANCHOR, RID)
    [place] = of(Place, tree.on_reply(progress([(0, 0, 0, LOG)])))
    assert tree.on_reply(protocol.error("internal", "generation failed: boom", RID)) == [DropQueued()]
    assert tree.phase is Phase.STOPPING and not tree.streaming
    assert tree.cancel() == [DropQueued()]  # the server request is over: nothing to cancel there
    [finish] = tree.on_placed(place.blocks)
    assert (finish.outcome.status, finish.outcome.placed) == (Status.FAILED, 1)


@pytest.mark.parametrize("code, status, java_line, bedrock_line", [
    ("busy", Status.REFUSED, "the queue is full", "the server is busy: the queue is full"),
    ("invalid_request", Status.REFUSED, "the queue is full", "the server refused the request: the queue is full"),
    ("internal", Status.FAILED, "the queue is full", "generation failed: the queue is full"),
    ("unauthorized", Status.REFUSED, "the queue is full", "the server said no: the queue is full"),
])
def test_server_errors_are_a_status_not_a_text(code, status, java_line, bedrock_line):
    for rules, line, message in ((JAVA, java_line, "the queue is full"),
                                 (BEDROCK, bedrock_line, f"{code}: the queue is full")):
        tree = TreeRequest("oak", rules=rules)
        tree.start(ANCHOR, RID)
        [finish] = tree.on_reply(protocol.error(code, "the queue is full", RID))[1:]
        assert finish.outcome.status is status and finish.outcome.message == message
        assert finish.outcome.lines == (Say(line, Tone.RED),)
        assert finish.outcome.entry is None  # nothing was placed: nothing to journal


def test_cancel_before_start_ends_it_at_start():
    tree = TreeRequest("oak", rules=BEDROCK)
    assert tree.cancel() == []
    [finish] = tree.start(ANCHOR, RID)
    assert finish.outcome.status is Status.CANCELLED and finish.outcome.anchor == ANCHOR
    assert finish.outcome.lines == (Say("cancelled", Tone.YELLOW),)


def test_no_tree_connection_lost_and_messages_not_ours():
    tree = TreeRequest("oak", who="Steve", rules=JAVA)
    tree.start(ANCHOR, RID)
    assert tree.on_reply({**protocol.accepted("other", 1)}) == []
    assert tree.on_reply(progress([(0, 0, 0, LOG)], sample=1)) == []  # only the first sample is placed
    assert tree.on_reply({"type": "pong"}) == []
    [finish] = tree.on_reply(protocol.done(RID, 5))
    assert (finish.outcome.status, finish.outcome.message) == (Status.FAILED, NO_TREE)
    assert finish.outcome.lines == (Say(f"failed: {NO_TREE}", Tone.RED),)

    tree = TreeRequest("oak", who="Steve", rules=JAVA)
    tree.start(ANCHOR, RID)
    Game(tree).run(tree.on_reply(progress([(0, 0, 0, LOG)])))
    [finish] = tree.connection_lost()
    assert finish.outcome.status is Status.CONNECTION_LOST and finish.outcome.message == LOST_CONNECTION
    assert finish.outcome.entry.blocks == [world(0, 0, 0, LOG)]  # journaled, so undo removes it


def test_unclaimed_blocks_are_neither_ours_nor_skipped():
    tree = TreeRequest("oak", rules=JAVA)
    tree.start(ANCHOR, RID)
    tree.on_reply(structure([(0, 0, 0, LOG), (0, 1, 0, LOG), (0, 2, 0, LOG)]))
    [place] = tree.on_reply(protocol.done(RID, 5))
    [finish] = tree.on_placed(place.blocks[:1], unclaimed=2)  # two filled, but identical blocks stood there
    assert (finish.outcome.placed, finish.outcome.skipped) == (1, 0)
    assert finish.outcome.lines[0].text == "done: 1 blocks placed; '!tree undo' removes it"


def test_percentages_go_by_quarters():
    tree = TreeRequest("oak", rules=JAVA)
    tree.start(ANCHOR, RID)
    said = [a.text for step in range(1, 17) for a in of(Say, tree.on_reply(progress([], step=step, steps=16)))]
    assert said == ["25%", "50%", "75%"]


def test_the_done_line_names_a_species_the_prompt_did_not_name_plainly():
    from sapling.bridge.session import done_text

    palm = {"chosen": "jungle", "by": "prompt", "plain": False, "why": "closest in meaning: jungle"}
    assert done_text(40, 0, "!tree", palm) == "done: 40 blocks placed, a jungle tree; '!tree undo' removes it"
    assert done_text(40, 0, None, {"chosen": "dark_oak", "plain": False}) == "done: 40 blocks placed, a dark oak tree"
    assert done_text(40, 0, None, {"chosen": "oak", "plain": False}) == "done: 40 blocks placed, an oak tree"
    assert done_text(40, 0, None, {"chosen": "birch", "plain": True}) == "done: 40 blocks placed"  # "birch tree"
    assert done_text(40, 0, None, None) == "done: 40 blocks placed"
