"""Conversation records: every turn, tool call and outcome, linked to customer and booking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import NotFound
from frontdesk.services import event_data, events
from frontdesk.services.customers import find_by_phone
from frontdesk.store.db import write_session

# Conversation and ConversationTurn: the types doors and the brain name.
from frontdesk.store.models import Conversation as Conversation
from frontdesk.store.models import ConversationTurn as ConversationTurn
from frontdesk.store.models import Customer, Tenant

# The most recent user/assistant messages a conversation keeps on its row: what a brain
# may put in a prompt (the LLM driver sends at most this many; the dialogue state carries
# everything older). 24 is 12 exchanges, a few times what a booking needs.
RECENT_MESSAGES = 24
SAID = ("user", "assistant")  # the roles that are things said (not tools, not call events)


def open_conversation(
    factory: sessionmaker[Session],
    tenant: Tenant,
    channel: str,
    external_id: str,
    *,
    caller_phone: str | None = None,
    caller_verified: bool = False,
    language: str | None = None,
) -> tuple[Conversation, bool]:
    """The conversation with this door id, created if new. Returns (conversation, created).

    ``caller_verified``: the door vouches for ``caller_phone`` (a carrier caller ID on a
    signed webhook, a number we dialled); a new conversation keeps it for its lifetime."""
    query = select(Conversation).where(
        Conversation.tenant_id == tenant.id,
        Conversation.channel == channel,
        Conversation.external_id == external_id,
    )
    with factory() as session:
        found = session.scalars(query).first()
        if found is not None:
            return found, False
    try:
        with write_session(factory) as session:
            conversation = Conversation(
                tenant_id=tenant.id,
                channel=channel,
                external_id=external_id,
                caller_phone=caller_phone,
                caller_verified=bool(caller_verified and caller_phone),
                language=language or tenant.languages[0],
                state={},
                recent=_window(0, []),
            )
            session.add(conversation)
            session.flush()
            return conversation, True
    except IntegrityError:  # created concurrently by a retried request
        with factory() as session:
            return session.scalars(query).one(), False


def get_conversation(session: Session, tenant: Tenant, conversation_id: uuid.UUID) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.tenant_id != tenant.id:
        raise NotFound(f"No conversation with id {conversation_id}.")
    return conversation


def turns(session: Session, conversation_id: uuid.UUID) -> list[ConversationTurn]:
    return list(
        session.scalars(
            select(ConversationTurn)
            .where(ConversationTurn.conversation_id == conversation_id)
            .order_by(ConversationTurn.seq)
        )
    )


def append_turns(session: Session, conversation: Conversation, rows: list[dict[str, Any]]) -> None:
    """Append turns in order after the last one, and keep the conversation's recent
    window in step with what was said (in the same transaction)."""
    last = session.scalar(
        select(func.max(ConversationTurn.seq)).where(
            ConversationTurn.conversation_id == conversation.id
        )
    )
    recent = recent_of(session, conversation)  # before the new rows: they are added below
    said = [[r["role"], r.get("text") or ""] for r in rows if r["role"] in SAID]
    if said or conversation.recent is None:
        # A new object, not an in-place change: a plain JSON column tracks assignment only.
        conversation.recent = _window(recent["messages"] + len(said), recent["window"] + said)
    seq = last or 0
    for row in rows:
        seq += 1
        session.add(ConversationTurn(conversation_id=conversation.id, seq=seq, **row))


def recent_of(session: Session, conversation: Conversation) -> dict[str, Any]:
    """``{"messages": n, "window": [[role, text], ...]}``: how many messages were said so
    far, and the last ``RECENT_MESSAGES`` of them. Read from the row; a conversation from
    before the column (NULL) gets it rebuilt from its turns, once: the caller stores it."""
    if conversation.recent is not None:
        return conversation.recent
    said = [[t.role, t.text or ""] for t in turns(session, conversation.id) if t.role in SAID]
    return _window(len(said), said)


def _window(messages: int, said: list[list[str]]) -> dict[str, Any]:
    return {"messages": messages, "window": said[-RECENT_MESSAGES:]}


def opt_out(session: Session, tenant: Tenant, phone: str | None) -> Customer | None:
    """Honour an opt-out: no more calls or texts to this number."""
    if not phone:
        return None
    customer = find_by_phone(session, tenant, phone)
    if customer is None:
        customer = Customer(tenant_id=tenant.id, phone_e164=phone)
        session.add(customer)
    already = bool(customer.do_not_call)
    customer.do_not_call = True
    customer.sms_consent = False
    customer.call_consent = False
    customer.updated_at = datetime.now(UTC)
    if not already:  # a repeated STOP tells the business nothing new
        session.flush()
        tell_opted_out(session, customer, "conversation")
    return customer


def tell_opted_out(session: Session, customer: Customer, via: str) -> None:
    """Emit "customer.opted_out" for ``customer`` (flushed: it has its id)."""
    at = customer.updated_at or datetime.now(UTC)
    events.emit(session, customer.tenant_id, "customer.opted_out", lambda: {
        "customer": event_data.customer_data(customer), "via": via,
        "at": event_data.utc(at)}, key=f"{customer.id}:{at.isoformat()}",
        customer_id=customer.id)
