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
import math
import random
import re
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from sapling.blocks import BlockVocab, parse_state
from sapling.bridge.bedrock import (NO_ANSWER, BedrockError, BedrockSession, ChatMessage, CommandQueue,
                                    CommandResult, Pose, UndoResult, anchor_for, chat_from_event, endpoints,
                                    journal_path, place_command, player_pose, rawtext, remove_command)
from sapling.bridge.bedrock.blocks import to_bedrock
from sapling.bridge.bedrock.session import count_undo, reach, undo_text
from sapling.bridge.placement import Block, Journal, PlacementError, to_world
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


@pytest.mark.parametrize("number, dimension", [(0, "overworld"), (1, "nether"), (2, "the_end")])
def test_the_pose_names_the_dimension(number, dimension):
    details = json.dumps([{"dimension": number, "position": {"x": 0.5, "y": 65.62, "z": 0.5}, "uniqueId": "-1",
                           "yRot": 0}])
    assert player_pose({"statusCode": 0, "details": details}).dimension == dimension


@pytest.mark.parametrize("dimension", [3, -1, "0", None, True])
def test_an_unknown_dimension_is_refused(dimension):
    details = json.dumps([{"dimension": dimension, "position": {"x": 0, "y": 64, "z": 0}, "uniqueId": "-1",
                           "yRot": 0}])
    with pytest.raises(BedrockError, match="dimension this bridge does not know"):
        player_pose({"statusCode": 0, "details": details})


def test_commands_run_in_the_players_dimension_and_tests_ignore_what_the_game_sets():
    leaf = Block(1, 70, -3, "minecraft:birch_leaves[persistent=true]")
    assert place_command(leaf, "nether") == \
        'execute in nether run setblock 1 70 -3 birch_leaves ["persistent_bit"=true,"update_bit"=false] keep'
    assert remove_command(leaf, "the_end") == \
        'execute in the_end if block 1 70 -3 birch_leaves ["persistent_bit"=true] run setblock 1 70 -3 air'
    log = Block(0, 64, 0, "minecraft:oak_log[axis=y]")
    assert remove_command(log, "overworld") == \
        'execute in overworld if block 0 64 0 oak_log ["pillar_axis"="y"] run setblock 0 64 0 air'
    with pytest.raises(BedrockError, match="unknown dimension"):
        place_command(log, "the_moon")


def test_undo_reports_and_journal_files():
    assert journal_path("x/sapling-bedrock-journal.jsonl", "nether") == Path("x/sapling-bedrock-journal.nether.jsonl")
    assert reach((0, 64, 10), (0.5, 64.0, 0.5)) == pytest.approx(10.0) and reach(None, (1e6, 0, 0)) == 0
    results = [CommandResult(0), CommandResult(0), CommandResult(COULD_NOT_PLACE, "Execute subcommand if block test "
                                                                                   "failed.")]
    assert count_undo(results) == UndoResult(2, 1, 0)
    assert undo_text("oak", count_undo(results), "!tree") == \
        "removed your 'oak' (2 blocks; 1 changed since, left as they are)"
    lost = count_undo([CommandResult(0), CommandResult(NO_ANSWER), CommandResult(SYNTAX, "Syntax error")])
    assert lost == UndoResult(1, 0, 2)
    assert undo_text("oak", lost, "!grow") == ("the game did not answer for 2 blocks of your 'oak' (1 removed): "
                                               "'!grow undo' again takes out the rest")


def test_rawtext_is_json_whatever_the_text():
    text = 'prompt "quoted" \\ } ] @a'
    assert json.loads(rawtext(text)) == {"rawtext": [{"text": "§a[Sapling]§r " + text}]}


# --- a fake game --------------------------------------------------------------------------------------

POS = r"(-?\d+) (-?\d+) (-?\d+)"
# A block argument: a name, then its states in brackets (no spaces inside, as the bridge writes them).
BLOCK_ARG = re.compile(r"^([a-z0-9_:]+)(?: (\[[^\] ]*\]))?(?= |$)")
PLACE = "execute in overworld run setblock "  # how the bridge places a block in the Overworld
QUERY = re.compile(r'^querytarget (@s|@a\[name="([^"]+)"\])$')
TELLRAW = re.compile(r'^tellraw @a\[name="([^"]+)"\] (\{.*\})$')
DIMENSION_IDS = {"overworld": 0, "nether": 1, "the_end": 2}
LOADED = 64  # blocks (horizontally) around each player that the fake keeps loaded
GROUND_Y = 63  # the fake's flat terrain: its top layer (players stand at y 64)
# The terrain of each dimension: (top layer, below it).
TERRAIN = {"overworld": ("grass_block", "dirt"), "nether": ("netherrack", "netherrack"),
           "the_end": ("end_stone", "end_stone")}
FACES = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))


class _Refused(Exception):
    """A command the game answers with an error: its statusCode and statusMessage."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _parse_block(text: str) -> tuple[str, dict]:
    """``oak_leaves ["persistent_bit"=true]`` -> ``("oak_leaves", {"persistent_bit": True})``."""
    _check_block(text)
    name, _, body = text.partition(" ")
    states = json.loads("{" + body[1:-1].replace("=", ":") + "}") if body else {}
    return name.removeprefix("minecraft:"), states


def _spell(name: str, states: dict) -> str:
    body = ",".join(f"{json.dumps(k)}={json.dumps(v)}" for k, v in sorted(states.items()))
    return f"{name} [{body}]" if body else name


class FakeBedrockGame:
    """The game's side of ``/connect``: players, and a world of block text by position per dimension.

    Commands as Bedrock 1.21 answers them over the websocket: ``setblock x y z <block> [keep]``
    (keep: into air only, else "The block couldn't be placed"), ``execute`` with ``in <dimension>``,
    ``if|unless block x y z <block>`` (a test compares only the states it names, as the game's does;
    a failed one answers "Execute subcommand if block test failed.") and ``run <command>``,
    ``querytarget`` (``@s`` is the host, the player who connected), ``tellraw``. Commands run in the
    host's dimension unless ``execute in`` says otherwise. Under the blocks of ``worlds`` lies a flat
    terrain (``TERRAIN``) up to ``ground_y`` (None: none, the void); a terrain block turned to air is
    written as ``"air"`` in ``worlds``. A block turned to air sets ``update_bit``
    on the leaves next to it, as the game marks leaves for a decay check when a neighbour changes
    (so a test naming ``update_bit=false`` would miss them). Positions further than ``LOADED`` blocks
    from every player in their dimension are not loaded: a command there fails with the same status
    as a failed test, as the game's would. ``world`` is the Overworld (``worlds[dimension]``).
    """

    def __init__(self, url: str, player: str = "Steve", feet=(0.5, 64.0, 0.5), yaw: float = 0.0, limit: int = 100,
                 world: dict | None = None, dimension: str = "overworld", ground_y: int | None = GROUND_Y):
        self.url, self.player, self.limit = url, player, limit  # player: the host
        self.ground_y = ground_y
        self.players: dict[str, dict] = {}
        self.add_player(player, feet, yaw, dimension)
        self.worlds: dict[str, dict[tuple[int, int, int], str]] = {d: {} for d in DIMENSION_IDS}
        self.worlds["overworld"].update(world or {})
        self.awaiting: dict[str, str] = {}
        self.peak = 0
        self.too_many_sent = 0
        self.subscribed: list[str] = []
        self.commands: list[str] = []
        self.answered = 0
        self.told: list[str] = []
        self.refuse = lambda line: False  # a test's way to have the game refuse some commands
        self._todo: asyncio.Queue[str] = asyncio.Queue()
        self._changed = asyncio.Condition()

    @property
    def world(self) -> dict[tuple[int, int, int], str]:
        return self.worlds["overworld"]

    def add_player(self, name: str, feet=(0.5, 64.0, 0.5), yaw: float = 0.0, dimension: str = "overworld") -> None:
        """``dimension``: a name of DIMENSION_IDS, or a number for one the bridge does not know."""
        self.players[name] = {"feet": tuple(feet), "yaw": yaw, "dimension": dimension,
                              "uniqueId": str(-4294967295 * (len(self.players) + 1))}

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

    async def wait_for_tell(self, words: str, after: int = 0) -> str:
        """The first line told (from the ``after``-th on) that holds ``words``."""
        await self.wait_until(lambda: any(words in t for t in self.told[after:]))
        return next(t for t in self.told[after:] if words in t)

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

    # --- commands ---
    def execute(self, line: str, dimension: str | None = None) -> tuple[int, str, dict]:
        """Run one command line: (statusCode, statusMessage, other body fields)."""
        if self.refuse(line):
            return SYNTAX, f"Syntax error: Unexpected \"{line[:20]}\"", {}
        dimension = dimension or self.players[self.player]["dimension"]
        word, _, rest = line.partition(" ")
        try:
            if word == "setblock":
                return self._setblock(rest, dimension)
            if word == "execute":
                return self._execute(rest, dimension)
            if m := QUERY.match(line):
                return self._query(m.group(2) or self.player)
            if m := TELLRAW.match(line):
                raw = json.loads(m.group(2))
                self.told.append("".join(part["text"] for part in raw["rawtext"]))
                return 0, "Message sent", {}
        except _Refused as refused:
            return refused.status, refused.message, {}
        return SYNTAX, f"Syntax error: Unexpected \"{line[:20]}\"", {}

    def _position(self, rest: str) -> tuple[tuple[int, int, int], str]:
        m = re.match(rf"^{POS}(?: |$)", rest)
        if not m:
            raise _Refused(SYNTAX, f"Syntax error: Unexpected \"{rest[:20]}\"")
        return tuple(int(v) for v in m.groups()), rest[m.end():]

    def _block(self, rest: str) -> tuple[str, str]:
        m = BLOCK_ARG.match(rest)
        if not m:
            raise _Refused(SYNTAX, f"Syntax error: Unexpected \"{rest[:20]}\"")
        return m.group(0), rest[m.end():].lstrip(" ")

    def block_at(self, pos: tuple[int, int, int], dimension: str = "overworld") -> str:
        """The block text at ``pos``: ``worlds``' own, else the terrain's, else air."""
        here = self.worlds[dimension].get(pos)
        if here is not None:
            return here
        if self.ground_y is not None and pos[1] <= self.ground_y:
            top, below = TERRAIN[dimension]
            return top if pos[1] == self.ground_y else below
        return "air"

    def _loaded(self, pos: tuple[int, int, int], dimension: str) -> bool:
        return any(p["dimension"] == dimension and math.hypot(p["feet"][0] - pos[0], p["feet"][2] - pos[2]) <= LOADED
                   for p in self.players.values())

    def _setblock(self, rest: str, dimension: str) -> tuple[int, str, dict]:
        pos, rest = self._position(rest)
        block, mode = self._block(rest)
        if mode not in ("", "keep", "replace", "destroy"):
            raise _Refused(SYNTAX, f"Syntax error: Unexpected \"{mode[:20]}\"")
        if not self._loaded(pos, dimension):
            raise _Refused(COULD_NOT_PLACE, "Cannot place block outside of the world")
        world = self.worlds[dimension]
        name, states = _parse_block(block)
        here = self.block_at(pos, dimension)
        if (mode == "keep" and here != "air") or (mode != "keep" and here == _spell(name, states)):
            raise _Refused(COULD_NOT_PLACE, "The block couldn't be placed")
        if name == "air":
            world.pop(pos, None)
            if self.block_at(pos, dimension) != "air":  # terrain under it: dug out
                world[pos] = "air"
            for dx, dy, dz in FACES:  # the game asks the leaves around for a decay check
                near = (pos[0] + dx, pos[1] + dy, pos[2] + dz)
                if near in world and world[near] != "air":
                    n_name, n_states = _parse_block(world[near])
                    if "update_bit" in n_states:
                        world[near] = _spell(n_name, {**n_states, "update_bit": True})
        else:
            world[pos] = _spell(name, states)
        return 0, "Block placed", {}

    def _execute(self, rest: str, dimension: str) -> tuple[int, str, dict]:
        while rest:
            sub, _, rest = rest.partition(" ")
            if sub == "run":
                return self.execute(rest, dimension)
            if sub == "in":
                dimension, _, rest = rest.partition(" ")
                if dimension not in DIMENSION_IDS:
                    raise _Refused(SYNTAX, f"Syntax error: Unexpected \"{dimension[:20]}\"")
            elif sub in ("if", "unless"):
                kind, _, rest = rest.partition(" ")
                if kind != "block":
                    raise _Refused(SYNTAX, f"Syntax error: Unexpected \"{kind[:20]}\"")
                pos, rest = self._position(rest)
                block, rest = self._block(rest)
                if not self._loaded(pos, dimension):
                    raise _Refused(COULD_NOT_PLACE, "Cannot access blocks outside of the world")
                name, states = _parse_block(block)
                h_name, h_states = _parse_block(self.block_at(pos, dimension))
                found = h_name == name and all(h_states.get(k) == v for k, v in states.items())
                if found != (sub == "if"):
                    raise _Refused(COULD_NOT_PLACE, f"Execute subcommand {sub} block test failed.")
            else:
                raise _Refused(SYNTAX, f"Syntax error: Unexpected \"{sub[:20]}\"")
        return 0, "Execute subcommand test passed.", {}

    def _query(self, name: str) -> tuple[int, str, dict]:
        player = self.players.get(name)
        if player is None:
            return SYNTAX, "No targets matched selector", {}
        x, y, z = player["feet"]
        dimension = DIMENSION_IDS.get(player["dimension"], player["dimension"])
        details = json.dumps([{"dimension": dimension, "position": {"x": x, "y": y + 1.62001, "z": z},
                               "uniqueId": player["uniqueId"], "yRot": player["yaw"]}])
        return 0, details, {"details": details}


# A block argument the game's parser takes: a name (digits too: light_block_0), then states.
GAME_BLOCK = re.compile(rf"^[a-z0-9_]+( \[{_STATE}(,{_STATE})*\])?$")


def _check_block(block: str) -> None:
    """What the game's command parser needs: a name, then JSON-like states in brackets."""
    assert GAME_BLOCK.match(block), block


def _plain(world: dict) -> dict:
    """A world's blocks without what the game sets by itself (``update_bit``), to compare trees."""
    out = {}
    for pos, text in world.items():
        name, states = _parse_block(text)
        states.pop("update_bit", None)
        out[pos] = _spell(name, states)
    return out


def _occupied(pos, world, ground_y=GROUND_Y) -> bool:
    """Whether the fake's block at ``pos`` (``world`` over its terrain) is not air."""
    return world.get(pos, "air" if ground_y is None or pos[1] > ground_y else "terrain") != "air"


def _expected(blocks, anchor, world):
    """The world after a tree of protocol ``blocks`` is placed at ``anchor`` into ``world`` (air only,
    the terrain under it counting as occupied)."""
    out = dict(world)
    for b in to_world(blocks, anchor):
        if not _occupied((b.x, b.y, b.z), world):
            out.setdefault((b.x, b.y, b.z), to_bedrock(b.state))
    return out


def _stones(anchor, radius=8, height=16):
    """Scattered pre-existing blocks around the anchor, none over it: a player's builds that must survive."""
    ax, ay, az = anchor
    return {(x, y, z): "stone" for x in range(ax - radius, ax + radius) for y in range(ay - 1, ay + height)
            for z in range(az - radius, az + radius) if (x * 7 + y * 3 + z * 5) % 11 == 0 and (x, z) != (ax, az)}


# --- end to end: sapling serve at /bedrock -------------------------------------------------------------

def test_sapling_serve_grows_a_tree_in_a_bedrock_world_and_undoes_it(tiny_pipeline, tmp_path):
    from sapling.server.app import BackgroundServer, ServerSettings

    # The player stands at x 100.5, feet at y 64, z -20.5, looking west (yRot 90): the anchor is
    # 10 blocks west at their feet.
    anchor = (90, 64, -21)
    world = _stones(anchor)
    journal = tmp_path / "bedrock.jsonl"
    with BackgroundServer(tiny_pipeline, ServerSettings(port=0), endpoints=endpoints(journal)) as srv:
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
                assert _plain(game.world) == _plain(expected)
                in_the_way = sum(1 for x, y, z, _ in truth if _occupied((x + 90, y + 64, z - 21), world))
                assert in_the_way > 0  # some stones stood where the tree wanted blocks: they stayed
                placed = len(truth) - in_the_way
                assert f"done: {placed} blocks placed, {in_the_way} skipped" in done and "'!tree undo'" in done
                assert game.peak <= 100 and game.too_many_sent == 0
                assert any(t.startswith("§a[Sapling]§r growing 'oak tree'") for t in game.told)

                # Not chat, or caused by the server: ignored. Then a refused prompt, then help.
                await game.chat("!tree oak tree", sender="External", kind="tell")
                await game.chat("!tree oak tree", kind="say")
                await game.chat("!tree " + "x" * 300)
                assert "300 characters long" in await game.wait_for_tell("at most 200")
                await game.chat("!tree help")
                assert "undo removes your last tree" in await game.wait_for_tell("cancel stops")
                assert _plain(game.world) == _plain(expected)  # nothing placed by any of them
                assert sum(c.startswith("querytarget") for c in game.commands) == 1  # only for the tree

                # Undo: every block of ours goes, the stones stay; a second undo finds nothing.
                assert journal_path(journal, "overworld").exists()
                await game.chat("!tree undo")
                assert await game.wait_for_tell("removed your 'oak tree'") == \
                    f"§a[Sapling]§r removed your 'oak tree' ({placed} blocks)"
                assert game.world == world
                await game.chat("!tree undo")
                await game.wait_for_tell("nothing of yours to undo in the Overworld")
                assert game.world == world

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


async def _session_server(scripted: ScriptedServer, sessions: list, journal=None, **options):
    async def handler(connection):
        outbox: asyncio.Queue = asyncio.Queue()

        async def write():
            while True:
                await connection.send(await outbox.get())

        writer = asyncio.create_task(write())
        session = BedrockSession(outbox.put_nowait, scripted.submit, journal=journal, **options)
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
                await game.wait_until(lambda: sum(c.startswith(PLACE) for c in game.commands) == to_place)
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
                assert _plain(game.world) == _plain(expected)
                assert (2, 69, 13) not in game.world  # our stale leaf went
                assert '"update_bit"=true' in game.world[(1, 69, 13)]  # the game marked its neighbour
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
                # The session is free again (the next tree goes beside the cancelled one, whose logs
                # would be in its way); disconnecting mid-tree cancels the server request.
                game.players["Steve"]["feet"] = (20.5, 64.0, 0.5)
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
                assert not [c for c in game.commands if c.startswith(("querytarget", "execute"))]

        asyncio.run(asyncio.wait_for(scenario(), TIMEOUT))


# --- undo and dimensions, against the fake game over a real websocket --------------------------------

LOG_Y = "minecraft:oak_log[axis=y]"
# A small tree (offsets from the anchor): a trunk, a crown and a vine; the anchor of a player at the
# origin looking south is (0, 64, 10).
TREE = ([(0, y, 0, LOG_Y) for y in range(4)]
        + [(x, y, z, LEAF) for x in (-1, 0, 1) for y in (3, 4) for z in (-1, 0, 1) if (x, z) != (0, 0) or y == 4]
        + [(0, 2, -1, VINE)])
ANCHOR = (0, 64, 10)


def _world_of(blocks, anchor=ANCHOR):
    return {(b.x, b.y, b.z): to_bedrock(b.state) for b in to_world(blocks, anchor)}


async def _grow(game: FakeBedrockGame, scripted: ScriptedServer, player: str = "Steve", blocks=TREE) -> str:
    """``player`` asks for an oak tree; the scripted server answers with ``blocks``: the done line."""
    scripted.submitted.clear()
    told = len(game.told)
    await game.chat("!tree oak tree", sender=player)
    await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
    rid = scripted.requests[-1]["id"]
    scripted.send(_structure(rid, blocks))
    scripted.finish(protocol.done(rid, 5))
    return await game.wait_for_tell("done:", after=told)


async def _say(game: FakeBedrockGame, player: str, text: str, expect: str) -> str:
    """``player`` types ``text``; the first line told after it that holds ``expect``."""
    told = len(game.told)
    await game.chat(text, sender=player)
    return await game.wait_for_tell(expect, after=told)


def _run_session(scenario, journal=None, **options):
    async def main():
        scripted, sessions = ScriptedServer(), []
        server = await _session_server(scripted, sessions, journal, **options)
        port = server.sockets[0].getsockname()[1]
        try:
            await scenario(f"ws://127.0.0.1:{port}/bedrock", scripted, sessions)
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(asyncio.wait_for(main(), TIMEOUT))


def test_undo_removes_exactly_what_was_placed(tmp_path):
    journal = tmp_path / "j.jsonl"
    stone = {(1, 67, 10): "stone"}  # a player's block where the crown wants a leaf

    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url, world=stone) as game:
            game.add_player("Alex", feet=(3.5, 64.0, 3.5))
            done = await _grow(game, scripted)
            ours = {pos: text for pos, text in _world_of(TREE).items() if pos not in stone}
            assert game.world == {**stone, **ours}
            assert f"done: {len(ours)} blocks placed, 1 skipped (something was in the way); '!tree undo' removes it" \
                in done
            [entry] = Journal(journal_path(journal, "overworld")).entries()
            assert (entry.who, entry.prompt, entry.anchor) == ("Steve", "oak tree", ANCHOR)
            assert sorted((b.x, b.y, b.z) for b in entry.blocks) == sorted(ours)

            # Since then a player put glass in place of one leaf, and the game set another's update bit.
            game.world[(-1, 67, 10)] = "glass"
            game.world[(0, 68, 11)] = game.world[(0, 68, 11)].replace('"update_bit"=false', '"update_bit"=true')
            # Alex has nothing to undo; Steve, far away, is asked to come closer: nothing changes.
            await _say(game, "Alex", "!tree undo", "nothing of yours to undo in the Overworld")
            game.players["Steve"]["feet"] = (200.5, 64.0, 0.5)
            far = await _say(game, "Steve", "!tree undo", "come within")
            assert far.endswith("come within 32 blocks of your 'oak tree' (at 0 64 10) to undo it")
            before = len(game.commands)
            assert game.world[(0, 64, 10)] == 'oak_log ["pillar_axis"="y"]'

            game.players["Steve"]["feet"] = (0.5, 64.0, 0.5)
            removed = await _say(game, "Steve", "!tree undo", "removed your")
            assert removed.endswith(f"removed your 'oak tree' ({len(ours) - 1} blocks; "
                                    "1 changed since, left as they are)")
            assert game.world == {**stone, (-1, 67, 10): "glass"}  # every block of ours went, nothing else
            undo = [c for c in game.commands[before:] if c.startswith("execute")]
            assert len(undo) == len(ours) and all(c.startswith("execute in overworld if block ") for c in undo)
            assert not any("update_bit" in c for c in undo)
            assert undo[0].split()[8] == "vine" and undo[-1].split()[5:8] == ["0", "64", "10"]  # vine first, trunk last
            assert Journal(journal_path(journal, "overworld")).entries()[0].undone
            await _say(game, "Steve", "!tree undo", "nothing of yours to undo in the Overworld")
            assert game.world == {**stone, (-1, 67, 10): "glass"}

    _run_session(scenario, journal)


def test_an_undo_the_game_did_not_fully_answer_can_be_repeated(tmp_path):
    journal = tmp_path / "j.jsonl"

    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url) as game:
            await _grow(game, scripted)
            trunk_base = "execute in overworld if block 0 64 10 "
            game.refuse = lambda line: line.startswith(trunk_base)
            first = await _say(game, "Steve", "!tree undo", "did not answer")
            assert first.endswith(f"the game did not answer for 1 blocks of your 'oak tree' ({len(TREE) - 1} removed): "
                                  "'!tree undo' again takes out the rest")
            assert game.world == {(0, 64, 10): 'oak_log ["pillar_axis"="y"]'}
            first_entry, rest = Journal(journal_path(journal, "overworld")).entries()
            assert first_entry.undone and not rest.undone  # what is left is journaled on its own
            assert rest.blocks == [Block(0, 64, 10, LOG_Y)] and rest.anchor == ANCHOR and rest.who == "Steve"
            game.refuse = lambda line: False
            again = await _say(game, "Steve", "!tree undo", "removed your")
            assert again.endswith("removed your 'oak tree' (1 blocks)") and game.world == {}

    _run_session(scenario, journal)


def test_trees_grow_and_undo_in_the_asking_players_dimension(tmp_path):
    journal = tmp_path / "j.jsonl"

    async def scenario(url, scripted, sessions):
        # Steve hosts the connection from the Overworld; Alex stands in the Nether.
        async with FakeBedrockGame(url) as game:
            game.add_player("Alex", feet=(0.5, 64.0, 0.5), dimension="nether")
            game.add_player("Max", dimension=7)
            refused = await _say(game, "Max", "!tree oak tree", "failed")
            assert "you are in a dimension this bridge does not know (7)" in refused and not scripted.requests

            scripted.submitted.clear()
            await game.chat("!tree oak tree", sender="Alex")
            await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
            await _say(game, "Steve", "!tree undo", "busy growing a tree for Alex")
            rid = scripted.requests[-1]["id"]
            told = len(game.told)
            scripted.send(_structure(rid, TREE))
            scripted.finish(protocol.done(rid, 5))
            await game.wait_for_tell("done:", after=told)
            assert game.worlds["nether"] == _world_of(TREE) and game.world == {}
            assert journal_path(journal, "nether").exists() and not journal_path(journal, "overworld").exists()
            assert all(c.startswith("execute in nether run setblock ") for c in game.commands if "setblock" in c)

            game.players["Alex"]["dimension"] = "overworld"
            await _say(game, "Alex", "!tree undo", "nothing of yours to undo in the Overworld")
            game.players["Alex"]["dimension"] = "nether"
            removed = await _say(game, "Alex", "!tree undo", "removed your")
            assert removed.endswith(f"removed your 'oak tree' ({len(TREE)} blocks)")
            assert game.worlds["nether"] == {}

    _run_session(scenario, journal)


def test_without_a_journal_undo_is_off():
    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url) as game:
            done = await _grow(game, scripted)
            assert "undo" not in done
            await _say(game, "Steve", "!tree undo", "undo is off here: this server keeps no journal")
            help_line = await _say(game, "Steve", "!tree help", "cancel stops")
            assert "undo" not in help_line
            assert game.world == _world_of(TREE)

    _run_session(scenario)


# --- ground and forests ----------------------------------------------------------------------------

PATCH = "minecraft:podzol"
# TREE on a ground patch of its own: four blocks around the trunk, one layer under its base.
GROUNDED = TREE + [(x, -1, z, PATCH) for x, z in ((1, 0), (-1, 0), (0, 1), (0, -1))]


def test_a_tree_goes_on_the_ground_below_the_anchor_its_patch_only_into_open_places():
    # The ground lies 4 below the player's feet (y 60); grass grows in the anchor's column, a pit and
    # a plant lie where the patch wants blocks, and a player's stone.
    world = {(0, 61, 10): "short_grass", (1, 60, 10): "air", (-1, 60, 10): "short_grass", (0, 60, 11): "stone"}

    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url, world=world, ground_y=60) as game:
            done = await _grow(game, scripted, blocks=GROUNDED)
            base = (0, 61, 10)
            tree = _world_of(TREE, base)
            assert tree[base] == 'oak_log ["pillar_axis"="y"]'
            assert game.world == {**world, **tree, (1, 60, 10): "podzol", (-1, 60, 10): "podzol"}
            assert game.block_at((0, 60, 9)) == "grass_block"  # the terrain under the patch stays
            assert f"done: {len(tree) + 2} blocks placed, 2 skipped" in done
            probes = [c for c in game.commands if " if block " in c or " unless block " in c]
            assert probes and all(c.startswith("execute in overworld ") for c in probes)
            assert sessions[0].results[-1].anchor == base

    _run_session(scenario, None)


@pytest.mark.parametrize("column, reason", [
    ({(0, 63, 10): "water", (0, 62, 10): "water"}, "no tree here: water at y 63: trees are not planted in water"),
    ({(0, 63, 10): "oak_leaves"}, "no tree here: another tree is in the way (leaves or wood at y 63)"),
    ({(0, 64, 10): "stonebrick"}, "no tree here: the block at y 64 is not natural ground"),
])
def test_no_ground_is_a_refusal_that_changes_nothing(column, reason):
    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url, world=column) as game:
            told = await _say(game, "Steve", "!tree oak tree", "no tree here")
            assert reason in told
            assert game.world == column and not scripted.requests
            assert not [c for c in game.commands if "setblock" in c]
            assert sessions[0].results[-1].status == "refused"
        async with FakeBedrockGame(url, ground_y=None) as game:  # the void: no ground within the depth
            assert "no ground within 24 blocks below" in await _say(game, "Steve", "!tree oak tree", "no tree here")
            assert game.world == {}

    _run_session(scenario, None)


def _trunks(world) -> list[tuple[int, int, int]]:
    """Trunk bases: logs with no log under them."""
    return sorted(p for p, text in world.items()
                  if text.startswith("oak_log") and not world.get((p[0], p[1] - 1, p[2]), "").startswith("oak_log"))


def test_a_forest_grows_apart_on_the_ground_and_one_undo_removes_it(tmp_path):
    journal = tmp_path / "j.jsonl"
    # The ground lies 3 below the player's feet (a hollow); a pond covers half of it.
    pond = {(x, 61, z): "water" for x in range(-11, 12) for z in range(-11, -1)}

    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url, world=pond, ground_y=61) as game:
            told = len(game.told)
            await game.chat("!tree forest 3 10 oak tree")
            await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
            request = scripted.requests[-1]
            assert {k: request[k] for k in ("prompt", "num_samples", "stream")} == \
                {"prompt": "oak tree", "num_samples": 3, "stream": False}
            for k in range(3):
                scripted.send(dict(_structure(request["id"], GROUNDED), sample=k))
            scripted.finish(protocol.done(request["id"], 5))
            done = await game.wait_for_tell("done:", after=told)
            lines = game.told[told:]
            assert any("growing a forest of 3 'oak tree'" in t for t in lines)
            assert any("3 of 3 trees found a place" in t for t in lines)
            assert sum("planted" in t for t in lines) == 3
            trunks = _trunks(game.world)
            assert len(trunks) == 3 and all(y == 62 for _, y, _ in trunks)  # each on the ground (y 61)
            crown = math.hypot(1, 1)
            for a, b in itertools.combinations(trunks, 2):
                assert math.hypot(a[0] - b[0], a[2] - b[2]) >= 2 * crown + 1  # crowns apart
            for x, _, z in trunks:
                assert 2 <= math.hypot(x + 0.5 - 0.5, z + 0.5 - 0.5) <= 10.5
                assert z >= -1  # never in the pond
            pond_tests = [c for c in game.commands if re.search(r" block -?\d+ 61 -\d+ water", c)]
            assert pond_tests  # sites in the pond were probed, and refused
            ours = {p: t for p, t in game.world.items() if p not in pond}
            assert len(ours) == 3 * len(GROUNDED) - 3 * 4  # the patches found the terrain there
            assert f"done: {len(ours)} blocks placed in 3 trees; '!tree undo' removes the whole forest" in done
            [entry] = Journal(journal_path(journal, "overworld")).entries()
            assert entry.prompt == "forest of oak tree" and len(entry.blocks) == len(ours)
            assert entry.anchor == (0, 64, 0)

            removed = await _say(game, "Steve", "!tree undo", "removed your")
            assert removed.endswith(f"removed your 'forest of oak tree' ({len(ours)} blocks)")
            assert game.world == pond

    _run_session(scenario, journal, rng=random.Random(3))


def test_forest_limits_help_and_cancel():
    async def scenario(url, scripted, sessions):
        async with FakeBedrockGame(url) as game:
            bad = await _say(game, "Steve", "!tree forest 17 oak", "tree count")
            assert "the tree count must be a whole number from 1 to 16, got 17" in bad and not scripted.requests
            assert "forest radius" in await _say(game, "Steve", "!tree forest 3 99 oak", "forest radius")
            told = len(game.told)
            await game.chat("!tree help")
            line = await game.wait_for_tell("preview is not available on Bedrock", after=told)
            assert "!tree forest <count> [radius] <prompt>" in line and "block_display" in line
            # A cancel while the trees are generated: the request stops, nothing is placed.
            await game.chat("!tree forest 2 oak")
            await asyncio.wait_for(scripted.submitted.wait(), TIMEOUT)
            assert "cancelled (0 blocks placed" in await _say(game, "Steve", "!tree cancel", "cancelled (")
            assert scripted.cancelled == 1 and game.world == {}
            await game.wait_until(lambda: not sessions[0].busy)
            assert sessions[0].results[-1].status == "cancelled"

    _run_session(scenario, None)


def test_a_forest_asks_for_as_many_trees_as_a_request_may_hold_and_a_closer_undo():
    from sapling.bridge.bedrock.session import UNDO_REACH, forest_limit, undo_reach
    from sapling.bridge.placement import JournalEntry
    from sapling.server.app import ServerSettings
    from sapling.server.protocol import Limits

    assert forest_limit(ServerSettings()) == 8 and forest_limit(ServerSettings(limits=Limits(max_samples=2))) == 2
    tree = JournalEntry("Steve", "oak", [Block(3, 64, 4, LOG_Y)], anchor=(0, 64, 0))
    forest = JournalEntry("Steve", "forest of oak", [Block(30, 70, 0, LOG_Y), Block(0, 64, 2, LOG_Y)], anchor=(0, 64, 0))
    # A tree's blocks lie within 12 of its anchor; a forest's 30 out: its player stands 14 from the middle.
    assert undo_reach(tree) == UNDO_REACH and undo_reach(forest) == 14
    with pytest.raises(BedrockError, match="forest limits"):
        BedrockSession(lambda text: None, lambda r, m: None, max_forest=0)
