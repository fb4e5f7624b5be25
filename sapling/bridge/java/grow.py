"""One tree, a preview and a forest, from the generate request to placed blocks: the Java side of
``sapling.bridge.session.TreeRequest`` and of the pure planners (ground, preview, forest)."""

from __future__ import annotations

import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from sapling.bridge.forest import (
    MAX_FOREST_COUNT,
    MAX_FOREST_RADIUS,
    ForestPlan,
    ForestPlanner,
    check_forest,
    crown_radius_of,
)
from sapling.bridge.ground import (
    Ground,
)
from sapling.bridge.java.editor import WorldEditor
from sapling.bridge.placement import (
    Block,
    Journal,
    JournalEntry,
    check_anchor,
    to_world,
)
from sapling.bridge.preview import (
    MAX_PREVIEW_ENTITIES,
    PREVIEW_TIMEOUT_S,
    Done,
    PreviewOutcome,
    PreviewPhase,
    PreviewStatus,
    Send,
    TreePreview,
    kill_command,
)
from sapling.bridge.session import (
    LOST_CONNECTION,
    Action,
    CancelRequest,
    Finish,
    Place,
    Remove,
    Rules,
    Say,
    Status,
    Submit,
    Tone,
    TreeOutcome,
    TreeRequest,
    failed_text,
)
from sapling.config import CHAT_TRIGGER
from sapling.errors import BridgeError
from sapling.server.protocol import assemble
from sapling.structure import DEFAULT_SIZE
from sapling.transform import check_transform, mirror_state, rotate_state

JAVA = Rules(trigger=CHAT_TRIGGER, journal=True, defer_decorations=False, cancel_stops_placing=False,
             retry_in_the_way=True, explain_server_errors=False)
# Trees stand on the ground found under the target column (ground.GroundProbe); off: at the exact
# anchor (flat creative builds: ``--no-ground``).
PLACE_ON_GROUND = True
SEED_LIMIT = 2 ** 31 - 1  # the protocol's largest seed (docs/protocol.md)


# --- one tree, from request to placed blocks -----------------------------------------------------

def server_connection(url: str, token: str | None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        # Entered at once: the bridge keeps this connection for its lifetime and closes it itself.
        return connect(url, additional_headers=headers, max_size=None, open_timeout=10).__enter__()
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        raise BridgeError(f"cannot reach the Sapling server at {url} ({exc}); is 'sapling serve' running?") from None


def refused_text(reason: str) -> str:
    return f"no place for a tree there: {reason}; nothing was done"


def stand(editor: WorldEditor, anchor: tuple[int, int, int], ground: bool = PLACE_ON_GROUND) -> Ground:
    """Where a tree aimed at ``anchor`` stands: the ground under its column, or (``ground`` off) the
    anchor itself, taken as found (nothing is replaced there)."""
    if ground:
        return editor.find_ground(anchor)
    anchor = check_anchor(anchor)
    return Ground(anchor, anchor, anchor[1] - 1)


def grow_tree(ws: ClientConnection, editor: WorldEditor, prompt: str, anchor: tuple[int, int, int], who: str,
              size: str = DEFAULT_SIZE, seed: int | None = None, request_id: str | None = None,
              say: Callable[[str, Tone], None] | None = None, poll: Callable[[], bool] | None = None,
              rules: Rules = JAVA, uuid: str | None = None, ground: bool = PLACE_ON_GROUND) -> TreeOutcome:
    """Ask for one tree (stream on), place it at ``anchor`` as it grows, reconcile with the final
    structure and journal what was placed: drives a ``session.TreeRequest`` over the server
    connection and RCON. With ``ground`` the trunk base goes on the ground under ``anchor``'s
    column (``stand``), and a column without ground is refused (status refused, nothing sent to
    the server, nothing placed). ``say(text, tone)`` gets the lines for the player while it grows
    (the outcome's ``lines`` are the last ones). ``poll()`` is called between messages; returning
    True cancels the request (blocks placed so far stay, journaled, so undo removes them). ``who``
    and ``uuid`` (the player's, when known) go into the journal entry."""
    site = stand(editor, anchor, ground)
    if not site.found:
        return TreeOutcome(Status.REFUSED, site.reason or "no ground", anchor=anchor,
                           lines=(Say(refused_text(site.reason), Tone.RED),))
    outcome = _grow(ws, editor, TreeRequest(prompt, size, who, seed, rules), site,
                    request_id or f"{who}-{int(time.time() * 1000)}", say, poll)
    if uuid is not None and outcome.entry is not None:
        outcome.entry.uuid = uuid.lower()
    return outcome


def _grow(ws: ClientConnection, editor: WorldEditor, tree: TreeRequest, site: Ground,
          request_id: str, say: Callable[[str, Tone], None] | None,
          poll: Callable[[], bool] | None) -> TreeOutcome:
    todo: deque[Action] = deque()

    def carry_out(actions: list[Action]) -> TreeOutcome | None:
        todo.extend(actions)
        while todo:
            outcome = _carry_out(todo.popleft(), tree, ws, editor, say, todo, site)
            if outcome is not None:
                return outcome
        return None

    try:
        outcome = carry_out(tree.start(site.base, request_id))
        while outcome is None:
            try:
                msg = json.loads(ws.recv(timeout=0.2))
            except TimeoutError:
                msg = None
            if msg is not None:
                outcome = carry_out(tree.on_reply(msg))
            if outcome is None and poll is not None and not tree.cancelled and poll():
                outcome = carry_out(tree.cancel())
        return outcome
    except ConnectionClosed:
        return tree.connection_lost()[0].outcome


def _carry_out(action: Action, tree: TreeRequest, ws: ClientConnection, editor: WorldEditor,
               say: Callable[[str, Tone], None] | None, todo: deque, site: Ground | None = None
               ) -> TreeOutcome | None:
    """One action of the state machine, through the server connection and RCON (synchronous: a
    placement's answer goes straight back to the machine)."""
    if isinstance(action, Submit):
        ws.send(json.dumps(action.request))
    elif isinstance(action, CancelRequest):
        ws.send(json.dumps({"type": "cancel", "id": tree.request_id}))
    elif isinstance(action, Place):
        result = editor.place_on(action.blocks, site)
        todo.extend(tree.on_placed(result.placed, result.unclaimed))
    elif isinstance(action, Remove):
        todo.extend(tree.on_removed(action.blocks, editor.remove(action.blocks)))
    elif isinstance(action, Say):
        if say is not None:
            say(action.text, action.tone)
    elif isinstance(action, Finish):
        return action.outcome
    return None  # DropQueued: nothing waits here, every command is answered at once


# --- a preview: display entities first, blocks on accept -------------------------------------------

def new_seed() -> int:
    return secrets.randbelow(SEED_LIMIT - MAX_FOREST_COUNT)  # room for a batch's seed + k, and rerolls


def run_preview(ws: ClientConnection, editor: WorldEditor, preview: TreePreview, actions: list,
                site: Ground, say: Callable[[str, Tone], None] | None = None) -> PreviewOutcome | None:
    """Carry out a ``TreePreview``'s actions (and wait for its tree while it grows): returns None once
    it is showing (waiting for accept, reroll or cancel), or its outcome when it ended. An accept's
    blocks go in with ``place_on(site)``, as the tree would have."""
    todo = deque(actions)
    while True:
        while todo:
            action = todo.popleft()
            if isinstance(action, Submit):
                ws.send(json.dumps(action.request))
            elif isinstance(action, CancelRequest):
                ws.send(json.dumps({"type": "cancel", "id": preview.request_id}))
            elif isinstance(action, Send):
                try:
                    editor.send_commands(action.commands)
                except BridgeError:
                    editor.send_commands([kill_command(preview.request_id)])  # what did appear goes
                    preview.cancel(time.monotonic())
                    raise
            elif isinstance(action, Place):
                result = editor.place_on(action.blocks, site)
                todo.extend(preview.on_placed(result.placed, result.unclaimed))
            elif isinstance(action, Say):
                if say is not None:
                    say(action.text, action.tone)
            elif isinstance(action, Done):
                return action.outcome
        if preview.phase is not PreviewPhase.GROWING:
            return None
        try:
            todo.extend(preview.on_reply(json.loads(ws.recv()), time.monotonic()))
        except ConnectionClosed:
            todo.extend(preview.connection_lost())


def start_preview(ws: ClientConnection, editor: WorldEditor, prompt: str, anchor: tuple[int, int, int], who: str,
                  size: str = DEFAULT_SIZE, seed: int | None = None, say: Callable[[str, Tone], None] | None = None,
                  ground: bool = PLACE_ON_GROUND, trigger: str = CHAT_TRIGGER,
                  timeout_s: float = PREVIEW_TIMEOUT_S, max_entities: int = MAX_PREVIEW_ENTITIES
                  ) -> tuple[TreePreview, Ground, PreviewOutcome | None]:
    """Show a tree at ``anchor`` (on the ground under it, see ``grow_tree``) as display entities.
    Returns the preview, where it stands, and its outcome if it already ended (refused, failed);
    answer it with ``run_preview(..., preview.accept(now) / reroll / cancel / tick)``."""
    preview = TreePreview(prompt, new_seed() if seed is None else seed, size, who, trigger, True, timeout_s,
                          max_entities)
    site = stand(editor, anchor, ground)
    if not site.found:
        text = refused_text(site.reason)
        preview.outcome = PreviewOutcome(PreviewStatus.FAILED, site.reason or "no ground", anchor=anchor,
                                         lines=(Say(text, Tone.RED),))
        preview.phase = PreviewPhase.FINISHED
        return preview, site, preview.outcome
    rid = f"preview-{secrets.token_hex(6)}"
    return preview, site, run_preview(ws, editor, preview, preview.start(site.base, rid, time.monotonic()), site, say)


def reroll_id() -> str:
    return f"preview-{secrets.token_hex(6)}"


# --- a forest: one batched request, a site on the ground for each tree ------------------------------

@dataclass
class ForestOutcome:
    status: Status
    message: str
    plan: ForestPlan | None = None
    entry: JournalEntry | None = None  # the whole forest: one undo
    placed: int = 0
    skipped: int = 0
    lines: tuple[Say, ...] = ()


def orient(blocks: Iterable[tuple[int, int, int, str]], rotation: int, mirror: str | None
           ) -> list[tuple[int, int, int, str]]:
    """Blocks relative to the trunk base, mirrored (``"x"``: x -> -x) then turned ``rotation`` degrees
    clockwise seen from above (``(x, z) -> (-z, x)`` per quarter), states with them: the rules of
    ``sapling.transform`` on the protocol's block lists."""
    rotation, mirror = check_transform(rotation, mirror)
    out = []
    for x, y, z, state in blocks:
        if mirror is not None:
            x, z = (-x, z) if mirror == "x" else (x, -z)
            state = mirror_state(state, mirror)
        for _ in range(rotation // 90):
            x, z = -z, x
        out.append((x, y, z, rotate_state(state, rotation) if rotation else state))
    return out


def _samples(ws: ClientConnection, request: dict) -> dict[int, dict]:
    """Send a generate request; its finished structures by sample (``BridgeError`` for an error reply)."""
    ws.send(json.dumps(request))
    parts: dict[int, list[dict]] = {}
    while True:
        msg = json.loads(ws.recv())
        if msg.get("id") not in (request["id"], None):
            continue
        kind = msg.get("type")
        if kind in ("structure", "structure_part"):
            parts.setdefault(int(msg.get("sample", 0)), []).append(msg)
        elif kind == "done":
            return {k: assemble(v) for k, v in parts.items()}
        elif kind == "error":
            raise BridgeError(str(msg.get("message", msg.get("code", "generation failed"))))


def grow_forest(ws: ClientConnection, editor: WorldEditor, prompt: str, centre: tuple[float, float, float],
                count: int, radius: int, who: str, size: str = DEFAULT_SIZE, seed: int | None = None,
                say: Callable[[str, Tone], None] | None = None, uuid: str | None = None,
                ground: bool = PLACE_ON_GROUND, max_count: int = MAX_FOREST_COUNT,
                max_radius: int = MAX_FOREST_RADIUS, trigger: str | None = CHAT_TRIGGER) -> ForestOutcome:
    """``count`` different trees around ``centre`` (a player's feet) within ``radius``: one batched
    generate request (``num_samples=count``), then ``forest.ForestPlanner`` proposes a site per tree
    (spaced by crowns, a rotation and mirror each); each is probed for ground (with ``ground``) and
    for free space above it, and refused sites throw again. Every tree's blocks go into ONE journal
    entry: one undo removes the forest."""
    count, radius = check_forest(count, radius, max_count, max_radius)
    tell = say or (lambda text, tone: None)
    seed = new_seed() if seed is None else seed
    request = {"type": "generate", "id": f"forest-{secrets.token_hex(6)}", "prompt": prompt, "size": size,
               "num_samples": count, "seed": seed, "stream": False}
    tell(f"growing a forest of {count} '{prompt}'", Tone.GREEN)
    try:
        samples = _samples(ws, request)
    except ConnectionClosed:
        return ForestOutcome(Status.CONNECTION_LOST, LOST_CONNECTION, lines=(Say(LOST_CONNECTION, Tone.RED),))
    except BridgeError as exc:
        return ForestOutcome(Status.FAILED, str(exc), lines=(Say(failed_text(exc), Tone.RED),))
    trees = [[(x, y, z, samples[k]["palette"][i]) for x, y, z, i in samples[k]["blocks"]] if k in samples else []
             for k in range(count)]
    planner = ForestPlanner(count, radius, centre, [crown_radius_of(t) for t in trees], seed,
                            max_count=max_count, max_radius=max_radius)
    feet_y = math.floor(centre[1] + 0.1)
    placed: list[Block] = []
    skipped = 0
    site = planner.next_site()
    while site is not None:
        stood = stand(editor, site.anchor(feet_y), ground)
        if not stood.found:
            site = planner.reject(stood.reason or "no ground")
            continue
        blocks = to_world(orient(trees[site.index], site.rotation, site.mirror), stood.base)
        if not blocks or not editor.is_free(blocks, stood.base[1] + 2):
            site = planner.reject("something is in the way (another tree or a build)" if blocks else "an empty tree")
            continue
        result = editor.place_on(blocks, stood)
        placed += result.placed
        skipped += result.skipped
        tell(f"tree {len(planner.plan.trees) + 1} of {count} placed ({len(result.placed)} blocks)", Tone.GRAY)
        site = planner.accept(stood.base[1])
    plan = planner.plan
    anchor = (math.floor(centre[0]), feet_y, math.floor(centre[2]))
    entry = JournalEntry(who, prompt, placed, anchor=anchor, uuid=uuid.lower() if uuid else None) if placed else None
    lines = [Say(text, Tone.GREEN if i == 0 and plan.trees else Tone.YELLOW) for i, text in enumerate(plan.lines())]
    if placed:
        undo = f"; '{trigger} undo' removes the whole forest" if trigger else ""
        lines.append(Say(f"{len(placed)} blocks placed{undo}"))
    return ForestOutcome(Status.DONE if plan.trees else Status.REFUSED, f"{len(plan.trees)} of {count} trees",
                         plan, entry, len(placed), skipped, tuple(lines))


def undo_entries(editor: WorldEditor, journal: Journal, entries: list[JournalEntry]) -> int:
    """Undo placements (newest first); returns the number of blocks turned back to air."""
    removed = 0
    for e in entries:
        removed += editor.remove(e.blocks)
        journal.mark_undone(e.id)
    return removed


