"""One outbox message, one call: the bookkeeping around dialling.

The outbox delivers at least once per claim: a worker that dies after the provider
accepted a message but before recording it has the message sent again when its lease
runs out. For a text that is a duplicate text; for a call it would ring a person twice.
So the call sender takes the dial first: it inserts an ``OutboundCall`` row keyed by the
outbox row (insert-if-absent, one statement, atomic on both engines). Whoever inserts it
may dial; a later try that finds it never dials blindly: it reuses the call id a
previous try recorded, or asks the provider whether that try's call exists
(``CallPlacer.find_placed``). A try that is sure the provider placed nothing (refused
connection, 429, 5xx) gives the dial back (``release_dial``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import NotFound
from frontdesk.services import calls, campaign_outcomes, do_not_call, request_keys
from frontdesk.services import conversations as records
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, OutboundCall, OutboxMessage, Tenant

_TABLE = cast(Table, OutboundCall.__table__)
CHANNEL = "phone"  # the call's conversation: the voice door's channel, keyed by call id


@dataclass(frozen=True, slots=True)
class Dial:
    owned: bool  # this try took the dial: it may ask the provider to call
    call_id: str | None  # the call an earlier try placed and recorded
    started_at: datetime  # when the first try took the dial


def begin_dial(factory: sessionmaker[Session], outbox_id: uuid.UUID, tenant_id: uuid.UUID,
               to: str, from_: str, now: datetime | None = None) -> Dial:
    """Take the dial for this outbox row, or learn that an earlier try took it."""
    at = now or datetime.now(UTC)
    values = {"outbox_id": outbox_id, "tenant_id": tenant_id, "to_e164": to,
              "from_e164": from_, "dial_started_at": at}
    with write_session(factory) as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        # RETURNING answers whether this statement inserted (rowcount is not reliable
        # for ON CONFLICT DO NOTHING through every driver).
        inserted = session.execute(
            dialect.insert(_TABLE).values(**values)
            .on_conflict_do_nothing(index_elements=["outbox_id"])
            .returning(_TABLE.c.outbox_id)).first()
        owned = inserted is not None
        row = session.get_one(OutboundCall, outbox_id, populate_existing=True)
        return Dial(owned, row.call_id, row.dial_started_at)


def release_dial(factory: sessionmaker[Session], outbox_id: uuid.UUID) -> None:
    """The provider certainly placed nothing: the next try may dial."""
    with write_session(factory) as session:
        session.execute(delete(OutboundCall).where(OutboundCall.outbox_id == outbox_id,
                                                   OutboundCall.call_id.is_(None)))


def record_placed(factory: sessionmaker[Session], outbox_id: uuid.UUID, call_id: str,
                  provider: str) -> uuid.UUID:
    """The provider placed the call: keep its id, open the call's conversation (so the
    voice webhooks and status callbacks find it), tie it to the campaign attempt, if any.
    Idempotent: recording the same call again changes nothing. Returns the conversation.

    Called by the sender when the provider answers, and by the call's first webhook
    (which may arrive before that answer: it carries our reference)."""
    with factory() as session:
        row = session.get_one(OutboundCall, outbox_id)
        tenant = session.get_one(Tenant, row.tenant_id)
        message = session.get(OutboxMessage, outbox_id)
        payload: dict[str, Any] = dict(message.payload) if message is not None else {}
    context = payload.get("context") or {}
    conversation, _ = records.open_conversation(
        factory, tenant, CHANNEL, call_id, caller_phone=row.to_e164, caller_verified=True,
        language=context.get("language") or None)
    with write_session(factory) as session:
        row = session.get_one(OutboundCall, outbox_id, populate_existing=True)
        if row.call_id is None:
            row.call_id, row.provider = call_id, provider
            row.placed_at, row.conversation_id = datetime.now(UTC), conversation.id
        talk = session.get_one(Conversation, conversation.id)
        if talk.customer_id is None and message is not None:
            talk.customer_id = message.customer_id
        if context.get("attempt_id"):
            campaign_outcomes.attempt_placed(session, uuid.UUID(context["attempt_id"]),
                                             call_id, conversation.id)
    # On the call's timeline once, whoever records it first (the sender, or a webhook
    # racing it): keyed, and retried past a concurrent status event's turn.
    calls.record_event(factory, conversation.id,
                       request_keys.fit(f"{provider}-placed", call_id), "placed",
                       {"status": "placed", "purpose": payload.get("purpose", "outbound"),
                        "at": datetime.now(UTC).isoformat(), **context})
    return conversation.id


@dataclass(frozen=True, slots=True)
class CallView:
    id: uuid.UUID
    status: str  # queued | dialling | placed | failed
    to: str
    purpose: str
    call_id: str | None
    conversation_id: uuid.UUID | None
    outcome: str | None
    error: str | None
    created_at: datetime


def call_view(session: Session, tenant: Tenant, call_request_id: uuid.UUID) -> CallView:
    """A queued call as the API shows it (404 for another business's, or a non-call)."""
    message = session.get(OutboxMessage, call_request_id)
    if message is None or message.tenant_id != tenant.id or message.channel != "call":
        raise NotFound(f"No call with id {call_request_id} in this business.",
                       call_id=str(call_request_id))
    dial = session.get(OutboundCall, message.id)
    outcome = None
    if dial is not None and dial.conversation_id is not None:
        outcome = session.scalar(select(Conversation.outcome).where(
            Conversation.id == dial.conversation_id))
    if dial is not None and dial.call_id:
        status = "placed"
    elif message.status == "failed":
        status = "failed"
    elif dial is not None:
        status = "dialling"
    else:
        status = "queued"
    return CallView(message.id, status, message.recipient, message.purpose,
                    dial.call_id if dial else None, dial.conversation_id if dial else None,
                    outcome, message.last_error if status == "failed" else None,
                    message.created_at)


def blocked_now(factory: sessionmaker[Session], outbox_id: uuid.UUID) -> str | None:
    """Why the call must not be placed at this instant (the number opted out or went on
    a do-not-call list since it was queued), or None."""
    with factory() as session:
        row = session.get_one(OutboundCall, outbox_id)
        tenant = session.get_one(Tenant, row.tenant_id)
        return do_not_call.block_reason(session, tenant, row.to_e164)


def placed_by_reference(factory: sessionmaker[Session], tenant_id: uuid.UUID, reference: str,
                        call_id: str, provider: str) -> bool:
    """A webhook of a call we placed names our reference (the outbox row): record the
    call now if the sender has not yet. False for a reference that is not one of this
    business's calls, or that names another call (nothing is changed then)."""
    try:
        outbox_id = uuid.UUID(reference)
    except ValueError:
        return False
    with factory() as session:
        row = session.get(OutboundCall, outbox_id)
        if row is None or row.tenant_id != tenant_id or row.call_id not in (None, call_id):
            return False
        if row.call_id == call_id:
            return True  # recorded already: every later status callback says the same
    record_placed(factory, outbox_id, call_id, provider)
    return True
