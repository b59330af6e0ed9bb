"""Google Calendar push notifications on the Google stand-in, in Google's wire format.

``GooglePush(state).install(app)`` adds to a ``google_app``:

- ``POST /calendar/v3/calendars/{calendarId}/events/watch`` (``events.watch``): body
  ``{id, type: "web_hook", address, token?, params: {ttl}?}`` (the id at most 64
  characters and not in use); answers ``api#channel`` with ``resourceId`` (one opaque id
  per calendar) and ``expiration`` (milliseconds since the epoch, as a string; at most a
  week away). Then, as Google does, it sends the channel's first message (``sync``).
- ``POST /calendar/v3/channels/stop`` ``{id, resourceId}``: 204, or 404 ``notFound``.

Google only calls https addresses with a valid certificate; this stand-in also calls
``http://127.0.0.1`` (the app under test). Messages are POSTs without a body whose
headers say it all: ``X-Goog-Channel-ID``, ``X-Goog-Channel-Token`` (when one was given),
``X-Goog-Channel-Expiration``, ``X-Goog-Resource-ID``, ``X-Goog-Resource-URI``,
``X-Goog-Resource-State`` and ``X-Goog-Message-Number`` (increasing per channel).
A test calls ``changed(calendar_id)`` after changing a calendar: every live channel on it
gets an ``exists`` message; ``send`` forges one message as the test likes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.background import BackgroundTask

from tests.standins.google_calendar import READ_EVENTS, GoogleState, google_error

MAX_TTL_S = 7 * 86400


@dataclass
class Channel:
    id: str
    calendar_id: str
    resource_id: str
    address: str
    token: str | None
    expiration_ms: int
    number: int = 0


class GooglePush:
    def __init__(self, state: GoogleState) -> None:
        self.state = state
        self.channels: dict[str, Channel] = {}
        self.stopped: list[str] = []
        # (channel id, resource state, the answer's status), every message sent.
        self.sent: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.channels.clear()
            self.stopped.clear()
            self.sent.clear()

    def resource_id(self, calendar_id: str) -> str:
        """Google's opaque id of a calendar's events collection (stable per calendar)."""
        return hashlib.sha256(calendar_id.encode()).hexdigest()[:27]

    def live(self, calendar_id: str | None = None) -> list[Channel]:
        now_ms = int(time.time() * 1000)
        with self._lock:
            return [c for c in self.channels.values() if c.expiration_ms > now_ms
                    and (calendar_id is None or c.calendar_id == calendar_id)]

    def changed(self, calendar_id: str | None = None) -> list[int]:
        """The calendar changed: an ``exists`` message on each of its live channels."""
        calendar = self.state.calendar(calendar_id or "primary")
        assert calendar is not None
        return [self._deliver(c, "exists") for c in self.live(calendar.id)]

    def send(self, channel: Channel, state: str = "exists", *, token: str | None = None,
             number: int | None = None) -> int:
        """One message on ``channel`` with what a test chooses (a forged token, an old
        number); the answer's status."""
        return self._deliver(channel, state, token=token, number=number)

    def _deliver(self, channel: Channel, state: str, *, token: str | None = None,
                 number: int | None = None) -> int:
        with self._lock:
            if number is None:
                channel.number += 1
                number = channel.number
        expires = datetime.fromtimestamp(channel.expiration_ms / 1000, UTC)
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": format_datetime(expires, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": (f"https://www.googleapis.com/calendar/v3/calendars/"
                                    f"{channel.calendar_id}/events?alt=json"),
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(number),
        }
        sent_token = channel.token if token is None else token
        if sent_token is not None:
            headers["X-Goog-Channel-Token"] = sent_token
        try:
            status = httpx.post(channel.address, headers=headers, timeout=10).status_code
        except httpx.HTTPError:
            status = 0
        with self._lock:
            self.sent.append((channel.id, state, status))
        return status

    def install(self, app: FastAPI) -> None:
        @app.post("/calendar/v3/calendars/{calendar_id}/events/watch")
        async def watch(calendar_id: str, request: Request) -> JSONResponse:
            refused = self.state._authorise(request.headers.get("authorization"), READ_EVENTS)
            if refused is not None:
                return refused
            calendar = self.state.calendar(calendar_id)
            if calendar is None or calendar.free_busy_only:
                return google_error(404, "notFound", "Not Found")
            try:
                body: Any = await request.json()
            except ValueError:
                return google_error(400, "parseError", "Parse Error")
            problem = self._invalid(body)
            if problem is not None:
                return google_error(400, "invalid", problem)
            ttl = int(str((body.get("params") or {}).get("ttl") or MAX_TTL_S))
            channel = Channel(
                body["id"], calendar.id, self.resource_id(calendar.id), body["address"],
                body.get("token"), int((time.time() + min(ttl, MAX_TTL_S)) * 1000))
            with self._lock:
                self.channels[channel.id] = channel
            answer = {
                "kind": "api#channel", "id": channel.id, "resourceId": channel.resource_id,
                "resourceUri": (f"https://www.googleapis.com/calendar/v3/calendars/"
                                f"{calendar.id}/events?alt=json"),
                "expiration": str(channel.expiration_ms),
            }
            if channel.token is not None:
                answer["token"] = channel.token
            # Google's first message on a new channel, once the answer is out.
            return JSONResponse(answer, background=BackgroundTask(
                self._deliver_later, channel, "sync"))

        @app.post("/calendar/v3/channels/stop", response_model=None)
        async def stop(request: Request) -> Response:
            refused = self.state._authorise(request.headers.get("authorization"), READ_EVENTS)
            if refused is not None:
                return refused
            body: Any = await request.json()
            with self._lock:
                channel = self.channels.get(str(body.get("id")))
                if channel is None or channel.resource_id != body.get("resourceId"):
                    return google_error(404, "notFound",
                                        f"Channel '{body.get('id')}' not found for project")
                del self.channels[channel.id]
                self.stopped.append(channel.id)
            return Response(status_code=204)

    def _deliver_later(self, channel: Channel, state: str) -> None:
        threading.Thread(target=self._deliver, args=(channel, state), daemon=True).start()

    def _invalid(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "Required"
        channel_id = body.get("id")
        if not isinstance(channel_id, str) or not 0 < len(channel_id) <= 64:
            return "Invalid channel id"
        if channel_id in self.channels:
            return f"Channel id {channel_id} not unique"
        if body.get("type") not in ("web_hook", "webhook"):
            return "Invalid value for: type"
        address = body.get("address")
        if not isinstance(address, str) or not (
                address.startswith("https://") or address.startswith("http://127.0.0.1")):
            return "WebHook callback must be HTTPS"
        return None
