"""PostgreSQL cut mid-traffic (a TCP proxy between the server and the database, unplugged
and plugged back): every answer is a success or a 503 problem with Retry-After (never a
500, never a hang), a phone caller hears an apology (never an error page or silence),
the server serves again by itself once the database is back, and nothing is half
written: every appointment has its confirmation in the outbox, and a booking whose
answer was a 503 is settled by retrying it with its Idempotency-Key (it either did not
happen, and is booked now, or did, and is replayed), never booked twice."""

from __future__ import annotations

import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store.db import make_engine, write_session
from frontdesk.store.models import Appointment, OutboxMessage, Tenant, TenantPhoneNumber
from tests.conftest import Business, auth, next_weekday, serving
from tests.standins.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

TOKEN = "fault-twilio-token"
NUMBER = "+12125550100"
BOUND_S = 30.0  # no answer may take longer (the client gives up: the test fails)


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


@dataclass
class Proxied:
    base: str  # the server's URL
    proxy: TcpProxy
    biz: Business


@pytest.fixture
def served(engine: Engine, make_business: Callable[..., Business],
           factory: sessionmaker[Session]) -> Iterator[Proxied]:
    biz = make_business()
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=NUMBER))
        session.get_one(Tenant, biz.tenant.id).reminder_minutes = []
    direct = make_url(engine.url.render_as_string(hide_password=False))
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    proxy.start()
    through = make_engine(direct.set(host="127.0.0.1", port=proxy.port)
                          .render_as_string(hide_password=False))
    settings = Settings(environment="test", llm_base_url="", twilio_auth_token=TOKEN,
                        rate_limit_api_key="", rate_limit_ip="", rate_limit_phone="")
    try:
        with serving(create_app(settings, engine=through)) as base:
            yield Proxied(base, proxy, biz)
    finally:
        proxy.stop()
        through.dispose()


@dataclass
class Seen:
    """What the clients saw, by kind."""

    answers: list[tuple[str, int]] = field(default_factory=list)
    bookings: list[tuple[str, datetime, int]] = field(default_factory=list)  # key, start
    spoken: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, response: httpx.Response) -> None:
        with self.lock:
            self.answers.append((kind, response.status_code))


def _check(kind: str, response: httpx.Response) -> None:
    """A success, or a clean 503; voice webhooks always TwiML that speaks."""
    if kind == "voice":
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        root = ET.fromstring(response.text)
        assert [s.text for s in root.iter("Say") if s.text], response.text
        return
    if response.status_code == 503:
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["code"] == "database_unavailable"
        return
    assert response.status_code in (200, 201), (kind, response.status_code, response.text)


class Traffic:
    """Clients booking, chatting and calling in a loop until stopped."""

    def __init__(self, served: Proxied) -> None:
        self.served, self.seen = served, Seen()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self._slots = iter(self._all_slots())
        self._slot_lock = threading.Lock()

    def _all_slots(self) -> Iterator[datetime]:
        biz = self.served.biz
        for week in range(1, 40):
            for weekday in range(5):
                day = next_weekday(biz.tz, weekday, weeks_ahead=week)
                for hour in range(9, 16):
                    yield biz.at(day, hour)

    def _next_slot(self) -> datetime:
        with self._slot_lock:
            return next(self._slots)

    def run(self, kind: str) -> None:
        with httpx.Client(base_url=self.served.base, timeout=BOUND_S) as http:
            try:
                while not self.stop.is_set():
                    getattr(self, kind)(http)
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                self.errors.append(exc)

    def booking(self, http: httpx.Client) -> None:
        biz, start, key = self.served.biz, self._next_slot(), uuid.uuid4().hex
        response = http.post("/api/v1/appointments", headers={**auth(biz), "Idempotency-Key": key},
                             json={"service_id": str(biz.haircut.id), "start": start.isoformat(),
                                   "resource_id": str(biz.ana.id),
                                   "customer": {"phone": "+12125550199", "name": "Alex"}})
        _check("booking", response)
        with self.seen.lock:
            self.seen.bookings.append((key, start, response.status_code))
        self.seen.add("booking", response)

    def chat(self, http: httpx.Client) -> None:
        response = http.post("/api/v1/chat", headers=auth(self.served.biz),
                             json={"message": "Hi, I'd like a haircut next week"})
        _check("chat", response)
        self.seen.add("chat", response)

    def voice(self, http: httpx.Client) -> None:
        params = {"AccountSid": "AC" + "0" * 32, "CallSid": "CA" + uuid.uuid4().hex,
                  "CallStatus": "ringing", "Direction": "inbound", "From": "+12125550142",
                  "To": NUMBER}
        url = self.served.base + "/webhooks/twilio/voice"
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        response = http.post("/webhooks/twilio/voice", data=params,
                             headers={"X-Twilio-Signature": signature})
        _check("voice", response)
        with self.seen.lock:
            self.seen.spoken.append(" ".join(
                s.text or "" for s in ET.fromstring(response.text).iter("Say")))
        self.seen.add("voice", response)

    def count(self) -> int:
        with self.seen.lock:
            return len(self.seen.answers)

    def until(self, check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 90
        while not check():
            assert not self.errors, self.errors[0]
            if time.monotonic() > deadline:
                pytest.fail(f"never happened: {what}")
            time.sleep(0.05)


TROUBLE = "having trouble answering calls"


def _outage_and_back(traffic: Traffic, proxy: TcpProxy) -> None:
    seen = traffic.seen
    proxy.stop()
    cut_at, spoken_at = traffic.count(), len(seen.spoken)
    traffic.until(lambda: sum(1 for _, s in seen.answers[cut_at:] if s == 503) >= 4,
                  "503s while the database is away")
    traffic.until(lambda: any(TROUBLE in s for s in seen.spoken[spoken_at:]),
                  "a caller hearing the apology")
    proxy.start()
    healed_at, spoken_at = traffic.count(), len(seen.spoken)
    traffic.until(lambda: {k for k, s in seen.answers[healed_at:] if s in (200, 201)}
                  >= {"booking", "chat"}, "bookings and chats succeed again, no restart")
    traffic.until(lambda: any(TROUBLE not in s for s in seen.spoken[spoken_at:]),
                  "calls are greeted again")


def test_a_database_cut_mid_traffic_fails_cleanly_and_heals(
    served: Proxied, factory: sessionmaker[Session],
) -> None:
    traffic = Traffic(served)
    threads = [threading.Thread(target=traffic.run, args=(kind,), daemon=True)
               for kind in ("booking", "booking", "chat", "voice")]
    for thread in threads:
        thread.start()
    try:
        traffic.until(lambda: traffic.count() >= 20, "traffic answered while up")
        for _ in range(2):  # two outages, each mid-traffic
            _outage_and_back(traffic, served.proxy)
    finally:
        traffic.stop.set()
        for thread in threads:
            thread.join(timeout=BOUND_S + 5)
    assert not traffic.errors, traffic.errors[0]
    assert all(not t.is_alive() for t in threads)

    biz = served.biz
    seen = traffic.seen
    assert {s for _, s in seen.answers} <= {200, 201, 503}
    with factory() as session:
        booked = {a.start_at: a for a in session.scalars(select(Appointment).where(
            Appointment.tenant_id == biz.tenant.id))}
        confirmed = set(session.scalars(select(OutboxMessage.appointment_id).where(
            OutboxMessage.tenant_id == biz.tenant.id, OutboxMessage.purpose == "confirmation")))
    # Nothing half written: every appointment came with its confirmation.
    assert booked and set(a.id for a in booked.values()) == confirmed
    # Every booking answered 201 exists.
    assert {s for _, s, code in seen.bookings if code == 201} <= set(booked)
    # A 503 may have come before or after the commit: the same key settles it.
    unsure = [(k, s) for k, s, code in seen.bookings if code == 503]
    assert unsure
    with httpx.Client(base_url=served.base, timeout=BOUND_S) as http:
        for key, start in unsure:
            retry = http.post("/api/v1/appointments",
                              headers={**auth(biz), "Idempotency-Key": key},
                              json={"service_id": str(biz.haircut.id),
                                    "start": start.isoformat(),
                                    "resource_id": str(biz.ana.id),
                                    "customer": {"phone": "+12125550199", "name": "Alex"}})
            assert retry.status_code in (200, 201), retry.text
            assert retry.status_code == (200 if start in booked else 201)
    with factory() as session:
        per_start = session.execute(select(Appointment.start_at, func.count()).where(
            Appointment.tenant_id == biz.tenant.id).group_by(Appointment.start_at)).all()
    assert all(n == 1 for _, n in per_start)
    assert len(per_start) == len({s for _, s, code in seen.bookings if code in (201, 503)})


