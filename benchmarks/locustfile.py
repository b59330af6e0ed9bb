"""frontdesk's realistic traffic, as Locust users (issue 16).

Not run on its own: ``python -m benchmarks.load_locust`` builds the businesses, starts the
server on loopback and runs this file headless with a bounded number of users, rate and
time, handing it the businesses through ``FRONTDESK_LOAD_SPEC`` (a JSON file).

Each user is one business's traffic, a request every ``1/FRONTDESK_LOAD_USER_RATE``
seconds (Locust's ``constant_throughput``: the offered load is users × rate, whatever the
answers), drawn from this mix:

- 40% availability searches (``GET /api/v1/availability``, a 7-day window),
- 15% bookings by API (``409 slot_taken`` is a normal answer, counted as a success),
- 15% chat turns (``POST /api/v1/chat``, whole booking conversations, one turn a request),
- 15% media-less voice turns: a Twilio call (``/webhooks/twilio/voice``) then the
  caller's recognised words (``/webhooks/twilio/voice/gather``), signed as Twilio signs,
- 15% inbound texts (``/webhooks/twilio/sms``), signed, each with its own MessageSid.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from datetime import date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from locust import HttpUser, constant_throughput, task
from twilio.request_validator import RequestValidator

SPEC: dict[str, Any] = json.loads(Path(os.environ["FRONTDESK_LOAD_SPEC"]).read_text())
USER_RATE = float(os.environ.get("FRONTDESK_LOAD_USER_RATE", "1"))
SIGNER = RequestValidator(SPEC["twilio_auth_token"])
TZ = ZoneInfo(SPEC["timezone"])

TEXTS = ["What are your opening hours?", "Do you have parking?", "How much is a haircut?",
         "Can I book a haircut next week?"]


def _chat_script(day: date, hour: int, n: int) -> list[str]:
    clock = f"{hour if hour <= 12 else hour - 12}{'am' if hour < 12 else 'pm'}"
    return [f"Hi, I'd like to book a haircut on {day:%B} {day.day} at {clock}", "the first one",
            f"My name is Client {n}", f"212 555 {n % 10000:04d}", "yes", "no, that's all"]


class Business(HttpUser):
    wait_time = constant_throughput(USER_RATE)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.ref: dict[str, Any] = self.rng.choice(SPEC["refs"])
        self.auth = {"Authorization": f"Bearer {self.ref['key']}"}
        self.today = datetime.now(TZ).date()
        self.chat: dict[str, Any] | None = None
        self.call: dict[str, Any] | None = None

    def _workday(self, lo: int, hi: int) -> date:
        while True:
            day = self.today + timedelta(days=self.rng.randrange(lo, hi))
            if day.weekday() < 5:
                return day

    def _signed_post(self, path: str, params: dict[str, str], name: str) -> None:
        url = self.host.rstrip("/") + path  # what the server sees: it signs no public URL
        headers = {"X-Twilio-Signature": SIGNER.compute_signature(url, params)}
        with self.client.post(path, data=params, headers=headers, name=name,
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:120]}")

    @task(40)
    def availability(self) -> None:
        start = self.today + timedelta(days=self.rng.randrange(0, 14))
        self.client.get("/api/v1/availability", headers=self.auth, name="availability",
                        params={"service": self.ref["service_id"], "from": start.isoformat(),
                                "to": (start + timedelta(days=6)).isoformat()})

    @task(15)
    def booking(self) -> None:
        start = datetime.combine(self._workday(15, 60), wall(9), tzinfo=TZ) + timedelta(
            minutes=15 * self.rng.randrange(31))
        n = self.rng.randrange(10_000_000)
        with self.client.post("/api/v1/appointments", headers={
                **self.auth, "Idempotency-Key": uuid.uuid4().hex}, name="booking", json={
                "service_id": self.ref["service_id"], "start": start.isoformat(),
                "resource_id": self.rng.choice(self.ref["staff"]),
                "customer": {"phone": f"+1212555{n % 10000:04d}", "name": f"Client {n}"}},
                catch_response=True) as response:
            if response.status_code in (200, 201, 409):
                response.success()  # the slot being taken is a normal answer
            else:
                response.failure(f"{response.status_code}: {response.text[:120]}")

    @task(15)
    def chat_turn(self) -> None:
        if self.chat is None or self.chat["step"] >= len(self.chat["script"]):
            n = self.rng.randrange(10_000_000)
            self.chat = {"session": uuid.uuid4().hex, "step": 0, "script": _chat_script(
                self._workday(15, 45), self.rng.randrange(9, 17), n)}
        text = self.chat["script"][self.chat["step"]]
        self.chat["step"] += 1
        self.client.post("/api/v1/chat", headers=self.auth, name="chat turn",
                         json={"session_id": self.chat["session"], "message": text})

    @task(15)
    def voice_turn(self) -> None:
        if self.call is None or self.call["turn"] >= len(self.call["script"]):
            n = self.rng.randrange(10_000_000)
            self.call = {"sid": "CA" + uuid.uuid4().hex, "turn": 0,
                         "caller": f"+1917555{n % 10000:04d}",
                         "script": _chat_script(self._workday(15, 45),
                                                self.rng.randrange(9, 17), n)[:4]}
        call = self.call
        params = {"CallSid": call["sid"], "AccountSid": "AC" + "0" * 32,
                  "From": call["caller"], "To": self.ref["phone"], "CallStatus": "in-progress",
                  "Direction": "inbound"}
        if call["turn"] == 0 and not call.get("answered"):
            call["answered"] = True
            self._signed_post("/webhooks/twilio/voice", params, "voice call")
            return
        call["turn"] += 1
        self._signed_post(f"/webhooks/twilio/voice/gather?turn={call['turn']}",
                          {**params, "SpeechResult": call["script"][call["turn"] - 1],
                           "Confidence": "0.9"}, "voice turn")

    @task(15)
    def text_in(self) -> None:
        n = self.rng.randrange(10_000_000)
        self._signed_post("/webhooks/twilio/sms", {
            "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
            "From": f"+1347555{n % 10000:04d}", "To": self.ref["phone"],
            "Body": self.rng.choice(TEXTS)}, "text in")
