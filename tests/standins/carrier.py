"""A carrier for load tests: Twilio's Calls API (create and list, as in ``twilio_calls``)
that, for every call created, posts Twilio's signed status callback to the server after a
short ring, as a call nobody decided anything on ("completed"), or "no-answer"/"busy".

It keeps what a test needs to judge a run: every call per number, and how many calls
were in progress at once (a call counts from its creation until its final status is
about to be posted, a span inside the one the dialer counts it in flight).
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from frontdesk.channels.twilio_twiml import STATUS_PATH
from frontdesk.cli_twilio import WebhookFailed, signed_post


class Carrier:
    def __init__(self, account_sid: str, token: str, *, ring_s: float = 0.05,
                 status_of: Callable[[str], str] = lambda _to: "completed") -> None:
        self.account_sid, self.token, self.ring_s = account_sid, token, ring_s
        self.status_of = status_of
        self.server_url = self.public_url = ""  # set once the server runs
        self.calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.created: list[float] = []  # monotonic creation times, for pacing checks
        self.in_flight = self.max_in_flight = 0
        self.callback_failures = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(16, thread_name_prefix="carrier-callback")

    @property
    def total(self) -> int:
        with self._lock:
            return sum(len(v) for v in self.calls.values())

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _authorized(self, request: Request, sid: str) -> bool:
        token = base64.b64encode(f"{self.account_sid}:{self.token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {token}" and \
            sid == self.account_sid

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/2010-04-01/Accounts/{sid}/Calls.json")
        async def create(sid: str, request: Request) -> JSONResponse:
            if not self._authorized(request, sid):
                return JSONResponse({"code": 20003, "status": 401}, status_code=401)
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
            call_sid = "CA" + secrets.token_hex(16)
            now = format_datetime(datetime.now(UTC), usegmt=True)
            resource = {"sid": call_sid, "account_sid": sid, "to": form["To"],
                        "from": form["From"], "status": "queued", "date_created": now,
                        "date_updated": now, "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "status_callback": form.get("StatusCallback", ""),
                        "uri": f"/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"}
            with self._lock:
                self.calls[form["To"]].append(resource)
                self.created.append(time.monotonic())
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._pool.submit(self._finish, resource)
            return JSONResponse(resource, status_code=201)

        @app.get("/2010-04-01/Accounts/{sid}/Calls.json")
        async def listing(sid: str, request: Request) -> JSONResponse:
            if not self._authorized(request, sid):
                return JSONResponse({"code": 20003, "status": 401}, status_code=401)
            to, from_ = request.query_params.get("To"), request.query_params.get("From")
            with self._lock:
                found = [c for c in reversed(self.calls.get(to or "", []))
                         if from_ is None or c["from"] == from_]
            return JSONResponse({"calls": found, "page": 0, "page_size": 50, "start": 0,
                                 "end": len(found) - 1, "next_page_uri": None,
                                 "uri": request.url.path})

        return app

    def _finish(self, call: dict[str, Any]) -> None:
        time.sleep(self.ring_s)
        status = self.status_of(call["to"])
        params = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01",
                  "CallSid": call["sid"], "CallStatus": status, "Direction": "outbound-api",
                  "From": call["from"], "To": call["to"], "CallDuration": "0",
                  "SequenceNumber": "3"}
        with self._lock:
            self.in_flight -= 1
        for _ in range(5):  # Twilio retries a status callback that failed
            try:
                signed_post(self.server_url, self.public_url, self.token, _path(call), params)
                return
            except WebhookFailed:
                time.sleep(0.5)
        with self._lock:
            self.callback_failures += 1


def _path(call: dict[str, Any]) -> str:
    """Where Twilio posts the status callback: the StatusCallback URL the call was
    created with (our reference rides on its query), relative to the server."""
    url = urlsplit(str(call.get("status_callback") or STATUS_PATH))
    return url.path + (f"?{url.query}" if url.query else "")
