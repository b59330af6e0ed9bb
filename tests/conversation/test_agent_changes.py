"""Changing a booking the caller just made, hours kept across offers, offers not repeated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import Appointment
from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]


def _booked(factory: sessionmaker[Session]) -> list[Appointment]:
    with factory() as session:
        return list(
            session.scalars(
                select(Appointment)
                .where(Appointment.status == "booked")
                .order_by(Appointment.start_at)
            )
        )


def _offered(chat: Chat, biz: Business) -> list[datetime]:
    return [datetime.fromisoformat(s).astimezone(biz.tz) for s in chat.last.state["offered"]]


def test_a_change_right_after_booking_moves_it_even_onto_its_own_time(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)  # a web chat: the number given is only a claim
    chat.say("a haircut tomorrow at 10am please")
    chat.say("yes")
    chat.say("Jordan Lee")
    chat.say("212 555 0199")
    assert chat.say("yes").outcome == "booked"
    # 10:30 overlaps the 10:00 booking itself (30 min + 10 after): free for its own move.
    offer = chat.say("actually could you make it 10:30 instead")
    assert offer.state["awaiting"] == "choice" and "10:30" in offer.text
    assert "code" not in offer.text.lower()  # booked in this call: no number to prove
    done = chat.say("yes please")
    assert done.outcome == "booked"
    (appt,) = _booked(factory)  # moved, not a second booking
    assert appt.start_at == biz.at(now.date() + timedelta(days=1), 10, 30)


def test_another_conversation_may_not_move_it_without_the_code(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    first = start_chat(biz, now)
    for line in ("a haircut tomorrow at 10am please", "yes", "Jordan Lee", "212 555 0199", "yes"):
        first.say(line)
    other = start_chat(biz, now)
    other.say("hi I need to move my haircut an hour later, my number is 212 555 0199")
    assert other.last.state["awaiting"] == "code"
    (appt,) = _booked(factory)
    assert appt.start_at == biz.at(now.date() + timedelta(days=1), 10)


def test_the_hours_said_hold_for_another_day_and_turned_down_times_stay_away(
    monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    tuesday, thursday = now.date() + timedelta(days=1), now.date() + timedelta(days=3)
    first = chat.say("I'd like a haircut tomorrow, nothing before 3pm")
    assert first.state["awaiting"] == "choice"
    turned_down = set(_offered(chat, biz))
    assert turned_down and all(t.hour >= 15 and t.date() == tuesday for t in turned_down)
    chat.say("no, none of those work")
    chat.say("tomorrow then, what else is there")
    again = _offered(chat, biz)
    assert again and not turned_down & set(again)
    assert all(t.hour >= 15 for t in again)
    chat.say("how about thursday")
    offered = _offered(chat, biz)
    assert offered and all(t.date() == thursday and t.hour >= 15 for t in offered)


def test_a_move_is_counted_from_the_booking(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    wednesday = now.date() + timedelta(days=2)
    book(
        factory,
        biz.tenant,
        BookingRequest(
            service_id=biz.haircut.id,
            start=biz.at(wednesday, 10),
            resource_id=biz.ana.id,
            customer=CustomerFields(phone="+12125550199", name="Jordan Lee"),
        ),
        now=now,
    )
    chat = start_chat(biz, now, caller_phone="+12125550199")
    offer = chat.say("can we push my haircut two days later")
    assert offer.state["awaiting"] == "choice"
    assert _offered(chat, biz)[0] == biz.at(wednesday + timedelta(days=2), 10)
    assert chat.say("yes").outcome == "rescheduled"
    (appt,) = _booked(factory)
    assert appt.start_at == biz.at(wednesday + timedelta(days=2), 10)
