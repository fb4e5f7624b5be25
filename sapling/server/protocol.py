"""The websocket protocol of ``sapling serve``: parsing requests, building replies (pure; no I/O;
no torch, so that bridges and other clients can import it).

Every message is one JSON object with a ``type``; docs/protocol.md documents them
all with an example session. Coordinates are relative to the request's origin:
the centre column of the grid, one layer above its floor, where the model stands
a tree's trunk on its ground block (x east, y up, z south). Progress messages and
the final structure use the same frame, so streamed blocks can be placed as they
arrive.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Union

from sapling.config import MAX_GUIDANCE, MAX_PROMPT_CHARS, MAX_SAMPLES, MAX_STEPS, POSTPROCESS_MODES, SampleConfig
from sapling.errors import ProtocolError, ServerConfigError
from sapling.structure import DEFAULT_SIZE, SIZES, Structure

# Where ``sapling serve`` listens unless told otherwise, and so where bridges look for it.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_URL = f"ws://{DEFAULT_HOST}:{DEFAULT_PORT}"
FORMATS = ("blocks", "schem")
ERROR_CODES = ("invalid_request", "busy", "cancelled", "unauthorized", "internal")
MAX_ID_CHARS = 128
MAX_SEED = 2**31 - 1
FRAME_Y = 1  # the origin's height in the grid: trees stand on a one-block ground layer at y = 0


@dataclass(frozen=True)
class Limits:
    """What one server accepts; every field is a ``sapling serve`` option."""

    # trees per request (the pipeline's own ceiling is MAX_SAMPLES per forward batch)
    max_samples: int = 8
    # sampling steps per request: a masked model converges in tens of steps
    max_steps: int = 64
    # characters per prompt
    max_prompt_chars: int = MAX_PROMPT_CHARS
    # bytes per message, both ways; a bigger structure goes out in structure_part messages
    max_message_bytes: int = 1 << 20
    # requests waiting for the model; one more is answered "busy" at once
    max_queue: int = 32
    # requests one connection may have waiting or running
    max_in_flight: int = 4

    def __post_init__(self) -> None:
        for name in ("max_samples", "max_steps", "max_prompt_chars", "max_queue", "max_in_flight"):
            if getattr(self, name) < 1:
                raise ServerConfigError(f"{name} must be at least 1")
        if self.max_samples > MAX_SAMPLES:
            raise ServerConfigError(f"max_samples can be at most {MAX_SAMPLES}")
        if self.max_steps > MAX_STEPS:
            raise ServerConfigError(f"max_steps can be at most {MAX_STEPS}")
        if self.max_message_bytes < 16384:  # a palette of every state the model knows must fit
            raise ServerConfigError("max_message_bytes must be at least 16384")


_SAMPLING = SampleConfig()  # the library's sampling defaults, for a service built without a checkpoint


@dataclass(frozen=True)
class Defaults:
    """What a generate request gets for a field it leaves out (the service fills these from the
    model's checkpoint; the fallbacks are ``SampleConfig``'s)."""

    size: str = DEFAULT_SIZE
    num_samples: int = 1
    sampling_steps: int = _SAMPLING.sampling_steps
    guidance_scale: float = _SAMPLING.guidance_scale
    postprocess: str = _SAMPLING.postprocess
    stream: bool = False
    format: str = "blocks"


@dataclass(frozen=True)
class Generate:
    id: str
    prompt: str
    size: str
    num_samples: int
    sampling_steps: int
    guidance_scale: float
    seed: int | None  # None: the server draws one and reports it with each structure
    postprocess: str
    stream: bool
    format: str


@dataclass(frozen=True)
class Cancel:
    id: str


@dataclass(frozen=True)
class Info:
    pass


@dataclass(frozen=True)
class Ping:
    pass


Request = Union[Generate, Cancel, Info, Ping]

_GENERATE_FIELDS = ("type", "id", "prompt", "size", "num_samples", "sampling_steps", "guidance_scale",
                    "seed", "postprocess", "stream", "format")


def parse_message(text: str | bytes, limits: Limits, defaults: Defaults) -> Request:
    """One client message -> a request; ``ProtocolError("invalid_request", ...)`` naming the field."""
    if isinstance(text, bytes):
        raise ProtocolError("invalid_request", "send JSON text messages, not binary ones")
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("invalid_request", f"message is not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(msg, dict):
        raise ProtocolError("invalid_request", "a message must be a JSON object with a 'type' field")
    kind = msg.get("type")
    raw_id = msg.get("id")
    request_id = raw_id if isinstance(raw_id, str) else None
    try:
        if kind == "generate":
            return _generate(msg, limits, defaults)
        if kind == "cancel":
            _only(msg, ("type", "id"))
            return Cancel(_id(msg))
        if kind == "info":
            _only(msg, ("type", "id"))
            return Info()
        if kind == "ping":
            _only(msg, ("type", "id"))
            return Ping()
        if kind is None:
            raise _Bad("type", "is missing")
        raise _Bad("type", f"{kind!r} is not one of generate, cancel, info, ping")
    except _Bad as bad:
        raise ProtocolError("invalid_request", f"field '{bad.field}' {bad.reason}", request_id) from None


class _Bad(Exception):
    def __init__(self, field_name: str, reason: str):
        self.field = field_name
        self.reason = reason


def _only(msg: dict, allowed: tuple[str, ...]) -> None:
    for key in msg:
        if key not in allowed:
            raise _Bad(key, f"is not part of a {msg.get('type')!r} message")


def _id(msg: dict) -> str:
    value = msg.get("id")
    if value is None:
        raise _Bad("id", "is missing")
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_CHARS:
        raise _Bad("id", f"must be a string of 1 to {MAX_ID_CHARS} characters")
    return value


def _int(msg: dict, key: str, default: int | None, lo: int, hi: int) -> int | None:
    value = msg.get(key, default)
    if value is None and default is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Bad(key, f"must be an integer, got {json.dumps(value)[:40]}")
    if not lo <= value <= hi:
        raise _Bad(key, f"must be between {lo} and {hi}, got {value}")
    return value


def _choice(msg: dict, key: str, default: str, choices: tuple[str, ...]) -> str:
    value = msg.get(key, default)
    if value not in choices:
        raise _Bad(key, f"must be one of {', '.join(choices)}, got {json.dumps(value)[:40]}")
    return value


def _generate(msg: dict, limits: Limits, defaults: Defaults) -> Generate:
    _only(msg, _GENERATE_FIELDS)
    request_id = _id(msg)
    prompt = msg.get("prompt")
    if prompt is None:
        raise _Bad("prompt", "is missing")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _Bad("prompt", "must be non-empty text")
    if len(prompt) > limits.max_prompt_chars:
        raise _Bad("prompt", f"is {len(prompt)} characters long; at most {limits.max_prompt_chars} are accepted")
    guidance = msg.get("guidance_scale", defaults.guidance_scale)
    if isinstance(guidance, bool) or not isinstance(guidance, (int, float)) or not math.isfinite(guidance):
        raise _Bad("guidance_scale", f"must be a number, got {json.dumps(guidance)[:40]}")
    if not 0.0 <= guidance <= MAX_GUIDANCE:
        raise _Bad("guidance_scale", f"must be between 0 and {MAX_GUIDANCE:g}, got {guidance}")
    stream = msg.get("stream", defaults.stream)
    if not isinstance(stream, bool):
        raise _Bad("stream", f"must be true or false, got {json.dumps(stream)[:40]}")
    return Generate(
        id=request_id,
        prompt=prompt.strip(),
        size=_choice(msg, "size", defaults.size, tuple(SIZES)),
        num_samples=_int(msg, "num_samples", defaults.num_samples, 1, limits.max_samples),
        sampling_steps=_int(msg, "sampling_steps", defaults.sampling_steps, 1, limits.max_steps),
        guidance_scale=float(guidance),
        seed=_int(msg, "seed", None, 0, MAX_SEED),
        postprocess=_choice(msg, "postprocess", defaults.postprocess, POSTPROCESS_MODES),
        stream=stream,
        format=_choice(msg, "format", defaults.format, FORMATS),
    )


# --- server -> client ------------------------------------------------------------------------------

def encode(message: dict[str, Any]) -> str:
    """The wire form of a reply: compact JSON."""
    return json.dumps(message, separators=(",", ":"))


def frame_origin(shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """Grid coordinates of a request's origin: the centre column, one layer above the floor."""
    return shape[0] // 2, FRAME_Y, shape[2] // 2


def accepted(request_id: str, queue_position: int) -> dict[str, Any]:
    return {"type": "accepted", "id": request_id, "queue_position": queue_position}


def progress(request_id: str, sample: int, step: int, steps: int, shape: tuple[int, int, int],
             blocks: list[tuple[int, int, int, str]]) -> dict[str, Any]:
    """The blocks (grid coordinates) fixed at one step of one sample -> a progress message."""
    ox, oy, oz = frame_origin(shape)
    return {"type": "progress", "id": request_id, "sample": sample, "step": step, "steps": steps,
            "blocks": [[x - ox, y - oy, z - oz, state] for x, y, z, state in blocks]}


def structure_messages(request_id: str, sample: int, structure: Structure, metrics: dict[str, Any],
                       schem: bytes | None, max_bytes: int) -> list[dict[str, Any]]:
    """One finished tree -> a ``structure`` message, or ``structure_part`` messages when one would
    exceed ``max_bytes``. Parts have the same fields; their ``blocks`` add up to the tree's, and
    ``schem`` (when asked for) rides on the first part."""
    compact = structure.compact()
    ox, oy, oz = frame_origin(structure.shape)
    blocks = [[x - ox, y - oy, z - oz, int(compact.blocks[x, y, z])] for x, y, z, _ in compact.iter_blocks()]
    head = {"type": "structure", "id": request_id, "sample": sample, "size": list(structure.shape),
            "origin": [ox, oy, oz], "palette": list(compact.vocab.states), "blocks": blocks, "metrics": metrics}
    if structure.metadata.get("species"):
        head["species"] = species_field(structure)
    if schem is not None:
        head["schem"] = base64.b64encode(schem).decode("ascii")
    if len(encode(head)) <= max_bytes:
        return [head]
    # Split the block list so that every part fits; the fixed fields travel with each part.
    base = dict(head, type="structure_part", blocks=[], part=0, parts=0)
    room_first = max_bytes - len(encode(base)) - 64  # the first part also carries the schematic
    base.pop("schem", None)
    room_rest = max_bytes - len(encode(base)) - 64
    if min(room_first, room_rest) < 64:
        raise ValueError("max_bytes is too small for this structure's palette and metrics")
    chunks: list[list[list[int]]] = [[]]
    used = 0
    for b in blocks:
        size = len(encode(b)) + 1
        limit = room_first if len(chunks) == 1 else room_rest
        if chunks[-1] and used + size > limit:
            chunks.append([])
            used = 0
        chunks[-1].append(b)
        used += size
    parts = []
    for i, chunk in enumerate(chunks):
        part = dict(base, blocks=chunk, part=i, parts=len(chunks))
        if i == 0 and schem is not None:
            part["schem"] = head["schem"]
        parts.append(part)
    return parts


def species_field(structure: Structure) -> dict[str, Any]:
    """A structure message's ``species`` (sent when the sampler reported one): the species the tree got (``chosen``, null for a model
    without species), who chose it (``by``: ``"prompt"`` when the prompt was clear, else
    ``"model"``), ``plain`` (the prompt names it by an English name or synonym) and ``why`` (one line:
    "birch: 'Birke' (de name of birch)", "no known tree named; closest in meaning: jungle ...")."""
    info = structure.metadata.get("species") or {}
    return {"chosen": info.get("chosen"), "by": info.get("by", "model"), "plain": bool(info.get("plain", False)),
            "why": str(info.get("why", ""))}


def done(request_id: str, elapsed_ms: int) -> dict[str, Any]:
    return {"type": "done", "id": request_id, "elapsed_ms": elapsed_ms}


def error(code: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    if code not in ERROR_CODES:
        raise ValueError(f"unknown error code {code!r}")
    return {"type": "error", "id": request_id, "code": code, "message": message}


def pong() -> dict[str, Any]:
    return {"type": "pong"}


def info(model: dict[str, Any], defaults: Defaults, limits: Limits) -> dict[str, Any]:
    return {"type": "info", "model": model,
            "sizes": {name: list(dims) for name, dims in SIZES.items()},
            "defaults": asdict(defaults), "limits": asdict(limits),
            "postprocess": list(POSTPROCESS_MODES), "formats": list(FORMATS)}


def assemble(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """``structure_part`` messages of one sample (any order) -> the one ``structure`` message they
    split (for clients written in Python: the bridge, tests)."""
    if len(messages) == 1 and messages[0]["type"] == "structure":
        return messages[0]
    parts = sorted(messages, key=lambda m: m["part"])
    if [m["part"] for m in parts] != list(range(parts[0]["parts"])):
        raise ValueError("structure parts are missing or repeated")
    whole = dict(parts[0], type="structure", blocks=[b for m in parts for b in m["blocks"]])
    whole.pop("part")
    whole.pop("parts")
    return whole
