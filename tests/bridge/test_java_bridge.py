"""End to end: sapling serve (tiny model) + the Java bridge + a fake Minecraft speaking real RCON,
with chat lines appended to a real log file: trees, undo, who is speaking and what a spoofed name
cannot do, the bridge's notice about command echoes."""

import threading
import time

import pytest
from fake_minecraft import click_commands  # tests/bridge is on sys.path
from typer.testing import CliRunner

from sapling.bridge.identity import CONFIRM_OBJECTIVE
from sapling.bridge.java import (
    ECHO_ADVICE,
    BridgeSettings,
    JavaBridge,
    LogFollower,
    WorldEditor,
    grow_tree,
    server_connection,
)
from sapling.bridge.placement import Journal, command_state, to_world
from sapling.bridge.rcon import RconClient
from sapling.cli import app

CHAT = "[12:00:05] [Server thread/INFO]: <{player}> {text}\n"  # vanilla, Paper, Fabric
FORGE_CHAT = ("[05Mar2025 12:00:05.123] [Server thread/INFO] [net.minecraft.server.MinecraftServer/]: "
              "<{player}> {text}\n")  # Forge, NeoForge
ANCHOR = (0, 64, 10)  # 10 blocks south of Steve at (0.5, 64, 0.5) looking south (yaw 0)


class Running:
    """A JavaBridge on a thread, with helpers to chat and wait for answers. Steve and Alex are
    online and click the confirmation buttons they are sent (they asked); tests take that away
    to play an impostor."""

    def __init__(self, server, mc, tmp_path, chat=CHAT, floor=ANCHOR[1] - 1, **settings):
        mc.floor_y = floor  # a flat grass world under the players' feet
        mc.add_player("Steve", (0.5, 64.0, 0.5), (0.0, 10.0))
        mc.add_player("Alex", (100.5, 70.0, 100.5), (90.0, 0.0))
        mc.clickers |= {"Steve", "Alex"}
        self.mc, self.chat = mc, chat
        self.log = tmp_path / "latest.log"
        self.log.write_text("[12:00:00] [Server thread/INFO]: Done (3.2s)! For help, type \"help\"\n")
        self.journal = Journal(tmp_path / "journal.jsonl")
        self.notes = []
        self.bridge = JavaBridge(BridgeSettings(server=server.url, cooldown=0, poll_interval=0.05, **settings),
                                 WorldEditor(RconClient("127.0.0.1", mc.port, "pw")), LogFollower(self.log),
                                 self.journal, notify=self.notes.append)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.bridge.run, args=(self._stop.is_set,), daemon=True)
        self._thread.start()

    def say(self, player, text):
        """A chat line in the log; ``player`` is the display name the log shows."""
        with self.log.open("a") as f:
            f.write(self.chat.format(player=player, text=text))

    def told(self, player, words, timeout=120):
        """Wait for a tellraw to ``player`` containing ``words``; return its text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.mc.told(player):
                if words in text:
                    return text
            time.sleep(0.05)
        raise AssertionError(f"{player} was never told {words!r}; got {self.mc.told(player)}")

    def buttons(self, player):
        """The /trigger commands of the confirmation buttons ``player`` was sent."""
        with self.mc.lock:
            return [c for target, msg in self.mc.tellraws if target == player for c in click_commands(msg)]

    def stop(self):
        self._stop.set()
        self._thread.join(10)


@pytest.fixture
def running(server, fake_minecraft, tmp_path):
    r = Running(server, fake_minecraft, tmp_path)
    yield r
    r.stop()


def expected_world(structure, anchor, floor=ANCHOR[1] - 1):
    # The bridge's commands name full states (every property explicit), so that is what the world holds;
    # the tree's ground patch finds the floor's grass there and leaves it.
    return {(b.x, b.y, b.z): command_state(b.state) for b in to_world(
        [(x, y, z, structure["palette"][i]) for x, y, z, i in structure["blocks"]], anchor)
        if floor is None or b.y > floor}


def test_tree_grows_in_front_of_the_player_around_what_is_there(server, fake_minecraft, tmp_path):
    running = Running(server, fake_minecraft, tmp_path, ground=False)  # at the exact anchor, into what is there
    mc = running.mc
    in_the_way = {(0, 64, 10): "minecraft:stone", (1, 66, 11): "minecraft:glass", (-2, 63, 9): "minecraft:dirt"}
    mc.world.update(in_the_way)
    running.say("Steve", "!tree oak tree")
    assert "growing 'oak tree'" in running.told("Steve", "growing")
    done = running.told("Steve", "done:")
    expected = expected_world(running.bridge.last_outcome.structure, ANCHOR)
    assert expected, "the tiny model grows something"
    for pos, state in in_the_way.items():
        assert mc.world[pos] == state  # untouched
    for pos, state in expected.items():
        if pos not in in_the_way:
            assert mc.world.get(pos) == state, pos
    # Nothing else: streamed blocks the final structure dropped were taken away again.
    assert set(mc.world) == set(expected) | set(in_the_way)
    skipped = sum(1 for pos in in_the_way if pos in expected)
    entry = running.journal.last()[0]
    assert entry.who == "Steve" and entry.prompt == "oak tree" and entry.anchor == ANCHOR
    assert entry.uuid == mc.uuid("Steve")
    assert running.buttons("Steve") == []  # --confirm guarded: a tree without --allow needs no click
    assert len(entry.blocks) == len(expected) - skipped
    assert f"{len(entry.blocks)} blocks placed" in done
    assert all(cmd.endswith(" keep") for cmd in mc.commands if cmd.startswith(("setblock", "fill")))
    running.stop()


def test_undo_removes_only_unchanged_blocks_of_the_players_last_tree(running):
    mc = running.mc
    running.say("Steve", "!tree birch tree")
    running.told("Steve", "done:")
    entry = running.journal.last()[0]
    changed = entry.blocks[0]
    mc.world[(changed.x, changed.y, changed.z)] = "minecraft:diamond_block"  # a player changed it since
    running.say("Alex", "!tree undo")
    running.told("Alex", "nothing of yours to undo")
    running.say("Steve", "!tree undo")
    running.told("Steve", "removed your 'birch tree'")
    assert mc.world == {(changed.x, changed.y, changed.z): "minecraft:diamond_block"}
    assert running.journal.last() == []
    # Steve proved it was him: he clicked the button only he was sent, which set his score.
    [button] = running.buttons("Steve")
    assert button.startswith(f"/trigger {CONFIRM_OBJECTIVE} set ") and running.buttons("Alex") == []
    assert mc.scores["Steve", CONFIRM_OBJECTIVE] == int(button.split()[-1])
    assert mc.objectives == {CONFIRM_OBJECTIVE: "trigger"}  # the one thing the bridge adds to the server


def test_a_forge_chat_line_grows_a_tree(server, fake_minecraft, tmp_path):
    r = Running(server, fake_minecraft, tmp_path, chat=FORGE_CHAT)
    try:
        r.say("Steve", "!tree birch tree")
        done = r.told("Steve", "done:")
        expected = expected_world(r.bridge.last_outcome.structure, ANCHOR)
        assert expected and fake_minecraft.world == expected
        entry = r.journal.last()[0]
        assert (entry.who, entry.uuid, entry.prompt) == ("Steve", fake_minecraft.uuid("Steve"), "birch tree")
        assert f"{len(entry.blocks)} blocks placed" in done
        r.say("Steve", "!tree undo")
        r.told("Steve", "removed your 'birch tree'")
        assert fake_minecraft.world == {}
    finally:
        r.stop()


def test_a_spoofed_name_undoes_nobodys_tree(server, fake_minecraft, tmp_path):
    """Someone whose nickname is "Steve" asks for Steve's undo: the log cannot tell, the server can."""
    mc = fake_minecraft
    r = Running(server, mc, tmp_path, confirm_timeout=1.0)
    try:
        r.say("Steve", "!tree oak tree")
        r.told("Steve", "done:")
        world = dict(mc.world)
        mc.clickers.discard("Steve")  # the real Steve did not ask, so he does not click
        r.say("Steve", "!tree undo")  # typed by the impostor
        r.told("Steve", "remove your 'oak tree'? [confirm]")
        [button] = r.buttons("Steve")
        assert r.buttons("Alex") == []  # the button went to Steve alone
        # Even knowing the command, the impostor (here: Alex) can only set their own score, and may not.
        assert mc.run_as("Alex", button) == "You cannot trigger this objective yet"
        r.told("Steve", "not confirmed in time, nothing was done: remove your 'oak tree'")
        assert mc.world == world and len(r.journal.last()) == 1
        # Steve himself asks and confirms.
        mc.clickers.add("Steve")
        r.say("Steve", "!tree undo")
        r.told("Steve", "removed your 'oak tree'")
        assert mc.world == {}
    finally:
        r.stop()


def test_a_spoofed_name_does_not_pass_the_allow_list(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path, allow=("Steve",), confirm_timeout=1.0)
    try:
        mc.clickers.discard("Steve")
        r.say("Steve", "!tree oak tree")  # the impostor again
        r.told("Steve", "not confirmed in time, nothing was done: grow 'oak tree' in front of you")
        assert mc.world == {} and r.journal.last() == []
        r.say("Alex", "!tree oak tree")
        r.told("Alex", "not allowed")
        assert r.buttons("Alex") == []
        # The real Steve, shown with his team prefix, confirms and grows his tree.
        mc.clickers.add("Steve")
        r.say("[Red] Steve", "!tree oak tree")
        r.told("Steve", "blocks placed")
        assert mc.world and r.journal.last()[0].uuid == mc.uuid("Steve")
    finally:
        r.stop()


def test_names_resolve_against_the_online_players(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path)
    try:
        mc.add_player(".Mobile_Bob", (0.5, 64.0, 0.5))  # a Bedrock player through Geyser/Floodgate
        r.say(".Mobile_Bob", "!tree help")
        r.told(".Mobile_Bob", "!tree undo removes")
        r.say("[Red] Steve [Admin]", "!tree help")
        r.told("Steve", "!tree undo removes")
        r.say("~Nick", "!tree oak tree")  # a nickname that names no online player
        for player in mc.players:  # nobody can be told alone; everyone saw the line
            assert "'~Nick' is not the name of an online player" in r.told(player, "cannot tell who asked")
        r.say("Herobrine", "!tree undo")  # not online
        r.told("Alex", "'Herobrine' is not the name of an online player")
        assert mc.world == {} and not [c for c in mc.commands if c.startswith(("setblock", "fill"))]
    finally:
        r.stop()


def test_confirm_never_takes_names_at_their_word(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path, confirm="never")
    try:
        mc.clickers.clear()
        r.say("Steve", "!tree oak tree")
        r.told("Steve", "done:")
        r.say("Steve", "!tree undo")  # whoever typed it
        r.told("Steve", "removed your 'oak tree'")
        assert mc.world == {} and r.buttons("Steve") == [] and mc.objectives == {}
    finally:
        r.stop()


def test_the_bridge_notices_its_command_echoes_once(server, fake_minecraft, tmp_path):
    mc = fake_minecraft
    r = Running(server, mc, tmp_path)
    try:
        mc.echo_log = r.log  # broadcast-rcon-to-ops=true and logAdminCommands on, as by default
        r.say("Steve", "!tree oak tree")
        r.told("Steve", "done:")
        deadline = time.monotonic() + 30
        while not r.notes and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.notes == [ECHO_ADVICE]  # once, however many echoes
        assert r.log.read_text().count("[Rcon: ") > 1
        assert "broadcast-rcon-to-ops=false" in ECHO_ADVICE and "logAdminCommands false" in ECHO_ADVICE
        # It changed no setting: nothing but placement, tellraw and reading commands went out.
        # (kill: only the display entities tagged as its previews, at start)
        assert {c.split()[0] for c in mc.commands} <= {"setblock", "fill", "execute", "data", "tellraw", "list",
                                                       "kill"}
    finally:
        r.stop()


@pytest.mark.parametrize("text, words", [
    ("!tree", "say what to grow"),
    ("!tree huge jungle tree", "not allowed here"),
    ("!tree " + "o" * 250, "at most 200"),
    ("!tree help", "!tree undo removes"),
])
def test_bad_chat_commands_get_a_message_and_place_nothing(running, text, words):
    running.say("Steve", text)
    running.told("Steve", words)
    assert running.mc.world == {}
    assert not [c for c in running.mc.commands if c.startswith(("setblock", "fill"))]


def test_allow_list_and_cooldown(server, fake_minecraft, tmp_path):
    r = Running(server, fake_minecraft, tmp_path, allow=("Steve",))
    try:
        r.say("Alex", "!tree oak tree")
        r.told("Alex", "not allowed")
        r.bridge.settings.cooldown = 3600
        r.say("Steve", "!tree oak tree")
        r.told("Steve", "done:")
        r.say("Steve", "!tree oak tree")
        r.told("Steve", "cooling down")
    finally:
        r.stop()


def test_dropping_rcon_in_mid_placement_loses_and_doubles_nothing(server, fake_minecraft):
    mc = fake_minecraft
    editor = WorldEditor(RconClient("127.0.0.1", mc.port, "pw", backoff=0.01))
    mc.drop_after_commands(5, execute=True)  # the 5th command runs but its reply is lost
    with server_connection(server.url, None) as ws:
        outcome = grow_tree(ws, editor, "spruce tree", ANCHOR, "console", seed=3, ground=False)
    assert outcome.status == "done"
    expected = expected_world(outcome.structure, ANCHOR, floor=None)
    assert mc.world == expected
    placed = [(b.x, b.y, b.z) for b in outcome.entry.blocks]
    assert len(placed) == len(set(placed)) == len(expected)  # each block journaled once
    assert editor.rcon.reconnects >= 1


def test_place_and_undo_commands(server, fake_minecraft, tmp_path, monkeypatch):
    monkeypatch.setenv("SAPLING_RCON_PASSWORD", "pw")
    journal = tmp_path / "j.jsonl"
    runner = CliRunner()
    rcon = ["--rcon-port", str(fake_minecraft.port), "--journal", str(journal)]
    fake_minecraft.floor_y = 69
    r = runner.invoke(app, ["place", "--server", server.url, "--prompt", "cherry tree", "--at", "5", "70", "5",
                            "--seed", "2", *rcon])
    assert r.exit_code == 0, r.output
    assert "placed 'cherry tree' at 5 70 5" in r.output
    assert fake_minecraft.world
    r = runner.invoke(app, ["undo", "--last", "1", *rcon])
    assert r.exit_code == 0, r.output
    assert fake_minecraft.world == {}
    r = runner.invoke(app, ["undo", *rcon])
    assert r.exit_code == 1 and "nothing to undo" in r.output
    r = runner.invoke(app, ["place", "--server", server.url, "--prompt", "oak", "--at", "0", "999", "0", *rcon])
    assert r.exit_code == 1 and "outside the world" in r.output
    monkeypatch.setenv("SAPLING_RCON_PASSWORD", "wrong")
    r = runner.invoke(app, ["place", "--server", server.url, "--prompt", "oak", "--at", "0", "64", "0", *rcon])
    assert r.exit_code == 1 and "password" in r.output.lower()
    assert fake_minecraft.world == {}


def test_bridge_java_cli_checks_its_flags(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("SAPLING_RCON_PASSWORD", "pw")
    r = runner.invoke(app, ["bridge", "java", "--log-file", str(tmp_path / "missing.log")])
    assert r.exit_code == 1 and "no such log file" in r.output
    (tmp_path / "latest.log").write_text("")
    r = runner.invoke(app, ["bridge", "java", "--log-file", str(tmp_path / "latest.log"), "--rcon-port", "1"])
    assert r.exit_code == 1 and "rcon" in r.output.lower()
    # Checked before anything connects.
    r = runner.invoke(app, ["bridge", "java", "--log-file", str(tmp_path / "latest.log"), "--confirm", "sometimes"])
    assert r.exit_code == 1 and "unknown confirm policy 'sometimes'; choose one of never, guarded, always" in r.output
    r = runner.invoke(app, ["bridge", "java", "--log-file", str(tmp_path / "latest.log"), "--confirm-timeout", "0"])
    assert r.exit_code == 1 and "--confirm-timeout must be > 0" in r.output


def test_an_unreachable_server_is_reported_to_the_player(fake_minecraft, tmp_path):
    class Gone:
        url = "ws://127.0.0.1:9"  # discard port: nothing listens there

    r = Running(Gone(), fake_minecraft, tmp_path)
    try:
        r.say("Steve", "!tree oak tree")
        assert "cannot reach the Sapling server" in r.told("Steve", "failed")
        assert fake_minecraft.world == {}
    finally:
        r.stop()
