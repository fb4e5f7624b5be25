"""``WorldEditor``: the world through RCON: placing into air, removing what is still ours, probing
the ground, telling players, finding them, the confirmation scoreboard."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sapling.blocks import block_kind
from sapling.bridge.ground import (
    Edition,
    Ground,
    GroundProbe,
    Query,
    java_passed,
    replace_command,
    space_queries,
)
from sapling.bridge.identity import (
    CONFIRM_OBJECTIVE,
    ONLINE_NAME,
    OnlinePlayer,
    is_uuid,
    parse_online_players,
    parse_score,
)
from sapling.bridge.placement import (
    Block,
    Command,
    order_blocks,
    plan_placement,
    setblock_command,
    undo_command,
    undo_order,
)
from sapling.bridge.rcon import (
    MAX_COMMAND_BYTES,
    RconClient,
    RconConnectionLost,
)
from sapling.errors import BridgeError

log = logging.getLogger("sapling.bridge")

_DATA_REPLY = re.compile(r"has the following entity data: \[(.*)\]\s*$")


def _numbers(reply: str, count: int, what: str) -> list[float]:
    m = _DATA_REPLY.search(reply)
    if not m:
        raise BridgeError(f"could not read the player's {what} ({reply.strip()[:80] or 'no reply'})")
    values = [float(v.strip().rstrip("dfDF")) for v in m.group(1).split(",")]
    if len(values) != count:
        raise BridgeError(f"unexpected {what}: {m.group(1)[:80]}")
    return values


# --- placing through RCON -------------------------------------------------------------------------

_FILLED = re.compile(r"Successfully filled (\d+) block")


@dataclass
class PlaceResult:
    placed: list[Block] = field(default_factory=list)
    skipped: int = 0  # something was in the way
    unclaimed: int = 0  # placed, but not told apart from identical blocks already there (not journaled)


class WorldEditor:
    """Runs placement and removal commands through RCON and knows exactly which blocks it placed.

    A dropped connection in the middle of a command is resolved by looking at the world: the
    blocks of that command that are there count as placed, the others are placed again (keep
    prevents doubling), so nothing is lost or placed twice.
    """

    def __init__(self, rcon: RconClient):
        self.rcon = rcon
        self.commands_sent = 0

    def _send(self, text: str) -> str | None:
        """A command's reply, or None when the connection dropped after it may have run."""
        self.commands_sent += 1
        try:
            return self.rcon.command(text)
        except RconConnectionLost as lost:
            if not lost.maybe_executed:
                return self._send(text)
            return None

    def _present(self, block: Block) -> bool:
        while (reply := self._send(f"execute if block {block.x} {block.y} {block.z} {block.state}")) is None:
            pass  # a test changes nothing: safe to repeat
        return reply.strip().startswith("Test passed")

    def place(self, blocks: Iterable[Block], use_fill: bool = True) -> PlaceResult:
        result = PlaceResult()
        for cmd in plan_placement(blocks, use_fill).commands:
            self._place_command(cmd, result)
        return result

    def _place_command(self, cmd: Command, result: PlaceResult) -> None:
        reply = self._send(cmd.text)
        if reply is None:  # lost mid-command: see what landed, place the rest one by one
            for b in cmd.blocks:
                if self._present(b):
                    result.placed.append(b)
                else:
                    self._place_command(Command(setblock_command(b), (b,)), result)
            return
        if not cmd.is_fill:
            if reply.startswith("Changed the block"):
                result.placed.append(cmd.blocks[0])
            elif reply.startswith("Could not set the block"):
                result.skipped += 1
            else:
                raise BridgeError(f"the server refused '{cmd.text[:60]}...': {reply.strip()[:120]}")
            return
        m = _FILLED.search(reply)
        filled = int(m.group(1)) if m else 0
        if not m and not reply.startswith("No blocks were filled"):
            raise BridgeError(f"the server refused '{cmd.text[:60]}...': {reply.strip()[:120]}")
        if filled == len(cmd.blocks):
            result.placed.extend(cmd.blocks)
            return
        result.skipped += len(cmd.blocks) - filled
        if filled:
            # Part of the box was occupied: ours are the cells holding our state, provided there are
            # exactly `filled` of them (more would mean identical blocks already stood there).
            ours = [b for b in cmd.blocks if self._present(b)]
            if len(ours) == filled:
                result.placed.extend(ours)
            else:
                result.unclaimed += filled
                log.warning("could not tell %d placed blocks from identical ones already there; "
                            "undo will leave them", filled)

    def remove(self, blocks: Iterable[Block]) -> int:
        """Turn back to air the blocks still exactly as placed; returns how many were removed."""
        removed = 0
        for b in undo_order(blocks):
            reply = self._send(undo_command(b))
            if reply is None:  # lost: if the block is gone now, it was removed
                removed += not self._present(b)
                continue
            removed += reply.startswith("Changed the block")
        return removed

    # --- asking the world: the ground, the space a tree takes ---

    def test(self, query: Query) -> bool:
        """One yes/no block test (``ground.Query``); ``BridgeError`` for a reply that is no answer."""
        return java_passed(self._query(query.command()))

    def find_ground(self, anchor: tuple[int, int, int]) -> Ground:
        """The surface under ``anchor``'s column (``ground.GroundProbe`` over RCON)."""
        probe = GroundProbe(anchor, Edition.JAVA)
        query = probe.next()
        while query is not None:
            query = probe.answer(self.test(query))
        assert probe.result is not None
        return probe.result

    def is_free(self, blocks: Iterable[Block], above_y: int) -> bool:
        """Whether every position of ``blocks`` from ``above_y`` up is air (stops at the first no)."""
        return all(self.test(q) for q in space_queries(blocks, Edition.JAVA, above_y))

    def place_on(self, blocks: Iterable[Block], ground: Ground | None = None, use_fill: bool = True) -> PlaceResult:
        """``place`` on found ground: the tree's ground patch (its ground blocks under the trunk base)
        and its blocks where plants stand (grass, snow layers) go in with ``ground.replace_command``,
        which tests and places in one command (air or a replaceable plant only: no liquid, nothing
        built, whatever changed since the probe); everything else into air only, as ``place``."""
        blocks = list(blocks)
        if ground is None or ground.base is None:
            return self.place(blocks, use_fill)
        base_y, plants = ground.base[1], set(ground.plants)
        special = [b for b in blocks if (b.x, b.y, b.z) in plants or
                   (b.y < base_y and block_kind(b.state) == "ground")]
        chosen = set(special)
        result = self.place([b for b in blocks if b not in chosen], use_fill)
        for b in order_blocks(special):
            while (reply := self._send(replace_command(b, Edition.JAVA))) is None:
                if self._present(b):  # lost after it ran
                    reply = "Changed the block"
                    break
            if reply.startswith("Changed the block"):
                result.placed.append(b)
            elif reply.strip() in ("", "Could not set the block"):
                result.skipped += 1  # not air or a plant there (any more)
            else:
                raise BridgeError(f"the server refused a ground block: {reply.strip()[:120]}")
        return result

    def send_commands(self, commands: Iterable[str]) -> None:
        """Preview commands (``summon``, ``kill``) in order; a ``summon`` the server refuses is a
        ``BridgeError`` (a server older than Java 1.19.4 has no block displays)."""
        for text in commands:
            reply = self._query(text)
            if text.startswith("summon ") and not reply.startswith("Summoned new"):
                raise BridgeError(f"the server cannot show a preview (block displays need Java 1.19.4 or newer): "
                                  f"{reply.strip()[:120]}")

    # --- talking to players, and what the server knows about them ---

    def _query(self, text: str) -> str:
        """A command that changes nothing, or nothing twice (safe to repeat after a lost reply)."""
        while (reply := self._send(text)) is None:
            pass
        return reply

    @staticmethod
    def _target(target: str) -> str:
        """A tellraw/entity target: a UUID, an online username or ``@a`` (never text from chat)."""
        if target == "@a" or is_uuid(target) or ONLINE_NAME.match(target):
            return target
        raise BridgeError(f"{target[:40]!r} is not a player")

    def tell_component(self, target: str, component: object) -> None:
        """``tellraw`` a text component (JSON-encoded: chat text never becomes command syntax)."""
        command = f"tellraw {self._target(target)} {json.dumps(component)}"
        if len(command.encode("utf-8")) > MAX_COMMAND_BYTES:
            raise BridgeError(f"a message of {len(command)} characters is too long for one RCON command")
        self._query(command)

    def tell(self, target: str, message: str, color: str = "green") -> None:
        try:
            self.tell_component(target, {"text": f"[Sapling] {message}"[:900], "color": color})
        except BridgeError as exc:
            log.warning("not told %r: %s", target[:40], exc)

    def player_position(self, target: str) -> tuple[tuple[float, float, float], float]:
        """Feet position and yaw of the player ``target`` (a UUID or an online username)."""
        target = self._target(target)
        if target == "@a":
            raise BridgeError("the position of everyone is not a position")
        pos = _numbers(self._send(f"data get entity {target} Pos") or "", 3, "position")
        rot = _numbers(self._send(f"data get entity {target} Rotation") or "", 2, "facing")
        return (pos[0], pos[1], pos[2]), rot[0]

    def online_players(self) -> tuple[OnlinePlayer, ...]:
        """Every online player, username and UUID (``list uuids``)."""
        return parse_online_players(self._query("list uuids"))

    @staticmethod
    def _holder(name: str) -> str:
        if not ONLINE_NAME.match(name):
            raise BridgeError(f"{name[:40]!r} is not a username")
        return name

    def add_trigger_objective(self, objective: str = CONFIRM_OBJECTIVE) -> None:
        """Create the bridge's ``trigger`` objective unless it exists (the one setting it adds)."""
        reply = self._query(f"scoreboard objectives add {objective} trigger")
        if not reply.startswith(("Created new objective", "An objective already exists")):
            raise BridgeError(f"could not create the scoreboard objective {objective}: {reply.strip()[:120]}")

    def enable_trigger(self, name: str, objective: str = CONFIRM_OBJECTIVE) -> None:
        """Let the player ``name`` run ``/trigger objective`` once (vanilla locks it again after use)."""
        reply = self._query(f"scoreboard players enable {self._holder(name)} {objective}")
        if reply.startswith("Enabled trigger") or "already enabled" in reply:
            return
        if "trigger-objectives" in reply:
            raise BridgeError(f"the scoreboard objective {objective} exists but is not a 'trigger' objective; remove "
                              f"it ('/scoreboard objectives remove {objective}') so the bridge can create its own")
        raise BridgeError(f"could not enable /trigger {objective} for {name}: {reply.strip()[:120]}")

    def score(self, name: str, objective: str = CONFIRM_OBJECTIVE) -> int | None:
        """The player ``name``'s score on ``objective``, None when they have none."""
        return parse_score(self._query(f"scoreboard players get {self._holder(name)} {objective}"))


