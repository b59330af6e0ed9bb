"""The outbox's delivery bookkeeping: claim due rows with a lease, record how each went.

Every function runs its own short transaction, so a provider is never called while a
transaction is open. A record lands only on a row still marked "sending": a worker that
lost its lease (another claimed the row after it ran out) records nothing: a record is
fenced by the attempt number its claim took, so it cannot land on a later claim's row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, NamedTuple

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.senders.base import OutgoingMessage
from frontdesk.services.notices import webhook_events
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage, OutboxStatus


class Claimed(NamedTuple):
    """A row this worker now holds: its id, which attempt this is (the claim's fencing
    token), what to send, for which business, and until when the claim is ours."""

    id: uuid.UUID
    attempts: int
    message: OutgoingMessage
    tenant_id: uuid.UUID | None = None
    locked_until: datetime | None = None
    appointment_id: uuid.UUID | None = None  # messages about one appointment keep order


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at one hour: an outage delays messages, never drops them."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def claim_due(
    factory: sessionmaker[Session], now: datetime, lease: timedelta, limit: int,
    *, skip_tenants: Collection[uuid.UUID] = (),
) -> list[Claimed]:
    """Mark up to ``limit`` due rows "sending" until ``now + lease``: pending rows whose
    time has come, and rows whose last claimant's lease ran out (it died mid-send).

    One transaction per batch. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` gives concurrent
    workers disjoint batches; on SQLite the write lock (``BEGIN IMMEDIATE``) serialises
    claims. ``skip_tenants``: businesses whose messages this worker already holds enough
    of, so that one business's backlog does not fill the batch and starve the others."""
    # Two plain queries rather than one with OR: each is an ordered scan of the
    # (status, next_attempt_at) index that stops after ``limit`` rows, where the OR made
    # PostgreSQL bitmap-scan and sort every due entry (dead ones of sent rows included).
    # Lapsed leases first: they fell due before anything still pending.
    lapsed = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.locked_until < now
    ).order_by(OutboxMessage.locked_until)
    pending = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.next_attempt_at <= now
    ).order_by(OutboxMessage.next_attempt_at)
    with write_session(factory) as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        rows: list[OutboxMessage] = []
        for query in (lapsed, pending):
            if len(rows) >= limit:
                break
            query = query.limit(limit - len(rows))
            if skip_tenants:
                query = query.where(OutboxMessage.tenant_id.not_in(list(skip_tenants)))
            if postgres:
                query = query.with_for_update(skip_locked=True)  # disjoint batches
            rows.extend(session.scalars(query))
        claimed = []
        for row in rows:
            row.status = OutboxStatus.SENDING.value
            row.locked_until = now + lease
            row.attempts += 1
            claimed.append(
                Claimed(
                    row.id,
                    row.attempts,
                    OutgoingMessage(
                        id=str(row.id),
                        channel=row.channel,
                        recipient=row.recipient,
                        payload=dict(row.payload),
                        sender=row.payload.get("from"),
                    ),
                    row.tenant_id,
                    row.locked_until,
                    row.appointment_id,
                )
            )
        return claimed


def next_due_at(factory: sessionmaker[Session]) -> datetime | None:
    """When the next row falls due: the earliest pending row's time, or the earliest
    lease to run out. None with nothing to send. (Both use the (status, ...) index.)"""
    with factory() as session:
        pending = session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING.value))
        leased = session.scalar(select(func.min(OutboxMessage.locked_until)).where(
            OutboxMessage.status == OutboxStatus.SENDING.value))
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


def _record(
    factory: sessionmaker[Session], message_id: uuid.UUID, update: Callable[[OutboxMessage], None],
    attempt: int | None = None,
) -> bool:
    with write_session(factory) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.status != OutboxStatus.SENDING.value:
            return False
        if attempt is not None and row.attempts != attempt:
            return False  # our lease ran out and another worker claimed the row since
        update(row)
        if row.status == OutboxStatus.FAILED.value and row.channel in FAILURES_TOLD:
            _tell_failed(session, row)
        return True


# Channels whose failures the business hears of ("message.failed"): a customer's text or
# email. Never "webhook": a failing endpoint must not feed events to itself.
FAILURES_TOLD = frozenset({"sms", "email"})


def _tell_failed(session: Session, row: OutboxMessage) -> None:
    """Emit "message.failed" in the transaction that records the failure."""
    webhook_events.emit(session, row.tenant_id, "message.failed", lambda: {
        "message": {
            "id": str(row.id), "channel": row.channel, "purpose": row.purpose,
            "recipient": row.recipient, "error": row.last_error, "attempts": row.attempts,
            "appointment_id": str(row.appointment_id) if row.appointment_id else None,
            "customer_id": str(row.customer_id) if row.customer_id else None,
            "created_at": row.created_at.isoformat() if row.created_at else None,
        }}, key=str(row.id), customer_id=row.customer_id)


def record_sent(
    factory: sessionmaker[Session], message_id: uuid.UUID, provider: str, provider_id: str,
    *, attempt: int | None = None,
) -> None:
    def sent(row: OutboxMessage) -> None:
        row.status, row.sent_at = OutboxStatus.SENT.value, datetime.now(UTC)
        row.provider, row.provider_message_id, row.locked_until = provider, provider_id, None

    _record(factory, message_id, sent, attempt)


class Sent(NamedTuple):
    """A send the provider accepted, to record: the claim it was made under, and the
    provider's name and id for the message."""

    claimed: Claimed
    provider: str
    provider_id: str


def record_sent_many(factory: sessionmaker[Session], sends: Sequence[Sent]) -> None:
    """Record several sends in one transaction (group commit: one write lock and one
    commit for all). Each lands only on its row still "sending" under the same claim."""
    if not sends:
        return
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.attempts == bindparam("b_attempt"),
               table.c.status == OutboxStatus.SENDING.value)
        .values(status=OutboxStatus.SENT.value, sent_at=bindparam("b_at"),
                provider=bindparam("b_provider"), provider_message_id=bindparam("b_pid"),
                locked_until=None)
    )
    at = datetime.now(UTC)
    with write_session(factory) as session:
        session.connection().execute(statement, [
            {"b_id": s.claimed.id, "b_attempt": s.claimed.attempts, "b_at": at,
             "b_provider": s.provider, "b_pid": s.provider_id} for s in sends])


def record_no_sender(
    factory: sessionmaker[Session], message_id: uuid.UUID, retry_at: datetime,
    *, attempt: int | None = None,
) -> None:
    """No provider for the channel yet: wait, and do not count this as an attempt."""
    record_deferred(factory, message_id, retry_at, "no provider", attempt=attempt)


def record_deferred(
    factory: sessionmaker[Session], message_id: uuid.UUID, retry_at: datetime, reason: str,
    *, attempt: int | None = None,
) -> bool:
    """Not sent, and not tried: due again at ``retry_at``, the attempt handed back (a
    provider whose circuit breaker is open, or none configured). Says whether the row
    was still ours."""

    def wait(row: OutboxMessage) -> None:
        row.status, row.attempts = OutboxStatus.PENDING.value, row.attempts - 1
        row.next_attempt_at, row.last_error, row.locked_until = retry_at, reason, None

    return _record(factory, message_id, wait, attempt)


def release_claims(factory: sessionmaker[Session], claims: Iterable[Claimed]) -> None:
    """Hand back claims this worker will not send (it is stopping): due again at once
    for any worker, and not counted as attempts. Claims no longer ours are left alone."""
    owned = {c.id: c.attempts for c in claims}
    if not owned:
        return
    with write_session(factory) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(list(owned))))
        for row in rows:
            if row.status == OutboxStatus.SENDING.value and row.attempts == owned[row.id]:
                row.status, row.attempts = OutboxStatus.PENDING.value, row.attempts - 1
                row.locked_until = None


def record_transient_failure(
    factory: sessionmaker[Session], message_id: uuid.UUID, now: datetime, attempts: int,
    error: str,
) -> Literal["retrying", "failed"] | None:
    """Try again after a backoff, or fail for good once the row's attempts are spent.
    Says which (None: the row was no longer ours to record)."""
    outcome: Literal["retrying", "failed"] = "retrying"

    def update(row: OutboxMessage) -> None:
        nonlocal outcome
        row.last_error = error
        row.locked_until = None
        if attempts >= row.max_attempts:
            row.status, outcome = OutboxStatus.FAILED.value, "failed"
        else:
            row.status = OutboxStatus.PENDING.value
            row.next_attempt_at = now + backoff(attempts)

    return outcome if _record(factory, message_id, update, attempts) else None


def record_failed(
    factory: sessionmaker[Session], message_id: uuid.UUID, error: str,
    *, attempt: int | None = None,
) -> None:
    def update(row: OutboxMessage) -> None:
        row.status, row.last_error, row.locked_until = OutboxStatus.FAILED.value, error, None

    _record(factory, message_id, update, attempt)
