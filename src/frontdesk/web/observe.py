"""Every request's id and its count: the outermost middleware.

It opens the request's log scope (``observability.context``) with a request id, the
client's ``X-Request-ID`` when well-formed, else a fresh one, and echoes it in the
response; lines logged while answering (the access line among them) carry it. It
counts the request by method, route TEMPLATE and status: never the raw path, which
holds ids, keys and phone numbers. A request refused before routing (a 429, a 503 while
the schema waits) is matched against the routes here; one that matches none is
"unmatched".

With tracing on (``observability.tracing``) the request is a server span named by its
method and route template, continuing a caller's W3C ``traceparent`` when one is sent.
"""

from __future__ import annotations

from time import perf_counter

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.observability import context, tracing
from frontdesk.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "WEBSOCKET"})


def route_template(scope: Scope) -> str:
    """The route's path template (``/api/v1/appointments/{appointment_id}``)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match == Match.FULL:
            found = getattr(candidate, "path", None)
            return found if isinstance(found, str) and found else UNMATCHED
    return UNMATCHED


def _request_header(scope: Scope, wanted: bytes = b"x-request-id") -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


def _trace_parent(scope: Scope) -> dict[str, str]:
    """The W3C trace context a caller (a proxy, another service) sent, if any."""
    found = {name: _request_header(scope, name.encode()) for name in ("traceparent",
                                                                      "tracestate")}
    return {name: value for name, value in found.items() if value}


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = context.request_id_from(_request_header(scope))
        token = context.begin(request_id=request_id)
        started = perf_counter()
        status = 500

        async def stamp(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            elif kind == "websocket.accept":
                status = 101
            elif kind == "websocket.close" and status == 500:
                status = 403  # closed before the handshake
            await send(message)

        method = scope.get("method", "WEBSOCKET")
        method = method if method in _METHODS else "other"
        traced = tracing.active() is not None  # else no header scan, no span work
        with tracing.span(method, {"http.request.method": method,
                                   "frontdesk.request_id": request_id}, kind="server",
                          carrier=_trace_parent(scope) if traced else None) as span:
            try:
                await self.app(scope, receive, stamp)
            finally:
                route = route_template(scope)
                HTTP_REQUESTS.labels(method, route, str(status)).inc()
                HTTP_SECONDS.labels(route).observe(perf_counter() - started)
                if traced:
                    _finish(span, method, route, status)
                context.end(token)


def _finish(span: tracing.SpanHandle, method: str, route: str, status: int) -> None:
    """Name the span by its route template, now known, and say how it ended and whose
    it was (the ids the request's log scope gathered: tenant, conversation, call)."""
    span.rename(f"{method} {route}")
    ids = context.current()
    span.set({"http.route": route, "http.response.status_code": status,
              **{f"frontdesk.{name}": ids.get(name) for name in context.FIELDS
                 if name != "request_id"}})
    if status >= 500:
        span.failed(str(status))


def install(app: FastAPI) -> None:
    app.add_middleware(ObserveMiddleware)
