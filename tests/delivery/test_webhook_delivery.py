"""Signed webhooks over real HTTP: a local receiver checks every signature with the
Standard Webhooks reference implementation while failing as scripted (500, a timeout, a
worker that dies holding the claim), and each event is still accepted exactly once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from frontdesk.calendars.address_guard import AddressPolicy
from frontdesk.config import Settings
from frontdesk.delivery.webhook_sender import WebhookSender
from frontdesk.delivery.worker import OutboxWorker, deliver_due
from frontdesk.services import events, webhook_deliveries
from frontdesk.services.booking import BookingRequest, book, cancel, reschedule
from frontdesk.services.notices.claims import claim_due
from frontdesk.services.webhook_endpoints import EndpointFields, create_endpoint, rotate_secret
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    OutboxMessage,
    Tenant,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.conftest import Business, next_weekday
from tests.delivery.webhook_receiver import Receiver, receiving

SETTINGS = Settings(environment="test", secret_key=Fernet.generate_key().decode(),
                    webhook_allow_private_hosts=True, webhook_timeout_s=0.5)
# Disables at the third failure in a row, however recent the first.
QUICK_TO_DISABLE = SETTINGS.model_copy(update={"webhook_disable_after_days": 0,
                                              "webhook_disable_after_failures": 3})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving(Receiver()) as r:
        yield r


def _endpoint(factory: sessionmaker[Session], biz: Business, receiver: Receiver,
              types: tuple[str, ...] = ()) -> uuid.UUID:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        endpoint, secret = create_endpoint(session, tenant, EndpointFields(
            receiver.url, event_types=types), SETTINGS)
        receiver.secret = secret
        return endpoint.id


def _webhook_rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "webhook").order_by(OutboxMessage.created_at)))


def _log(factory: sessionmaker[Session], outbox_id: uuid.UUID) -> list[tuple[int, int | None,
                                                                            str | None]]:
    with factory() as session:
        rows = session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.outbox_id == outbox_id).order_by(WebhookDelivery.attempt))
        return [(d.attempt, d.status_code, d.error) for d in rows]


def _time_passes(factory: sessionmaker[Session]) -> None:
    """The backoff has run out: waiting rows are due now."""
    with write_session(factory) as session:
        session.execute(update(OutboxMessage).where(
            OutboxMessage.channel == "webhook", OutboxMessage.status == "pending",
        ).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


def _wait_for(condition: Callable[[], bool], timeout_s: float = 30,
              state: Callable[[], object] = lambda: None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {state()}"
        time.sleep(0.05)


def _book_move_cancel(factory: sessionmaker[Session], biz: Business) -> None:
    day = next_weekday(biz.tz, 1)
    booked = book(factory, biz.tenant, BookingRequest(
        service_id=biz.haircut.id, start=biz.at(day, 10), resource_id=biz.ana.id))
    reschedule(factory, biz.tenant, booked.appointment.id, biz.at(day, 11))
    cancel(factory, biz.tenant, booked.appointment.id)


def test_each_event_is_accepted_once_through_500s_timeouts_and_a_dead_worker(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    biz = make_business()
    # 1st attempt: 500; 2nd: no answer within the sender's 0.5 s; then 200.
    receiver.script = lambda _id, n: {1: 500, 2: 1.5}.get(n, 200)
    _endpoint(factory, biz, receiver)
    _book_move_cancel(factory, biz)
    rows = _webhook_rows(factory)
    assert [r.payload["type"] for r in rows] == [
        "appointment.booked", "appointment.rescheduled", "appointment.cancelled"]
    ids = [str(r.payload["id"]) for r in rows]
    sender = WebhookSender(factory, SETTINGS)

    first = OutboxWorker(factory, {"webhook": sender}, interval_s=0.1)
    first.start()
    try:
        _wait_for(lambda: all(receiver.attempts(i) == 1 for i in ids)
                  and all(r.last_error == "HTTP 500" for r in _webhook_rows(factory)),
                  state=lambda: ([receiver.attempts(i) for i in ids],
                                 [(r.status, r.last_error) for r in _webhook_rows(factory)]))
        _time_passes(factory)
        _wait_for(lambda: all(receiver.attempts(i) == 2 for i in ids)
                  and all((r.last_error or "").startswith("timeout")
                          for r in _webhook_rows(factory)),
                  state=lambda: ([receiver.attempts(i) for i in ids],
                                 [(r.status, r.last_error) for r in _webhook_rows(factory)]))
    finally:
        first.stop()
    # A worker claims the due rows and dies before sending anything: its lease holds
    # them until it runs out; then a new worker takes them over.
    _time_passes(factory)
    held = claim_due(factory, datetime.now(UTC), timedelta(seconds=1), 10)
    assert {str(c.message.payload["id"]) for c in held} == set(ids)
    second = OutboxWorker(factory, {"webhook": sender}, interval_s=0.1)
    second.start()
    try:
        _wait_for(lambda: all(r.status == "sent" for r in _webhook_rows(factory)))
    finally:
        second.stop()

    assert receiver.accepted() == {i: 1 for i in ids}
    assert all(r.verified for r in receiver.got), "every delivery carried a valid signature"
    assert {r.webhook_id for r in receiver.got} == set(ids)
    for row in _webhook_rows(factory):
        log = _log(factory, row.id)
        assert [(n, code) for n, code, _ in log] == [(1, 500), (2, None), (3, 200)]
        assert (log[1][2] or "").startswith("timeout")
    with factory() as session:
        endpoint = session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.enabled and endpoint.failure_streak == 0
        assert endpoint.last_success_at is not None


def test_the_body_is_the_event_and_tampering_breaks_the_signature(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    biz = make_business()
    _endpoint(factory, biz, receiver, ("appointment.booked",))
    _book_move_cancel(factory, biz)
    assert [r.payload["type"] for r in _webhook_rows(factory)] == ["appointment.booked"]
    deliver_due(factory, {"webhook": WebhookSender(factory, SETTINGS)})
    [got] = receiver.got
    event = json.loads(got.body)
    assert got.headers["webhook-id"] == event["id"] and event["id"].startswith("msg_")
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("frontdesk")
    data = event["data"]
    assert data["appointment"]["service"]["name"] == "Haircut"
    assert data["appointment"]["resource"]["name"] == "Ana"
    assert data["appointment"]["start"].endswith("Z")
    assert data["appointment"]["timezone"] == biz.tenant.timezone
    hook = Webhook(receiver.secret)
    assert hook.verify(got.body, got.headers)["id"] == event["id"]
    tampered = got.body.replace(b"Haircut", b"Haircat")
    with pytest.raises(WebhookVerificationError):
        hook.verify(tampered, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)  # another secret


def test_410_gone_disables_the_endpoint_and_withdraws_its_events(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    biz = make_business()
    receiver.script = lambda _id, _n: 410
    endpoint_id = _endpoint(factory, biz, receiver)
    _book_move_cancel(factory, biz)
    report = deliver_due(factory, {"webhook": WebhookSender(factory, SETTINGS)}, limit=1)
    assert len(report.failed) == 1
    statuses = sorted(r.status for r in _webhook_rows(factory))
    assert statuses == ["cancelled", "cancelled", "failed"]
    with factory() as session:
        endpoint = session.get_one(WebhookEndpoint, endpoint_id)
        assert not endpoint.enabled and "410" in (endpoint.disabled_reason or "")
        # A disabled endpoint gets no new events.
        events.emit(session, biz.tenant.id, "webhook.test", {}, key="after")
        assert len(_webhook_rows(factory)) == 3


def test_a_run_of_failures_disables_the_endpoint_and_emails_the_owner(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    biz = make_business()
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).notify_email = "owner@example.com"
    receiver.script = lambda _id, _n: 500
    endpoint_id = _endpoint(factory, biz, receiver)
    _book_move_cancel(factory, biz)
    sender = WebhookSender(factory, QUICK_TO_DISABLE)
    deliver_due(factory, {"webhook": sender}, limit=1)
    deliver_due(factory, {"webhook": sender}, limit=1)
    with factory() as session:
        assert session.get_one(WebhookEndpoint, endpoint_id).enabled  # 2 failures: not yet
    deliver_due(factory, {"webhook": sender}, limit=1)
    with factory() as session:
        endpoint = session.get_one(WebhookEndpoint, endpoint_id)
        assert not endpoint.enabled and endpoint.failure_streak == 3
        assert "3 attempts in a row" in (endpoint.disabled_reason or "")
        [email] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == webhook_deliveries.DISABLED_PURPOSE)).all()
        assert email.channel == "email" and email.recipient == "owner@example.com"
        assert receiver.url in email.payload["body"]
    # The one that tipped it failed; the others, waiting for their retry, were withdrawn.
    assert sorted(r.status for r in _webhook_rows(factory)) == ["cancelled", "cancelled",
                                                                "failed"]


def test_replay_sends_the_same_event_again_with_the_same_id(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    biz = make_business()
    endpoint_id = _endpoint(factory, biz, receiver, ("appointment.booked",))
    _book_move_cancel(factory, biz)
    senders = {"webhook": WebhookSender(factory, SETTINGS)}
    deliver_due(factory, senders)
    with factory() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        again = webhook_deliveries.replay(session, tenant, endpoint_id, delivery.id)
        again_id = again.id
    deliver_due(factory, senders)
    first, second = receiver.got
    assert first.webhook_id == second.webhook_id and first.body == second.body
    assert second.verified
    assert _log(factory, again_id) == [(1, 200, None)]


def test_a_host_that_is_not_allowed_at_delivery_time_is_refused_and_logged(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    """Registered while private hosts were allowed (or a name that now resolves to
    loopback): the connection itself is refused, and the log says why."""
    biz = make_business()
    _endpoint(factory, biz, receiver, ("appointment.booked",))
    _book_move_cancel(factory, biz)
    strict = WebhookSender(factory, SETTINGS, policy=AddressPolicy())
    report = deliver_due(factory, {"webhook": strict})
    assert len(report.retrying) == 1 and receiver.got == []
    [row] = _webhook_rows(factory)
    [(_, code, error)] = _log(factory, row.id)
    assert code is None and (error or "").startswith("address refused")
    assert "loopback" in (error or "")


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    """Standard Webhooks' rotation: for a while every delivery carries a signature by the
    old secret and one by the new, so a receiver still on the old one refuses nothing."""
    biz = make_business()
    endpoint_id = _endpoint(factory, biz, receiver, ("webhook.test",))
    old = receiver.secret
    assert old is not None
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        endpoint, new = rotate_secret(session, tenant, endpoint_id, SETTINGS)
        assert endpoint.previous_secret_until is not None
        events.emit(session, biz.tenant.id, "webhook.test", {"n": 1}, key="during")
    senders = {"webhook": WebhookSender(factory, SETTINGS)}
    deliver_due(factory, senders)
    [during] = receiver.got
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # the reference verifier accepts either
        assert Webhook(secret).verify(during.body, during.headers)["data"] == {"n": 1}
    with write_session(factory) as session:  # the overlap is over
        session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                        .values(previous_secret_until=datetime.now(UTC) - timedelta(seconds=1)))
        events.emit(session, biz.tenant.id, "webhook.test", {"n": 2}, key="after")
    deliver_due(factory, senders)
    after = receiver.got[1]
    assert Webhook(new).verify(after.body, after.headers)["data"] == {"n": 2}
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_a_leaked_secret_rotated_with_no_overlap_stops_at_once(
    factory: sessionmaker[Session], make_business: Callable[..., Business], receiver: Receiver,
) -> None:
    biz = make_business()
    endpoint_id = _endpoint(factory, biz, receiver, ("webhook.test",))
    old = receiver.secret
    assert old is not None
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        _, new = rotate_secret(session, tenant, endpoint_id, SETTINGS,
                               keep_previous=timedelta(0))
        events.emit(session, biz.tenant.id, "webhook.test", {"n": 1}, key="leak")
    deliver_due(factory, {"webhook": WebhookSender(factory, SETTINGS)})
    [got] = receiver.got
    assert Webhook(new).verify(got.body, got.headers)["data"] == {"n": 1}
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(got.body, got.headers)
