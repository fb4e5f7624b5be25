"""The ``!tree`` chat grammar and where a tree goes, shared by the Java and Bedrock bridges (pure).

``!tree <prompt>`` grows a tree (``!tree big <prompt>`` / ``huge`` for a bigger grid, up
to the bridge's limit), ``!tree undo`` removes the player's last tree, ``!tree cancel``
stops the one growing, ``!tree help`` explains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER, MAX_PROMPT_CHARS
from sapling.errors import CommandError
from sapling.structure import DEFAULT_SIZE, SIZES

SIZE_ORDER = tuple(SIZES)  # smallest first
GRID_WIDTH = {name: x for name, (x, _, _) in SIZES.items()}
ACTIONS = ("help", "undo", "cancel")


@dataclass(frozen=True)
class ChatMessage:
    """A line a player typed in chat (read from the Java log or a Bedrock ``PlayerMessage`` event)."""

    player: str
    text: str


@dataclass(frozen=True)
class TreeCommand:
    """What a ``!tree`` chat line asks for: ``kind`` is generate, undo, cancel or help."""

    kind: str
    prompt: str = ""
    size: str = DEFAULT_SIZE


def check_size(max_size: str) -> str:
    if max_size not in SIZE_ORDER:
        raise CommandError(f"unknown size {max_size!r}; choose one of {', '.join(SIZE_ORDER)}")
    return max_size


def parse_command(text: str, trigger: str = CHAT_TRIGGER, max_size: str = CHAT_MAX_SIZE,
                  max_prompt_chars: int = MAX_PROMPT_CHARS) -> TreeCommand | None:
    """A chat text -> a TreeCommand, None when it is not for us; ``CommandError`` with the reason
    (shown to the player) for a bad one."""
    words = text.strip().split()
    if not words or words[0].lower() != trigger.lower():
        return None
    rest = words[1:]
    if not rest:
        raise CommandError(f"say what to grow: {trigger} <prompt>, or {trigger} help")
    head = rest[0].lower()
    if len(rest) == 1 and head in ACTIONS:
        return TreeCommand(head)
    size = DEFAULT_SIZE
    if head in SIZE_ORDER and len(rest) > 1:
        size, rest = head, rest[1:]
        if SIZE_ORDER.index(size) > SIZE_ORDER.index(check_size(max_size)):
            raise CommandError(f"{size} trees are not allowed here (largest: {max_size})")
    prompt = " ".join(rest)
    if len(prompt) > max_prompt_chars:
        raise CommandError(f"the prompt is {len(prompt)} characters long; at most {max_prompt_chars} are accepted")
    return TreeCommand("generate", prompt, size)


def help_text(trigger: str = CHAT_TRIGGER, max_size: str = CHAT_MAX_SIZE, undo: bool = True) -> str:
    sizes = " or ".join(SIZE_ORDER[1:SIZE_ORDER.index(max_size) + 1])
    bigger = f"; start with {sizes} for a bigger grid" if sizes else ""
    return (f"{trigger} <prompt> grows a tree in front of you (e.g. '{trigger} tall birch tree'{bigger}); "
            + (f"{trigger} undo removes your last tree; " if undo else "")
            + f"{trigger} cancel stops the one growing; {trigger} help shows this")


def anchor_in_front(feet: tuple[float, float, float], yaw: float, distance: int) -> tuple[int, int, int]:
    """The block ``distance`` blocks ahead of a player whose feet are at ``feet``, looking at ``yaw``
    (both editions: 0 = south (+z), 90 = west (-x)), at their feet level."""
    rad = math.radians(yaw)
    x, y, z = feet
    # A small lift: a position a hair under the block top (float noise, crouching) is still that block.
    return math.floor(x - math.sin(rad) * distance), math.floor(y + 0.1), math.floor(z + math.cos(rad) * distance)


def tree_distance(size: str) -> int:
    """How far in front of the player a tree of ``size`` goes: clear of its crown."""
    return GRID_WIDTH[size] // 2 + 2
