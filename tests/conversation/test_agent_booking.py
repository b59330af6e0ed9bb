"""The deterministic agent books, corrects and recovers, in English and Spanish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.conversations import turns
from frontdesk.store.models import Appointment, Conversation
from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]


def _appointments(factory: sessionmaker[Session]) -> list[Appointment]:
    with factory() as session:
        return list(
            session.scalars(
                select(Appointment)
                .where(Appointment.status == "booked")
                .order_by(Appointment.start_at)
            )
        )


def test_books_in_english_and_keeps_the_record(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    offer = chat.say("Hi, I'd like to book a haircut tomorrow at 10am")
    assert "10 AM" in offer.text and "tomorrow" in offer.text
    assert offer.state["awaiting"] == "choice"
    assert "name" in chat.say("yes").text.lower()
    assert "phone" in chat.say("It's Jordan Lee").text.lower()
    readback = chat.say("212 555 0199")
    assert "Jordan Lee" in readback.text and "haircut" in readback.text
    done = chat.say("yes please")
    assert done.outcome == "booked" and done.appointment_id
    (appt,) = _appointments(factory)
    assert appt.start_at == biz.at(now.date() + timedelta(days=1), 10)
    assert appt.source == "chat"
    bye = chat.say("no, that's all, thanks")
    assert bye.end
    with factory() as session:
        record = session.get_one(Conversation, chat.conversation_id)
        assert record.outcome == "booked" and str(record.appointment_id) == done.appointment_id
        assert record.customer_id is not None and str(record.customer_id) == str(appt.customer_id)
        rows = turns(session, record.id)
    roles = [r.role for r in rows]
    assert roles.count("user") == 6 and roles.count("assistant") == 6
    tools = [r.tool_name for r in rows if r.role == "tool"]
    assert "find_open_slots" in tools and tools.count("book") == 1
    assert all(r.latency_ms is not None for r in rows if r.role == "assistant")


def test_books_in_spanish(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    offer = chat.say("Hola, quiero cortarme el pelo pasado mañana a las diez y media")
    assert offer.lang == "es" and "10:30" in offer.text
    assert "nombre" in chat.say("sí").text
    assert "teléfono" in chat.say("Me llamo Lucía Fernández").text
    readback = chat.say("+34 612 345 678")
    assert "Lucía Fernández" in readback.text and "¿Lo reservo?" in readback.text
    done = chat.say("sí, perfecto")
    assert done.outcome == "booked" and done.lang == "es"
    (appt,) = _appointments(factory)
    assert appt.start_at == biz.at(now.date() + timedelta(days=2), 10, 30)


def test_taken_time_gets_the_nearest_alternatives(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    tuesday = now.date() + timedelta(days=1)
    for resource in (biz.ana.id, biz.marco.id):
        book(
            factory,
            biz.tenant,
            BookingRequest(biz.haircut.id, biz.at(tuesday, 10), resource),
            now=now,
        )
    chat = start_chat(biz, now)
    reply = chat.say("Can I get a haircut tomorrow at 10?")
    assert "isn't available" in reply.text
    assert "9:15 AM" in reply.text and "10:45 AM" in reply.text  # either side of the busy block
    done = chat.say("the later one")
    assert done.state["chosen"] is not None and "10:45" in done.state["chosen"]


def test_correction_keeps_the_time_of_day(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now, caller_phone="+12125550123")
    chat.say("I need a haircut tomorrow at 2pm")
    chat.say("yes")
    chat.say("Sam Lee")  # caller ID gives the phone: straight to the read-back
    assert chat.last.state["awaiting"] == "confirm"
    moved = chat.say("actually, make it Wednesday")
    assert "2 PM" in moved.text and "Wednesday" in moved.text
    done = chat.say("yes")
    assert done.outcome == "booked"  # one read-back was enough: "Shall I book that?" "yes"
    (appt,) = _appointments(factory)
    assert appt.start_at == biz.at(now.date() + timedelta(days=2), 14)


def test_a_range_offers_varied_times_and_choice_by_ordinal(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now, caller_phone="+12125550123")
    offer = chat.say("do you have anything for a haircut on Thursday afternoon?")
    offered = offer.state["offered"]
    assert len(offered) == 3
    starts = [datetime.fromisoformat(s) for s in offered]
    assert all(12 <= s.hour < 17 and s.date() == now.date() + timedelta(days=3) for s in starts)
    assert starts[-1] - starts[0] >= timedelta(hours=2)  # spread out, not 12:00, 12:15, 12:30
    chat.say("the second one")
    assert chat.last.state["chosen"] == offered[1]


def test_past_and_impossible_times_are_asked_again(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    assert "passed" in chat.say("a haircut yesterday at 3pm please").text
    assert chat.last.state["awaiting"] == "time"
    again = chat.say("uh, blue")
    assert "didn't catch" in again.text
    assert "3 PM" in chat.say("ok then tomorrow at 3pm").text
    assert _appointments(factory) == []


def test_full_calendar_offers_other_days(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    tuesday = now.date() + timedelta(days=1)
    for resource in (biz.ana.id, biz.marco.id):
        for i in range(12):  # 09:00 .. 16:20, back to back with the 10-minute buffer
            book(
                factory,
                biz.tenant,
                BookingRequest(
                    biz.haircut.id, biz.at(tuesday, 9) + timedelta(minutes=40 * i), resource
                ),
                now=now,
            )
    chat = start_chat(biz, now)
    reply = chat.say("I'd like a haircut tomorrow")
    assert "isn't available" in reply.text or "closest" in reply.text
    offered = [datetime.fromisoformat(s).date() for s in reply.state["offered"]]
    assert offered and all(d > tuesday for d in offered)


def test_replayed_turn_never_books_twice(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now, caller_phone="+12125550123")
    chat.say("haircut tomorrow at 11am", key="t1")
    chat.say("yes", key="t2")
    chat.say("Ana Ruiz", key="t3")
    first = chat.say("yes", key="t4")
    again = chat.say("yes", key="t4")
    assert first.outcome == "booked" and again.replayed and again.text == first.text
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_caller_can_ask_for_a_staff_member(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now, caller_phone="+12125550123")
    offer = chat.say("a haircut with Marco on Wednesday afternoon please")
    assert len(offer.state["offered"]) == 3  # all three are Marco's: checked at booking
    chat.say("the first one")
    chat.say("Robin Diaz")
    done = chat.say("yes")
    assert done.outcome == "booked"
    (appt,) = _appointments(factory)
    assert appt.resource_id == biz.marco.id
    assert appt.start_at.astimezone(biz.tz).hour >= 12
