"""Confirmations reach a real SMTP server (aiosmtpd on loopback) through the outbox worker."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.delivery.worker import deliver_due
from frontdesk.senders.base import OutgoingMessage, TransientSendError
from frontdesk.senders.email_smtp import OUTBOX_HEADER, SmtpSender, build_mime
from frontdesk.services.booking import cancel
from frontdesk.store.models import OutboxMessage
from tests.conftest import Business
from tests.services.notices.test_email_messages import (
    CUSTOMER_EMAIL,
    DESK_EMAIL,
    book_with_email,
    email_rows,
    with_desk_email,
)

FROM = "bookings@frontdesk.example"
REFUSED = "gone@example.com"  # 550: no such mailbox
DEFERRED = "full@example.com"  # 452: mailbox full, try later


@dataclass
class Mailbox:
    """What the server accepted: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    deferred: set[str] = field(default_factory=lambda: {DEFERRED})
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such user"
        if address in self.deferred:
            return "452 4.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK: queued"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [msg for rcpts, msg in self.received if address in rcpts]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int

    def sender(self) -> SmtpSender:
        return SmtpSender(
            host="127.0.0.1", port=self.port, from_addr=FROM, starttls=False, timeout_s=5
        )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield SmtpServer(mailbox, controller.port)
    finally:
        controller.stop()


def _invite(msg: EmailMessage) -> tuple[Message, Calendar]:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return part, Calendar.from_ical(payload)


def _event(calendar: Calendar) -> Any:
    (event,) = calendar.walk("VEVENT")
    return event


def test_booking_confirmation_arrives_with_its_invite(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    smtp_server: SmtpServer,
) -> None:
    biz = make_business()
    with_desk_email(factory, biz)
    appt = book_with_email(factory, biz).appointment

    report = deliver_due(factory, {"email": smtp_server.sender()})
    assert len(report.sent) == 2 and not report.retrying and not report.failed

    (msg,) = smtp_server.mailbox.to(CUSTOMER_EMAIL)
    row = next(r for r in email_rows(factory) if r.recipient == CUSTOMER_EMAIL)
    assert row.status == "sent" and row.provider == "smtp"
    assert msg["Message-ID"] == f"<{row.id}@frontdesk.example>"
    assert row.provider_message_id == f"{row.id}@frontdesk.example"
    assert msg[OUTBOX_HEADER] == str(row.id)
    assert msg["From"] == f"Salon <{FROM}>" and msg["Reply-To"] == DESK_EMAIL
    assert msg["Subject"].startswith("Confirmed: Haircut at Salon")
    body = msg.get_body(("plain",))
    assert body is not None and "with Ana" in body.get_content()

    part, calendar = _invite(msg)
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    assert str(calendar["METHOD"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["UID"]) == f"{appt.id}@frontdesk"
    assert event.decoded("DTSTART") == appt.start_at.astimezone(UTC)
    assert event.decoded("DTSTART").tzinfo is not None
    assert "Haircut" in str(event["SUMMARY"]) and "Salon" in str(event["SUMMARY"])
    assert str(event["ATTENDEE"]) == f"mailto:{CUSTOMER_EMAIL}"
    assert str(event["ORGANIZER"]) == f"mailto:{DESK_EMAIL}"
    assert int(str(event["SEQUENCE"])) == 0

    (notice,) = smtp_server.mailbox.to(DESK_EMAIL)
    assert "Jordan" in notice["Subject"]
    assert not [p for p in notice.walk() if p.get_content_type() == "text/calendar"]


def test_cancellation_sends_cancel_with_a_higher_sequence(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    smtp_server: SmtpServer,
) -> None:
    biz = make_business()
    appt = book_with_email(factory, biz).appointment
    sender = smtp_server.sender()
    deliver_due(factory, {"email": sender})
    cancel(factory, biz.tenant, appt.id)
    deliver_due(factory, {"email": sender})

    first, second = smtp_server.mailbox.to(CUSTOMER_EMAIL)
    _, booked = _invite(first)
    part, cancelled = _invite(second)
    assert part.get_param("method") == "CANCEL"
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(_event(cancelled)["STATUS"]) == "CANCELLED"
    assert _event(cancelled)["UID"] == _event(booked)["UID"]
    assert int(str(_event(cancelled)["SEQUENCE"])) > int(str(_event(booked)["SEQUENCE"]))
    assert second["Subject"].startswith("Cancelled:")


def test_refused_recipient_fails_for_good_and_a_full_mailbox_retries(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    smtp_server: SmtpServer,
) -> None:
    biz = make_business()
    book_with_email(factory, biz, hour=10, email=REFUSED)
    book_with_email(factory, biz, hour=13, email=DEFERRED)
    report = deliver_due(factory, {"email": smtp_server.sender()})
    assert len(report.failed) == 1 and len(report.retrying) == 1
    rows: dict[str, OutboxMessage] = {r.recipient: r for r in email_rows(factory)}
    assert rows[REFUSED].status == "failed" and "550" in (rows[REFUSED].last_error or "")
    assert rows[DEFERRED].status == "pending" and "452" in (rows[DEFERRED].last_error or "")
    assert smtp_server.mailbox.received == []


def test_unreachable_server_is_transient() -> None:
    sender = SmtpSender(host="127.0.0.1", port=_free_port(), from_addr=FROM, starttls=False)
    message = OutgoingMessage(id="x1", channel="email", recipient=CUSTOMER_EMAIL,
                              payload={"subject": "s", "body": "b"})  # fmt: skip
    with pytest.raises(TransientSendError):
        sender.send(message)


def test_a_resend_carries_the_same_message_id() -> None:
    message = OutgoingMessage(id="row-7", channel="email", recipient=CUSTOMER_EMAIL,
                              payload={"subject": "s", "body": "b"})  # fmt: skip
    assert build_mime(message, FROM)["Message-ID"] == build_mime(message, FROM)["Message-ID"]


def test_misconfiguration_fails_early() -> None:
    with pytest.raises(ValueError, match="FRONTDESK_SMTP_HOST"):
        SmtpSender(host="", from_addr=FROM)
    with pytest.raises(ValueError, match="FRONTDESK_EMAIL_FROM"):
        SmtpSender(host="smtp.example.com", from_addr="")


def test_retry_is_delivered_after_the_mailbox_frees_up(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    smtp_server: SmtpServer,
) -> None:
    """A transient refusal keeps the row; the next due pass delivers it once."""
    biz = make_business()
    book_with_email(factory, biz, email=DEFERRED)
    sender = smtp_server.sender()
    assert len(deliver_due(factory, {"email": sender}).retrying) == 1
    smtp_server.mailbox.deferred.clear()
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert len(deliver_due(factory, {"email": sender}, now=later).sent) == 1
    assert len(deliver_due(factory, {"email": sender}, now=later).sent) == 0
    assert len(smtp_server.mailbox.to(DEFERRED)) == 1
    (row,) = email_rows(factory)
    assert row.status == "sent" and row.attempts == 2
