"""Conversation records: what was said, which tools ran, how long each reply took."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from frontdesk.api.analysis_schemas import AnalysisOut, FeedbackCountsOut
from frontdesk.api.conversation_schemas import (
    ConversationOut,
    ConversationSummaryOut,
    CustomerRef,
    TurnOut,
)
from frontdesk.api.timeparams import parse_bound
from frontdesk.services import conversation_feedback
from frontdesk.services import conversations as records
from frontdesk.services.conversation_analysis import analysis_of
from frontdesk.services.conversation_analysis_rules import ConversationAnalysis
from frontdesk.services.conversation_list import (
    ConversationFilter,
    ConversationRow,
    Result,
    list_conversations,
)
from frontdesk.services.conversations import Conversation, ConversationTurn
from frontdesk.services.tenants import Tenant
from frontdesk.web import bounds
from frontdesk.web.deps import SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


@router.get("", response_model=list[ConversationSummaryOut])
def list_all(
    tenant: TenantDep,
    session: SessionDep,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
    customer_id: uuid.UUID | None = None,
    since: Annotated[str | None, Query(description="Started at or after: date or datetime")] = None,
    until: Annotated[str | None, Query(description="Started before: date (inclusive) or "
                                                   "datetime (exclusive)")] = None,
    live: Annotated[bool | None, Query(description="true: not ended; false: ended")] = None,
    result: Annotated[Result | None, Query(description="What the post-call analysis said: "
                                                       "succeeded, failed, not_analysed")] = None,
    rated: Annotated[Literal["good", "bad"] | None,
                     Query(description="Staff's verdict: bad if anyone rated it (or a reply) "
                                       "bad; good if rated good and by nobody bad")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[ConversationSummaryOut]:
    """Calls, chats and texts, newest first."""
    where = ConversationFilter(
        channel=channel, outcome=outcome, language=language, customer_id=customer_id,
        since=parse_bound(since, tenant, "since") if since else None,
        until=parse_bound(until, tenant, "until", end=True) if until else None, live=live,
        result=result, rated=rated)
    rows = list_conversations(session, tenant, where, limit=limit, offset=offset)
    return [summary_out(row, ZoneInfo(tenant.timezone)) for row in rows]


def summary_out(row: ConversationRow, tz: ZoneInfo) -> ConversationSummaryOut:
    c = row.conversation
    return ConversationSummaryOut(
        id=c.id, channel=c.channel, language=c.language,
        customer=CustomerRef(id=c.customer_id, name=row.customer_name) if c.customer_id else None,
        caller_phone=c.caller_phone, started_at=c.started_at.astimezone(tz),
        ended_at=c.ended_at.astimezone(tz) if c.ended_at else None, live=c.ended_at is None,
        duration_s=row.duration_s, outcome=c.outcome, transferred=row.transferred,
        turn_count=c.turn_count, success=(c.analysis or {}).get("success"),
        summary=(c.analysis or {}).get("summary"))


@router.get("/{conversation_id}", response_model=ConversationOut)
def get_conversation(conversation_id: uuid.UUID, tenant: TenantDep,
                     session: SessionDep) -> ConversationOut:
    conversation = records.get_conversation(session, tenant, conversation_id)
    out = conversation_out(conversation, records.turns(session, conversation.id), tenant)
    counts = conversation_feedback.counts(session, conversation.id)
    out.feedback = FeedbackCountsOut(good=counts.good, bad=counts.bad,
                                     on_replies=counts.on_replies)
    out.analysis = analysis_out(analysis_of(session, tenant, conversation))
    return out


def analysis_out(analysis: ConversationAnalysis | None) -> AnalysisOut | None:
    return None if analysis is None else AnalysisOut.model_validate(
        analysis.model_dump(mode="json"))


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
        voice_stats=c.voice_stats,
        turns=[TurnOut(seq=t.seq, role=t.role, text=t.text, language=t.language,
                       created_at=local(t.created_at), latency_ms=t.latency_ms,
                       tool_name=t.tool_name, tool_args=t.tool_args,
                       tool_result=t.tool_result, engine=t.engine,
                       fallback_reason=t.fallback_reason) for t in turns],
    )
