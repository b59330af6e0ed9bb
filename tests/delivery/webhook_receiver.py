"""A real HTTP receiver for webhook tests: verifies every request with the Standard
Webhooks reference implementation (``standardwebhooks``) and answers as scripted, per
``webhook-id`` and attempt: a status code, or a pause longer than the sender waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

# (webhook-id, this id's attempt number from 1) -> status to answer, or a float: sleep
# that long first and then answer 503.
Script = Callable[[str, int], "int | float"]


@dataclass
class Received:
    webhook_id: str
    verified: bool
    body: bytes
    headers: dict[str, str]
    answered: int | None = None  # None: the answer could not be written (sender gone)


@dataclass
class Receiver:
    secret: str = ""
    script: Script = lambda _id, _n: 200
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def accepted(self) -> dict[str, int]:
        """How many 2xx answers each webhook-id got."""
        with self.lock:
            counts: dict[str, int] = {}
            for r in self.got:
                if r.answered is not None and 200 <= r.answered < 300:
                    counts[r.webhook_id] = counts.get(r.webhook_id, 0) + 1
            return counts

    def attempts(self, webhook_id: str) -> int:
        with self.lock:
            return sum(1 for r in self.got if r.webhook_id == webhook_id)

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[Received, int | float]:
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        webhook_id = headers.get("webhook-id", "")
        with self.lock:
            received = Received(webhook_id, verified, body, headers)
            self.got.append(received)
            number = sum(1 for r in self.got if r.webhook_id == webhook_id)
        return received, self.script(webhook_id, number) if verified else 401


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            received, action = receiver.handle(headers, body)
            status = 503 if isinstance(action, float) else action
            if isinstance(action, float):
                time.sleep(action)
            try:
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                with receiver.lock:
                    received.answered = status
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
