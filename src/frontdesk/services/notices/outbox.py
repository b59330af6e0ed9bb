"""Writing and cancelling outbox rows, inside the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from frontdesk.services.notices.wakeup import mark_written
from frontdesk.store.models import OutboxMessage, OutboxStatus


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
    """Add a message to send (no later than commit of the caller's transaction).

    Idempotent by ``dedupe_key``: enqueueing the same message twice returns the first.
    """
    existing = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.tenant_id == tenant_id, OutboxMessage.dedupe_key == dedupe_key
        )
    ).first()
    if existing is not None:
        return existing
    message = OutboxMessage(
        tenant_id=tenant_id,
        channel=channel,
        purpose=purpose,
        recipient=recipient,
        payload=payload,
        dedupe_key=dedupe_key,
        appointment_id=appointment_id,
        customer_id=customer_id,
        status=OutboxStatus.PENDING.value,
        next_attempt_at=not_before or datetime.now(UTC),
    )
    session.add(message)
    session.flush()
    mark_written(session)  # wake the workers when this commits
    return message


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
