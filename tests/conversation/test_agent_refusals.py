"""Real conversations, in English and Spanish, run into refusals: the caller hears why in
their own language, and never the API's text ("Ask GET /api/v1/availability ...")."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.refusals import say_refusal
from frontdesk.errors import RefusalCode
from frontdesk.services.booking import BookingRequest, book, cancel
from frontdesk.services.catalog import (
    HoursRange,
    ResourceFields,
    ServiceFields,
    save_resource,
    save_service,
)
from frontdesk.services.customers import CustomerFields
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant
from tests.conftest import Business, next_weekday
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]
PHONE = "+12125550123"

# What the caller says, per language, to get to the read-back of a booking.
SCRIPTS = {
    "en": ["Hi, I'd like a haircut {day} at 10am", "yes", "It's Jordan Lee", "212 555 0199"],
    "es": ["Hola, quiero un corte {day} a las diez", "sí", "Me llamo Lucía Fernández",
           "+34 612 345 678"],
}
DAYS = {"en": {0: "today", 1: "tomorrow"}, "es": {0: "hoy", 1: "mañana"}}
YES = {"en": "yes please", "es": "sí, perfecto"}
SORRY = {"en": "Sorry, I couldn't book that: ", "es": "Lo siento, no he podido reservarlo: "}


def _to_readback(chat: Chat, lang: str, days: int) -> None:
    for line in SCRIPTS[lang]:
        chat.say(line.format(day=DAYS[lang][days]))
    assert chat.last.state["awaiting"] == "confirm", chat.last.text
    assert chat.last.lang == lang


def _never_the_api(chat: Chat) -> None:
    for reply in chat.replies:
        assert "/api/" not in reply.text and "GET " not in reply.text, reply.text


@dataclass
class OneSlotSalon:
    """A salon with a single free time in its whole booking horizon: Monday at 10, with
    Ana. ``now`` is that Monday at 08:00."""

    tenant: Tenant
    haircut: uuid.UUID
    now: datetime

    def chat(self, factory: sessionmaker[Session]) -> Chat:
        agent = Agent(factory, clock=lambda: self.now)
        conversation = agent.open(self.tenant, "chat", f"tiny-{uuid.uuid4().hex[:8]}")
        return Chat(agent, self.tenant, conversation.id)


@pytest.fixture
def one_slot_salon(factory: sessionmaker[Session]) -> OneSlotSalon:
    zone = "America/New_York"
    with write_session(factory) as session:
        tenant = create_tenant(session, "tiny", TenantFields(
            name="Tiny", timezone=zone, min_notice_minutes=0, max_days_ahead=1))
        haircut = save_service(session, tenant, ServiceFields(
            name="Haircut", duration_minutes=30, spoken_names={"es": ["corte"]}))
        save_resource(session, tenant, ResourceFields(
            name="Ana", service_ids=[haircut.id], hours=[HoursRange(0, time(10), time(10, 30))]))
    tz = ZoneInfo(zone)
    return OneSlotSalon(tenant, haircut.id, datetime.combine(next_weekday(tz, 0), time(8), tz))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_only_time_taken_before_the_yes(
    factory: sessionmaker[Session], one_slot_salon: OneSlotSalon, lang: str,
) -> None:
    """Before: the caller heard "That time is already taken. Ask GET /api/v1/availability
    for free times." Now: why, in their language, and nothing else to offer."""
    salon = one_slot_salon
    chat = salon.chat(factory)
    _to_readback(chat, lang, days=0)
    book(factory, salon.tenant, BookingRequest(salon.haircut, salon.now.replace(hour=10)),
         now=salon.now)  # someone else, on another line

    refused = chat.say(YES[lang])

    assert refused.outcome is None
    assert refused.text == SORRY[lang] + say_refusal(RefusalCode.SLOT_TAKEN, lang)
    _never_the_api(chat)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_notice_raised_before_the_yes(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat, lang: str,
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    _to_readback(chat, lang, days=1)
    # The business now wants three days' notice (its settings changed mid-call).
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).min_notice_minutes = 3 * 24 * 60
    biz.tenant.min_notice_minutes = 3 * 24 * 60

    refused = chat.say(YES[lang])

    assert refused.outcome is None and refused.state["awaiting"] == "time"
    assert refused.text == SORRY[lang] + say_refusal(
        RefusalCode.TOO_SOON, lang, notice_minutes=3 * 24 * 60)
    notice = "at least 3 days in advance" if lang == "en" else "al menos 3 días de antelación"
    assert notice in refused.text
    _never_the_api(chat)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_cancelled_elsewhere_before_the_yes(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat, lang: str,
) -> None:
    biz, now = monday()
    appointment = book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, biz.at(now.date() + timedelta(days=1), 10), biz.ana.id,
        customer=CustomerFields(phone=PHONE, name="Jordan Lee", language=lang)), now=now,
    ).appointment
    chat = start_chat(biz, now, caller_phone=PHONE)
    asked = chat.say("I want to cancel my appointment" if lang == "en" else
                     "Quiero cancelar mi cita")
    assert asked.state["awaiting"] == "confirm", asked.text
    cancel(factory, biz.tenant, appointment.id, now=now)  # the salon cancelled it meanwhile

    refused = chat.say(YES[lang])

    assert refused.outcome is None
    no_longer = ("Sorry, that appointment can't be changed anymore: " if lang == "en" else
                 "Lo siento, esa cita ya no se puede cambiar: ")
    assert refused.text == no_longer + say_refusal(RefusalCode.NOT_YOUR_APPOINTMENT, lang)
    _never_the_api(chat)
