"""Who is speaking in a Java server's chat, and what the server can prove about it (pure; no I/O).

The log shows a *display name*: ``<Steve>``, but also ``<[Red] Steve>`` (team prefix and
suffix), ``<~Nick>`` (a nickname plugin), ``<.Name>`` (a Bedrock player joining through
Geyser/Floodgate, whose username carries the ``.`` prefix). A display name is not an identity,
so the bridge resolves it against the server's online players (``list uuids``, vanilla's
``ListPlayersCommand``: ``There are 2 of a max of 20 players online: Steve (069a79f4-...),
Alex (...)``, usernames and UUIDs, never display names) and works with the player's UUID:
allow-lists, cooldowns, undo and the journal are bound to it.

``resolve``: a display name equal to one online username is that player; otherwise the
usernames that appear in it as a whole word (outside ``[...]``, ``(...)``, ``{...}``
decorations) are its candidates, and exactly one candidate resolves it. No candidate, or more
than one, is refused: the bridge says so and does nothing.

What the log cannot prove: a nickname plugin lets a player display another player's username
(``<Alex>`` typed by someone else). The ``--confirm`` policy lets the server prove it: the
bridge sends a clickable button (``tellraw``) only to the resolved player, which runs
``/trigger <objective> set <nonce>`` on a ``trigger`` objective the bridge owns; the
scoreboard then holds the nonce under that player's name only if that player clicked
(``/trigger`` only ever sets the score of the player who runs it), and the bridge reads it with
``scoreboard players get``. ``CONFIRM_POLICIES``:

- ``never``: the resolved player is taken at their word (fine where no plugin can set
  nicknames: vanilla, Fabric and Forge servers without a nickname mod);
- ``guarded`` (the default): an undo, and a tree where ``--allow`` restricts who may grow
  one, waits for the click; other trees go ahead (they go in front of the resolved player);
- ``always``: every tree and every undo waits for the click.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from sapling.errors import BridgeError

CONFIRM_POLICIES = ("never", "guarded", "always")
# The scoreboard objective the bridge creates (criterion ``trigger``) and owns: at most 16
# characters, the limit of older servers.
CONFIRM_OBJECTIVE = "sapling_confirm"
NONCE_MAX = 2**31 - 1  # trigger values are ints

UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A username as commands take it: vanilla's [A-Za-z0-9_]{3,16}, plus the prefixes Floodgate gives
# Bedrock players (``.`` by default); never a space, quote, selector or list punctuation.
ONLINE_NAME = re.compile(r"^[^\s@#,()\[\]{}\"'\\§][^\s,()\[\]{}\"'\\§]{0,15}$")
_WORD = "A-Za-z0-9_"  # characters of vanilla usernames: a name inside a display name is bounded by others
_DECORATION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}")
_FORMATTING = re.compile("§.")
_LIST = re.compile(r"There are (\d+) of a max of (\d+) players online:(.*)$", re.DOTALL)
_LIST_ENTRY = re.compile(r"(?P<name>[^\s,()]{1,16}) \((?P<uuid>[0-9a-fA-F-]{36})\)")
_SCORE = re.compile(r"^(?P<holder>.*) has (?P<value>-?\d+) \[(?P<objective>.*)\]\s*$", re.DOTALL)


@dataclass(frozen=True)
class OnlinePlayer:
    """An online player as the server knows them: the account's username and UUID."""

    name: str
    uuid: str  # lower case, 8-4-4-4-12


@dataclass(frozen=True)
class Speaker:
    """A chat line's display name resolved to one online player."""

    display: str
    player: OnlinePlayer
    exact: bool  # the display name is the username itself (no decoration)


@dataclass(frozen=True)
class Unresolved:
    """A display name the bridge cannot tie to one online player: ``candidates`` is empty (nobody
    matches) or holds the several who do."""

    display: str
    candidates: tuple[OnlinePlayer, ...] = ()

    @property
    def reason(self) -> str:
        if not self.candidates:
            return f"'{self.display}' is not the name of an online player (nicknames hide who is speaking)"
        names = ", ".join(p.name for p in self.candidates)
        return f"'{self.display}' could be any of {names}"


def check_policy(policy: str) -> str:
    if policy not in CONFIRM_POLICIES:
        raise BridgeError(f"unknown confirm policy {policy!r}; choose one of {', '.join(CONFIRM_POLICIES)}")
    return policy


def is_uuid(text: str) -> bool:
    return bool(UUID_TEXT.match(text))


def parse_online_players(reply: str) -> tuple[OnlinePlayer, ...]:
    """The reply of ``list uuids`` -> the online players; ``BridgeError`` for any other reply.

    Vanilla's format (``commands.list.players`` / ``commands.list.nameAndId``, entries joined with
    ``", "``): ``There are 2 of a max of 20 players online: Steve (069a79f4-44e9-4726-a5be-fca90e38aaf5),
    Alex (ec561538-f3fd-461d-aff5-086b22154bce)``.
    """
    text = _FORMATTING.sub("", reply).strip()
    m = _LIST.search(text)
    if not m:
        raise BridgeError(f"unexpected reply to 'list uuids': {text[:100] or 'nothing'}")
    players = tuple(OnlinePlayer(e.group("name"), e.group("uuid").lower()) for e in _LIST_ENTRY.finditer(m.group(3))
                    if is_uuid(e.group("uuid")))
    if len(players) != int(m.group(1)):
        raise BridgeError(f"could not read the online players from 'list uuids': {text[:100]}")
    return players


def _spans(name: str, core: str) -> list[tuple[int, int]]:
    pattern = re.compile(rf"(?<![{_WORD}]){re.escape(name)}(?![{_WORD}])", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(core)]


def _inside(span: tuple[int, int], other: tuple[int, int]) -> bool:
    return other[0] <= span[0] and span[1] <= other[1] and span != other


def resolve(display: str, online: Iterable[OnlinePlayer]) -> Speaker | Unresolved:
    """A display name from a chat line -> the one online player it names, or ``Unresolved``.

    Exact username first; else usernames found as whole words in the name without its bracketed
    decorations (``[Red] Steve [Admin]`` -> Steve, ``~Nick`` -> Nick, ``.Name`` -> .Name). A
    candidate whose every match lies inside a longer candidate's match is dropped (``.Name``
    over ``Name``).
    """
    players = tuple(online)
    display = _FORMATTING.sub("", display).strip()
    exact = [p for p in players if p.name == display]
    if len(exact) == 1:
        return Speaker(display, exact[0], True)
    core = _DECORATION.sub(" ", display)
    found = {p: _spans(p.name, core) for p in players}
    found = {p: s for p, s in found.items() if s}
    kept = [p for p, spans in found.items()
            if not all(any(_inside(span, other) for q, others in found.items() if q is not p for other in others)
                       for span in spans)]
    if len(kept) == 1:
        return Speaker(display, kept[0], False)
    return Unresolved(display, tuple(sorted(kept, key=lambda p: p.name.lower())))


def needs_confirmation(policy: str, action: str, allow_list: bool) -> bool:
    """Whether ``action`` ("generate" or "undo") waits for the player's click under ``policy``;
    ``allow_list``: an allow-list restricts who may grow trees (so a tree is guarded too)."""
    check_policy(policy)
    if policy == "never":
        return False
    if policy == "always":
        return action in ("generate", "undo")
    return action == "undo" or (action == "generate" and allow_list)


def allowed(player: OnlinePlayer, allow: Iterable[str]) -> bool:
    """Whether ``player`` is on the allow-list (usernames, any case, or UUIDs); an empty list allows all."""
    entries = [a.strip() for a in allow if a.strip()]
    if not entries:
        return True
    return any(a.lower() == player.uuid if is_uuid(a) else a.lower() == player.name.lower() for a in entries)


def parse_score(reply: str) -> int | None:
    """The reply of ``scoreboard players get <holder> <objective>`` -> the score, or None when the
    holder has none; ``BridgeError`` for anything else (an unknown objective, no such command).

    Vanilla: ``Steve has 5 [sapling_confirm]`` (the holder may show with a team prefix) or
    ``Can't get value of sapling_confirm for Steve; none is set`` (newer: ``, none is set``).
    """
    text = _FORMATTING.sub("", reply).strip()
    m = _SCORE.match(text)
    if m:
        return int(m.group("value"))
    if text.startswith("Can't get value of "):
        return None
    raise BridgeError(f"could not read the confirmation score: {text[:100] or 'no reply'}")


def confirm_command(nonce: int, objective: str = CONFIRM_OBJECTIVE) -> str:
    return f"/trigger {objective} set {nonce}"


def confirm_button(what: str, nonce: int, timeout: float, objective: str = CONFIRM_OBJECTIVE) -> list:
    """The ``tellraw`` component asking a player to confirm ``what`` (a JSON-ready list).

    The button's click event is written both ways (``click_event``/``command``: Java 1.21.5 and
    newer; ``clickEvent``/``value``: older), each version ignoring the other's keys. The command is
    also shown as text, for players who cannot click (Bedrock players through Geyser can type it).
    """
    command = confirm_command(nonce, objective)
    return [
        {"text": f"[Sapling] {what}? ", "color": "yellow"},
        {"text": "[confirm]", "color": "green", "bold": True,
         "click_event": {"action": "run_command", "command": command},
         "clickEvent": {"action": "run_command", "value": command}},
        {"text": f" within {round(timeout)} s (or type {command}); if you did not ask, ignore this.",
         "color": "yellow"},
    ]
