"""The outbox, read-only: what was (or will be) texted and emailed, and how it went."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from frontdesk.services import listings
from frontdesk.services.records import OutboxMessage
from frontdesk.web.deps import SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/messages", tags=["messages"])


class MessageOut(BaseModel):
    id: uuid.UUID
    channel: str
    purpose: str
    recipient: str
    body: str | None
    subject: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    provider: str | None
    provider_message_id: str | None
    last_error: str | None
    appointment_id: uuid.UUID | None


@router.get("", response_model=list[MessageOut], summary="Confirmations, reminders and replies")
def list_messages(
    tenant: TenantDep,
    session: SessionDep,
    to: Annotated[str | None, Query(description="A phone number (any format) or email")] = None,
    appointment_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MessageOut]:
    rows = listings.list_messages(
        session, tenant, to=to, appointment_id=appointment_id, status=status, limit=limit
    )
    return [_message_out(m) for m in rows]


def _message_out(m: OutboxMessage) -> MessageOut:
    return MessageOut(
        id=m.id,
        channel=m.channel,
        purpose=m.purpose,
        recipient=m.recipient,
        body=m.payload.get("body"),
        subject=m.payload.get("subject"),
        status=m.status,
        attempts=m.attempts,
        next_attempt_at=m.next_attempt_at,
        sent_at=m.sent_at,
        provider=m.provider,
        provider_message_id=m.provider_message_id,
        last_error=m.last_error,
        appointment_id=m.appointment_id,
    )
