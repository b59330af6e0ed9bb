"""Texting with the business over days: STOP is confirmed and START undoes it, a reply
is in the texter's language, "R" starts a fresh reschedule, "C" records a confirmation,
and a "yes" never answers a question that has gone stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.sms_keywords import InboundSms, SmsDesk
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    Conversation,
    Customer,
    OutboxMessage,
    TenantPhoneNumber,
)
from tests.conftest import Business

OURS, TEXTER = "+12125550100", "+12125550123"


class Texter:
    """One person texting the business, on a clock the test moves."""

    def __init__(self, factory: sessionmaker[Session], now: datetime) -> None:
        self.now, self.sent = now, 0
        self.desk = SmsDesk(factory, Agent(factory, clock=lambda: self.now))

    def says(self, body: str) -> str | None:
        self.sent += 1
        return self.desk.handle(InboundSms(f"SM{self.sent}", TEXTER, OURS, body)).text


@pytest.fixture
def shop(monday: Callable[..., tuple[Business, datetime]],
         factory: sessionmaker[Session]) -> tuple[Business, datetime]:
    biz, now = monday()
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=OURS))
    return biz, now


def customer(factory: sessionmaker[Session]) -> Customer:
    with factory() as session:
        return session.scalars(select(Customer).where(Customer.phone_e164 == TEXTER)).one()


def booked_for(factory: sessionmaker[Session], biz: Business, start: datetime,
               language: str | None = None) -> Appointment:
    return book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, start, biz.ana.id,
        customer=CustomerFields(phone=TEXTER, name="Jo Reyes", language=language)),
        now=start - timedelta(days=2)).appointment


def appointments(factory: sessionmaker[Session]) -> list[Appointment]:
    with factory() as session:
        return list(session.scalars(select(Appointment).order_by(Appointment.start_at)))


def state(factory: sessionmaker[Session]) -> dict[str, object]:
    with factory() as session:
        return dict(session.scalars(select(Conversation.state)).one())


# --- STOP and START ------------------------------------------------------------------


def test_stop_is_confirmed_and_start_resubscribes(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    booked_for(factory, biz, now + timedelta(days=1, hours=2))
    texter = Texter(factory, now)
    stopped = texter.says("STOP")
    assert stopped is not None
    assert "unsubscribed" in stopped and "START" in stopped and biz.tenant.name in stopped
    assert customer(factory).do_not_call
    assert texter.says("hello?") is None  # opted out: nothing more, whatever they write
    started = texter.says("START")
    assert started is not None and "STOP" in started
    assert not customer(factory).do_not_call and customer(factory).sms_consent


def test_a_retried_stop_gets_the_same_confirmation_once(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    _, now = shop
    desk = SmsDesk(factory, Agent(factory, clock=lambda: now))
    first = desk.handle(InboundSms("SMx", TEXTER, OURS, "Stop")).text
    again = desk.handle(InboundSms("SMx", TEXTER, OURS, "Stop")).text
    assert first is not None and first == again


@pytest.mark.parametrize("word", ["BAJA", "STOP"])
def test_stop_is_confirmed_in_spanish_to_a_spanish_customer(
        word: str, shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    booked_for(factory, biz, now + timedelta(days=1, hours=2), language="es")
    stopped = Texter(factory, now).says(word)
    assert stopped is not None and "baja" in stopped and "ALTA" in stopped
    assert "unsubscribed" not in stopped


# --- the texter's language -----------------------------------------------------------


def test_replies_to_a_spanish_customer_are_in_spanish(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    booked_for(factory, biz, now + timedelta(days=1, hours=2), language="es")
    texter = Texter(factory, now)
    assert texter.says("C") == "¡Gracias, le esperamos!"
    moving = texter.says("R")
    assert moving is not None and "cambiar" in moving.lower()
    helped = texter.says("ok")
    assert helped is not None and not any(w in helped.lower().split() for w in ("the", "you"))


def test_a_spanish_text_from_an_unknown_number_is_answered_in_spanish(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    _, now = shop
    answer = Texter(factory, now).says("hola, quería pedir una cita para cortarme el pelo")
    assert answer is not None and ("¿" in answer or "usted" in answer or " le " in answer)


# --- C, R, and stale questions -------------------------------------------------------


def test_c_after_a_booking_by_text_confirms_that_appointment(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    texter = Texter(factory, now)
    day = (now + timedelta(days=1)).strftime("%A")
    texter.says(f"I'd like a haircut on {day} at 10am")
    texter.says("yes")
    texter.says("Jo Reyes")
    assert texter.says("yes")  # booked
    [appointment] = appointments(factory)
    assert appointment.confirmed_at is None
    texter.now = now + timedelta(hours=5)
    assert texter.says("C") == "Thanks, see you then!"
    [appointment] = appointments(factory)
    assert appointment.confirmed_at is not None and appointment.status == "booked"


def test_r_after_a_booking_starts_a_fresh_reschedule(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    texter = Texter(factory, now)
    day = (now + timedelta(days=2)).strftime("%A")
    texter.says(f"I'd like a haircut on {day} at 10am")
    texter.says("yes")
    texter.says("Jo Reyes")
    texter.says("yes")
    [appointment] = appointments(factory)
    texter.now = now + timedelta(days=1)
    moving = texter.says("R")
    assert moving is not None
    saved = state(factory)
    assert saved["goal"] == "reschedule" and saved["awaiting"] == "time"
    # Nothing of the old request is reused: no time, no offers, nothing chosen.
    assert saved["time"] is None and saved["offered"] == [] and saved["chosen"] is None
    assert [a.id for a in appointments(factory)] == [appointment.id]
    assert appointments(factory)[0].start_at == appointment.start_at


def test_a_yes_a_day_later_does_not_answer_the_old_question(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    _, now = shop
    texter = Texter(factory, now)
    day = (now + timedelta(days=2)).strftime("%A")
    texter.says(f"I'd like a haircut on {day} at 10am")
    texter.says("yes")
    asked = texter.says("Jo Reyes")
    assert asked is not None and "Shall I book it?" in asked
    texter.now = now + timedelta(days=1)
    texter.says("yes")
    assert appointments(factory) == []
    assert state(factory)["awaiting"] != "confirm"


def test_a_yes_after_another_text_from_us_does_not_answer_the_agents_question(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    booked_for(factory, biz, now + timedelta(days=3, hours=2))
    texter = Texter(factory, now)
    day = (now + timedelta(days=2)).strftime("%A")
    asked = texter.says(f"I'd like a haircut on {day} at 10am")  # a known texter
    assert asked is not None and "Shall I book" in asked
    # Minutes later the reminder of the other appointment goes out; "yes" answers that.
    with write_session(factory) as session:
        reminder = session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "confirmation")).first()
        assert reminder is not None
        reminder.status, reminder.sent_at = "sent", datetime.now(reminder.created_at.tzinfo)
    texter.now = now + timedelta(minutes=5)
    texter.says("yes")
    assert len(appointments(factory)) == 1


def test_a_prompt_yes_still_answers_the_question(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    _, now = shop
    texter = Texter(factory, now)
    day = (now + timedelta(days=2)).strftime("%A")
    texter.says(f"I'd like a haircut on {day} at 10am")
    texter.says("yes")
    texter.says("Jo Reyes")
    texter.now = now + timedelta(minutes=20)
    done = texter.says("yes")
    assert done is not None and "all set" in done
    assert len(appointments(factory)) == 1
