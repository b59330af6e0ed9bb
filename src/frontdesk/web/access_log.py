"""The access log, with secrets and personal data masked.

URLs carry credentials and phone numbers: Retell's WebSocket URL holds the business's
API key in its path, a calendar feed's path is its only credential, OAuth callbacks
carry a code and a state, and ``?to=`` / ``?phone=`` name a customer. uvicorn's own
access log prints them as they are, so ``frontdesk serve`` turns it off and this
middleware writes one line per request instead (logger ``frontdesk.access``): method,
masked path and query, status, duration. :class:`RedactFilter` masks the paths uvicorn
still logs itself (WebSocket handshakes, if its access log is left on).
"""

from __future__ import annotations

import copy
import logging
import re
import time
from typing import Any
from urllib.parse import unquote, unquote_plus

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("frontdesk.access")

MASK = "***"
# Query parameters whose value is always a secret or personal data, whatever it looks like.
SECRET_PARAMS = frozenset({
    "key", "api_key", "apikey", "token", "access_token", "refresh_token", "id_token",
    "code", "state", "secret", "client_secret", "password", "signature", "sig",
    "phone", "caller_phone", "from_number", "to_number", "email",
})
# Path segments that are credentials: a feed's token, Retell's key before /llm-websocket.
_SECRET_SEGMENTS = (
    re.compile(r"^(/calendars/)[^/]+"),
    re.compile(r"^(/v1/retell/)(?!llm-websocket(?:/|$))[^/]+"),
    # A media stream's sealed token: whoever holds it for its 60 s may open the stream.
    re.compile(r"^(/webhooks/(?:twilio|telnyx)/stream/)[^/]+"),
)
_API_KEY = re.compile(r"fd_[A-Za-z0-9_\-]*")
# A phone number inside a longer value ("%2B" is an encoded "+").
_E164 = re.compile(r"(\+|%2[Bb])\d{7,15}")
_PHONE_CHARS = re.compile(r"\+?[\d\s().\-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
# Random tokens (secrets.token_urlsafe(32) is 43 characters); UUIDs are ids, kept.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-]{40,}(\.[a-z]+)?")
_PHONE_DIGITS = 7


def looks_personal(value: str) -> bool:
    """A phone number (any format, +, spaces, brackets, dashes) or an email address."""
    if "@" in value:
        return True
    text = value.strip()
    if not _PHONE_CHARS.fullmatch(text) or _DATE.match(text):
        return False
    return sum(c.isdigit() for c in text) >= _PHONE_DIGITS


def _secret_segment(segment: str) -> bool:
    if segment.startswith("fd_") or looks_personal(segment):
        return True
    return bool(_LONG_TOKEN.fullmatch(segment)) and not _UUID.fullmatch(segment)


def redact_path(path: str) -> str:
    """``path`` (percent-decoded or not) with credentials and phone numbers masked."""
    for pattern in _SECRET_SEGMENTS:
        path = pattern.sub(r"\g<1>" + MASK, path)
    masked = [
        MASK if raw and raw != MASK and _secret_segment(unquote(raw)) else raw
        for raw in path.split("/")
    ]
    return _scrub("/".join(masked))


def redact_query(query: str) -> str:
    """A raw query string with secret and personal values masked (names kept)."""
    pairs: list[str] = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        plain = unquote_plus(value)
        if eq and value and (
            unquote_plus(name).lower() in SECRET_PARAMS or looks_personal(plain)
            or _secret_segment(plain)
        ):
            pairs.append(f"{name}={MASK}")
        else:
            pairs.append(_scrub(pair))
    return "&".join(pairs)


def _scrub(text: str) -> str:
    return _E164.sub(MASK, _API_KEY.sub("fd_" + MASK, text))


def redact_target(target: str) -> str:
    """A request target (path, and query after ``?``) as it may be logged."""
    path, question, query = target.partition("?")
    return redact_path(path) + (question + redact_query(query) if question else "")


class AccessLogMiddleware:
    """One line per request or WebSocket: client, method, masked target, status, time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
            elif kind == "websocket.accept":
                status = 101
            elif kind == "websocket.close" and status == 500:
                status = 403  # closed before the handshake: uvicorn answers 403
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            target = redact_path(scope.get("path", "")) + (
                "?" + redact_query(query) if query else ""
            )
            method = scope.get("method", "WEBSOCKET")
            client = scope.get("client")
            who = f"{client[0]}:{client[1]}" if client else "-"
            log.info('%s - "%s %s" %d %.1fms', who, method, target, status,
                     (time.perf_counter() - started) * 1000)


class RedactFilter(logging.Filter):
    """For uvicorn's log handlers: mask request targets it logs, and drop its WebSocket
    handshake lines (the access log above has them, masked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith('%s - "WebSocket %s"'):
            return False
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_target(a) if isinstance(a, str) and a.startswith("/") else a
                for a in record.args
            )
        return True


_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging setup, with the redaction filter on its handlers and our own
    loggers (the access log among them) written the same way."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactFilter}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    name = level.upper() if level.upper() in _LEVELS else "DEBUG"  # uvicorn's "trace"
    config["loggers"]["frontdesk"] = {"handlers": ["default"], "level": name,
                                      "propagate": False}
    return config


def install(app: FastAPI) -> None:
    app.add_middleware(AccessLogMiddleware)
