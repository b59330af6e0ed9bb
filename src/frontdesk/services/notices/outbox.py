"""Writing and cancelling outbox rows, inside the caller's transaction.

Dedupe: a row's ``(tenant_id, dedupe_key)`` is unique in the database, and every write
here is ``INSERT ... ON CONFLICT (tenant_id, dedupe_key) DO NOTHING``: the first row
with a key is the one kept, whoever writes it. That holds under concurrency too (a
second transaction writing the same key waits for the first and then adds nothing,
instead of failing on the unique index as a read-then-insert would), on PostgreSQL and
on SQLite alike. A booking writes all its rows in one such statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, TextClause, bindparam, select, text, update
from sqlalchemy.orm import Session

from frontdesk.services.notices.wakeup import mark_written
from frontdesk.store.models import OutboxMessage, OutboxStatus

_MAX_ATTEMPTS = 8  # the column's default
_TABLE = cast(Table, OutboxMessage.__table__)


@dataclass(frozen=True, slots=True)
class Draft:
    """One message to send, before it is written."""

    tenant_id: uuid.UUID
    channel: str
    purpose: str
    recipient: str
    payload: dict[str, Any]
    dedupe_key: str
    appointment_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    not_before: datetime | None = None
    max_attempts: int = _MAX_ATTEMPTS
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def write(session: Session, drafts: Sequence[Draft]) -> None:
    """Add these messages in one INSERT (sent no sooner than the caller's commit); a
    message whose dedupe key is already taken, in the table or earlier in ``drafts``,
    is skipped."""
    if not drafts:
        return
    now = datetime.now(UTC)
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for d in drafts:
        if d.dedupe_key in seen:
            continue
        seen.add(d.dedupe_key)
        rows.append({
            "id": d.id,
            "tenant_id": d.tenant_id,
            "channel": d.channel,
            "purpose": d.purpose,
            "recipient": d.recipient,
            "payload": d.payload,
            "dedupe_key": d.dedupe_key,
            "appointment_id": d.appointment_id,
            "customer_id": d.customer_id,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "max_attempts": d.max_attempts,
            # Rows due now keep the order they were given in (workers send the messages
            # of one appointment in due order): a microsecond apart.
            "next_attempt_at": d.not_before or now + timedelta(microseconds=len(rows)),
            "created_at": now,
        })
    statement = _insert(len(rows))
    session.flush()  # rows this session still holds (the appointment) come first
    params = {f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()}
    session.execute(statement, params)
    mark_written(session)  # wake the workers when this commits


_COLUMNS = (
    "id", "tenant_id", "channel", "purpose", "recipient", "payload", "dedupe_key",
    "appointment_id", "customer_id", "status", "attempts", "max_attempts", "next_attempt_at",
    "created_at",
)


@lru_cache(maxsize=64)
def _insert(count: int) -> TextClause:
    """``INSERT ... VALUES (...) x count ON CONFLICT DO NOTHING`` with typed named
    parameters, built once per row count. Written out because SQLAlchemy does not cache
    the compiled form of a multi-row ``insert().values([...])``: it would compile it again
    for every booking. The same text runs on PostgreSQL and SQLite (3.24+)."""
    rows = ", ".join(
        "(" + ", ".join(f":{name}_{i}" for name in _COLUMNS) + ")" for i in range(count)
    )
    statement = text(
        f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) VALUES {rows} "
        "ON CONFLICT (tenant_id, dedupe_key) DO NOTHING"
    )
    return statement.bindparams(*(
        bindparam(f"{name}_{i}", type_=_TABLE.c[name].type)
        for i in range(count) for name in _COLUMNS
    ))


def enqueue(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    channel: str,
    purpose: str,
    recipient: str,
    payload: dict[str, Any],
    dedupe_key: str,
    appointment_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add one message; idempotent by ``dedupe_key``: enqueueing the same message twice
    (even from two transactions at once) returns the first."""
    write(session, [Draft(tenant_id, channel, purpose, recipient, payload, dedupe_key,
                          appointment_id, customer_id, not_before)])
    return session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.tenant_id == tenant_id, OutboxMessage.dedupe_key == dedupe_key
        )
    ).one()


def find(session: Session, tenant_id: uuid.UUID, dedupe_key: str) -> OutboxMessage | None:
    """The business's message with this dedupe key, if one was written."""
    return session.scalars(select(OutboxMessage).where(
        OutboxMessage.tenant_id == tenant_id, OutboxMessage.dedupe_key == dedupe_key)).first()


def cancel_pending(session: Session, appointment_id: uuid.UUID, purposes: tuple[str, ...]) -> int:
    """Withdraw messages not sent yet (reminders of a cancelled or moved appointment)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.appointment_id == appointment_id,
            OutboxMessage.purpose.in_(purposes),
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
