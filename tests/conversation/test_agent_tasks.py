"""Reschedule, cancel, 'my appointments', hours, hand-off, opt-out, privacy, bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import Appointment, Conversation, Customer, OutboxMessage
from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]
PHONE = "+12125550123"


def _existing(
    factory: sessionmaker[Session], biz: Business, now: datetime, days: int = 1, hour: int = 10
) -> Appointment:
    return book(
        factory,
        biz.tenant,
        BookingRequest(
            biz.haircut.id,
            biz.at(now.date() + timedelta(days=days), hour),
            biz.ana.id,
            customer=CustomerFields(phone=PHONE, name="Jordan Lee"),
        ),
        now=now,
    ).appointment


def _status(factory: sessionmaker[Session], appt: Appointment) -> Appointment:
    with factory() as session:
        return session.get_one(Appointment, appt.id)


def test_known_caller_is_greeted_with_their_next_appointment(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _existing(factory, biz, now)
    chat = start_chat(biz, now, caller_phone=PHONE, greet=True)
    greeting = chat.last.text
    assert "Jordan" in greeting and "haircut tomorrow at 10 AM" in greeting


def test_reschedule_by_caller_id(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    appt = _existing(factory, biz, now)
    chat = start_chat(biz, now, caller_phone=PHONE, greet=True)
    ask = chat.say("I need to move my appointment")
    assert "haircut" in ask.text and "tomorrow at 10 AM" in ask.text
    offer = chat.say("Thursday at 2pm")
    assert "Thursday" in offer.text and "2 PM" in offer.text
    done = chat.say("yes")
    assert done.outcome == "rescheduled"
    moved = _status(factory, appt)
    assert moved.start_at == biz.at(now.date() + timedelta(days=3), 14)
    assert moved.status == "booked"


def _texted_code(factory: sessionmaker[Session], phone: str) -> str:
    """The code in the newest verification text to ``phone``: what its holder reads."""
    with factory() as session:
        message = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == phone, OutboxMessage.purpose == "verification_code")
            .order_by(OutboxMessage.created_at.desc())
        ).first()
    assert message is not None, "no code was texted"
    found = re.search(r"\b(\d{6})\b", message.payload["body"])
    assert found is not None
    return found.group(1)


def test_cancel_in_chat_by_phone_number_after_the_texted_code(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    appt = _existing(factory, biz, now, days=2)
    chat = start_chat(biz, now)
    assert "phone" in chat.say("hi, I want to cancel my appointment").text
    asked = chat.say("it's 212-555-0123")
    assert "ending in 0123" in asked.text and "haircut" not in asked.text
    assert asked.state["awaiting"] == "code"
    confirm = chat.say(_texted_code(factory, PHONE))
    assert "right code" in confirm.text
    assert "cancel" in confirm.text and "haircut" in confirm.text
    assert chat.say("yes").outcome == "cancelled"
    assert _status(factory, appt).status == "cancelled"


def test_declining_a_cancellation_keeps_it(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    appt = _existing(factory, biz, now)
    chat = start_chat(biz, now, caller_phone=PHONE)
    chat.say("cancel my haircut")
    kept = chat.say("no, keep it")
    assert kept.outcome is None and _status(factory, appt).status == "booked"


def test_my_appointments_and_medical_privacy(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _existing(factory, biz, now)
    verified = start_chat(biz, now, caller_phone=PHONE)
    listed = verified.say("when is my appointment?")
    assert "haircut tomorrow at 10 AM with Ana" in listed.text

    unverified = start_chat(biz, now, persona="medical")
    unverified.say("when is my appointment?")
    reply = unverified.last.text
    if "phone" in reply.lower() and unverified.last.state["awaiting"] == "phone":
        reply = unverified.say("212 555 0123").text
    assert "privacy" in reply.lower()
    assert "10" not in reply and "haircut" not in reply.lower()


def test_opening_hours(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    reply = start_chat(biz, now).say("what time do you open?")
    assert "Monday to Friday from 9 AM to 5 PM" in reply.text
    es = start_chat(biz, now).say("¿a qué hora abren?")
    assert "lunes a viernes de 9:00 a 17:00" in es.text


def test_asking_for_a_person_transfers(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    chat.say("I want a haircut tomorrow")
    reply = chat.say("can I just talk to a real person please")
    assert reply.transfer and reply.end and reply.outcome == "transferred"
    assert chat.say("hello?").transfer  # still being handed over


def test_repeated_misunderstanding_transfers(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    first = chat.say("purple monkey dishwasher")
    assert not first.transfer and "didn't catch" in first.text
    chat.say("flibber flabber")
    third = chat.say("zzz qqq")
    assert third.transfer and third.outcome == "transferred"


def test_opt_out_is_recorded(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _existing(factory, biz, now)
    chat = start_chat(biz, now, caller_phone=PHONE)
    reply = chat.say("please stop calling me, take me off your list")
    assert reply.outcome == "opted_out" and reply.end
    with factory() as session:
        customer = session.scalars(select(Customer).where(Customer.phone_e164 == PHONE)).one()
    assert customer.do_not_call and not customer.sms_consent


def test_empty_and_noise_get_a_polite_reask(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    assert "didn't catch" in chat.say("").text
    noise = chat.say("x7#" * 3000)
    assert "didn't catch" in noise.text and not noise.transfer
    with factory() as session:
        assert session.scalars(select(Appointment)).all() == []


def test_a_call_that_ends_without_an_outcome_is_abandoned(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    silent = start_chat(biz, now)
    silent.say("hi")
    silent.agent.end(biz.tenant, silent.conversation_id)  # type: ignore[arg-type]
    informed = start_chat(biz, now)
    informed.say("what do you have tomorrow for a haircut?")
    informed.agent.end(biz.tenant, informed.conversation_id)  # type: ignore[arg-type]
    with factory() as session:
        first = session.get_one(Conversation, silent.conversation_id)
        second = session.get_one(Conversation, informed.conversation_id)
    assert (first.outcome, second.outcome) == ("abandoned", "info")
    assert first.ended_at is not None
    silent.say("sorry, I'm back: a haircut tomorrow at 10")  # a reconnect reopens it
    with factory() as session:
        reopened = session.get_one(Conversation, silent.conversation_id)
    assert reopened.ended_at is None and reopened.outcome is None
