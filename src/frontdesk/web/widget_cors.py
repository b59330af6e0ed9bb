"""CORS for the chat widget, and nowhere else (ADR 0038).

A page on a business's site calls ``POST /api/v1/chat`` with its publishable widget key.
The browser first sends a preflight (``OPTIONS``), which carries no key: we cannot know
whose page it is, so any origin is told the one method and the headers the chat door
needs, and nothing more. The real request carries the key; ``web.deps.get_caller``
checks its ``Origin`` against the key's ``allowed_origins`` (403 otherwise) and notes the
origin in the request state, and only then does the answer carry
``Access-Control-Allow-Origin`` for that origin. Every other path, and the chat path with
any other key, gets no CORS headers at all, so browsers keep other sites out of the API.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHAT_PATH = "/api/v1/chat"
ALLOWED_METHODS = "POST"
ALLOWED_HEADERS = "authorization, content-type, idempotency-key, x-api-key"
PREFLIGHT_MAX_AGE_S = 600


class WidgetCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != CHAT_PATH:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            await _preflight(origin, send)
            return
        state = scope.setdefault("state", {})  # shared with the request's handler

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and origin is not None:
                allowed = state.get("widget_origin")
                if allowed == origin:
                    out = MutableHeaders(scope=message)
                    out["Access-Control-Allow-Origin"] = origin
                    out.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _preflight(origin: str, send: Send) -> None:
    headers = [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
        (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
        (b"access-control-max-age", str(PREFLIGHT_MAX_AGE_S).encode()),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
