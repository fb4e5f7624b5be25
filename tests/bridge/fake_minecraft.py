"""A fake Minecraft Java server for tests: real RCON over loopback TCP and an in-memory world.

The RCON side copies vanilla's ``RconClient``: each packet is taken from one read of at
most 1460 bytes and the connection is closed when the length field does not match that
read (a command body over 1446 bytes, or two packets sent together, is never run); a
wrong password or a command before login is answered with id -1; an unknown packet type
gets ``Unknown request <hex>``; output is split into packets of 4096 characters.

The command side interprets what the bridge sends, with vanilla 1.21's reply texts
(messages of one command are joined without newlines, as ``RconConsoleSource`` does):
``setblock``, ``fill``, ``execute [in <dim>] (if|unless block X Y Z <block|#tag>)... [run ...]``
(tags as ``sapling.bridge.ground.TAGS`` lists vanilla's), ``data get entity``, ``tellraw``,
``list [uuids]``, ``scoreboard objectives add``, ``scoreboard players enable|get``, ``summon``
of entities with an SNBT ``block_state`` and ``Tags`` (kept in ``entities``) and ``kill
@e[type=...,tag=...]``; anything else gets the "Unknown or incomplete command" error. With
``floor_y`` set, every block at or below it that the world does not name is grass (a flat world).
Players have
UUIDs (offline-mode ones unless given) and can be targeted by name or UUID. Blocks are
canonical state strings (``sapling.blocks.canonical``); unlike vanilla the fake does not
fill in default properties, so ``oak_log`` stays ``minecraft:oak_log``.

Players act too: ``run_as(name, command)`` runs ``trigger <objective> [set <n>]`` as that player
(``/trigger`` sets only its runner's score, once per ``scoreboard players enable``), and the
players in ``clickers`` click every ``run_command`` button ``tellraw`` sends them (the click
runs before the next RCON command, as a player's click comes some time after the message).
With ``echo_log`` set, commands that vanilla reports to operators (``sendSuccess(..., true)``:
setblock, fill, objectives add, enable, trigger) are echoed into that log file as vanilla's
``logAdminCommands`` does: ``[12:00:05] [Server thread/INFO]: [Rcon: Changed the block at 1, 64, 2]``.

Tests can drop connections: ``drop_connections()`` at once (a restart while idle),
``drop_after_commands(n)`` right after running the n-th next command (its reply is lost),
``drop_after_commands(n, execute=False)`` on receiving it, without running it.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import threading
import time
import uuid as uuidlib
from pathlib import Path

from sapling.blocks import canonical, parse_state
from sapling.bridge.ground import TAGS
from sapling.errors import BlockError

FILL_LIMIT = 32768  # vanilla's commandModificationBlockLimit default
MIN_Y, MAX_Y = -64, 319
AIRS = frozenset({"minecraft:air", "minecraft:cave_air", "minecraft:void_air"})
INCOMPLETE = "Unknown or incomplete command, see below for error"
INCORRECT = "Incorrect argument for command"
NO_PLAYER = "No player was found"
NO_ENTITY = "No entity was found"
FLOOR = "minecraft:grass_block"


def offline_uuid(name: str) -> str:
    """The UUID an offline-mode server gives ``name`` (Java's ``UUID.nameUUIDFromBytes``)."""
    return str(uuidlib.UUID(bytes=hashlib.md5(f"OfflinePlayer:{name}".encode()).digest(), version=3))


def plain_text(component) -> str:
    """The text a player sees of a chat component (strings, lists, ``text`` and ``extra``)."""
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return "".join(plain_text(c) for c in component)
    if isinstance(component, dict):
        return str(component.get("text", "")) + "".join(plain_text(c) for c in component.get("extra", []))
    return ""


def click_commands(component) -> list[str]:
    """The ``run_command`` click events of a component (1.21.5+ ``click_event``, else ``clickEvent``)."""
    if isinstance(component, list):
        return [c for part in component for c in click_commands(part)]
    if not isinstance(component, dict):
        return []
    found = []
    new, old = component.get("click_event"), component.get("clickEvent")
    if isinstance(new, dict) and new.get("action") == "run_command":
        found.append(new["command"])
    elif isinstance(old, dict) and old.get("action") == "run_command":
        found.append(old["value"])
    return found + [c for part in component.get("extra", []) for c in click_commands(part)]


class _Syntax(Exception):
    """A command that does not parse: vanilla answers with the message and a context line."""

    def __init__(self, message: str, command: str = "", cursor: int | None = None):
        if cursor is None:  # raised while running, not parsing: no context line
            super().__init__(message)
            return
        cursor = min(cursor, len(command))
        context = ("..." if cursor > 10 else "") + command[max(0, cursor - 10):]
        super().__init__(message + context + "<--[HERE]")


class _Args:
    """A command's space-separated arguments, with the offsets error messages point at."""

    def __init__(self, command: str):
        self.command, self.pos, self.start = command, 0, 0

    def done(self) -> bool:
        return self.pos >= len(self.command)

    def word(self) -> str:
        if self.done():
            raise _Syntax(INCOMPLETE, self.command, len(self.command))
        end = self.command.find(" ", self.pos)
        end = len(self.command) if end < 0 else end
        self.start, self.pos = self.pos, end + 1
        return self.command[self.start:end]

    def rest(self) -> str:
        if self.done():
            raise _Syntax(INCOMPLETE, self.command, len(self.command))
        self.start, self.pos = self.pos, len(self.command)
        return self.command[self.start:]

    def integer(self) -> int:
        text = self.word()
        try:
            return int(text)
        except ValueError:
            raise _Syntax(f"Invalid integer '{text}'", self.command, self.start) from None

    def position(self) -> tuple[int, int, int]:
        pos = (self.integer(), self.integer(), self.integer())
        if not MIN_Y <= pos[1] <= MAX_Y:
            raise _Syntax("That position is out of this world!")
        return pos

    def state(self) -> str:
        text = self.word()
        try:
            return canonical(text)
        except BlockError:
            raise _Syntax(f"Unknown block type '{text}'", self.command, self.start) from None

    def end(self) -> None:
        if not self.done():
            raise _Syntax(INCORRECT, self.command, self.pos)


class FakeMinecraft:
    """A fake server: ``with FakeMinecraft() as mc: RconClient("127.0.0.1", mc.port, "pw")``."""

    def __init__(self, password: str = "pw", drop_after: int | None = None, echo_log: Path | None = None):
        self.password = password
        self.world: dict[tuple[int, int, int], str] = {}  # canonical states; missing = air (or the floor)
        self.floor_y: int | None = None  # a flat grass world up to this y, under what ``world`` names
        self.entities: list[dict] = []  # summoned: {"type", "pos", "block_state": canonical state, "tags"}
        self.players: dict[str, dict] = {}  # name -> {"pos": (x, y, z), "rotation": (yaw, pitch), "uuid": str}
        self.max_players = 20
        self.tellraws: list[tuple[str, object]] = []  # (recipient's name, component), one per recipient
        self.objectives: dict[str, str] = {}  # name -> criterion
        self.scores: dict[tuple[str, str], int] = {}  # (holder, objective) -> value
        self.unlocked: set[tuple[str, str]] = set()  # trigger scores a player may set once
        self.clickers: set[str] = set()  # players who click every button they are sent
        self.player_commands: list[tuple[str, str, str]] = []  # (player, command, reply)
        self.echo_log = echo_log
        self._clicks: list[tuple[str, str]] = []
        self.commands: list[str] = []  # every command received, run or not
        self.replies: dict[str, str] = {}  # canned replies for exact commands (long replies for tests)
        self.logins = 0  # successful logins
        self.connections = 0  # accepted TCP connections
        self.lock = threading.RLock()
        self.port = 0
        self._drop_in: int | None = None
        self._drop_execute = True
        self._listener: socket.socket | None = None
        self._clients: dict[socket.socket, threading.Thread] = {}
        self._acceptor: threading.Thread | None = None
        if drop_after is not None:
            self.drop_after_commands(drop_after)

    # --- lifecycle and test controls ---

    def start(self) -> FakeMinecraft:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, name="fake-minecraft-accept", daemon=True)
        self._acceptor.start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
            except OSError:
                pass
            self._listener.close()
            self._acceptor.join(timeout=5)
            self._listener = None
        self.drop_connections()

    def __enter__(self) -> FakeMinecraft:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_player(self, name: str, pos=(0.5, 64.0, 0.5), rotation=(0.0, 0.0), uuid: str | None = None) -> str:
        """A player comes online; returns their UUID."""
        with self.lock:
            self.players[name] = {"pos": tuple(map(float, pos)), "rotation": tuple(map(float, rotation)),
                                  "uuid": uuid or offline_uuid(name)}
            return self.players[name]["uuid"]

    def uuid(self, name: str) -> str:
        return self.players[name]["uuid"]

    def told(self, name: str) -> list[str]:
        """The plain text of every tellraw ``name`` received."""
        with self.lock:
            return [plain_text(c) for target, c in self.tellraws if target == name]

    def _player(self, target: str) -> str | None:
        """The online player a name or UUID names, or None."""
        if target in self.players:
            return target
        return next((n for n, p in self.players.items() if p["uuid"] == target.lower()), None)

    def drop_after_commands(self, n: int, execute: bool = True) -> None:
        """Close the connection on the n-th next command, after running it (its reply is lost) or without."""
        with self.lock:
            self._drop_in, self._drop_execute = n, execute

    def drop_connections(self) -> None:
        """Close every open connection now, as a restarting server does; returns once they are closed."""
        with self.lock:
            clients = list(self._clients.items())
        for conn, thread in clients:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # sends FIN and wakes the handler's recv()
            except OSError:
                pass
            thread.join(timeout=5)

    def block(self, x: int, y: int, z: int) -> str:
        if (x, y, z) in self.world:
            return self.world[(x, y, z)]
        return FLOOR if self.floor_y is not None and y <= self.floor_y else "minecraft:air"

    def tagged(self, tag: str) -> list[dict]:
        """The entities carrying ``tag``."""
        with self.lock:
            return [e for e in self.entities if tag in e["tags"]]

    # --- RCON ---

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # stopped
            thread = threading.Thread(target=self._serve, args=(conn,), name="fake-minecraft-client", daemon=True)
            with self.lock:
                self.connections += 1
                self._clients[conn] = thread
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        authed = False
        try:
            while True:
                data = conn.recv(1460)  # vanilla: one read of at most 1460 bytes is one packet
                if len(data) < 10:
                    return
                length, request_id, kind = struct.unpack_from("<iii", data)
                if length != len(data) - 4:
                    return  # too long, or two packets in one read: vanilla closes the connection
                body = data[12:].split(b"\0", 1)[0].decode("utf-8", errors="replace")
                if kind == 3:
                    authed = body != "" and body == self.password
                    with self.lock:
                        self.logins += authed
                    self._send(conn, request_id if authed else -1, 2, "")
                elif kind == 2 and not authed:
                    self._send(conn, -1, 2, "")
                elif kind == 2:
                    reply = self._receive_command(body)
                    if reply is None:
                        return
                    for i in range(0, max(len(reply), 1), 4096):  # an empty reply is one empty packet
                        self._send(conn, request_id, 0, reply[i:i + 4096])
                else:
                    self._send(conn, request_id, 0, f"Unknown request {kind & 0xFFFFFFFF:x}")
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self._clients.pop(conn, None)

    @staticmethod
    def _send(conn: socket.socket, request_id: int, kind: int, body: str) -> None:
        data = body.encode("utf-8")
        conn.sendall(struct.pack("<iii", len(data) + 10, request_id, kind) + data + b"\0\0")

    def _receive_command(self, command: str) -> str | None:
        """The reply to send, or None to drop the connection instead."""
        with self.lock:
            clicks, self._clicks = self._clicks, []
            for name, click in clicks:
                self.run_as(name, click)
            self.commands.append(command)
            drop = self._drop_in is not None and self._drop_in <= 1
            if self._drop_in is not None:
                self._drop_in = None if drop else self._drop_in - 1
            if drop and not self._drop_execute:
                return None
            reply = self.execute(command)
            return None if drop else reply

    # --- commands ---

    def execute(self, command: str) -> str:
        """Run one command against the world and return vanilla's reply text."""
        command = command.removeprefix("/")
        with self.lock:
            if command in self.replies:
                return self.replies[command]
            args = _Args(command)
            handler = {"setblock": self._setblock, "fill": self._fill, "execute": self._execute,
                       "data": self._data, "tellraw": self._tellraw, "list": self._list,
                       "scoreboard": self._scoreboard, "summon": self._summon, "kill": self._kill}.get(command.split(" ", 1)[0])
            try:
                if handler is None:
                    raise _Syntax(INCOMPLETE, command, 0)
                args.word()
                return handler(args)
            except _Syntax as exc:
                return str(exc)

    def run_as(self, name: str, command: str) -> str:
        """Run ``command`` as the online player ``name`` (only ``trigger``); returns what they are told."""
        command = command.removeprefix("/")
        with self.lock:
            args = _Args(command)
            try:
                if name not in self.players or args.word() != "trigger":
                    raise _Syntax(INCOMPLETE, command, 0)
                reply = self._trigger(name, args)
            except _Syntax as exc:
                reply = str(exc)
            self.player_commands.append((name, command, reply))
            return reply

    def _echo(self, source: str, reply: str) -> None:
        """What vanilla's broadcastToAdmins writes to the log (logAdminCommands on)."""
        if self.echo_log is not None:
            with open(self.echo_log, "a", encoding="utf-8") as f:
                f.write(f"[{time.strftime('%H:%M:%S')}] [Server thread/INFO]: [{source}: {reply}]\n")

    def _put(self, pos: tuple[int, int, int], state: str) -> None:
        if state in AIRS and (self.floor_y is None or pos[1] > self.floor_y):
            self.world.pop(pos, None)
        else:
            self.world[pos] = state  # air dug into the floor is named

    def _setblock(self, args: _Args) -> str:
        pos, state = args.position(), args.state()
        mode = "replace" if args.done() else args.word()
        args.end()
        if mode not in ("replace", "keep", "destroy"):
            raise _Syntax(INCORRECT, args.command, args.start)
        current = self.block(*pos)
        if (mode == "keep" and current not in AIRS) or (mode == "replace" and current == state):
            return "Could not set the block"
        self._put(pos, state)
        reply = "Changed the block at {}, {}, {}".format(*pos)
        self._echo("Rcon", reply)
        return reply

    def _fill(self, args: _Args) -> str:
        a, b, state = args.position(), args.position(), args.state()
        mode = "replace" if args.done() else args.word()
        args.end()
        if mode not in ("replace", "keep", "destroy"):
            raise _Syntax(INCORRECT, args.command, args.start)
        lo, hi = [min(p, q) for p, q in zip(a, b)], [max(p, q) for p, q in zip(a, b)]
        volume = (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1)
        if volume > FILL_LIMIT:
            return f"Too many blocks in the specified area (maximum {FILL_LIMIT}, specified {volume})"
        filled = 0
        for x in range(lo[0], hi[0] + 1):
            for y in range(lo[1], hi[1] + 1):
                for z in range(lo[2], hi[2] + 1):
                    current = self.block(x, y, z)
                    if (mode == "keep" and current not in AIRS) or (mode == "replace" and current == state):
                        continue
                    self._put((x, y, z), state)
                    filled += 1
        if not filled:
            return "No blocks were filled"
        self._echo("Rcon", f"Successfully filled {filled} block(s)")
        return f"Successfully filled {filled} block(s)"

    def _matches(self, pos: tuple[int, int, int], pattern: str) -> bool:
        current_name, current_props = parse_state(self.block(*pos))
        if pattern.startswith("#"):
            namespace, tag = pattern[1:].split(":", 1)
            if namespace != "minecraft" or tag not in TAGS:
                raise _Syntax(f"Unknown block tag '{pattern[1:]}'")
            return current_name.split(":", 1)[1] in TAGS[tag]
        name, props = parse_state(canonical(pattern))
        return name == current_name and all(current_props.get(k) == v for k, v in props.items())

    def _execute(self, args: _Args) -> str:
        passed, conditions = True, 0
        while not args.done():
            word = args.word()
            if word == "in":
                if args.word() not in ("minecraft:overworld", "minecraft:the_nether", "minecraft:the_end"):
                    raise _Syntax("Unknown dimension", args.command, args.start)
                continue
            if word == "run":
                if conditions == 0:
                    raise _Syntax(INCORRECT, args.command, args.start)
                # Java prints nothing when a condition stops an `execute ... run`.
                return self.execute(args.rest()) if passed else ""
            if word not in ("if", "unless") or args.word() != "block":
                raise _Syntax(INCORRECT, args.command, args.start)
            pos, pattern = args.position(), args.word()
            try:
                match = self._matches(pos, pattern)
            except BlockError:
                raise _Syntax(f"Unknown block type '{pattern}'", args.command, args.start) from None
            passed = passed and (match if word == "if" else not match)
            conditions += 1
        if conditions == 0:
            raise _Syntax(INCOMPLETE, args.command, len(args.command))
        return "Test passed" if passed else "Test failed"

    def _summon(self, args: _Args) -> str:
        kind = args.word()
        x, y, z = (float(args.word()) for _ in range(3))
        nbt = "" if args.done() else args.rest()
        m = re.search(r'block_state:\{Name:"([a-z0-9_:]+)"(?:,Properties:\{([^}]*)\})?\}', nbt)
        state = None
        if m:
            props = dict(re.findall(r'([a-z0-9_]+):"([^"]*)"', m.group(2) or ""))
            state = canonical(m.group(1) + ("[" + ",".join(f"{k}={v}" for k, v in props.items()) + "]"
                                            if props else ""))
        tags = re.search(r"Tags:\[([^\]]*)\]", nbt)
        self.entities.append({"type": kind, "pos": (x, y, z), "block_state": state,
                              "tags": re.findall(r'"([^"]+)"', tags.group(1)) if tags else []})
        return f"Summoned new {kind.split(':')[-1].replace('_', ' ').title()}"

    def _kill(self, args: _Args) -> str:
        selector = args.word()
        args.end()
        m = re.fullmatch(r"@e\[(.*)\]", selector)
        if not m:
            raise _Syntax(INCORRECT, args.command, args.start)
        want = dict(part.split("=", 1) for part in m.group(1).split(","))
        dead = [e for e in self.entities if e["type"] == want.get("type", e["type"]) and
                ("tag" not in want or want["tag"] in e["tags"])]
        if not dead:
            return NO_ENTITY
        self.entities = [e for e in self.entities if not any(e is d for d in dead)]
        return f"Killed {len(dead)} entities" if len(dead) > 1 else "Killed Block Display"

    def _data(self, args: _Args) -> str:
        if args.word() != "get" or args.word() != "entity":
            raise _Syntax(INCORRECT, args.command, args.start)
        name = args.word()
        path = None if args.done() else args.word()
        args.end()
        found = self._player(name)
        if found is None:
            return "No entity was found"
        player, name = self.players[found], found
        pos = "[" + ", ".join(f"{v!r}d" for v in player["pos"]) + "]"
        rotation = "[" + ", ".join(f"{v!r}f" for v in player["rotation"]) + "]"
        data = {"Pos": pos, "Rotation": rotation}
        if path is None:
            text = "{" + ", ".join(f"{k}: {v}" for k, v in data.items()) + "}"
        elif path in data:
            text = data[path]
        else:
            return f"Found no elements matching {path}"
        return f"{name} has the following entity data: {text}"

    def _tellraw(self, args: _Args) -> str:
        target = args.word()
        text = args.rest()
        try:
            message = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Syntax(f"Invalid chat component: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          args.command, args.start) from None
        recipients = list(self.players) if target == "@a" else [p for p in [self._player(target)] if p]
        if not recipients:
            return NO_PLAYER
        for name in recipients:
            self.tellraws.append((name, message))
            if name in self.clickers:
                self._clicks += [(name, click) for click in click_commands(message)]
        return ""  # tellraw gives no feedback

    def _list(self, args: _Args) -> str:
        uuids = not args.done() and args.word() == "uuids"
        args.end()
        names = [f"{n} ({p['uuid']})" if uuids else n for n, p in self.players.items()]
        return f"There are {len(names)} of a max of {self.max_players} players online: {', '.join(names)}"

    def _objective(self, name: str) -> str:
        if name not in self.objectives:
            raise _Syntax(f"Unknown scoreboard objective '{name}'")
        return name

    def _holder(self, holder: str) -> str:
        """A score holder: an online player's name (given by name or UUID), else the name itself."""
        return self._player(holder) or holder

    def _scoreboard(self, args: _Args) -> str:
        group, action = args.word(), args.word()
        if (group, action) == ("objectives", "add"):
            name, criterion = args.word(), args.word()
            if not args.done():
                args.rest()  # a display name
            if name in self.objectives:
                return "An objective already exists by that name"
            self.objectives[name] = criterion
            self._echo("Rcon", f"Created new objective [{name}]")
            return f"Created new objective [{name}]"
        if group != "players" or action not in ("enable", "get"):
            raise _Syntax(INCORRECT, args.command, args.start)
        holder, objective = self._holder(args.word()), self._objective(args.word())
        args.end()
        if action == "get":
            if (holder, objective) not in self.scores:
                return f"Can't get value of {objective} for {holder}; none is set"
            return f"{holder} has {self.scores[holder, objective]} [{objective}]"
        if self.objectives[objective] != "trigger":
            return "Enable only works on trigger-objectives"
        self.scores.setdefault((holder, objective), 0)
        if (holder, objective) in self.unlocked:
            return "Nothing changed. That trigger is already enabled"
        self.unlocked.add((holder, objective))
        self._echo("Rcon", f"Enabled trigger [{objective}] for {holder}")
        return f"Enabled trigger [{objective}] for {holder}"

    def _trigger(self, player: str, args: _Args) -> str:
        objective = self._objective(args.word())
        value = None
        if not args.done():
            if args.word() != "set":
                raise _Syntax(INCORRECT, args.command, args.start)
            value = args.integer()
        args.end()
        if self.objectives[objective] != "trigger":
            return "You can only trigger objectives that are 'trigger' type"
        if (player, objective) not in self.unlocked:
            return "You cannot trigger this objective yet"
        self.unlocked.discard((player, objective))  # vanilla locks it again
        if value is None:
            self.scores[player, objective] = self.scores.get((player, objective), 0) + 1
            reply = f"Triggered [{objective}]"
        else:
            self.scores[player, objective] = value
            reply = f"Triggered [{objective}] (set value to {value})"
        self._echo(player, reply)
        return reply
