"""Webhook events are written with their cause: one outbox row per subscribed, enabled
endpoint, in the caller's transaction, once per occurrence; and the services emit them
where things happen (bookings, outcomes, failed texts, ended calls, opt-outs)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.errors import InvalidInput
from frontdesk.services import calls, events
from frontdesk.services.appointment_outcomes import Outcome, mark
from frontdesk.services.booking import BookingRequest, book, cancel, reschedule
from frontdesk.services.conversations import opt_out
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.notices.claims import claim_due, record_failed
from frontdesk.services.notices.outbox import enqueue
from frontdesk.services.record_updates import update_customer
from frontdesk.services.webhook_endpoints import (
    EndpointFields,
    create_endpoint,
    signing_secret,
    update_endpoint,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, OutboxMessage, Tenant, WebhookEndpoint
from tests.conftest import Business, next_weekday

SETTINGS = Settings(environment="test", secret_key=Fernet.generate_key().decode())
PUBLIC = "https://8.8.8.8/hook"  # an IP literal: no DNS asked


def _endpoint(factory: sessionmaker[Session], biz: Business, *types: str,
              url: str = PUBLIC) -> uuid.UUID:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        endpoint, secret = create_endpoint(session, tenant, EndpointFields(
            url, event_types=tuple(types)), SETTINGS)
        assert secret.startswith("whsec_") and secret not in endpoint.secret  # encrypted
        assert signing_secret(endpoint, SETTINGS) == secret
        return endpoint.id


def _events(factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    """(type, endpoint, event id) of every webhook row, in order."""
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                               .order_by(OutboxMessage.created_at))
        return [(r.payload["type"], r.recipient, r.payload["id"]) for r in rows]


def test_emit_writes_one_row_per_subscribed_enabled_endpoint_once_per_key(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz, other = make_business("salon"), make_business("other")
    everything = _endpoint(factory, biz)
    bookings_only = _endpoint(factory, biz, "appointment.booked")
    paused = _endpoint(factory, biz, "*")
    _endpoint(factory, other)  # another business's: never written for ours
    with write_session(factory) as session:
        update_endpoint(session, session.get_one(Tenant, biz.tenant.id), paused, SETTINGS,
                        enabled=False)
    for _ in range(2):  # the caller runs again (a retry): nothing new
        with write_session(factory) as session:
            events.emit(session, biz.tenant.id, "call.ended", {"x": 1}, key="call-1")
    assert [(t, r) for t, r, _ in _events(factory)] == [("call.ended", str(everything))]
    with write_session(factory) as session:
        events.emit(session, biz.tenant.id, "appointment.booked", {"x": 2}, key="a-1")
    got = _events(factory)
    assert sorted(r for t, r, _ in got if t == "appointment.booked") == sorted(
        [str(everything), str(bookings_only)])
    same_event = {i for t, _, i in got if t == "appointment.booked"}
    assert len(same_event) == 1  # one event id, delivered to two endpoints
    assert same_event == {events.event_id(biz.tenant.id, "appointment.booked", "a-1")}


def test_an_event_emitted_in_a_rolled_back_transaction_is_never_sent(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz = make_business()
    _endpoint(factory, biz)
    with pytest.raises(RuntimeError), write_session(factory) as session:
        events.emit(session, biz.tenant.id, "call.ended", {}, key="c")
        raise RuntimeError("the caller's work failed")
    assert _events(factory) == []


def test_data_is_built_only_when_some_endpoint_wants_the_event(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz = make_business()
    built: list[str] = []
    with write_session(factory) as session:
        events.emit(session, biz.tenant.id, "call.ended",
                    lambda: built.append("x") or {}, key="c")  # type: ignore[func-returns-value]
    assert built == []
    with pytest.raises(ValueError):
        with factory() as session:
            events.emit(session, biz.tenant.id, "no.such.event", {}, key="c")


def test_bookings_outcomes_and_cancellations_emit_their_events(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz = make_business()
    _endpoint(factory, biz)
    day = next_weekday(biz.tz, 1)
    first = book(factory, biz.tenant, BookingRequest(
        service_id=biz.haircut.id, start=biz.at(day, 10), resource_id=biz.ana.id,
        customer=CustomerFields(phone="+12125550199", name="Alex"), idempotency_key="k"))
    book(factory, biz.tenant, BookingRequest(  # the same request again: no second event
        service_id=biz.haircut.id, start=biz.at(day, 10), resource_id=biz.ana.id,
        customer=CustomerFields(phone="+12125550199", name="Alex"), idempotency_key="k"))
    reschedule(factory, biz.tenant, first.appointment.id, biz.at(day, 11))
    cancel(factory, biz.tenant, first.appointment.id)
    second = book(factory, biz.tenant, BookingRequest(
        service_id=biz.haircut.id, start=biz.at(day, 14), resource_id=biz.ana.id))
    mark(factory, biz.tenant, second.appointment.id, Outcome.NO_SHOW)
    mark(factory, biz.tenant, second.appointment.id, Outcome.NO_SHOW)  # no change: no event
    assert [t for t, _, _ in _events(factory)] == [
        "appointment.booked", "appointment.rescheduled", "appointment.cancelled",
        "appointment.booked", "appointment.no_show"]
    with factory() as session:
        booked = session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "webhook")).first()
        assert booked is not None
        data = booked.payload["data"]
    assert data["customer"] == {"id": str(first.appointment.customer_id), "name": "Alex",
                                "phone": "+12125550199", "email": None}
    assert data["appointment"]["start_local"].startswith(f"{day.isoformat()}T10:00")


def test_a_text_that_fails_for_good_emits_message_failed_but_a_webhook_does_not(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz = make_business()
    _endpoint(factory, biz, "message.failed", "call.ended")
    with write_session(factory) as session:
        text = enqueue(session, tenant_id=biz.tenant.id, channel="sms", purpose="test",
                       recipient="+12125550123", payload={"body": "hi"}, dedupe_key="t").id
        events.emit(session, biz.tenant.id, "call.ended", {}, key="c")
    claims = {c.id: c for c in claim_due(factory, datetime.now(UTC), timedelta(minutes=1), 10)}
    record_failed(factory, text, "unknown number", attempt=claims[text].attempts)
    hook = next(i for i in claims if i != text)
    record_failed(factory, hook, "HTTP 410", attempt=claims[hook].attempts)
    with factory() as session:
        assert session.get_one(OutboxMessage, hook).status == "failed"
    assert [t for t, _, _ in _events(factory)] == ["call.ended", "message.failed"]


def test_an_ended_call_and_an_opt_out_emit_once(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz = make_business()
    _endpoint(factory, biz)
    with write_session(factory) as session:
        call = Conversation(tenant_id=biz.tenant.id, channel="phone", external_id="CA1",
                            caller_phone="+12125550123")
        session.add(call)
        session.flush()
        call_id = call.id
    at = datetime.now(UTC)
    calls.record_status(factory, call_id, "s1", calls.CallStatus("ringing", at))
    calls.record_status(factory, call_id, "s2", calls.CallStatus("completed", at, 42))
    calls.record_event(factory, call_id, "s3", "call.hangup")  # another "end": same event
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        opt_out(session, tenant, "+12125550123")
        opt_out(session, tenant, "+12125550123")  # already out: nothing new
    got = _events(factory)
    assert [t for t, _, _ in got] == ["call.ended", "customer.opted_out"]
    with factory() as session:
        ended = session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "webhook")).first()
        assert ended is not None
        assert ended.payload["data"]["call"]["status"] == "completed"
        assert ended.payload["data"]["call"]["duration_s"] == 42


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook", "http://127.1/hook",
    "http://[::ffff:192.168.1.1]/hook", "http://localhost:8080/hook", "ftp://8.8.8.8/hook",
    "file:///etc/passwd", "https://0x7f000001/hook",
])
def test_registration_refuses_addresses_frontdesk_must_not_reach(
    factory: sessionmaker[Session], make_business: Callable[..., Business], url: str,
) -> None:
    biz = make_business()
    with write_session(factory) as session, pytest.raises(InvalidInput) as refused:
        create_endpoint(session, session.get_one(Tenant, biz.tenant.id),
                        EndpointFields(url), SETTINGS)
    assert refused.value.extra["field"] == "url"
    with factory() as session:
        assert session.scalars(select(WebhookEndpoint)).all() == []


def test_the_docs_list_every_catalogued_event() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "WEBHOOKS.md").read_text()
    assert all(f"| `{name}` |" in doc for name in events.EVENT_TYPES)


def test_staff_putting_a_customer_on_do_not_call_emits_opted_out_once(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    biz = make_business()
    _endpoint(factory, biz, "customer.opted_out")
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        customer_id = create_customer(session, tenant, CustomerFields(
            phone="+12125550177", name="Dana")).id
    for _ in range(2):  # saved twice: only the change from "may call" tells anyone
        with write_session(factory) as session:
            update_customer(session, session.get_one(Tenant, biz.tenant.id), customer_id,
                            CustomerFields(do_not_call=True))
    with factory() as session:
        [row] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "webhook")).all()
    assert row.payload["type"] == "customer.opted_out"
    assert row.payload["data"]["via"] == "staff"
    assert row.payload["data"]["customer"]["id"] == str(customer_id)
