"""Email confirmations are written with the booking, once, to the right people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.booking import BookingRequest, BookingResult, book, cancel, reschedule
from frontdesk.services.customers import CustomerFields
from frontdesk.services.notices import email_messages
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, OutboxMessage, Tenant
from tests.conftest import Business, next_weekday

CUSTOMER_EMAIL = "jordan@example.com"
DESK_EMAIL = "desk@salon.example"




def with_desk_email(factory: sessionmaker[Session], biz: Business, email: str = DESK_EMAIL) -> None:
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).notify_email = email
    biz.tenant.notify_email = email


def book_with_email(
    factory: sessionmaker[Session],
    biz: Business,
    *,
    hour: int = 10,
    language: str | None = None,
    do_not_call: bool | None = None,
    email: str = CUSTOMER_EMAIL,
) -> BookingResult:
    start = biz.at(next_weekday(biz.tz, 1), hour)
    fields = CustomerFields(name="Jordan", email=email, language=language, do_not_call=do_not_call)
    return book(
        factory, biz.tenant, BookingRequest(biz.haircut.id, start, biz.ana.id, customer=fields)
    )


def email_rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.channel == "email")
            .order_by(OutboxMessage.created_at, OutboxMessage.next_attempt_at)
        )
        return list(session.scalars(query))


def test_booking_writes_a_confirmation_with_invite_and_a_business_notice(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    with_desk_email(factory, biz)
    appt = book_with_email(factory, biz).appointment
    rows = {r.recipient: r for r in email_rows(factory)}
    assert set(rows) == {CUSTOMER_EMAIL, DESK_EMAIL}

    mine = rows[CUSTOMER_EMAIL]
    assert mine.purpose == "confirmation" and mine.appointment_id == appt.id
    assert mine.payload["subject"].startswith("Confirmed: Haircut at Salon")
    assert "with Ana" in mine.payload["body"] and mine.payload["reply_to"] == DESK_EMAIL
    invite = Calendar.from_ical(mine.payload["ics"])
    assert str(invite["METHOD"]) == "REQUEST"

    desk = rows[DESK_EMAIL]
    assert desk.purpose == email_messages.BUSINESS_NOTICE and "ics" not in desk.payload
    assert "Jordan" in desk.payload["subject"] and CUSTOMER_EMAIL in desk.payload["body"]
    assert desk.payload["reply_to"] == CUSTOMER_EMAIL


def test_hooks_are_idempotent_in_one_transaction(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    with_desk_email(factory, biz)
    appt = book_with_email(factory, biz).appointment
    with write_session(factory) as session:
        again = session.get_one(Appointment, appt.id)
        email_messages.on_booked_email(session, biz.tenant, again)
    assert len(email_rows(factory)) == 2


def test_spanish_customer_reads_spanish(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    book_with_email(factory, biz, language="es")
    (row,) = email_rows(factory)
    assert row.payload["subject"].startswith("Confirmada: corte en Salon")
    assert "a las 10:00" in row.payload["subject"]
    assert row.payload["body"].startswith("Hola Jordan:")


def test_no_customer_email_when_opted_out_or_missing_and_no_notice_without_desk(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    book_with_email(factory, biz, do_not_call=True)
    assert email_rows(factory) == []  # opted out, and the business gave no address


def test_reschedule_and_cancel_raise_the_sequence_and_withdraw_unsent(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    appt = book_with_email(factory, biz).appointment
    reschedule(factory, biz.tenant, appt.id, appt.start_at + timedelta(hours=2))
    cancel(factory, biz.tenant, appt.id)
    rows = email_rows(factory)
    by_purpose = {r.purpose: r for r in rows}
    assert [r.purpose for r in rows] == ["confirmation", "rescheduled", "cancellation"]
    sequences = [int(str(Calendar.from_ical(r.payload["ics"]).walk("VEVENT")[0]["SEQUENCE"]))
                 for r in rows]  # fmt: skip
    assert sequences == [0, 1, 2]
    cancel_ics = Calendar.from_ical(by_purpose["cancellation"].payload["ics"])
    assert str(cancel_ics["METHOD"]) == "CANCEL"
    # Not sent yet when the appointment went away: the SMS hook withdraws it, email too.
    assert by_purpose["confirmation"].status == "cancelled"
    assert by_purpose["cancellation"].status == "pending"
