"""Conversation records: every turn, tool call and outcome, linked to customer and booking."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import NotFound
from frontdesk.services.customers import find_by_phone
from frontdesk.store.db import named_lock, write_session
from frontdesk.store.models import Conversation, ConversationTurn, Customer, Tenant


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


def reply_for_request(
    session: Session, conversation_id: uuid.UUID, request_key: str
) -> ConversationTurn | None:
    """The assistant turn that answered the user turn with ``request_key``, if any."""
    user = session.scalars(
        select(ConversationTurn).where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.request_key == request_key,
        )
    ).first()
    if user is None:
        return None
    return session.scalars(
        select(ConversationTurn)
        .where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.seq > user.seq,
            ConversationTurn.role == "assistant",
        )
        .order_by(ConversationTurn.seq)
    ).first()


@contextmanager
def one_copy_at_a_time(
    factory: sessionmaker[Session], conversation_id: uuid.UUID, request_key: str
) -> Iterator[None]:
    """Copies of one request (one ``request_key``) run one after another, not at once.

    A door's retry can arrive while the first copy is still thinking. A turn spans
    several transactions (its tools book in their own), so no one transaction can keep
    the copies apart: a named lock held for the whole turn does, and the copy that
    waited then finds the first one's reply in the record (ADR 0015).
    """
    with named_lock(factory, f"turn:{conversation_id}:{request_key}"):
        yield


def append_turns(session: Session, conversation: Conversation, rows: list[dict[str, Any]]) -> None:
    """Append turns in order after the last one."""
    last = session.scalar(
        select(func.max(ConversationTurn.seq)).where(
            ConversationTurn.conversation_id == conversation.id
        )
    )
    seq = last or 0
    for row in rows:
        seq += 1
        session.add(ConversationTurn(conversation_id=conversation.id, seq=seq, **row))


def opt_out(session: Session, tenant: Tenant, phone: str | None) -> Customer | None:
    """Honour an opt-out: no more calls or texts to this number."""
    if not phone:
        return None
    customer = find_by_phone(session, tenant, phone)
    if customer is None:
        customer = Customer(tenant_id=tenant.id, phone_e164=phone)
        session.add(customer)
    customer.do_not_call = True
    customer.sms_consent = False
    customer.call_consent = False
    customer.updated_at = datetime.now(UTC)
    return customer
