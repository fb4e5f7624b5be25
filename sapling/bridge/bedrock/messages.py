"""The game's websocket messages (pure): packets in and out, chat events, where a player stands.

Every message is JSON with a ``header`` (``messagePurpose``, ``requestId``, ...) and a ``body``:
we send ``subscribe`` (to ``PlayerMessage`` events) and ``commandRequest`` (``body.commandLine``);
the game answers each request with a ``commandResponse`` (or ``error``) under its ``requestId``
and sends ``event`` messages for what we subscribed to. Chat replies are ``tellraw`` rawtext
built with ``json.dumps`` and players are addressed by quoted selectors, so no chat text ever
becomes command syntax.

Every block command runs in the dimension of the player who asked (``execute in <dimension>
run ...``): commands from the websocket run as the player who typed ``/connect`` (the host),
in the host's dimension, which need not be the asking player's.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sapling.bridge.bedrock.blocks import bedrock_test, to_bedrock
from sapling.bridge.commands import ChatMessage, anchor_in_front
from sapling.bridge.placement import Block
from sapling.errors import BedrockError

COMMAND_VERSION = 38            # command syntax version: block states and the new execute (any 1.21 client)
EYE_HEIGHT = 1.62               # querytarget reports a player's eye position; we want their feet
# How the game names the sender of messages a websocket server caused (English, Japanese clients).
EXTERNAL_SENDERS = frozenset({"External", "外部"})
# A name we can put between quotes in a selector: no quote, backslash or control character.
PLAYER_NAME = re.compile(r'^[^"\\\x00-\x1f\x7f]{1,64}$')
GREEN, YELLOW, RED, GRAY = "§a", "§e", "§c", "§7"
# querytarget's "dimension" number -> the name ``execute in`` takes.
DIMENSIONS = ("overworld", "nether", "the_end")
DIMENSION_NAMES = {"overworld": "Overworld", "nether": "Nether", "the_end": "End"}  # for chat


# --- what we send ---------------------------------------------------------------------------------

def command_request(request_id: str, line: str) -> dict[str, Any]:
    return {"header": {"version": 1, "requestId": request_id, "messageType": "commandRequest",
                       "messagePurpose": "commandRequest"},
            "body": {"version": COMMAND_VERSION, "commandLine": line, "origin": {"type": "player"}}}


def subscribe_request(event: str) -> dict[str, Any]:
    return {"header": {"version": 1, "requestId": str(uuid.uuid4()), "messageType": "commandRequest",
                       "messagePurpose": "subscribe"},
            "body": {"eventName": event}}


def target(player: str) -> str:
    """A selector for exactly this player (the name was checked against PLAYER_NAME)."""
    return f'@a[name="{player}"]'


def place_command(b: Block, dimension: str) -> str:
    """Places ``b`` into air only (``keep``), in ``dimension``, with every state explicit."""
    return f"execute in {_dimension(dimension)} run setblock {b.x} {b.y} {b.z} {to_bedrock(b.state)} keep"


def remove_command(b: Block, dimension: str) -> str:
    """Turns ``b`` back to air only where the block we placed is still there (``bedrock_test``)."""
    return (f"execute in {_dimension(dimension)} if block {b.x} {b.y} {b.z} {bedrock_test(b.state)} "
            f"run setblock {b.x} {b.y} {b.z} air")


def _dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise BedrockError(f"unknown dimension {dimension!r}; the game's are {', '.join(DIMENSIONS)}")
    return dimension


def rawtext(text: str, color: str = GREEN) -> str:
    """The JSON argument of ``tellraw``: built by json.dumps, so chat text cannot break out of it."""
    return json.dumps({"rawtext": [{"text": f"{color}[Sapling]§r {text}"[:500]}]}, ensure_ascii=False)


# --- what the game says ---------------------------------------------------------------------------

def parse_packet(text: str | bytes) -> tuple[dict, dict] | None:
    """A message from the game -> its ``(header, body)``; None for anything that is not a packet."""
    try:
        msg = json.loads(text)
        header, body = msg["header"], msg.get("body") or {}
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise TypeError
    except (ValueError, TypeError, KeyError):
        return None
    return header, body


def chat_from_event(body: dict) -> ChatMessage | None:
    """A ``PlayerMessage`` event body -> the chat line a player typed; None for anything else.

    Only ``type == "chat"`` counts: ``tell``/``say``/``me``/``title`` and everything our own
    ``tellraw`` causes (sender "External") are ignored, so the session never answers itself.
    Older clients (1.16-1.18) put the fields under ``properties`` with capitalised names.
    """
    props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    sender = body.get("sender", props.get("Sender"))
    message = body.get("message", props.get("Message"))
    kind = body.get("type", props.get("MessageType"))
    if not isinstance(sender, str) or not isinstance(message, str) or kind != "chat":
        return None
    if sender in EXTERNAL_SENDERS:
        return None
    return ChatMessage(sender, message)


@dataclass(frozen=True)
class Pose:
    feet: tuple[float, float, float]
    yaw: float
    dimension: str = "overworld"  # one of DIMENSIONS


def player_pose(body: dict) -> Pose:
    """A ``querytarget`` reply -> where the player stands and looks, and in which dimension.

    ``details`` (or ``statusMessage``) holds a JSON list like
    ``[{"dimension":0,"position":{"x":..,"y":..,"z":..},"uniqueId":"..","yRot":..}]``; ``y`` is
    the eye height, ``yRot`` the yaw (0 = south, 90 = west, as in Java), ``dimension`` 0, 1 or
    2 (Overworld, Nether, End). ``BedrockError`` for a reply without them, or another dimension.
    """
    raw = body.get("details", body.get("statusMessage"))
    try:
        targets = json.loads(raw) if isinstance(raw, str) else raw
        first = targets[0]
        pos = first["position"]
        x, y, z, yaw = (float(pos["x"]), float(pos["y"]), float(pos["z"]), float(first["yRot"]))
        dimension = first["dimension"]
    except (ValueError, TypeError, KeyError, IndexError):
        raise BedrockError(f"could not read where you are ({str(raw)[:80] or 'no reply'})") from None
    if not all(math.isfinite(v) for v in (x, y, z, yaw)):
        raise BedrockError("could not read where you are (not a position)")
    if isinstance(dimension, bool) or not isinstance(dimension, int) or not 0 <= dimension < len(DIMENSIONS):
        raise BedrockError(f"you are in a dimension this bridge does not know ({str(dimension)[:20]}); "
                           "trees grow in the Overworld, the Nether and the End")
    return Pose((x, y - EYE_HEIGHT, z), yaw, DIMENSIONS[dimension])


def anchor_for(pose: Pose, distance: int) -> tuple[int, int, int]:
    """The block ``distance`` blocks ahead of the player, at their feet level."""
    return anchor_in_front(pose.feet, pose.yaw, distance)
