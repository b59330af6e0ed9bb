"""The simulated carrier's HTTP side: Twilio's Calls API, on a real local server.

- ``POST /2010-04-01/Accounts/{AccountSid}/Calls.json``: form-encoded ``To``, ``From``,
  ``Url``, ``StatusCallback``, ``StatusCallbackEvent`` (repeated), ``MachineDetection``,
  HTTP basic auth (account SID, auth token). Answers 201 with Twilio's JSON call resource
  (status ``queued``), or Twilio's error JSON (20003 bad credentials, 21211 invalid 'To',
  21212 invalid 'From', 21205 invalid Url). Then the call is played (``calls_play``).
- ``GET .../Calls.json``: the calls, newest first, filtered by ``To`` and ``From``, in
  Twilio's page envelope (what the SDK's ``calls.list`` reads); ``GET .../Calls/{Sid}.json``
  one call.

Twilio's documentation: https://www.twilio.com/docs/voice/api/call-resource
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from frontdesk.carrier_sim.call_record import FINAL_STATUSES, SimCall
from frontdesk.carrier_sim.calls_play import play
from frontdesk.carrier_sim.people import Person, person_for

__all__ = ["DEMO_ACCOUNT_SID", "FINAL_STATUSES", "SimCall", "SimulatedCarrier", "twilio_error"]

log = logging.getLogger(__name__)

# Obviously not a real account: the demo's server is configured with these.
DEMO_ACCOUNT_SID = "AC" + "0" * 30 + "de"
_CALLS = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Calls(?:/(?P<call>[^/]+))?\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}


class SimulatedCarrier:
    """Twilio's Calls API on ``127.0.0.1`` (``url`` once started), playing each call it
    is asked to place: ``people`` says who answers each number (others: ``person_for``)."""

    def __init__(self, account_sid: str, auth_token: str, *,
                 people: Mapping[str, Person] | None = None, seed: int = 0,
                 host: str = "127.0.0.1", port: int = 0, play: bool = True) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.people = dict(people or {})
        self.seed, self.play = seed, play
        self._address = (host, port)
        self._calls: dict[str, SimCall] = {}
        self._lock = threading.Lock()
        self._players: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- running ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulated carrier is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SimulatedCarrier:
        server = ThreadingHTTPServer(self._address, _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="carrier-sim",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, wait_s: float = 10.0) -> None:
        """Stop answering, after the calls under way have been played out."""
        for player in list(self._players):
            player.join(timeout=wait_s)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> SimulatedCarrier:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def calls(self) -> list[SimCall]:
        """Every call asked for, oldest first (copies: safe to read while calls play)."""
        with self._lock:
            return [replace(call) for call in self._calls.values()]

    # --- the API ---------------------------------------------------------------------------

    def authorized(self, sid: str, header: str | None) -> bool:
        expected = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return sid == self.account_sid and hmac.compare_digest(
            (header or "").encode(), expected.encode())

    def create(self, form: Mapping[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """Twilio's answer to a create request (status, JSON); a valid one is played."""
        def one(name: str) -> str:
            return (form.get(name) or [""])[-1].strip()

        to, from_, url = one("To"), one("From"), one("Url")
        if not _E164.match(to):
            return 400, twilio_error(400, 21211, f"The 'To' number {to} is not a valid "
                                                 "phone number.")
        if not _E164.match(from_):
            return 400, twilio_error(400, 21212, f"The 'From' number {from_} is not a "
                                                 "valid phone number.")
        if urlsplit(url).scheme not in ("http", "https"):
            return 400, twilio_error(400, 21205, "Url is not a valid URL.")
        events = tuple(e.strip().lower() for value in form.get("StatusCallbackEvent", [])
                       for e in value.split(" ") if e.strip())
        person = self.people.get(to) or person_for(to, self.seed)
        call = SimCall("CA" + secrets.token_hex(16), self.account_sid, to, from_, url,
                       one("StatusCallback"), events, person)
        with self._lock:
            self._calls[call.sid] = call
        if self.play:
            player = threading.Thread(target=play, args=(self, call.sid, self.auth_token),
                                      name=f"sim-call-{call.sid[-6:]}", daemon=True)
            self._players.append(player)
            player.start()
        return 201, call.resource()

    def listing(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        to = query["To"][-1] if query.get("To") else None
        from_ = query["From"][-1] if query.get("From") else None
        raw_size = (query.get("PageSize") or ["50"])[-1]
        size = max(1, min(1000, int(raw_size))) if raw_size.isdigit() else 50
        with self._lock:
            found = [c.resource() for c in reversed(self._calls.values())
                     if (to is None or c.to == to) and (from_ is None or c.from_ == from_)]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Calls.json"
        return {"calls": found[:size], "end": min(size, len(found)) - 1,
                "first_page_uri": uri, "next_page_uri": None, "page": 0, "page_size": size,
                "previous_page_uri": None, "start": 0, "uri": uri}

    def one_call(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            call = self._calls.get(sid)
            return call.resource() if call is not None else None

    def update(self, sid: str, **changes: Any) -> None:
        """Change a call's record (the player reports progress through this)."""
        with self._lock:
            call = self._calls[sid]
            for name, value in changes.items():
                setattr(call, name, value)

    def get(self, sid: str) -> SimCall:
        with self._lock:
            return replace(self._calls[sid])


def _handler_for(carrier: SimulatedCarrier) -> type[BaseHTTPRequestHandler]:
    class CallsApi(BaseHTTPRequestHandler):
        server_version = "carrier-sim/1"

        def _route(self) -> tuple[str, str | None, dict[str, list[str]]] | None:
            parts = urlsplit(self.path)
            match = _CALLS.match(parts.path)
            if match is None:
                self._reply(404, twilio_error(404, 20404, "The requested resource was not "
                                                          "found"))
                return None
            if not carrier.authorized(match["sid"], self.headers.get("Authorization")):
                self._reply(401, twilio_error(401, 20003, "Authenticate"))
                return None
            return match["sid"], match["call"], parse_qs(parts.query, keep_blank_values=True)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            route = self._route()
            if route is None:
                return
            if route[1] is not None:
                self._reply(405, twilio_error(405, 20004, "Method not allowed"))
                return
            status, answer = carrier.create(parse_qs(body, keep_blank_values=True))
            self._reply(status, answer)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            route = self._route()
            if route is None:
                return
            _, call_sid, query = route
            if call_sid is None:
                self._reply(200, carrier.listing(query))
                return
            found = carrier.one_call(call_sid)
            if found is None:
                self._reply(404, twilio_error(404, 20404, "The requested resource was not "
                                                          "found"))
            else:
                self._reply(200, found)

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("carrier-sim: " + format, *args)

    return CallsApi
