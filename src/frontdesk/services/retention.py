"""Retention: what customers said and were sent is kept N days, then made anonymous or
deleted (docs/decisions/0058-retention.md).

What expires: conversations whose last activity is older than the period (the words
of every turn, tool arguments and results, the caller's number, the dialogue state, the
door's id, which for SMS is the phone number), messages that are done with (sent,
failed or cancelled) created before it (the body and the recipient), and phone
verifications created before it. "anonymise" keeps the rows, so counts, channels,
outcomes, durations and timings stay for the insights; "delete" removes them.
Appointments are never touched: a conversation points at its appointment, not the
other way round, and a message's appointment loses nothing but that message.

The period is the deployment's (``retention_days``; 0 keeps forever), or a business's
own when shorter (``Tenant.retention_days``): a business may keep less than the
deployment allows, never more.

Work goes in small batches, each its own short transaction, rows claimed with ``SKIP
LOCKED`` on PostgreSQL: any number of workers may run it, a pass cut short is finished
by the next one, and a row already expired is never chosen again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.customer_erasure import blank_words
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Conversation,
    OutboxMessage,
    OutboxStatus,
    PhoneVerification,
    Tenant,
    WebhookDelivery,
)

EXPIRED = "[expired]"
# A conversation's door id once it expired: unique, and says why it no longer matches.
_EXPIRED_ID = "expired:"
_DONE = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value, OutboxStatus.CANCELLED.value)

Mode = Literal["anonymise", "delete"]


@dataclass(frozen=True)
class RetentionPolicy:
    days: int = 0  # the deployment's period; 0 keeps forever
    mode: Mode = "anonymise"
    batch: int = 200  # rows per transaction


@dataclass
class RetentionReport:
    conversations: int = 0
    messages: int = 0
    verifications: int = 0
    deliveries: int = 0  # webhook delivery log rows

    def add(self, other: RetentionReport) -> None:
        self.conversations += other.conversations
        self.messages += other.messages
        self.verifications += other.verifications
        self.deliveries += other.deliveries

    @property
    def total(self) -> int:
        return self.conversations + self.messages + self.verifications + self.deliveries


def effective_days(deployment_days: int, tenant_days: int | None) -> int:
    """The period that applies to a business (0: forever): its own when shorter."""
    if tenant_days is None or tenant_days <= 0:
        return deployment_days
    return tenant_days if deployment_days <= 0 else min(deployment_days, tenant_days)


def expire_due(factory: sessionmaker[Session], policy: RetentionPolicy,
               now: datetime | None = None) -> RetentionReport:
    """Expire everything past its period, batch after batch: the worker's task."""
    now = now or datetime.now(UTC)
    report = RetentionReport()
    for tenant_id, days in _periods(factory, policy.days):
        cutoff = now - timedelta(days=days)
        while True:
            done = expire_batch(factory, tenant_id, cutoff, policy)
            report.add(done)
            if max(done.conversations, done.messages, done.verifications,
                   done.deliveries) < policy.batch:
                break
    return report


def _periods(factory: sessionmaker[Session], deployment_days: int) -> list[tuple[uuid.UUID, int]]:
    with factory() as session:
        rows = session.execute(select(Tenant.id, Tenant.retention_days)).all()
    periods = [(tenant_id, effective_days(deployment_days, own)) for tenant_id, own in rows]
    return [(tenant_id, days) for tenant_id, days in periods if days > 0]


def expire_batch(factory: sessionmaker[Session], tenant_id: uuid.UUID, cutoff: datetime,
                 policy: RetentionPolicy) -> RetentionReport:
    """One batch of each kind for one business, in one transaction."""
    with write_session(factory) as session:
        return RetentionReport(
            conversations=_conversations(session, tenant_id, cutoff, policy),
            messages=_messages(session, tenant_id, cutoff, policy),
            verifications=_verifications(session, tenant_id, cutoff, policy.batch),
            deliveries=_deliveries(session, tenant_id, cutoff, policy.batch),
        )


def _conversations(session: Session, tenant_id: uuid.UUID, cutoff: datetime,
                   policy: RetentionPolicy) -> int:
    # started_at first: the (tenant_id, started_at) index finds the old ones.
    ids = list(session.scalars(
        select(Conversation.id).where(
            Conversation.tenant_id == tenant_id, Conversation.started_at < cutoff,
            Conversation.updated_at < cutoff,
            Conversation.external_id.not_like(f"{_EXPIRED_ID}%"),
        ).order_by(Conversation.started_at).limit(policy.batch)
        .with_for_update(skip_locked=True)))
    if not ids:
        return 0
    if policy.mode == "delete":  # turns and verifications go with them (ON DELETE CASCADE)
        session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
        return len(ids)
    # Said words become a marker, as an erasure's do.
    blank_words(session, list(ids), EXPIRED, tool_text=True)
    for conversation_id in ids:
        session.execute(update(Conversation).where(Conversation.id == conversation_id).values(
            external_id=f"{_EXPIRED_ID}{conversation_id}", caller_phone=None, state={},
            recent=None, updated_at=Conversation.updated_at))  # its time stays its own
    return len(ids)


def _messages(session: Session, tenant_id: uuid.UUID, cutoff: datetime,
              policy: RetentionPolicy) -> int:
    ids = list(session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.tenant_id == tenant_id, OutboxMessage.status.in_(_DONE),
            OutboxMessage.created_at < cutoff, OutboxMessage.recipient != EXPIRED,
        ).limit(policy.batch).with_for_update(skip_locked=True)))
    if not ids:
        return 0
    if policy.mode == "delete":
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    else:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
            payload={"expired": True}, recipient=EXPIRED, last_error=None))
    return len(ids)


def _verifications(session: Session, tenant_id: uuid.UUID, cutoff: datetime,
                   batch: int) -> int:
    """Codes sent long ago prove nothing any more; they only hold a number."""
    ids = list(session.scalars(
        select(PhoneVerification.id).where(
            PhoneVerification.tenant_id == tenant_id, PhoneVerification.created_at < cutoff,
        ).limit(batch).with_for_update(skip_locked=True)))
    if ids:
        session.execute(delete(PhoneVerification).where(PhoneVerification.id.in_(ids)))
    return len(ids)


def _deliveries(session: Session, tenant_id: uuid.UUID, cutoff: datetime, batch: int) -> int:
    """The webhook delivery log past the period: it outlives the events it logged (their
    outbox rows expire above), and the receivers' answers it quotes are not ours to keep."""
    ids = list(session.scalars(
        select(WebhookDelivery.id).where(
            WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.at < cutoff,
        ).limit(batch).with_for_update(skip_locked=True)))
    if ids:
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return len(ids)
