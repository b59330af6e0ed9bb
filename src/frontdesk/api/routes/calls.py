"""Outbound calls: queue a call to a customer who agreed to be called; follow it.

The call is written to the outbox and placed by the outbox worker (once, even if a
request is retried with the same ``Idempotency-Key`` or a worker dies mid-dial).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from frontdesk.services.call_dials import CallView, call_view
from frontdesk.services.outbound_calls import request_call
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep, TenantDep

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=150,
    description="Retries with the same key queue the call once")]


class CallIn(BaseModel):
    to: Annotated[str, Field(min_length=3, max_length=32,
                             description="The customer's phone number (any format)")]
    purpose: Annotated[str, Field(min_length=1, max_length=24)] = "outbound"
    from_: Annotated[str | None, Field(alias="from", max_length=32,
                                       description="One of the business's numbers")] = None


class CallOut(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "dialling", "placed", "failed"]
    to: str
    purpose: str
    call_sid: str | None = Field(description="The provider's call id, once placed")
    conversation_id: uuid.UUID | None
    outcome: str | None
    error: str | None
    created_at: datetime


def _out(view: CallView) -> CallOut:
    return CallOut(id=view.id, status=view.status,  # type: ignore[arg-type]
                   to=view.to, purpose=view.purpose, call_sid=view.call_id,
                   conversation_id=view.conversation_id, outcome=view.outcome,
                   error=view.error, created_at=view.created_at)


@router.post("", status_code=202, response_model=CallOut, summary="Call a customer",
             responses={409: {"description": "No call consent, or on the do-not-call list"},
                        503: {"description": "Twilio is not configured"}})
def create_call(body: CallIn, tenant: TenantDep, factory: FactoryDep, settings: SettingsDep,
                idempotency_key: IdempotencyKey = None) -> CallOut:
    """Queue the call: Twilio dials the customer with answering-machine detection; a
    person hears the agent, a machine hears a short voicemail. Progress arrives on the
    call's timeline; ``GET /api/v1/calls/{id}`` shows it."""
    return _out(request_call(factory, tenant, settings, body.to,
                             key=idempotency_key or str(uuid.uuid4()), from_=body.from_,
                             purpose=body.purpose))


@router.get("/{call_id}", response_model=CallOut, summary="A queued or placed call")
def get_call(call_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> CallOut:
    return _out(call_view(session, tenant, call_id))
