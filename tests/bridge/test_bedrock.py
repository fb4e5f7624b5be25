"""Bedrock Edition: Java -> Bedrock block states, the game-side session, and `sapling serve` at /bedrock.

``FakeBedrockGame`` plays the game's part of ``/connect``: a websocket client that answers
``subscribe`` and ``commandRequest`` messages like Bedrock 1.21 (``commandResponse`` with a
``statusCode``, ``querytarget`` details, ``setblock ... keep`` into air only, ``execute if
block``), refuses commands beyond its awaiting limit with the game's "too many commands"
error, and echoes every ``tellraw`` back as a ``PlayerMessage`` from "External" as the game
does, so a session that answered itself would loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from sapling.blocks import BlockVocab, parse_state
from sapling.bridge.bedrock import (BedrockError, BedrockSession, ChatMessage, CommandQueue, Pose, anchor_for,
                                    chat_from_event, endpoints, player_pose, rawtext)
from sapling.bridge.bedrock.blocks import to_bedrock
from sapling.bridge.placement import PlacementError, to_world
from sapling.server import protocol

TOO_MANY = -2147418109
COULD_NOT_PLACE = -2147352576
SYNTAX = -2147483648
TIMEOUT = 90  # generous: never reached unless something hangs


# --- block translation ------------------------------------------------------------------------------

_STATE = r'"[a-z_]+"=(true|false|\d+|"[a-z_]+")'
BEDROCK_BLOCK = re.compile(rf"^[a-z_]+( \[{_STATE}(,{_STATE})*\])?$")


def test_every_vocabulary_state_and_leaf_variant_translates():
    states = [s for s in BlockVocab.default().states if s != "minecraft:air"]
    leaves = sorted({parse_state(s)[0] for s in states if s.endswith("leaves[persistent=true]") or "_leaves[" in s})
    variants = [f"{name}[distance={d},persistent={p},waterlogged=false]" for name in leaves
                for d in range(1, 8) for p in ("true", "false")]
    assert len(leaves) == 11 and len(states) == 223
    for state in states + variants:
        text = to_bedrock(state)
        assert BEDROCK_BLOCK.match(text), (state, text)
        name = text.split(" ")[0]
        # Brackets hold JSON-like key=value pairs: the game's parser needs quoted keys and strings.
        if " [" in text:
            json.loads("{" + text.split(" [", 1)[1][:-1].replace("=", ":") + "}")
        assert not name.startswith("minecraft:")


@pytest.mark.parametrize("java, bedrock", [
    ("minecraft:oak_log[axis=y]", 'oak_log ["pillar_axis"="y"]'),
    ("minecraft:stripped_pale_oak_wood[axis=x]", 'stripped_pale_oak_wood ["pillar_axis"="x"]'),
    ("minecraft:cherry_wood[axis=z]", 'cherry_wood ["pillar_axis"="z"]'),  # no stripped_bit since 1.21.40
    ("minecraft:muddy_mangrove_roots[axis=y]", 'muddy_mangrove_roots ["pillar_axis"="y"]'),
    ("minecraft:mangrove_roots", "mangrove_roots"),
    ("minecraft:birch_leaves[persistent=true]", 'birch_leaves ["persistent_bit"=true,"update_bit"=false]'),
    # Natural leaves: update_bit=false, as in the game data (minecraft-data blocksJ2B) and Amulet.
    ("minecraft:oak_leaves[distance=4,persistent=false]", 'oak_leaves ["persistent_bit"=false,"update_bit"=false]'),
    ("minecraft:flowering_azalea_leaves[persistent=true]",
     'azalea_leaves_flowered ["persistent_bit"=true,"update_bit"=false]'),
    ("minecraft:azalea_leaves[persistent=true]", 'azalea_leaves ["persistent_bit"=true,"update_bit"=false]'),
    ("minecraft:vine[east=true,north=false,south=false,up=false,west=false]", 'vine ["vine_direction_bits"=8]'),
    ("minecraft:vine[east=false,north=true,south=true,up=true,west=true]", 'vine ["vine_direction_bits"=7]'),
    ("minecraft:vine[east=false,north=false,south=false,up=true,west=false]", 'vine ["vine_direction_bits"=0]'),
    ("minecraft:cocoa[age=2,facing=north]", 'cocoa ["age"=2,"direction"=2]'),
    ("minecraft:cocoa[age=0,facing=east]", 'cocoa ["age"=0,"direction"=3]'),
    ("minecraft:bee_nest[facing=south,honey_level=0]", 'bee_nest ["direction"=0,"honey_level"=0]'),
    ("minecraft:bee_nest[facing=west,honey_level=5]", 'bee_nest ["direction"=1,"honey_level"=5]'),
    ("minecraft:mangrove_propagule[age=4,hanging=true]", 'mangrove_propagule ["hanging"=true,"propagule_stage"=4]'),
    ("minecraft:pale_moss_carpet[bottom=true,east=none,north=none,south=none,west=none]",
     'pale_moss_carpet ["pale_moss_carpet_side_east"="none","pale_moss_carpet_side_north"="none",'
     '"pale_moss_carpet_side_south"="none","pale_moss_carpet_side_west"="none","upper_block_bit"=false]'),
    ("minecraft:pale_hanging_moss[tip=true]", 'pale_hanging_moss ["tip"=true]'),
    ("minecraft:moss_carpet", "moss_carpet"),
    ("minecraft:pale_moss_block", "pale_moss_block"),
    ("minecraft:rooted_dirt", "dirt_with_roots"),
    ("minecraft:coarse_dirt", "coarse_dirt"),
    ("minecraft:grass_block[snowy=false]", "grass_block"),
    ("podzol", "podzol"),
    ("minecraft:mud", "mud"),
    ("minecraft:moss_block", "moss_block"),
])
def test_known_mappings(java, bedrock):
    assert to_bedrock(java) == bedrock


@pytest.mark.parametrize("state", ["minecraft:not_a_block", "minecraft:oak_log[axis=q]", "minecraft:oak_log[color=red]",
                                   "minecraft:cocoa[age=5,facing=north]", "minecraft:bee_nest[facing=up,honey_level=0]",
                                   "othermod:oak_log[axis=y]", "minecraft:oak_log[axis=y", 'oak_log"] run kill @a',
                                   "minecraft:air"])
def test_unknown_or_malformed_states_are_refused(state):
    with pytest.raises(PlacementError):
        to_bedrock(state)


# --- the session's pure parts -------------------------------------------------------------------

def test_chat_events_only_count_what_players_typed():
    assert chat_from_event({"message": "!tree oak", "sender": "Steve", "type": "chat", "receiver": ""}) == \
        ChatMessage("Steve", "!tree oak")
    assert chat_from_event({"message": "!tree oak", "sender": "External", "type": "chat"}) is None
    assert chat_from_event({"message": "[Sapling] hi", "sender": "External", "type": "tell"}) is None
    assert chat_from_event({"message": "!tree oak", "sender": "Steve", "type": "say"}) is None
    assert chat_from_event({"properties": {"Message": "!tree oak", "Sender": "Alex", "MessageType": "chat"}}) == \
        ChatMessage("Alex", "!tree oak")  # 1.16-1.18 clients


@pytest.mark.parametrize("yaw, expected", [(0, (0, 64, 10)), (90, (-10, 64, 0)), (180, (0, 64, -10)),
                                           (-90, (10, 64, 0))])
def test_the_anchor_is_in_front_of_the_feet(yaw, expected):
    details = json.dumps([{"dimension": 0, "position": {"x": 0.5, "y": 64 + 1.62001, "z": 0.5},
                           "uniqueId": "-4294967295", "yRot": yaw}])
    pose = player_pose({"statusCode": 0, "details": details})
    assert anchor_for(pose, 10) == expected
    assert anchor_for(Pose((0.5, 64.0 - 0.08, 0.5), yaw), 10)[1] == 64  # crouching: same feet block
    with pytest.raises(BedrockError, match="where you are"):
        player_pose({"statusCode": 0, "statusMessage": "No targets matched selector"})


def test_rawtext_is_json_whatever_the_text():
    text = 'prompt "quoted" \\ } ] @a'
    assert json.loads(rawtext(text)) == {"rawtext": [{"text": "§a[Sapling]§r " + text}]}


# --- a fake game --------------------------------------------------------------------------------------

POS = r"(-?\d+) (-?\d+) (-?\d+)"
SETBLOCK = re.compile(rf"^setblock {POS} (.+) keep$")
EXECUTE = re.compile(rf"^execute if block {POS} (.+) run setblock {POS} air$")
QUERY = re.compile(r'^querytarget @a\[name="([^"]+)"\]$')
TELLRAW = re.compile(r'^tellraw @a\[name="([^"]+)"\] (\{.*\})$')


class FakeBedrockGame:
    """The game's side of ``/connect``, with a world of block text by position."""

    def __init__(self, url: str, player: str = "Steve", feet=(0.5, 64.0, 0.5), yaw: float = 0.0, limit: int = 100,
                 world: dict | None = None):
        self.url, self.player, self.feet, self.yaw, self.limit = url, player, feet, yaw, limit
        self.world: dict[tuple[int, int, int], str] = dict(world or {})
        self.awaiting: dict[str, str] = {}
        self.peak = 0
        self.too_many_sent = 0
        self.subscribed: list[str] = []
        self.commands: list[str] = []
        self.answered = 0
        self.told: list[str] = []
        self._todo: asyncio.Queue[str] = asyncio.Queue()
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> "FakeBedrockGame":
        self.ws = await connect(self.url)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._work())]
        await self.wait_until(lambda: self.subscribed)
        return self

    async def __aexit__(self, *exc) -> None:
        for t in self._tasks:
            t.cancel()
        await self.ws.close()

    async def _send(self, header: dict, body: dict) -> None:
        await self.ws.send(json.dumps({"header": {"version": 1, **header}, "body": body}))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate, timeout: float = TIMEOUT) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_for_tell(self, words: str) -> str:
        await self.wait_until(lambda: any(words in t for t in self.told))
        return next(t for t in self.told if words in t)

    async def chat(self, message: str, sender: str | None = None, kind: str = "chat") -> None:
        await self._send({"messagePurpose": "event", "requestId": "00000000-0000-0000-0000-000000000000",
                          "eventName": "PlayerMessage"},
                         {"message": message, "receiver": "", "sender": sender or self.player, "type": kind})

    async def _read(self) -> None:
        async for text in self.ws:
            msg = json.loads(text)
            header, body = msg["header"], msg["body"]
            rid = header["requestId"]
            if header["messagePurpose"] == "subscribe":
                self.subscribed.append(body["eventName"])
                await self._send({"messagePurpose": "commandResponse", "requestId": rid}, {"statusCode": 0})
            elif header["messagePurpose"] == "commandRequest":
                assert header["messageType"] == "commandRequest" and body["origin"] == {"type": "player"}
                assert isinstance(body["version"], int) and body["commandLine"]
                if len(self.awaiting) >= self.limit:
                    self.too_many_sent += 1
                    await self._send({"messagePurpose": "error", "requestId": rid},
                                     {"statusCode": TOO_MANY, "statusMessage":
                                      "Too many commands have been requested, wait for one to be done"})
                    continue
                assert rid not in self.awaiting
                self.awaiting[rid] = body["commandLine"]
                self.peak = max(self.peak, len(self.awaiting))
                self._todo.put_nowait(rid)
            await self._notify()

    async def _work(self) -> None:
        while True:
            rid = await self._todo.get()
            for _ in range(3):  # let more requests pile up, as a busy game would
                await asyncio.sleep(0)
            line = self.awaiting[rid]
            status, message, extra = self.execute(line)
            del self.awaiting[rid]  # answered: no longer counts against the limit
            self.commands.append(line)
            self.answered += 1
            await self._send({"messagePurpose": "commandResponse", "requestId": rid},
                             {"statusCode": status, "statusMessage": message, **extra})
            if line.startswith("tellraw") and status == 0:  # the game echoes it as a message from "External"
                await self.chat(self.told[-1], sender="External", kind="tell")
            await self._notify()

    def execute(self, line: str) -> tuple[int, str, dict]:
        if m := SETBLOCK.match(line):
            pos, block = tuple(int(v) for v in m.groups()[:3]), m.group(4)
            _check_block(block)
            if pos in self.world:
                return COULD_NOT_PLACE, "The block couldn't be placed", {}
            self.world[pos] = block
            return 0, "Block placed", {}
        if m := EXECUTE.match(line):
            pos, block, again = tuple(int(v) for v in m.groups()[:3]), m.group(4), tuple(int(v) for v in m.groups()[4:])
            _check_block(block)
            assert pos == again
            if self.world.get(pos) != block:
                return COULD_NOT_PLACE, "Test failed", {}
            del self.world[pos]
            return 0, "Block placed", {}
        if m := QUERY.match(line):
            if m.group(1) != self.player:
                return SYNTAX, "No targets matched selector", {}
            x, y, z = self.feet
            details = json.dumps([{"dimension": 0, "position": {"x": x, "y": y + 1.62001, "z": z},
                                   "uniqueId": "-12884901887", "yRot": self.yaw}])
            return 0, details, {"details": details}
        if m := TELLRAW.match(line):
            raw = json.loads(m.group(2))
            self.told.append("".join(part["text"] for part in raw["rawtext"]))
            return 0, "Message sent", {}
        return SYNTAX, f"Syntax error: Unexpected \"{line[:20]}\"", {}


def _check_block(block: str) -> None:
    """What the game's command parser needs: a name, then JSON-like states in brackets."""
    assert BEDROCK_BLOCK.match(block), block


def _expected(blocks, anchor, world):
    """The world after a tree of protocol ``blocks`` is placed at ``anchor`` into ``world`` (air only)."""
    out = dict(world)
    for b in to_world(blocks, anchor):
        out.setdefault((b.x, b.y, b.z), to_bedrock(b.state))
    return out


def _stones(anchor, radius=8, height=16):
    """Scattered pre-existing blocks around the anchor: a player's builds that must survive."""
    ax, ay, az = anchor
    return {(x, y, z): "stone" for x in range(ax - radius, ax + radius) for y in range(ay - 1, ay + height)
            for z in range(az - radius, az + radius) if (x * 7 + y * 3 + z * 5) % 11 == 0}


# --- end to end: sapling serve at /bedrock -------------------------------------------------------------

def test_sapling_serve_grows_a_tree_in_a_bedrock_world(tiny_pipeline):
    from sapling.server.app import BackgroundServer, ServerSettings

    # The player stands at x 100.5, feet at y 64, z -20.5, looking west (yRot 90): the anchor is
    # 10 blocks west at their feet.
    anchor = (90, 64, -21)
    world = _stones(anchor)
    with BackgroundServer(tiny_pipeline, ServerSettings(port=0), endpoints=endpoints()) as srv:
        replies: list[dict] = []
        real_submit = srv.service.submit

        def spy(request, deliver, peer="-"):  # see what the session saw: the final structure is the truth
            def tee(text):
                replies.append(json.loads(text))
                deliver(text)
            return real_submit(request, tee, peer)

        srv.service.submit = spy

        async def scenario():
            async with FakeBedrockGame(srv.url + "/bedrock?x=1", player="Steve Two", feet=(100.5, 64.0, -20.5),
                                       yaw=90.0, world=world) as game:
                assert game.subscribed == ["PlayerMessage"]
                await game.chat("!tree oak tree")
                done = await game.wait_for_tell("done:")
                parts = [m for m in replies if m["type"] in ("structure", "structure_part")]
                final = protocol.assemble(parts)
                truth = [(x, y, z, final["palette"][i]) for x, y, z, i in final["blocks"]]
                assert any(m["type"] == "progress" for m in replies)
                expected = _expected(truth, anchor, world)
                assert game.world == expected
                in_the_way = sum(1 for x, y, z, _ in truth if (x + 90, y + 64, z - 21) in world)
                assert in_the_way > 0  # some stones stood where the tree wanted blocks: they stayed
                assert f"done: {len(truth) - in_the_way} blocks placed, {in_the_way} skipped" in done
                assert game.peak <= 100 and game.too_many_sent == 0
                assert any(t.startswith("§a[Sapling]§r growing 'oak tree'") for t in game.told)

                # Not chat, or caused by the server: ignored. Then a refused prompt, then help.
                await game.chat("!tree oak tree", sender="External", kind="tell")
                await game.chat("!tree oak tree", kind="say")
                await game.chat("!tree " + "x" * 300)
                assert "300 characters long" in await game.wait_for_tell("at most 200")
                await game.chat("!tree help")
                assert "cancel stops" in await game.wait_for_tell("cancel stops")
                await game.chat("!tree undo")
                assert "not available on Bedrock" in await game.wait_for_tell("undo is not available")
                assert game.world == expected  # nothing placed by any of them
                assert sum(c.startswith("querytarget") for c in game.commands) == 1  # only for the tree

        asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def test_other_paths_keep_the_json_protocol(tiny_pipeline):
    from websockets.sync.client import connect as sync_connect

    from sapling.server.app import BackgroundServer, ServerSettings

    with BackgroundServer(tiny_pipeline, ServerSettings(port=0), endpoints=endpoints()) as srv:
        with sync_connect(srv.url + "/bedrock-not") as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=30)) == {"type": "pong"}


# --- the session against a scripted server: reconcile, back-off, cancel ----------------------------

class ScriptedServer:
    """``submit`` for a BedrockSession whose replies the test sends itself."""

    def __init__(self):
        self.requests: list[dict] = []
        self.on_message = None
        self.cancelled = 0
        self.finished = False
        self.submitted = asyncio.Event()

    def submit(self, request, on_message):
        self.requests.append(request)
        self.on_message = on_message
        self.finished = False
        on_message(protocol.accepted(request["id"], 1))
        self.submitted.set()
        return self.cancel

    def cancel(self):
        if not self.finished:
            self.cancelled += 1
            self.finish(protocol.error("cancelled", "cancelled by the client", self.requests[-1]["id"]))

    def send(self, message):
        self.on_message(message)

    def finish(self, message):
        self.finished = True
        self.on_message(message)


async def _session_server(scripted: ScriptedServer, sessions: list):
    async def handler(connection):
        outbox: asyncio.Queue = asyncio.Queue()

        async def write():
            while True:
                await connection.send(await outbox.get())

        writer = asyncio.create_task(write())
        session = BedrockSession(outbox.put_nowait, scripted.submit)
        session.ended = asyncio.Event()
        sessions.append(session)
        try:
            await session.run(connection)
        finally:
            writer.cancel()
            session.ended.set()

    return await serve(handler, "127.0.0.1", 0)


def _structure(request_id, blocks):
    palette = ["minecraft:air"] + sorted({s for *_, s in blocks})
    return {"type": "structure", "id": request_id, "sample": 0, "size": [16, 16, 16], "origin": [8, 1, 8],
            "palette": palette, "blocks": [[x, y, z, palette.index(s)] for x, y, z, s in blocks], "metrics": {}}


LEAF = "minecraft:oak_leaves[distance=1,persistent=false]"
VINE = "minecraft:vine[east=false,north=true,south=false,up=false,west=false]"


def test_reconcile_removes_only_our_stale_blocks_and_survives_too_many_commands():
    async def scenario():
        scripted, sessions = ScriptedServer(), []
        server = await _session_server(scripted, sessions)
        port = server.sockets[0].getsockname()[1]
        anchor = (0, 64, 10)  # player at the origin looking south
        world = {(1, 64, 10): "stone", (0, 66, 12): "stone"}
        try:
            async with FakeBedrockGame(f"ws://127.0.0.1:{port}/", limit=10, world=world) as game:
                await game.chat("!tree oak tree")
                await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
                rid = scripted.requests[0]["id"]
                assert scripted.requests[0] == {"type": "generate", "id": rid, "prompt": "oak tree", "size": "normal",
                                                "stream": True}
                trunk = [(0, y, 0, "minecraft:oak_log[axis=y]") for y in range(4)]
                crown = [(x, y, z, LEAF) for x, y, z in itertools.product(range(-3, 4), range(2, 6), range(-3, 4))
                         if (x, z) != (0, 0)]
                streamed = trunk + crown + [(1, 0, 0, "minecraft:oak_log[axis=x]"), (0, 1, -1, VINE)]
                scripted.send(protocol.progress(rid, 0, 1, 2, (16, 16, 16),
                                                [(x + 8, y + 1, z + 8, s) for x, y, z, s in streamed]))
                to_place = sum(s != VINE for *_, s in streamed)  # answered, placed or in the way
                await game.wait_until(lambda: sum(c.startswith("setblock") for c in game.commands) == to_place)
                assert (0, 65, 9) not in game.world  # the vine waits for the final tree
                # A player replaces one of our leaves; the final tree drops it, another leaf, and the
                # log at (1,0,0) becomes a leaf; a vine and a new leaf appear.
                game.world[(3, 69, 13)] = "glass"
                gone = {(3, 5, 3), (2, 5, 3)}
                final = [b for b in streamed if (b[0], b[1], b[2]) not in gone and b[3] != VINE
                         and (b[0], b[1], b[2]) != (1, 0, 0)]
                final += [(1, 0, 0, LEAF), (0, 6, 0, LEAF), (0, 1, -1, VINE)]
                scripted.send(_structure(rid, final))
                scripted.finish(protocol.done(rid, 5))
                done = await game.wait_for_tell("done:")
                expected = _expected(final, anchor, {**world, (3, 69, 13): "glass"})
                assert game.world == expected
                assert (2, 69, 13) not in game.world  # our stale leaf went
                assert game.world[(1, 64, 10)] == "stone"  # in the way all along: never touched
                assert game.world[(0, 65, 9)] == 'vine ["vine_direction_bits"=4]'
                assert game.too_many_sent > 0 and game.peak <= 10  # refused, backed off, resent: nothing lost
                assert not game.awaiting
                placed = len(final) - 2  # (1,0,0) and (0,2,2) are stone
                assert f"done: {placed} blocks placed, 2 skipped" in done
                result = sessions[0].results[-1]
                # Two stale blocks: ours went, the glass the player put in place of the other stayed.
                assert (result.status, result.placed, result.skipped, result.removed) == ("done", placed, 2, 1)
        finally:
            server.close()
            await server.wait_closed()
        assert all(not s.busy for s in sessions)

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def test_one_tree_at_a_time_and_cancel_by_its_owner():
    async def scenario():
        scripted, sessions = ScriptedServer(), []
        server = await _session_server(scripted, sessions)
        port = server.sockets[0].getsockname()[1]
        try:
            async with FakeBedrockGame(f"ws://127.0.0.1:{port}/bedrock") as game:
                await game.chat("!tree cancel")
                await game.wait_for_tell("nothing of yours is growing")
                await game.chat("!tree birch tree")
                await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
                rid = scripted.requests[0]["id"]
                blocks = [(8, y + 1, 8, "minecraft:birch_log[axis=y]") for y in range(5)]
                scripted.send(protocol.progress(rid, 0, 1, 4, (16, 16, 16), blocks))
                await game.wait_until(lambda: len(game.world) == 5)
                await game.chat("!tree oak tree", sender="Alex")
                assert "busy growing a tree for Steve" in await game.wait_for_tell("busy")
                await game.chat("!tree cancel", sender="Alex")
                await game.wait_until(lambda: sum("nothing of yours" in t for t in game.told) == 2)
                await game.chat("!tree cancel")
                assert "cancelled (5 blocks placed)" in await game.wait_for_tell("cancelled (")
                assert scripted.cancelled == 1 and len(scripted.requests) == 1
                await game.wait_until(lambda: not sessions[0].busy)
                assert sessions[0].results[-1].status == "cancelled"
                # The session is free again; disconnecting mid-tree cancels the server request.
                scripted.submitted.clear()
                await game.chat("!tree oak tree")
                await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
            await asyncio.wait_for(sessions[0].ended.wait(), TIMEOUT)  # the server saw the game leave
            assert scripted.cancelled == 2
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


def test_command_queue_keeps_the_window_and_resends_refused_commands():
    async def scenario():
        sent: list[dict] = []
        q = CommandQueue(lambda text: sent.append(json.loads(text)), max_awaiting=3, timeout=TIMEOUT)
        futures = [q.run(f"say {i}") for i in range(5)]
        assert len(sent) == 3 and q.awaiting == 3
        first = sent[0]["header"]["requestId"]
        q.on_reply({"requestId": first, "messagePurpose": "error"}, {"statusCode": TOO_MANY})
        assert len(sent) == 3 and q.too_many == 1  # window shrank to the 2 in flight
        q.on_reply({"requestId": sent[1]["header"]["requestId"]}, {"statusCode": 0, "statusMessage": "ok"})
        assert sent[3]["body"]["commandLine"] == "say 0"  # the refused one goes first, under a new id
        assert sent[3]["header"]["requestId"] != first
        urgent = q.run("tellraw @s {}", urgent=True)
        for msg in sent[2:]:
            q.on_reply({"requestId": msg["header"]["requestId"]}, {"statusCode": 0})
        while q.awaiting:
            for msg in list(sent):
                q.on_reply({"requestId": msg["header"]["requestId"]}, {"statusCode": 0})
        lines = [m["body"]["commandLine"] for m in sent]
        assert lines.index("tellraw @s {}") < lines.index("say 4")  # urgent jumps the queue
        results = await asyncio.gather(*futures, urgent)
        assert all(r.ok for r in results) and q.peak_awaiting <= 3
        q.close()
        assert (await q.run("say late")).status != 0

    asyncio.run(scenario())


def test_the_server_settings_choose_the_bedrock_trigger_and_size_limit(tiny_pipeline):
    from sapling.server.app import BackgroundServer, ServerSettings

    settings = ServerSettings(port=0, bedrock_trigger="!grow", bedrock_max_size="normal")
    with BackgroundServer(tiny_pipeline, settings, endpoints=endpoints()) as srv:
        async def scenario():
            async with FakeBedrockGame(srv.url + "/bedrock") as game:
                await game.chat("!grow big oak tree")
                assert "not allowed here (largest: normal)" in await game.wait_for_tell("not allowed")
                await game.chat("!grow help")
                assert "!grow <prompt>" in await game.wait_for_tell("!grow <prompt>")
                await game.chat("!tree oak tree")  # the default trigger means nothing here
                await game.chat("!grow cancel")
                await game.wait_for_tell("nothing of yours")
                assert not [c for c in game.commands if c.startswith(("querytarget", "setblock"))]

        asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))
