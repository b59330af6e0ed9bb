"""Checks on every HTTP request before any handler reads it.

- **Body size.** A body is read at most to its limit (1 MiB for the JSON API, less for
  provider webhooks, whose real payloads are a few KiB) and refused with 413
  problem+json past it — by its Content-Length before reading anything, or while
  reading a chunked one — so a 50 MB upload is neither buffered nor parsed, and nothing
  (authentication included) runs on it.
- **NUL in the address.** PostgreSQL cannot store or compare text holding NUL, and no
  real path or query parameter holds one; such a request is a 422 naming the parameter.

Pure ASGI (not ``BaseHTTPMiddleware``) so the body is only buffered up to the limit and
WebSocket doors pass straight through.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBLEM_JSON = b"application/problem+json"


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The most bytes a request body may hold: webhooks under ``/webhooks/``, the rest."""

    api_bytes: int = 1024 * 1024
    webhook_bytes: int = 128 * 1024

    def for_path(self, path: str) -> int:
        return self.webhook_bytes if path.startswith("/webhooks/") else self.api_bytes


def _problem(status: int, code: str, title: str, detail: str, **extra: Any) -> bytes:
    body = {"type": f"/problems/{code}", "title": title, "status": status,
            "detail": detail, "code": code, **extra}
    return json.dumps(body).encode()


async def _answer(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", PROBLEM_JSON), (b"content-length", str(len(body)).encode())]
    if close:
        # The rest of an over-long body is never read, so the connection cannot be reused.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _nul_parameter(scope: Scope) -> str | None:
    if "\x00" in scope.get("path", ""):
        return "path"
    raw = scope.get("query_string", b"").decode("latin-1")
    if "%00" not in raw and "\x00" not in raw:
        return None
    for name, value in parse_qsl(raw, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return unquote(name).replace("\x00", "") or "query"
    return "query"


def _too_large(limit: int) -> bytes:
    return _problem(
        413, "payload_too_large", "Request body too large",
        f"This endpoint accepts bodies of at most {limit} bytes; send less.",
        limit_bytes=limit,
    )


class RequestGuard:
    """Refuses over-long bodies (413) and NUL characters in the address (422)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bad = _nul_parameter(scope)
        if bad is not None:
            body = _problem(422, "invalid_input", "Invalid input",
                            f"{bad}: must not contain NUL (\\u0000) characters", field=bad)
            await _answer(send, 422, body)
            return
        limit = self.limits.for_path(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, _too_large(limit), close=True)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _answer(send, 413, _too_large(limit), close=True)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
