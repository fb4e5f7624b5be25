"""The ``!tree`` chat grammar and where a tree goes, shared by the Java and Bedrock bridges (pure).

``!tree <prompt>`` grows a tree (``!tree big <prompt>`` / ``huge`` for a bigger grid, up
to the bridge's limit), ``!tree undo`` removes the player's last tree, ``!tree cancel``
stops the one growing, ``!tree help`` explains. Where the bridge offers them (``preview`` and
``forest`` arguments: a bridge that cannot do them keeps reading those words as a prompt):
``!tree preview <prompt>`` shows a tree as display entities, ``!tree accept`` / ``reroll`` /
``cancel`` answer it, and ``!tree forest <count> [radius] <prompt>`` grows several trees around
the player (the numbers read by ``forest.parse_forest_command``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sapling.bridge.forest import (
    MAX_FOREST_COUNT,
    MAX_FOREST_RADIUS,
    forest_help,
    parse_forest_command,
)
from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER, MAX_PROMPT_CHARS
from sapling.errors import CommandError
from sapling.structure import DEFAULT_SIZE, SIZES

SIZE_ORDER = tuple(SIZES)  # smallest first
GRID_WIDTH = {name: x for name, (x, _, _) in SIZES.items()}
ACTIONS = ("help", "undo", "cancel")
PREVIEW_ACTIONS = ("accept", "reroll")  # answers to a preview (cancel removes one too)


@dataclass(frozen=True)
class ChatMessage:
    """A line a player typed in chat (read from the Java log or a Bedrock ``PlayerMessage`` event)."""

    player: str
    text: str


@dataclass(frozen=True)
class TreeCommand:
    """What a ``!tree`` chat line asks for: ``kind`` is generate, undo, cancel or help; where the
    bridge offers them also preview, accept, reroll and forest (``count`` trees within ``radius``)."""

    kind: str
    prompt: str = ""
    size: str = DEFAULT_SIZE
    count: int = 0
    radius: int = 0


def check_size(max_size: str) -> str:
    if max_size not in SIZE_ORDER:
        raise CommandError(f"unknown size {max_size!r}; choose one of {', '.join(SIZE_ORDER)}")
    return max_size


def parse_command(text: str, trigger: str = CHAT_TRIGGER, max_size: str = CHAT_MAX_SIZE,
                  max_prompt_chars: int = MAX_PROMPT_CHARS, preview: bool = False, forest: bool = False,
                  max_count: int = MAX_FOREST_COUNT, max_radius: int = MAX_FOREST_RADIUS) -> TreeCommand | None:
    """A chat text -> a TreeCommand, None when it is not for us; ``CommandError`` with the reason
    (shown to the player) for a bad one. ``preview``/``forest``: the bridge offers those commands."""
    words = text.strip().split()
    if not words or words[0].lower() != trigger.lower():
        return None
    rest = words[1:]
    if not rest:
        raise CommandError(f"say what to grow: {trigger} <prompt>, or {trigger} help")
    head = rest[0].lower()
    if len(rest) == 1 and (head in ACTIONS or (preview and head in PREVIEW_ACTIONS)):
        return TreeCommand(head)
    if forest:
        found = parse_forest_command(text, trigger, max_count, max_radius, max_prompt_chars)
        if found is not None:
            return TreeCommand("forest", found.prompt, DEFAULT_SIZE, found.count, found.radius)
    kind = "generate"
    if preview and head == "preview":
        if len(rest) == 1:
            raise CommandError(f"say what to preview: {trigger} preview <prompt>")
        kind, rest = "preview", rest[1:]
        head = rest[0].lower()
    size = DEFAULT_SIZE
    if head in SIZE_ORDER and len(rest) > 1:
        size, rest = head, rest[1:]
        if SIZE_ORDER.index(size) > SIZE_ORDER.index(check_size(max_size)):
            raise CommandError(f"{size} trees are not allowed here (largest: {max_size})")
    prompt = " ".join(rest)
    if len(prompt) > max_prompt_chars:
        raise CommandError(f"the prompt is {len(prompt)} characters long; at most {max_prompt_chars} are accepted")
    return TreeCommand(kind, prompt, size)


def help_text(trigger: str = CHAT_TRIGGER, max_size: str = CHAT_MAX_SIZE, undo: bool = True, preview: bool = False,
              forest: bool = False, max_count: int = MAX_FOREST_COUNT, max_radius: int = MAX_FOREST_RADIUS) -> str:
    """What ``!tree help`` says; ``preview``/``forest``: the bridge offers them."""
    sizes = " or ".join(SIZE_ORDER[1:SIZE_ORDER.index(max_size) + 1])
    bigger = f"; start with {sizes} for a bigger grid" if sizes else ""
    return (f"{trigger} <prompt> grows a tree in front of you (e.g. '{trigger} tall birch tree'{bigger}); "
            + (f"{trigger} undo removes your last tree; " if undo else "")
            + (f"{trigger} preview <prompt> shows it first ('{trigger} accept' places it, '{trigger} reroll' shows "
               f"another, '{trigger} cancel' removes it); " if preview else "")
            + (f"{forest_help(trigger, max_count, max_radius)}; " if forest else "")
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
