"""Rate limits: per API key, per client address, per phone number.

Counted by the ``limits`` library (moving window) in this process, or in Redis when
``FRONTDESK_REDIS_URL`` is set, so that several processes share one count. Which count a
request spends is decided from the request line and headers alone, before any work:

- ``/api/v1/...`` and ``/v1/...`` (API key routes): per API key, identified by a hash of
  the key as sent (no database lookup). A request refused for its key (401/403) also
  counts against its address, so guessing keys from one address is limited too. A
  publishable widget key (``fd_pub_...``, in every visitor's hands) counts per address
  as well, on every request.
- ``/webhooks/...``: signed by the provider, which sends every business's traffic from a
  few addresses; only requests refused for their signature count against the address.
  Genuine traffic is limited per phone number instead (:func:`check_phone`, called by
  the doors once the signature checks out).
- everything else (calendar feeds, OAuth callbacks, docs, unknown paths): per address.
- ``/health`` is never limited: load balancers and monitors poll it.

Past a limit the answer is 429 problem+json with ``Retry-After``. When Redis cannot be
reached the request goes through (and a warning is logged): limits protect the service,
they must not take it down.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl

import anyio.from_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter as SyncMovingWindow
from limits.util import WindowStats
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from frontdesk.config import Settings
from frontdesk.errors import FrontdeskError
from frontdesk.services.api_keys import WIDGET_KEY_PREFIX
from frontdesk.web.problems import problem

log = logging.getLogger(__name__)

NAMESPACE = "frontdesk"
REFUSED = frozenset({401, 403})
# Close codes a WebSocket door uses to refuse a credential after accepting (Retell: 4401).
REFUSED_CLOSE = frozenset({1008, 4401, 4403})
KEYED_PREFIXES = ("/api/v1/", "/v1/")
WEBHOOK_PREFIX = "/webhooks/"
EXEMPT = frozenset({"/health"})
_RETELL_KEY = re.compile(r"^/v1/retell/([^/]+)/llm-websocket(?:/|$)")
STORAGE_WARNING_EVERY_S = 60.0


class RateLimited(FrontdeskError):
    code = "rate_limited"
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after_s: int, limit: str) -> None:
        super().__init__(detail, limit=limit, retry_after=retry_after_s)
        self.retry_after_s = retry_after_s


def _digest(value: str) -> str:
    # Keys and phone numbers never reach the counter store in clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _items(spec: str) -> list[RateLimitItem]:
    return parse_many(spec) if spec else []


def storage_uri(redis_url: str) -> str:
    """The ``limits`` storage for a FRONTDESK_REDIS_URL (empty: this process's memory)."""
    return f"async+{redis_url}" if redis_url else "async+memory://"


class RateLimits:
    """The configured limits and the counters they spend."""

    def __init__(self, settings: Settings) -> None:
        self.per_key = _items(settings.rate_limit_api_key)
        self.per_ip = _items(settings.rate_limit_ip)
        self.per_phone = _items(settings.rate_limit_phone)
        self.per_login = _items(settings.rate_limit_login)
        self._redis_url = settings.redis_url
        # In-process counters use limits' thread-safe synchronous memory store: its async
        # twin keeps asyncio locks and an expiry task bound to the first event loop that
        # used it, and a request on another loop (a second server loop, a test client)
        # then waits forever on a lock that a task of the dead loop still holds.
        self._memory = (None if settings.redis_url
                        else SyncMovingWindow(storage_from_string("memory://")))
        # Redis clients are bound to the loop they connect on: one per running loop,
        # all counting in the same Redis keys.
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, MovingWindowRateLimiter] = weakref.WeakKeyDictionary()
        self._warned_at = -math.inf

    def _redis_limiter(self) -> MovingWindowRateLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._per_loop.get(loop)
        if limiter is None:
            storage = storage_from_string(storage_uri(self._redis_url), wrap_exceptions=True,
                                          implementation="redispy")  # the "redis" extra
            assert isinstance(storage, Storage)
            limiter = self._per_loop[loop] = MovingWindowRateLimiter(storage)
        return limiter

    async def _check(self, spend: bool, item: RateLimitItem, ident: tuple[str, ...]) -> bool:
        if self._memory is not None:
            test = self._memory.hit if spend else self._memory.test
            return test(item, NAMESPACE, *ident)
        limiter = self._redis_limiter()
        check = limiter.hit if spend else limiter.test
        return await check(item, NAMESPACE, *ident)

    async def _stats(self, item: RateLimitItem, ident: tuple[str, ...]) -> WindowStats:
        if self._memory is not None:
            return self._memory.get_window_stats(item, NAMESPACE, *ident)
        return await self._redis_limiter().get_window_stats(item, NAMESPACE, *ident)

    @property
    def active(self) -> bool:
        return bool(self.per_key or self.per_ip or self.per_phone)

    async def hit(self, items: Sequence[RateLimitItem], *ident: str) -> RateLimited | None:
        """Spend one request from each of ``items``; the refusal if one is spent out."""
        return await self._first_refusal(True, items, ident)

    async def over(self, items: Sequence[RateLimitItem], *ident: str) -> RateLimited | None:
        """The refusal if one of ``items`` is spent out already (spends nothing)."""
        return await self._first_refusal(False, items, ident)

    async def _first_refusal(
        self, spend: bool, items: Sequence[RateLimitItem], ident: tuple[str, ...]
    ) -> RateLimited | None:
        for item in items:
            try:
                allowed = await self._check(spend, item, ident)
            except StorageError as exc:
                self._storage_down(exc)
                return None
            if not allowed:
                return await self._refusal(item, ident)
        return None

    async def hit_phone(self, phone: str) -> RateLimited | None:
        return await self.hit(self.per_phone, "phone", _digest(phone))

    async def hit_login(self, email: str, ip: str) -> RateLimited | None:
        """Spend one sign-in attempt from this address and for this email."""
        return (await self.hit(self.per_login, "ip", "login", ip)
                or await self.hit(self.per_login, "login", _digest(email.strip().lower())))

    async def _refusal(self, item: RateLimitItem, ident: tuple[str, ...]) -> RateLimited:
        try:
            stats = await self._stats(item, ident)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
        except StorageError:
            wait = item.get_expiry()
        who = {"key": "this API key", "ip": "this address", "phone": "this phone number",
               "login": "this account"}
        return RateLimited(
            f"Too many requests from {who.get(ident[0], ident[0])} (limit: {item}); "
            f"try again in {wait} s.",
            wait,
            str(item),
        )

    def _storage_down(self, exc: StorageError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= STORAGE_WARNING_EVERY_S:
            self._warned_at = now
            log.warning("rate limits not enforced: their store is unreachable (%s)",
                        exc.storage_error)


def refusal_response(refused: RateLimited) -> JSONResponse:
    response = problem(refused.status, refused.code, refused.title, refused.detail,
                       **refused.extra)
    response.headers["Retry-After"] = str(refused.retry_after_s)
    return response


async def _rate_limited(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return refusal_response(exc)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def api_key_in(scope: Scope) -> str | None:
    """The API key a request carries, as the doors read it (no lookup)."""
    if key := _header(scope, b"x-api-key"):
        return key.strip() or None
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if match := _RETELL_KEY.match(scope.get("path", "")):
        return match.group(1)
    query = scope.get("query_string", b"").decode("latin-1")
    return next((v for k, v in parse_qsl(query) if k == "key" and v), None)


def client_ip(scope: Scope) -> str:
    # uvicorn puts the proxy's X-Forwarded-For client here when it trusts the proxy
    # (--forwarded-allow-ips); otherwise this is the peer address.
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """Spends the request's count before the app sees it; 429 past a limit."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or path in EXEMPT:
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope)
        key = api_key_in(scope) if path.startswith(KEYED_PREFIXES) else None
        watch = key is not None or path.startswith(WEBHOOK_PREFIX)
        if key is not None and key.startswith(WIDGET_KEY_PREFIX):
            # A widget key is in every visitor's hands: one visitor must not spend the
            # whole site's count, so each request also counts against its address.
            refused = (await self.limits.hit(self.limits.per_ip, "ip", ip)
                       or await self.limits.hit(self.limits.per_key, "key", _digest(key)))
        elif key is not None:
            refused = (await self.limits.hit(self.limits.per_key, "key", _digest(key))
                       or await self.limits.over(self.limits.per_ip, "ip", ip))
        elif watch:
            refused = await self.limits.over(self.limits.per_ip, "ip", ip)
        else:
            refused = await self.limits.hit(self.limits.per_ip, "ip", ip)
        if refused is not None:
            await _deny(scope, receive, send, refused)
            return
        if not watch:
            await self.app(scope, receive, send)
            return
        outcome = _Outcome(send, lambda: self.limits.hit(self.limits.per_ip, "ip", ip))
        await self.app(scope, receive, outcome.send)


class _Outcome:
    """Watches the response for a refused credential or signature, and counts it against
    the address before the refusal leaves: counted after, a client sending back to back
    would get its next try in before the count (a forger's free extra guesses)."""

    def __init__(self, send: Send, count: Callable[[], Awaitable[object]]) -> None:
        self._send, self._count = send, count
        self.refused, self._accepted = False, False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        refused = False
        if kind == "http.response.start":
            refused = message["status"] in REFUSED
        elif kind == "websocket.accept":
            self._accepted = True
        elif kind == "websocket.close":
            refused = not self._accepted or message.get("code") in REFUSED_CLOSE
        if refused and not self.refused:
            self.refused = True
            await self._count()
        await self._send(message)


async def _deny(scope: Scope, receive: Receive, send: Send, refused: RateLimited) -> None:
    response = refusal_response(refused)
    if scope["type"] == "http":
        await response(scope, receive, send)
    elif "websocket.http.response" in scope.get("extensions", {}):
        await WebSocket(scope, receive, send).send_denial_response(response)
    else:  # 1013: try again later
        await send({"type": "websocket.close", "code": 1013, "reason": "rate limited"})


def check_phone(conn: HTTPConnection, phone: str | None) -> None:
    """Spend one message or call from ``phone``; raises :class:`RateLimited` past the
    per-phone limit. For doors' synchronous handlers (they run in worker threads)."""
    limits: RateLimits | None = getattr(conn.app.state, "rate_limits", None)
    if limits is None or not phone or not limits.per_phone:
        return
    refused = anyio.from_thread.run(limits.hit_phone, phone)
    if refused is not None:
        raise refused


def install(app: FastAPI, settings: Settings) -> None:
    limits = RateLimits(settings)
    app.state.rate_limits = limits
    app.add_exception_handler(RateLimited, _rate_limited)
    if limits.active:
        app.add_middleware(RateLimitMiddleware, limits=limits)
