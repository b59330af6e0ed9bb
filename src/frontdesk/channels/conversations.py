"""Conversation records: what was said, which tools ran, how long each reply took."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from frontdesk.channels.schemas import ConversationOut, TurnOut
from frontdesk.services import conversations as records
from frontdesk.services.conversations import Conversation, ConversationTurn
from frontdesk.services.tenants import Tenant
from frontdesk.web.deps import SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


@router.get("/{conversation_id}", response_model=ConversationOut)
def get_conversation(conversation_id: uuid.UUID, tenant: TenantDep,
                     session: SessionDep) -> ConversationOut:
    conversation = records.get_conversation(session, tenant, conversation_id)
    return conversation_out(conversation, records.turns(session, conversation.id), tenant)


def conversation_out(c: Conversation, turns: list[ConversationTurn],
                     tenant: Tenant) -> ConversationOut:
    tz = ZoneInfo(tenant.timezone)

    def local(value: datetime) -> datetime:
        return value.astimezone(tz)

    return ConversationOut(
        id=c.id, channel=c.channel, external_id=c.external_id, language=c.language,
        caller_phone=c.caller_phone, caller_verified=c.caller_verified,
        customer_id=c.customer_id,
        appointment_id=c.appointment_id, outcome=c.outcome, turn_count=c.turn_count,
        started_at=local(c.started_at), updated_at=local(c.updated_at),
        ended_at=local(c.ended_at) if c.ended_at else None,
        turns=[TurnOut(seq=t.seq, role=t.role, text=t.text, language=t.language,
                       created_at=local(t.created_at), latency_ms=t.latency_ms,
                       tool_name=t.tool_name, tool_args=t.tool_args,
                       tool_result=t.tool_result, engine=t.engine,
                       fallback_reason=t.fallback_reason) for t in turns],
    )
