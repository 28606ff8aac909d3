"""The lean path for ``GET /v1/match``: the one route platforms call per upload, answered before FastAPI.

``BankAPI`` is the bank's FastAPI app with one difference: its ASGI entry first offers each request to
``FastMatch``. For the common request (``GET /v1/match`` with a valid key of a matching role and plain,
valid parameters) ``FastMatch`` parses the query itself, checks the key through the same ``KeyCache``,
asks the matcher and sends the JSON bytes: no middleware, no dependency injection, no telemetry hooks.
Every other request, and every request it is unsure of (no or bad key, wrong role, percent-encoded or
repeated parameters, invalid values), goes on to the normal FastAPI route, which gives the same answers
and the same error messages as before. So the fast path can only ever answer 200 with what the route
would have answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from haven.bank.index import MAX_RADIUS
from haven.bank.keys import PERMISSIONS, KeyCache, Principal
from haven.protect.signals import validate_signal

try:  # orjson: ~5x faster than json for the small answer; same JSON
    import orjson

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # pragma: no cover - orjson is a declared dependency

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()


PATH = "/v1/match"
PARAMS = frozenset({b"signal_type", b"signal", b"max_distance"})
MAX_SIGNAL = 1000  # the route's max_length for ``signal``
_ROLES = PERMISSIONS["match"]
_HEADERS = [(b"content-type", b"application/json")]

# (principal, signal_type, validated value, max_distance) -> the answer's bytes
MatchBody = Callable[[Principal, str, str, int], bytes]


def parse_query(query: bytes) -> tuple[str, str, int] | None:
    """(signal_type, signal, max_distance) from a plain query string, or None when anything is unusual
    (encoded characters, repeated, unknown or empty parameters, a non-decimal distance): the route then
    parses it with its own rules."""
    if b"%" in query or b"+" in query or len(query) > 4 * MAX_SIGNAL:
        return None
    got: dict[bytes, bytes] = {}
    for part in query.split(b"&"):
        name, eq, value = part.partition(b"=")
        if not eq or not value or name not in PARAMS or name in got:
            return None
        got[name] = value
    stype, signal = got.get(b"signal_type"), got.get(b"signal")
    if stype is None or signal is None or len(signal) > MAX_SIGNAL:
        return None
    dist = got.get(b"max_distance")
    if dist is None:
        distance = MAX_RADIUS
    elif dist.isdigit() and len(dist) <= 3:
        distance = int(dist)
        if distance > MAX_RADIUS:
            return None
    else:
        return None
    try:
        return stype.decode("ascii"), signal.decode("ascii"), distance
    except UnicodeDecodeError:
        return None


def bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key of a single ``Authorization: Bearer KEY`` header, else None."""
    found = None
    for name, value in headers:
        if name == b"authorization":
            if found is not None:
                return None
            found = value
    if found is None or found[:7].lower() != b"bearer ":
        return None
    key = found[7:].strip()
    return key.decode("latin-1") if key else None


class FastMatch:
    """Answers the common ``GET /v1/match`` (see the module doc); ``answer`` returns None to pass."""

    def __init__(self, keys: KeyCache, body: MatchBody) -> None:
        self.keys = keys
        self.body = body

    def answer(self, scope: dict[str, Any]) -> bytes | None:
        key = bearer(scope["headers"])
        if key is None:
            return None
        parsed = parse_query(scope.get("query_string", b""))
        if parsed is None:
            return None
        who = self.keys.lookup(key)
        if who is None or who.role not in _ROLES:
            return None
        stype, signal, distance = parsed
        try:
            value = validate_signal(stype, signal)
        except ValueError:
            return None
        return self.body(who, stype, value, distance)


class BankAPI(FastAPI):
    """FastAPI, with ``fast`` (a ``FastMatch``) offered each ``GET /v1/match`` before anything else."""

    fast: FastMatch | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            self.fast is not None
            and scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "GET"
            and not self.root_path
        ):
            body = self.fast.answer(scope)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [*_HEADERS, (b"content-length", b"%d" % len(body))],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await super().__call__(scope, receive, send)


class _Answered:
    """Stands for a request cycle that is already complete (what uvicorn's protocol looks at)."""

    response_complete = True
    disconnected = False

    class message_event:  # mimics the one method of asyncio.Event used on a finished cycle
        @staticmethod
        def set() -> None:
            return None


def http_protocol(app: BankAPI) -> type:
    """uvicorn's httptools protocol with ``app.fast`` answering ``GET /v1/match`` as soon as the headers
    are parsed: no ASGI task, no request cycle object, one write. Anything else (other routes, pipelined
    requests behind a slow one, ``Connection: close``, a fast path that passes) goes the normal way.
    Passed to uvicorn as its ``http`` protocol class, a documented extension point."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class FastProtocol(HttpToolsProtocol):
        def on_headers_complete(self) -> None:
            fast = app.fast
            if (
                fast is not None
                and self.parser.get_method() == b"GET"
                and self.url.startswith(b"/v1/match?")
                and not self.root_path
                and self.limit_concurrency is None
                and (self.cycle is None or self.cycle.response_complete)
                and self.parser.should_keep_alive()
                and self.parser.get_http_version() == "1.1"
            ):
                scope = self.scope
                scope["method"] = "GET"
                scope["path"] = PATH
                scope["raw_path"] = PATH.encode()
                scope["query_string"] = self.url[len(PATH) + 1 :]
                try:
                    body = fast.answer(scope)  # type: ignore[arg-type]
                except Exception:  # the normal route answers (and reports) whatever went wrong
                    body = None
                if body is not None:
                    head = [b"HTTP/1.1 200 OK\r\n"]
                    for name, value in self.server_state.default_headers:
                        head += [name, b": ", value, b"\r\n"]
                    head.append(b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body))
                    head.append(body)
                    self.transport.write(b"".join(head))
                    self.cycle = _Answered()  # type: ignore[assignment]
                    self.on_response_complete()
                    return
            super().on_headers_complete()

    return FastProtocol
