"""A number stated on a door with no verified caller ID is a claim: before its appointments
are read, moved or cancelled, the caller reads back a code texted to it.

Driven through the HTTP doors (the chat API, the OpenAI-compatible door) with the app in
process; the code is read from the outbox through ``GET /api/v1/messages``, as the
phone's holder would read the text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.conversation.agent import Agent
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import Appointment
from frontdesk.web.deps import get_agent
from tests.channels.test_openai_compat import VoicePlatform, sdk
from tests.conftest import Business, auth, next_weekday
from tests.conversation.standin_openai import StandIn

PHONE = "+12125550199"
SAID = "it's 212 555 0199"
_SPOKEN_ES = "cero uno dos tres cuatro cinco seis siete ocho nueve".split()


class Clock:
    """The agent's clock, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Iterator[TestClient]:
    """The app in process, its agent on the test's clock."""
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    agent = Agent(app.state.session_factory, clock=clock)
    app.dependency_overrides[get_agent] = lambda: agent
    with TestClient(app) as client:
        yield client


@pytest.fixture
def booked(factory: sessionmaker[Session], biz: Business) -> Appointment:
    """Jordan's haircut, two days ahead at 10."""
    day = next_weekday(biz.tz, 2)
    return book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, biz.at(day, 10), biz.ana.id,
        customer=CustomerFields(phone=PHONE, name="Jordan Lee"))).appointment


class WebChat:
    """One chat session on ``POST /api/v1/chat``."""

    def __init__(self, client: TestClient, biz: Business, **extra: Any) -> None:
        self.client, self.biz, self.extra = client, biz, extra
        self.session_id: str | None = None
        self.last: dict[str, Any] = {}

    def say(self, message: str) -> dict[str, Any]:
        response = self.client.post("/api/v1/chat", headers=auth(self.biz), json={
            "message": message, "session_id": self.session_id, **self.extra})
        assert response.status_code == 200, response.text
        self.last = response.json()
        self.session_id = self.last["session_id"]
        return self.last

    def tool_results(self, name: str) -> list[dict[str, Any]]:
        record = self.client.get(f"/api/v1/conversations/{self.last['conversation_id']}",
                                 headers=auth(self.biz)).json()
        return [t["tool_result"] for t in record["turns"]
                if t["role"] == "tool" and t["tool_name"] == name]


def texts(client: TestClient, biz: Business, phone: str = PHONE) -> list[dict[str, Any]]:
    """The verification texts to ``phone``, newest first (the outbox, read over the API)."""
    response = client.get("/api/v1/messages", headers=auth(biz), params={"to": phone})
    assert response.status_code == 200, response.text
    return [m for m in response.json() if m["purpose"] == "verification_code"]


def texted_code(client: TestClient, biz: Business, phone: str = PHONE) -> str:
    [newest, *_] = texts(client, biz, phone)
    found = re.fullmatch(r"Your Salon code is (\d{6})\. It expires in 10 minutes\.",
                         newest["body"]) or re.fullmatch(
        r"Su código de Salon es (\d{6})\. Caduca en 10 minutos\.", newest["body"])
    assert found is not None, newest["body"]
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def status(factory: sessionmaker[Session], appointment: Appointment) -> str:
    with factory() as session:
        return session.get_one(Appointment, appointment.id).status


# --- the chat door, rules engine ------------------------------------------------------------


def test_a_stated_number_is_proved_by_the_texted_code_before_a_cancellation(
        desk: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    chat = WebChat(desk, biz)
    assert chat.say("Hi, I want to cancel my appointment")["state"]["awaiting"] == "phone"
    asked = chat.say(SAID)
    assert "texted a 6-digit code to the number ending in 0199" in asked["reply"]
    assert "haircut" not in asked["reply"] and "Ana" not in asked["reply"]
    assert asked["state"]["awaiting"] == "code" and asked["outcome"] is None
    code = texted_code(desk, biz)
    assert status(factory, booked) == "booked"

    refused = chat.say(f"it's {wrong(code)}")
    assert "isn't right" in refused["reply"] and "4 tries left" in refused["reply"]
    assert "haircut" not in refused["reply"] and status(factory, booked) == "booked"

    confirm = chat.say(code)
    assert confirm["reply"].startswith("Thank you, that's the right code.")
    assert "cancel your haircut" in confirm["reply"]
    done = chat.say("yes please")
    assert done["outcome"] == "cancelled" and status(factory, booked) == "cancelled"
    checks = chat.tool_results("check_verification_code")
    assert [c.get("error") for c in checks] == ["wrong_code", None]
    assert checks[0]["tries_left"] == 4 and checks[1]["verified"] is True
    assert len(texts(desk, biz)) == 1


def test_without_the_code_nothing_is_read_or_changed(
        desk: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    reader = WebChat(desk, biz)
    reader.say("When is my appointment? My number is 212 555 0199")
    reply = reader.say("I don't have that phone with me, just tell me")
    assert reply["state"]["awaiting"] == "code"
    assert "haircut" not in reply["reply"] and "10" not in reply["reply"]
    [refused] = reader.tool_results("lookup_customer")
    assert refused["error"] == "verification_required" and "appointments" not in refused

    mover = WebChat(desk, biz)
    mover.say("I need to move my appointment to Friday at 3pm")
    moved = mover.say(SAID)
    assert moved["state"]["awaiting"] == "code" and "haircut" not in moved["reply"]
    with factory() as session:
        assert session.get_one(Appointment, booked.id).start_at == booked.start_at
    assert status(factory, booked) == "booked"


def test_a_number_the_site_passes_on_is_a_claim_unless_it_vouches_for_it(
        desk: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    claimed = WebChat(desk, biz, caller_phone="212-555-0199")
    reply = claimed.say("cancel my haircut please")
    assert reply["state"]["awaiting"] == "code" and "ending in 0199" in reply["reply"]
    assert "Jordan" not in reply["reply"] and status(factory, booked) == "booked"

    vouched = WebChat(desk, biz, caller_phone="212-555-0199", caller_phone_verified=True)
    confirm = vouched.say("cancel my haircut please")
    assert "cancel your haircut" in confirm["reply"]
    assert vouched.say("yes")["outcome"] == "cancelled"
    assert len(texts(desk, biz)) == 1  # only the claimed chat was sent one


def test_an_expired_code_is_refused_and_a_new_one_works(
        desk: TestClient, biz: Business, booked: Appointment, clock: Clock,
        factory: sessionmaker[Session]) -> None:
    chat = WebChat(desk, biz)
    chat.say("please cancel my appointment")
    chat.say(SAID)
    old = texted_code(desk, biz)
    clock.now += timedelta(minutes=10, seconds=1)
    expired = chat.say(old)
    assert "expired" in expired["reply"] and "new one" in expired["reply"]
    assert expired["state"]["awaiting"] == "resend_code" and status(factory, booked) == "booked"
    resent = chat.say("yes, send me a new one")
    assert "ending in 0199" in resent["reply"] and len(texts(desk, biz)) == 2
    assert "cancel your haircut" in chat.say(texted_code(desk, biz))["reply"]
    assert chat.say("yes")["outcome"] == "cancelled"


def test_five_wrong_codes_kill_it_and_a_person_is_offered(
        desk: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    chat = WebChat(desk, biz)
    chat.say("cancel my appointment")
    chat.say(SAID)
    code = texted_code(desk, biz)
    for left in ("4 tries", "3 tries", "2 tries", "one try"):
        assert f"{left} left" in chat.say(wrong(code))["reply"]
    dead = chat.say(wrong(code))
    assert "too many times" in dead["reply"] and "someone from the team" in dead["reply"]
    assert chat.say(code)["state"]["awaiting"] == "resend_code"  # dead, even when right
    assert status(factory, booked) == "booked"
    assert chat.say("no thanks")["state"]["awaiting"] == "anything_else"


def test_codes_are_rate_limited_per_number(
        desk: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    chat = WebChat(desk, biz)
    chat.say("cancel my appointment")
    chat.say(SAID)
    assert "ending in 0199" in chat.say("I didn't get it, send it again")["reply"]
    assert "ending in 0199" in chat.say("still nothing, resend it please")["reply"]
    limited = chat.say("send me another one")
    assert "can't send another code" in limited["reply"]
    assert limited["state"]["awaiting"] == "confirm_transfer"
    assert len(texts(desk, biz)) == 3
    # A fresh chat for the same number gets none either: the limit is the number's.
    other = WebChat(desk, biz)
    other.say("cancel my appointment")
    assert "can't send another code" in other.say(SAID)["reply"]
    assert len(texts(desk, biz)) == 3 and status(factory, booked) == "booked"


def test_spanish_wording_and_a_code_said_in_words(
        desk: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    chat = WebChat(desk, biz)
    chat.say("Hola, quiero cancelar mi cita")
    asked = chat.say("es el 212 555 0199")
    assert "código de 6 cifras al número terminado en 0199" in asked["reply"]
    [text] = texts(desk, biz)
    assert text["body"].startswith("Su código de Salon es ")
    code = texted_code(desk, biz)
    refused = chat.say(wrong(code))
    assert "no es correcto" in refused["reply"] and "Le quedan 4 intentos" in refused["reply"]
    confirm = chat.say("el código es " + " ".join(_SPOKEN_ES[int(d)] for d in code))
    assert confirm["reply"].startswith("Gracias, el código es válido.")
    assert "quiere cancelar su cita de corte" in confirm["reply"]
    assert chat.say("sí")["outcome"] == "cancelled" and status(factory, booked) == "cancelled"


# --- the OpenAI-compatible door without caller metadata -------------------------------------


def test_openai_compatible_door_without_a_caller_number_asks_for_the_code(
        client: TestClient, biz: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    platform = VoicePlatform(sdk(client, biz.api_key),
                             extra_body={"metadata": {"call_id": uuid.uuid4().hex}})
    platform.say("Hi, I need to cancel my appointment")
    asked = platform.say("two one two, five five five, zero one nine nine")
    assert "ending in 0199" in asked and "haircut" not in asked
    assert status(factory, booked) == "booked"
    confirm = platform.say(" ".join(texted_code(client, biz)))  # "4 8 2 9 1 3", as spoken
    assert "cancel your haircut" in confirm
    platform.say("yes")
    assert status(factory, booked) == "cancelled"


def _standin_app(engine: Engine, url: str) -> TestClient:
    settings = Settings(environment="test", llm_base_url=url, llm_model="standin-model",
                        llm_timeout_s=5.0)
    return TestClient(create_app(settings, engine=engine))


def test_the_llm_cannot_skip_the_code(
        engine: Engine, biz: Business, booked: Appointment, factory: sessionmaker[Session],
        standin: StandIn) -> None:
    with _standin_app(engine, standin.url) as client:
        chat = WebChat(client, biz)
        # The "model" acts on the stated number at once, skipping any proof.
        standin.call_tools(("lookup_customer", {"phone": PHONE}),
                         ("cancel", {"appointment_id": str(booked.id)}),
                         ("reschedule", {"appointment_id": str(booked.id),
                                         "start": (booked.start_at + timedelta(days=1))
                                         .isoformat()}))
        standin.reply("I need to check that number first.")
        reply = chat.say("cancel my appointment, my number is 212 555 0199")
        assert reply["outcome"] is None and status(factory, booked) == "booked"
        lookup, cancel, move = standin.tool_results(1)
        assert lookup["error"] == "verification_required" and "appointments" not in lookup
        assert cancel["error"] == move["error"] == "verification_required"

        # The same tools, used as intended: code sent, read back, checked; then it works.
        standin.call_tools(("send_verification_code", {"phone": PHONE}))
        standin.reply("I've texted you a code. What is it?")
        chat.say("ok")
        standin.call_tools(("check_verification_code", {"code": texted_code(client, biz)}),
                         ("cancel", {"appointment_id": str(booked.id)}))
        standin.reply("Your appointment is cancelled.")
        done = chat.say(f"the code is {texted_code(client, biz)}")
        assert done["outcome"] == "cancelled" and status(factory, booked) == "cancelled"
        assert "send_verification_code" in standin.tool_names(0)
        assert "check_verification_code" in standin.tool_names(0)
