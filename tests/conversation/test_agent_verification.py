"""The deterministic dialogue around a texted code: the clinic case, a second number, and
a caller ID the door vouches for (no code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import Appointment, OutboxMessage
from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]
PHONE, OTHER = "+12125550123", "+12125550188"


def _existing(factory: sessionmaker[Session], biz: Business, now: datetime,
              phone: str = PHONE) -> Appointment:
    return book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, biz.at(now.date() + timedelta(days=2), 10), biz.ana.id,
        customer=CustomerFields(phone=phone, name="Jordan Lee")), now=now).appointment


def _codes(factory: sessionmaker[Session], phone: str) -> list[str]:
    with factory() as session:
        bodies = session.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.recipient == phone, OutboxMessage.purpose == "verification_code")
            .order_by(OutboxMessage.created_at.desc())).all()
    return [re.findall(r"\d{6}", body["body"])[0] for body in bodies]


def _status(factory: sessionmaker[Session], appt: Appointment) -> str:
    with factory() as session:
        return session.get_one(Appointment, appt.id).status


def test_a_clinic_cancels_nothing_on_a_stated_number_until_the_code(
        factory: sessionmaker[Session], monday: Monday, start_chat: StartChat) -> None:
    biz, now = monday()
    appt = _existing(factory, biz, now)
    chat = start_chat(biz, now, persona="medical")
    chat.say("I need to cancel my appointment")
    asked = chat.say("212 555 0123")
    assert asked.state["awaiting"] == "code" and "ending in 0123" in asked.text
    assert "cancel" not in asked.text.lower()  # no "the next one?" before the code
    assert chat.say("yes").state["awaiting"] == "code"  # a yes is not a code
    assert _status(factory, appt) == "booked"
    confirm = chat.say(_codes(factory, PHONE)[0])
    # Proved: the patient may hear which appointment it is.
    assert "cancel your haircut" in confirm.text
    assert chat.say("yes").outcome == "cancelled" and _status(factory, appt) == "cancelled"


def test_a_different_number_while_waiting_gets_its_own_code(
        factory: sessionmaker[Session], monday: Monday, start_chat: StartChat) -> None:
    biz, now = monday()
    mine = _existing(factory, biz, now, phone=OTHER)
    chat = start_chat(biz, now)
    chat.say("cancel my appointment")
    chat.say("212 555 0123")
    moved = chat.say("sorry, it's actually under 212 555 0188")
    assert "ending in 0188" in moved.text and moved.state["awaiting"] == "code"
    stale = _codes(factory, PHONE)[0]
    if stale != _codes(factory, OTHER)[0]:
        assert "isn't right" in chat.say(stale).text  # the first number's code is gone
    assert "cancel your haircut" in chat.say(_codes(factory, OTHER)[0]).text
    assert chat.say("yes").outcome == "cancelled" and _status(factory, mine) == "cancelled"


def test_a_vouched_for_caller_id_needs_no_code(
        factory: sessionmaker[Session], monday: Monday, start_chat: StartChat) -> None:
    biz, now = monday()
    appt = _existing(factory, biz, now)
    chat = start_chat(biz, now, caller_phone=PHONE, channel="phone", persona="medical")
    assert "cancel your haircut" in chat.say("I need to cancel my appointment").text
    assert chat.say("yes").outcome == "cancelled" and _status(factory, appt) == "cancelled"
    assert _codes(factory, PHONE) == []


def test_a_claimed_caller_number_is_not_recognised(
        factory: sessionmaker[Session], monday: Monday, start_chat: StartChat) -> None:
    biz, now = monday()
    _existing(factory, biz, now)
    chat = start_chat(biz, now, caller_phone=PHONE, caller_verified=False, greet=True)
    assert "Jordan" not in chat.last.text and "haircut" not in chat.last.text
    listed = chat.say("when is my appointment?")
    assert listed.state["awaiting"] == "code" and "haircut" not in listed.text


def test_a_number_said_in_the_chat_wins_over_the_one_the_site_passed_on(
        factory: sessionmaker[Session], monday: Monday, start_chat: StartChat) -> None:
    biz, now = monday()
    mine = _existing(factory, biz, now, phone=OTHER)
    chat = start_chat(biz, now, caller_phone=PHONE, caller_verified=False)
    assert "ending in 0123" in chat.say("cancel my appointment").text
    assert "ending in 0188" in chat.say("no, it's under 212 555 0188").text
    assert "cancel your haircut" in chat.say(_codes(factory, OTHER)[0]).text
    assert chat.say("yes").outcome == "cancelled" and _status(factory, mine) == "cancelled"
