"""The consent rule and the call's record, through the service and the outbox's call
channel, with a placer of our own that records what it was asked to dial."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.delivery.call_sender import CallSender
from frontdesk.delivery.worker import deliver_due
from frontdesk.errors import InvalidInput
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.outbound_calls import (
    CHANNEL,
    CallNotPermitted,
    NoCallerNumber,
    queue_call,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant, TenantPhoneNumber
from tests.conftest import Business

NUMBER = "+12125550100"
CUSTOMER = "+12125550177"


class RecordingPlacer:
    """A ``CallPlacer`` that dials nobody: it keeps each request and answers an id."""

    name = "recording"

    def __init__(self) -> None:
        self.placed: list[tuple[str, str]] = []

    def place(self, to: str, from_: str, *, reference: str | None = None) -> str:
        self.placed.append((to, from_))
        return f"CALL-{len(self.placed)}"

    def find_placed(self, to: str, from_: str, since: datetime) -> str | None:
        return None


def place_call(factory: sessionmaker[Session], tenant: Tenant, placer: RecordingPlacer,
               to: str, *, from_: str | None = None, purpose: str = "outbound") -> str:
    """Queue the call as the API does, then deliver it as the outbox worker does."""
    with write_session(factory) as session:
        message = queue_call(session, tenant, to, key=str(uuid.uuid4()), from_=from_,
                             purpose=purpose)
    report = deliver_due(factory, {"call": CallSender(factory, placer)})
    assert report.sent == [message.id]
    return f"CALL-{len(placer.placed)}"


def _business(factory: sessionmaker[Session], make_business: Callable[..., Business],
              slug: str = "salon", number: str | None = NUMBER) -> Tenant:
    business = make_business(slug)
    with write_session(factory) as session:
        if number is not None:
            session.add(TenantPhoneNumber(tenant_id=business.tenant.id, number_e164=number))
    with factory() as session:  # loaded with its numbers, as the API's tenant is
        return session.get_one(Tenant, business.tenant.id)


def _customer(factory: sessionmaker[Session], tenant: Tenant, phone: str = CUSTOMER,
              **consent: bool) -> None:
    with write_session(factory) as session:
        create_customer(session, session.get_one(Tenant, tenant.id),
                        CustomerFields(phone=phone, name="Alex", **consent))  # type: ignore[arg-type]


@pytest.mark.parametrize(("consent", "reason"), [
    ({"call_consent": True, "do_not_call": True}, "do_not_call"),
    ({"call_consent": False}, "no_call_consent"),
    (None, "no_customer"),
])
def test_a_customer_who_may_not_be_called_is_refused_and_nothing_is_placed(
        factory: sessionmaker[Session], make_business: Callable[..., Business],
        consent: dict[str, bool] | None, reason: str) -> None:
    tenant = _business(factory, make_business)
    if consent is not None:
        _customer(factory, tenant, **consent)
    placer = RecordingPlacer()
    with pytest.raises(CallNotPermitted) as refused:
        place_call(factory, tenant, placer, "(212) 555-0177")
    assert refused.value.extra["reason"] == reason
    assert placer.placed == []
    with factory() as session:
        assert session.scalars(select(Conversation)).all() == []


def test_a_consenting_customer_is_called_from_the_business_number_and_recorded(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    tenant = _business(factory, make_business)
    _customer(factory, tenant, call_consent=True)
    placer = RecordingPlacer()
    call_id = place_call(factory, tenant, placer, "(212) 555-0177", purpose="reminder")
    assert placer.placed == [(CUSTOMER, NUMBER)]
    with factory() as session:
        row = session.scalars(select(Conversation)).one()
        assert (row.channel, row.external_id, row.caller_phone) == (CHANNEL, call_id, CUSTOMER)
        turn = session.scalars(
            select(ConversationTurn).where(ConversationTurn.conversation_id == row.id)).one()
        assert (turn.role, turn.request_key) == ("call", f"recording-placed:{call_id}")
        assert turn.tool_result is not None and turn.tool_result["purpose"] == "reminder"


def test_a_business_calls_only_from_its_own_numbers(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    _business(factory, make_business)
    other = _business(factory, make_business, "clinic", number=None)
    _customer(factory, other, call_consent=True)
    placer = RecordingPlacer()
    with pytest.raises(NoCallerNumber):
        place_call(factory, other, placer, CUSTOMER)
    with pytest.raises(InvalidInput):
        place_call(factory, other, placer, CUSTOMER, from_=NUMBER)  # the salon's number
    assert placer.placed == []


def test_the_servers_do_not_call_list_stops_every_business(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    from frontdesk.services import do_not_call

    salon = _business(factory, make_business, "salon")
    clinic = _business(factory, make_business, "clinic", number="+12125550101")
    for tenant in (salon, clinic):
        _customer(factory, tenant, call_consent=True)
    with write_session(factory) as session:
        assert do_not_call.add(session, "(212) 555-0177", "registry") == (CUSTOMER, True)
        assert do_not_call.add(session, CUSTOMER, None) == (CUSTOMER, False)
    placer = RecordingPlacer()
    for tenant in (salon, clinic):
        with pytest.raises(CallNotPermitted) as refused:
            place_call(factory, tenant, placer, CUSTOMER)
        assert "server's do-not-call" in refused.value.detail
    assert placer.placed == []
    with write_session(factory) as session:
        assert do_not_call.blocked_numbers(session, [CUSTOMER, NUMBER]) == {CUSTOMER}
        assert do_not_call.remove(session, CUSTOMER) == (CUSTOMER, True)
    assert place_call(factory, salon, placer, CUSTOMER) == "CALL-1"
