"""``JavaBridge``: the chat loop: commands from the log, speakers resolved and proven, cooldowns,
allow-lists, undo, previews and forests per player."""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from sapling.bridge.commands import (
    ChatMessage,
    CommandError,
    TreeCommand,
    anchor_in_front,
    check_size,
    help_text,
    parse_command,
    tree_distance,
)
from sapling.bridge.forest import (
    MAX_FOREST_COUNT,
    MAX_FOREST_RADIUS,
    check_forest,
)
from sapling.bridge.ground import (
    Ground,
)
from sapling.bridge.identity import (
    CONFIRM_OBJECTIVE,
    NONCE_MAX,
    OnlinePlayer,
    Speaker,
    Unresolved,
    allowed,
    check_policy,
    confirm_button,
    needs_confirmation,
    resolve,
)
from sapling.bridge.java.editor import WorldEditor
from sapling.bridge.java.grow import (
    JAVA,
    PLACE_ON_GROUND,
    ForestOutcome,
    grow_forest,
    grow_tree,
    reroll_id,
    run_preview,
    server_connection,
    start_preview,
    undo_entries,
)
from sapling.bridge.java.log import (
    ECHO_ADVICE,
    LogFollower,
    is_command_echo,
    log_message,
    parse_chat,
)
from sapling.bridge.placement import (
    Journal,
    PlacementError,
)
from sapling.bridge.preview import (
    MAX_PREVIEW_ENTITIES,
    PREVIEW_TIMEOUT_S,
    PreviewOutcome,
    TreePreview,
    kill_all_command,
)
from sapling.bridge.rcon import (
    RconError,
)
from sapling.bridge.session import (
    LOST_CONNECTION,
    NOTHING_GROWING,
    Status,
    Tone,
    TreeOutcome,
    failed_text,
)
from sapling.config import CHAT_MAX_SIZE, CHAT_TRIGGER
from sapling.errors import BridgeError
from sapling.server.protocol import DEFAULT_URL

log = logging.getLogger("sapling.bridge")

# --- the chat bridge -------------------------------------------------------------------------------

@dataclass
class BridgeSettings:
    server: str = DEFAULT_URL
    token: str | None = None
    trigger: str = CHAT_TRIGGER
    allow: tuple[str, ...] = ()  # usernames or UUIDs; empty: every player
    cooldown: float = 30.0       # seconds between one player's trees
    max_size: str = CHAT_MAX_SIZE
    poll_interval: float = 0.2
    confirm: str = "guarded"      # identity.CONFIRM_POLICIES: which requests wait for the player's click
    confirm_timeout: float = 60.0  # seconds a confirmation button stays valid
    ground: bool = PLACE_ON_GROUND  # trees on the ground under the target (False: at the exact anchor)
    preview_timeout: float = PREVIEW_TIMEOUT_S  # seconds an unanswered preview stays
    preview_entities: int = MAX_PREVIEW_ENTITIES  # display entities one preview may summon
    max_forest_count: int = MAX_FOREST_COUNT
    max_forest_radius: int = MAX_FOREST_RADIUS


@dataclass
class _Shown:
    """A player's preview (``TreePreview``) and where it stands."""

    preview: TreePreview
    site: Ground
    player: OnlinePlayer


@dataclass
class _Proof:
    """A request waiting for its player's click: the scoreboard must come to hold ``nonce``."""

    player: OnlinePlayer
    nonce: int
    deadline: float  # time.monotonic()
    what: str
    then: Callable[[], None]


class JavaBridge:
    """Follows the log, answers ``!tree`` commands one at a time.

    ``notify(text)``: where a note for the admin goes besides the log (the CLI prints it)."""

    def __init__(self, settings: BridgeSettings, editor: WorldEditor, follower: LogFollower, journal: Journal,
                 notify: Callable[[str], None] | None = None):
        check_size(settings.max_size)
        check_policy(settings.confirm)
        if settings.confirm_timeout <= 0:
            raise BridgeError("the confirmation timeout must be > 0 seconds")
        if settings.preview_timeout <= 0:
            raise BridgeError("the preview timeout must be > 0 seconds")
        check_forest(settings.max_forest_count, settings.max_forest_radius, settings.max_forest_count,
                     settings.max_forest_radius)
        self.settings = settings
        self.editor = editor
        self.follower = follower
        self.journal = journal
        self.notify = notify
        self._last_request: dict[str, float] = {}  # by UUID
        self._ws: ClientConnection | None = None
        self._pending: list[ChatMessage] = []
        self._proofs: dict[str, _Proof] = {}  # by UUID
        self._objective_ready = False
        self.echo_noticed = False
        self.last_outcome: TreeOutcome | None = None
        self.last_forest: ForestOutcome | None = None
        self._previews: dict[str, _Shown] = {}  # by UUID: one preview per player

    def _server(self) -> ClientConnection:
        if self._ws is None:
            self._ws = server_connection(self.settings.server, self.settings.token)
        return self._ws

    def _messages(self) -> list[ChatMessage]:
        out = self._pending
        self._pending = []
        for line in self.follower.poll():
            message = log_message(line)
            if message is None:
                continue
            if not self.echo_noticed and is_command_echo(message):
                self._notice_echo()
            msg = parse_chat(message)
            if msg is not None:
                out.append(msg)
        return out

    def _notice_echo(self) -> None:
        """Once: the server echoes our commands; say which settings turn that off (the bridge changes none)."""
        self.echo_noticed = True
        log.warning(ECHO_ADVICE)
        if self.notify is not None:
            self.notify(ECHO_ADVICE)

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Answer chat until ``stop()`` is true (checked every poll interval)."""
        log.info("following %s; trigger %r; server %s; confirm %s", self.follower.path, self.settings.trigger,
                 self.settings.server, self.settings.confirm)
        try:  # no preview outlives a restart: the last run's go now
            self.editor.send_commands([kill_all_command()])
        except (BridgeError, RconError) as exc:
            log.error("could not remove old previews: %s", exc)
        while not stop():
            for msg in self._messages():
                self.handle(msg)
            self.check_confirmations()
            self.check_previews()
            time.sleep(self.settings.poll_interval)
        if self._ws is not None:
            self._ws.close()

    # --- who is speaking ---

    def identify(self, display: str) -> Speaker | None:
        """The online player behind a display name; None (and everyone is told why) when no single one."""
        try:
            result = resolve(display, self.editor.online_players())
        except (BridgeError, RconError) as exc:
            log.error("cannot read the online players: %s", exc)
            return None
        if isinstance(result, Unresolved):
            log.warning("refused a command from %r: %s", display, result.reason)
            # Nobody can be told alone (who spoke is the question); everyone saw the line.
            self.editor.tell("@a", f"cannot tell who asked: {result.reason}; nothing was done", Tone.RED)
            return None
        if not result.exact:
            log.info("%r is %s (%s)", display, result.player.name, result.player.uuid)
        return result

    def parse(self, text: str) -> TreeCommand | None:
        s = self.settings
        return parse_command(text, s.trigger, s.max_size, preview=True, forest=True, max_count=s.max_forest_count,
                             max_radius=s.max_forest_radius)

    def handle(self, msg: ChatMessage) -> None:
        s = self.settings
        error: CommandError | None = None
        try:
            cmd = self.parse(msg.text)
        except CommandError as exc:
            cmd, error = None, exc
        if cmd is None and error is None:
            return
        speaker = self.identify(msg.player)
        if speaker is None:
            return
        player = speaker.player
        if error is not None:
            self.editor.tell(player.uuid, str(error), Tone.RED)
        elif not allowed(player, s.allow):
            self.editor.tell(player.uuid, "you are not allowed to grow trees here", Tone.RED)
        elif cmd.kind == "help":
            self.editor.tell(player.uuid, help_text(s.trigger, s.max_size, preview=True, forest=True,
                                                    max_count=s.max_forest_count, max_radius=s.max_forest_radius),
                             Tone.YELLOW)
        elif cmd.kind in ("accept", "reroll"):
            self._answer_preview(player, cmd.kind)
        elif cmd.kind == "cancel":
            if player.uuid in self._previews:
                self._answer_preview(player, "cancel")
            elif self._proofs.pop(player.uuid, None) is not None:
                self.editor.tell(player.uuid, "cancelled: nothing was done", Tone.YELLOW)
            else:
                self.editor.tell(player.uuid, NOTHING_GROWING, Tone.YELLOW)
        elif cmd.kind == "undo":
            self._undo(player)
        elif cmd.kind == "preview":
            self._guard(player, "generate", f"preview '{cmd.prompt}' in front of you",
                        lambda: self._preview(player, cmd))
        elif cmd.kind == "forest":
            if not self._cooling(player):
                self._guard(player, "generate", f"grow a forest of {cmd.count} '{cmd.prompt}' around you",
                            lambda: None if self._cooling(player) else self._forest(player, cmd))
        else:
            self._generate(player, cmd)

    # --- proving it: the player clicks, the scoreboard tells ---

    def _guard(self, player: OnlinePlayer, action: str, what: str, then: Callable[[], None]) -> None:
        """Run ``then`` now, or once ``player`` has confirmed where the policy asks for it."""
        s = self.settings
        if not needs_confirmation(s.confirm, action, bool(s.allow)):
            then()
            return
        waiting = self._proofs.get(player.uuid)
        if waiting is not None:
            self.editor.tell(player.uuid, f"first confirm (or '{s.trigger} cancel') your last request: "
                                          f"{waiting.what}", Tone.RED)
            return
        try:
            if not self._objective_ready:
                self.editor.add_trigger_objective(CONFIRM_OBJECTIVE)
                self._objective_ready = True
            self.editor.enable_trigger(player.name, CONFIRM_OBJECTIVE)
            nonce = secrets.randbelow(NONCE_MAX) + 1
            self.editor.tell_component(player.uuid, confirm_button(what, nonce, s.confirm_timeout))
        except (BridgeError, RconError) as exc:
            self._objective_ready = False  # perhaps removed meanwhile: create it again next time
            log.error("cannot ask %s to confirm: %s", player.name, exc)
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        self._proofs[player.uuid] = _Proof(player, nonce, time.monotonic() + s.confirm_timeout, what, then)

    def check_confirmations(self) -> None:
        """Carry out the requests whose player has clicked; drop those whose time is up."""
        for key, proof in list(self._proofs.items()):
            try:
                confirmed = self.editor.score(proof.player.name, CONFIRM_OBJECTIVE) == proof.nonce
            except (BridgeError, RconError) as exc:
                log.error("cannot read %s's confirmation: %s", proof.player.name, exc)
                confirmed = False
            if confirmed:
                del self._proofs[key]
                log.info("%s confirmed: %s", proof.player.name, proof.what)
                proof.then()
            elif time.monotonic() >= proof.deadline:
                del self._proofs[key]
                log.info("%s did not confirm: %s", proof.player.name, proof.what)
                self.editor.tell(proof.player.uuid, f"not confirmed in time, nothing was done: {proof.what}",
                                 Tone.YELLOW)

    # --- what players ask for ---

    def _undo(self, player: OnlinePlayer) -> None:
        entries = self.journal.last(1, who=player.name, uuid=player.uuid)
        if not entries:
            self.editor.tell(player.uuid, "nothing of yours to undo", Tone.YELLOW)
            return
        entry = entries[0]

        def undo() -> None:
            still = [e for e in self.journal.last(1, who=player.name, uuid=player.uuid) if e.id == entry.id]
            if not still:  # undone meanwhile (an admin's sapling undo)
                self.editor.tell(player.uuid, "nothing of yours to undo", Tone.YELLOW)
                return
            n = undo_entries(self.editor, self.journal, still)
            self.editor.tell(player.uuid, f"removed your '{entry.prompt}' ({n} blocks)")

        self._guard(player, "undo", f"remove your '{entry.prompt}'", undo)

    def _cooling(self, player: OnlinePlayer) -> bool:
        wait = self._last_request.get(player.uuid, -1e9) + self.settings.cooldown - time.monotonic()
        if wait > 0:
            self.editor.tell(player.uuid, f"cooling down: wait {math.ceil(wait)} s before the next tree", Tone.RED)
        return wait > 0

    def _generate(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        if not self._cooling(player):
            self._guard(player, "generate", f"grow '{cmd.prompt}' in front of you",
                        lambda: None if self._cooling(player) else self._grow(player, cmd))

    def _where(self, player: OnlinePlayer) -> tuple[tuple[float, float, float], float] | None:
        try:
            return self.editor.player_position(player.uuid)
        except (BridgeError, RconError) as exc:
            self.editor.tell(player.uuid, f"cannot find you: {exc}", Tone.RED)
            return None

    def _say_to(self, player: OnlinePlayer) -> Callable[[str, Tone], None]:
        return lambda text, tone: self.editor.tell(player.uuid, text, tone)

    # --- previews ---

    def _preview(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        if player.uuid in self._previews:  # one per player: the new one replaces it
            self._answer_preview(player, "cancel", quiet=True)
        where = self._where(player)
        if where is None:
            return
        anchor = anchor_in_front(where[0], where[1], tree_distance(cmd.size))
        try:
            preview, site, ended = start_preview(self._server(), self.editor, cmd.prompt, anchor, player.name,
                                                 cmd.size, say=self._say_to(player), ground=self.settings.ground,
                                                 trigger=self.settings.trigger,
                                                 timeout_s=self.settings.preview_timeout,
                                                 max_entities=self.settings.preview_entities)
        except (BridgeError, PlacementError, RconError) as exc:
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        if ended is not None:
            self._preview_ended(player, ended)
        else:
            self._previews[player.uuid] = _Shown(preview, site, player)

    def _answer_preview(self, player: OnlinePlayer, answer: str, quiet: bool = False) -> None:
        shown = self._previews.get(player.uuid)
        if shown is None:
            self.editor.tell(player.uuid, f"no preview of yours to {answer}: '{self.settings.trigger} preview "
                                          "<prompt>' shows one", Tone.YELLOW)
            return
        p, now = shown.preview, time.monotonic()
        actions = {"accept": lambda: p.accept(now), "reroll": lambda: p.reroll(reroll_id(), now),
                   "cancel": lambda: p.cancel(now), "tick": lambda: p.tick(now)}[answer]()
        self._drive_preview(shown, actions, quiet)

    def _drive_preview(self, shown: _Shown, actions: list, quiet: bool = False) -> None:
        player = shown.player
        try:
            ended = run_preview(self._server(), self.editor, shown.preview, actions, shown.site,
                                None if quiet else self._say_to(player))
        except (BridgeError, PlacementError, RconError) as exc:
            self._previews.pop(player.uuid, None)
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        except ConnectionClosed:
            self._ws = None
            ended = shown.preview.connection_lost()[0].outcome if not shown.preview.finished else None
        if ended is not None:
            self._previews.pop(player.uuid, None)
            if not quiet:
                self._preview_ended(player, ended)

    def _preview_ended(self, player: OnlinePlayer, outcome: PreviewOutcome) -> None:
        if outcome.entry is not None:
            outcome.entry.uuid = player.uuid.lower()
            self.journal.record(outcome.entry)
        log.info("preview for %s: %s (%s)", player.name, outcome.status, outcome.message)
        for line in outcome.lines:
            self.editor.tell(player.uuid, line.text, line.tone)

    def check_previews(self) -> None:
        """Remove the previews nobody answered in time."""
        for key in list(self._previews):
            self._answer_preview(self._previews[key].player, "tick")

    # --- forests ---

    def _forest(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        where = self._where(player)
        if where is None:
            return
        self._last_request[player.uuid] = time.monotonic()
        s = self.settings
        try:
            outcome = grow_forest(self._server(), self.editor, cmd.prompt, where[0], cmd.count, cmd.radius,
                                  player.name, cmd.size, say=self._say_to(player), uuid=player.uuid,
                                  ground=s.ground, max_count=s.max_forest_count, max_radius=s.max_forest_radius,
                                  trigger=s.trigger)
        except (BridgeError, PlacementError, RconError, CommandError) as exc:
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        self.last_forest = outcome
        if outcome.entry is not None:
            self.journal.record(outcome.entry)
        if outcome.status is Status.CONNECTION_LOST:
            self._ws = None
        log.info("forest for %s: %s (%s)", player.name, outcome.status, outcome.message)
        for line in outcome.lines:
            self.editor.tell(player.uuid, line.text, line.tone)

    # --- one tree ---

    def _grow(self, player: OnlinePlayer, cmd: TreeCommand) -> None:
        where = self._where(player)
        if where is None:
            return
        pos, yaw = where
        anchor = anchor_in_front(pos, yaw, tree_distance(cmd.size))
        self._last_request[player.uuid] = time.monotonic()

        def poll() -> bool:
            """Chat while the tree grows: its player's cancel stops it, other commands wait their turn."""
            cancel = False
            for msg in self._messages():
                try:
                    other = self.parse(msg.text)
                except CommandError:
                    other = None
                if other is None or other.kind not in ("cancel", "generate", "undo"):
                    self._pending.append(msg)
                    continue
                try:
                    who = resolve(msg.player, self.editor.online_players())
                except (BridgeError, RconError):
                    who = None
                if not isinstance(who, Speaker):
                    self._pending.append(msg)  # refused, with the reason, once the tree is done
                elif other.kind == "cancel" and who.player.uuid == player.uuid:
                    cancel = True
                elif other.kind == "cancel":
                    self._pending.append(msg)
                else:
                    self.editor.tell(who.player.uuid, "busy growing another tree: try again in a moment", Tone.RED)
            return cancel

        try:
            outcome = grow_tree(self._server(), self.editor, cmd.prompt, anchor, player.name, cmd.size,
                                say=lambda text, tone: self.editor.tell(player.uuid, text, tone), poll=poll,
                                rules=replace(JAVA, trigger=self.settings.trigger), uuid=player.uuid,
                                ground=self.settings.ground)
        except (BridgeError, PlacementError, RconError) as exc:
            self.editor.tell(player.uuid, failed_text(exc), Tone.RED)
            return
        except ConnectionClosed:
            self._ws = None
            self.editor.tell(player.uuid, f"{LOST_CONNECTION}; try again", Tone.RED)
            return
        self.last_outcome = outcome
        if outcome.entry is not None:
            self.journal.record(outcome.entry)
        log.info("tree for %s: %s (%s)", player.name, outcome.status, outcome.message)
        if outcome.status is Status.CONNECTION_LOST:
            self._ws = None
        for line in outcome.lines:
            self.editor.tell(player.uuid, line.text, line.tone)
