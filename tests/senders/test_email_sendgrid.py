"""SendGrid's v3 Mail Send API, against a stand-in served by a real uvicorn server."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Header, Request, Response
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.delivery.worker import deliver_due
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.senders.email_sendgrid import CUSTOM_ARG, SendGridSender
from tests.conftest import Business, serving
from tests.services.notices.test_email_messages import (
    CUSTOMER_EMAIL,
    book_with_email,
    email_rows,
)

KEY = "SG.test-key"
FROM = "bookings@frontdesk.example"


@dataclass
class StandIn:
    """Answers with the queued statuses in turn, then 202; records what it was sent."""

    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v3/mail/send")
        async def mail_send(request: Request, authorization: str = Header("")) -> Response:
            if authorization != f"Bearer {KEY}":
                body = '{"errors":[{"message":"The provided authorization grant is invalid"}]}'
                return Response(body, status_code=401, media_type="application/json")
            payload = await request.json()
            with self.lock:
                self.requests.append(payload)
                status = self.statuses.pop(0) if self.statuses else 202
                if status != 202:
                    return Response('{"errors":[{"message":"busy"}]}', status_code=status)
                message_id = f"sg-{len(self.accepted) + 1}"
                self.accepted.append(message_id)
            return Response(status_code=202, headers={"X-Message-Id": message_id})

        return app


@pytest.fixture
def stand_in() -> Iterator[tuple[StandIn, str]]:
    state = StandIn()
    with serving(state.app()) as base:
        yield state, base


def test_confirmation_goes_out_in_sendgrid_wire_format(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    stand_in: tuple[StandIn, str],
) -> None:
    state, base = stand_in
    biz = make_business()
    appt = book_with_email(factory, biz).appointment
    sender = SendGridSender(api_key=KEY, from_addr=FROM, api_base=base)
    report = deliver_due(factory, {"email": sender})
    assert len(report.sent) == 1

    (row,) = email_rows(factory)
    assert row.status == "sent" and row.provider == "sendgrid"
    assert row.provider_message_id == "sg-1"
    (sent,) = state.requests
    (personalization,) = sent["personalizations"]
    assert personalization["to"] == [{"email": CUSTOMER_EMAIL}]
    assert personalization["custom_args"] == {CUSTOM_ARG: str(row.id)}
    assert sent["from"] == {"email": FROM, "name": "Salon"}
    assert sent["subject"].startswith("Confirmed: Haircut at Salon")
    assert sent["content"][0]["type"] == "text/plain" and "with Ana" in sent["content"][0]["value"]
    (attachment,) = sent["attachments"]
    assert attachment["type"] == "text/calendar; method=REQUEST"
    assert attachment["filename"] == "invite.ics" and attachment["disposition"] == "attachment"
    invite = Calendar.from_ical(base64.b64decode(attachment["content"]))
    (event,) = invite.walk("VEVENT")
    assert str(event["UID"]) == f"{appt.id}@frontdesk"
    assert event.decoded("DTSTART") == appt.start_at.astimezone(UTC)
    sender.close()


def test_busy_then_accepted_is_delivered_once(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    stand_in: tuple[StandIn, str],
) -> None:
    state, base = stand_in
    state.statuses = [503]
    biz = make_business()
    book_with_email(factory, biz)
    sender = SendGridSender(api_key=KEY, from_addr=FROM, api_base=base)
    first = deliver_due(factory, {"email": sender})
    assert len(first.retrying) == 1 and not first.sent
    (row,) = email_rows(factory)
    assert row.status == "pending" and "503" in (row.last_error or "")

    later = datetime.now(UTC) + timedelta(minutes=5)
    assert len(deliver_due(factory, {"email": sender}, now=later).sent) == 1
    assert deliver_due(factory, {"email": sender}, now=later + timedelta(hours=1)).sent == []
    assert len(state.requests) == 2 and state.accepted == ["sg-1"]
    (row,) = email_rows(factory)
    assert row.status == "sent" and row.provider_message_id == "sg-1" and row.attempts == 2
    sender.close()


def _message() -> OutgoingMessage:
    return OutgoingMessage(id="row-1", channel="email", recipient=CUSTOMER_EMAIL,
                           payload={"subject": "s", "body": "b"})  # fmt: skip


def test_wrong_key_is_permanent(stand_in: tuple[StandIn, str]) -> None:
    _, base = stand_in
    sender = SendGridSender(api_key="SG.wrong", from_addr=FROM, api_base=base)
    with pytest.raises(PermanentSendError, match="401"):
        sender.send(_message())
    sender.close()


@pytest.mark.parametrize(("status", "error"), [(429, TransientSendError), (500, TransientSendError),
                                               (400, PermanentSendError),
                                               (403, PermanentSendError)])  # fmt: skip
def test_status_mapping(stand_in: tuple[StandIn, str], status: int, error: type[Exception]) -> None:
    state, base = stand_in
    state.statuses = [status]
    sender = SendGridSender(api_key=KEY, from_addr=FROM, api_base=base)
    with pytest.raises(error, match=str(status)):
        sender.send(_message())
    assert "attachments" not in state.requests[0]  # no invite, no attachment
    sender.close()


def test_unreachable_api_is_transient() -> None:
    sender = SendGridSender(api_key=KEY, from_addr=FROM, api_base="http://127.0.0.1:9")
    with pytest.raises(TransientSendError):
        sender.send(_message())
    sender.close()


def test_missing_key_fails_early() -> None:
    with pytest.raises(ValueError, match="FRONTDESK_SENDGRID_API_KEY"):
        SendGridSender(api_key="", from_addr=FROM)
