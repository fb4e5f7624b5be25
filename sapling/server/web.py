"""The web playground's HTTP side: ``sapling serve`` also answers plain HTTP on its port.

websockets' ``serve(..., process_request=process_request)`` calls ``process_request``
for every incoming request before the websocket handshake. A websocket upgrade (any
path: ``/``, ``/bedrock``, ...) passes through (``None``); a plain ``GET`` gets the page
and its files from ``sapling/server/static/`` (shipped in the package: no build step,
nothing fetched from the internet), ``/palette.json`` (the PNG previews' block colours,
from ``sapling.render``, for the blocks of the served model's vocabulary), or a 404.
``request_handler(vocab)`` makes the hook for a model's vocabulary; ``process_request``
is the one for the default tree vocabulary. The page holds no secret, so it is served without
the token; only the websocket asks for it.

Every response carries ``Cache-Control: no-cache``, ``X-Content-Type-Options: nosniff``
and a Content-Security-Policy that allows only this origin's files and its websocket.
"""

from __future__ import annotations

import email.utils
import http
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from sapling.blocks import BlockVocab, base_name, block_kind, parse_state
from sapling.render import (
    BACKGROUND,
    END_PALETTE,
    FLOOR,
    PALETTE,
    RGB,
    axis_ends,
    block_color,
)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

# Faces the page asks colours for, and the ``block_color`` face each one means.
_FACES = {"top": "up", "bottom": "down", "x": "east", "z": "south"}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str


@lru_cache(maxsize=1)
def static_files() -> dict[str, StaticFile]:
    """URL path -> file, for every file shipped in ``sapling/server/static`` (read once)."""
    files: dict[str, StaticFile] = {}
    for entry in resources.files("sapling.server").joinpath("static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
        if entry.is_file() and suffix in CONTENT_TYPES:
            files["/" + entry.name] = StaticFile(entry.read_bytes(), CONTENT_TYPES[suffix])
    files["/"] = files["/index.html"]
    return files


# --- the palette -------------------------------------------------------------------------

def _has_axis_ends(name: str) -> bool:
    """Logs (and the game's stems, pillars) show their end on the faces along their ``axis``
    (``render.axis_ends``, the rule ``render._part`` follows)."""
    return axis_ends(name)


def _entry(state: str) -> dict[str, Any]:
    return {"side": list(block_color(state, "side")), "top": list(block_color(state, "up"))}


def lookup(palette: dict[str, Any], state: str, face: str) -> RGB | None:
    """The colour the page draws for ``face`` ("top", "bottom", "x", "z") of ``state``; ``None``
    when the palette does not know the block (the page then hashes its name).

    The Python twin of ``blockColor`` in static/app.js: the rule the palette is built for.
    """
    name, props = parse_state(state)
    entry = palette["states"].get(state) or palette["blocks"].get(name.split(":", 1)[1])
    if entry is None:
        return None
    axis = {"top": "y", "bottom": "y", "x": "x", "z": "z"}[face]
    if entry.get("axis_ends"):
        end = props.get("axis", "y") == axis
    else:
        end = face == "top"
    return tuple(entry["top"] if end else entry["side"])  # type: ignore[return-value]


def palette_json(vocab: BlockVocab | None = None) -> dict[str, Any]:
    """The block colours of the PNG previews, for the page, for the blocks of ``vocab``.

    ``vocab`` is the vocabulary of the model the page shows trees of (default: the tree
    vocabulary, ``BlockVocab.default()``). ``blocks``: block name -> ``side`` and ``top`` RGB,
    and ``axis_ends`` when ``top`` is the colour of the faces along the block's ``axis``
    property (logs, stems, pillars) rather than of its top; one entry per name in ``vocab``
    and in ``render.PALETTE``. ``states``: the few full states whose colours differ from their
    name's entry (cocoa by age). Built from ``render.block_color`` (hand-tuned colours for tree
    blocks, the game's texture colours for other vanilla blocks) and checked against it state
    by state (a modded block whose name the game also knows gets a ``states`` entry).
    """
    return _palette(vocab if vocab is not None else BlockVocab.default())


@lru_cache(maxsize=8)
def _palette(vocab: BlockVocab) -> dict[str, Any]:
    names = sorted({base_name(s) for s in vocab.states if block_kind(s) != "air"} | set(PALETTE) | set(END_PALETTE))
    palette: dict[str, Any] = {
        "background": list(BACKGROUND),
        "floor": list(FLOOR),
        "blocks": {},
        "states": {},
    }
    for name in names:
        entry = _entry(f"minecraft:{name}")
        if _has_axis_ends(name):
            entry["axis_ends"] = True
        palette["blocks"][name] = entry
    for state in vocab.states:
        if block_kind(state) == "air":
            continue
        if any(lookup(palette, state, f) != block_color(state, _FACES[f]) for f in _FACES):
            palette["states"][state] = _entry(state)
    return palette


# --- HTTP ---------------------------------------------------------------------------------

def _response(status: http.HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers([
        ("Date", email.utils.formatdate(usegmt=True)),
        ("Connection", "close"),
        ("Content-Length", str(len(body))),
        ("Content-Type", content_type),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("Referrer-Policy", "no-referrer"),
    ])
    return Response(status.value, status.phrase, headers, body)


def _is_upgrade(request: Request) -> bool:
    return "websocket" in request.headers.get("Upgrade", "").lower()


def process_request(connection: Any, request: Request, vocab: BlockVocab | None = None) -> Response | None:
    """websockets' ``process_request`` hook: ``None`` for a websocket upgrade (the handshake
    goes on), else the HTTP response for a plain request (websockets only parses ``GET``).
    ``/palette.json`` describes ``vocab`` (default: the tree vocabulary)."""
    if _is_upgrade(request):
        return None
    path = urlsplit(request.path).path
    if path == "/palette.json":
        body = json.dumps(palette_json(vocab), separators=(",", ":")).encode()
        return _response(http.HTTPStatus.OK, body, CONTENT_TYPES[".json"])
    found = static_files().get(path)
    if found is not None:
        return _response(http.HTTPStatus.OK, found.body, found.content_type)
    return _response(http.HTTPStatus.NOT_FOUND, f"404 not found: {path}\n".encode(), "text/plain; charset=utf-8")


def request_handler(vocab: BlockVocab | None) -> Callable[[Any, Request], Response | None]:
    """The ``process_request`` hook of a server whose model speaks ``vocab``: its palette
    describes that model's blocks."""
    def handler(connection: Any, request: Request) -> Response | None:
        return process_request(connection, request, vocab)
    return handler


__all__ = ["process_request", "request_handler", "palette_json", "lookup", "static_files",
           "CONTENT_SECURITY_POLICY", "CONTENT_TYPES"]
