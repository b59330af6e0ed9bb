"""Graceful shutdown of the HTTP server (docs/decisions/0060-graceful-shutdown.md).

On SIGTERM (or a first Ctrl-C) the server drains before uvicorn's own shutdown runs:

1. ``app.state.draining`` turns true: new requests get 503 problem+json with
   ``Retry-After`` (a load balancer sends them elsewhere; a readiness check can report
   not-ready from the flag), except ``/health``, ``/ready`` and the carriers' webhooks
   (a call under way needs its next answer, and a carrier treats a 5xx as the call's end);
2. the ``closers`` run: live streaming calls are asked to say a closing line and end;
3. it waits, up to ``grace_s`` in all, until no request is in flight and no ``busy``
   check holds (the calls have ended), then a moment more when calls were closed, for
   the carriers' follow-up webhooks (Twilio asks what comes after a stream);
4. it hands over to uvicorn (``should_exit``) with what is left of the grace as
   ``timeout_graceful_shutdown``: uvicorn stops listening, lets responses finish, runs
   the app's shutdown (the outbox worker finishes its sends), and the process exits 0.

uvicorn installs its signal handler before the app starts; the app's startup replaces it
with ``on_signal`` and keeps the ``uvicorn.Server`` it belonged to. That works for
``frontdesk serve``, each process of ``--workers N`` and ``uvicorn --factory`` alike;
under anything else the server stops as that server stops it (and says so at start).
A second signal stops at once, as uvicorn's own handling does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RETRY_AFTER_S = 5
# Still served while draining: liveness and readiness, and the carriers' webhooks.
SERVED_WHILE_DRAINING = ("/health", "/ready", "/webhooks/")
# After live calls were closed: how long carriers get for their follow-up webhooks.
SETTLE_S = 2.0
# Past the grace, a process that has still not exited is ended (a stuck thread).
HARD_STOP_AFTER_S = 10.0


class Drain:
    """The server's shutdown: the ``draining`` flag, requests in flight, and what to
    close and wait for (``closers`` return how many things they asked to end)."""

    def __init__(self, state: Any, grace_s: float,
                 closers: list[Callable[[], int]] | None = None,
                 busy: list[Callable[[], bool]] | None = None) -> None:
        self.state = state
        self.grace_s = grace_s
        self.closers = closers or []
        self.busy = busy or []
        self.in_flight = 0
        self.task: asyncio.Task[None] | None = None
        state.draining = False

    @property
    def draining(self) -> bool:
        return bool(self.state.draining)

    def _working(self) -> bool:
        return self.in_flight > 0 or any(check() for check in self.busy)

    async def run(self, server: Any) -> None:
        """Drain (steps 1 to 3 above), then let uvicorn shut down (step 4)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace_s
        _hard_stop_after(self.grace_s + HARD_STOP_AFTER_S)
        self.state.draining = True
        asked = sum(close() for close in self.closers)
        log.info("shutting down: new requests get 503; %d live call(s) told to end; "
                 "%d request(s) in flight (at most %.0f s)", asked, self.in_flight,
                 self.grace_s)
        while loop.time() < deadline - 1:  # polled: calls end on threads, not on this loop
            if not self._working():
                break
            await asyncio.sleep(0.05)
        if asked:
            await asyncio.sleep(max(0.0, min(SETTLE_S, deadline - 1 - loop.time())))
        if self._working():
            log.warning("shutting down: the grace is nearly over with work under way; "
                        "what is left is cut")
        server.config.timeout_graceful_shutdown = max(1, round(deadline - loop.time()))
        server.should_exit = True

    def hook_signals(self) -> Callable[[], None]:
        """Take SIGTERM and SIGINT over from the uvicorn server running this app (see the
        module's docstring); returns how to give them back."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None  # an app served from a thread (tests): no signals here
        server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
        if server is None or not hasattr(server, "should_exit") \
                or type(server).__module__.split(".")[0] != "uvicorn":
            log.info("not under uvicorn's own signal handling: SIGTERM stops this server "
                     "without draining")
            return lambda: None
        loop = asyncio.get_running_loop()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def on_signal(sig: int, _frame: FrameType | None) -> None:
            if self.draining:  # a second signal: stop now (Ctrl-C twice: at once)
                server.should_exit = True
                server.force_exit = server.force_exit or sig == signal.SIGINT
                return
            self.state.draining = True  # from this instant; the task does the rest
            loop.call_soon_threadsafe(self._start, server)

        for sig in previous:
            signal.signal(sig, on_signal)

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def _start(self, server: Any) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run(server))


def _hard_stop_after(seconds: float) -> None:
    def stop() -> None:
        log.error("still running %.0f s after the shutdown began: exiting now", seconds)
        os._exit(1)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()


def _refusal() -> bytes:
    return json.dumps({
        "type": "/problems/shutting_down", "title": "Shutting down", "status": 503,
        "code": "shutting_down",
        "detail": "This server is shutting down and takes no new requests; retry shortly "
                  "(another server, or this one restarted, will answer).",
    }).encode()


class DrainGuard:
    """Counts the requests in flight, and refuses new ones while the server drains."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app, self.drain = app, drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.drain.draining and not scope.get("path", "").startswith(SERVED_WHILE_DRAINING):
            body = _refusal()
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_S).encode()),
                (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
            return
        self.drain.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.drain.in_flight -= 1
