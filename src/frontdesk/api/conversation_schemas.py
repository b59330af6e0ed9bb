"""Response models of the conversation records: the list, one record, its turns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from frontdesk.api.analysis_schemas import AnalysisOut, FeedbackCountsOut


class TurnOut(BaseModel):
    seq: int
    role: str
    text: str | None
    language: str | None
    created_at: datetime
    latency_ms: float | None
    tool_name: str | None
    tool_args: dict[str, Any] | None
    tool_result: dict[str, Any] | None
    engine: str | None
    fallback_reason: str | None = Field(
        default=None, description="Why the configured LLM did not answer this turn and the "
                                  "rules did (timeout, http 500, invalid tool call, ...)")


class ConversationOut(BaseModel):
    id: uuid.UUID
    channel: str
    external_id: str
    language: str
    caller_phone: str | None
    caller_verified: bool  # the door vouched for caller_phone (carrier caller ID)
    customer_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    outcome: str | None
    turn_count: int
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    # A streamed call's voice-to-voice figures (end of the caller's speech → first audio
    # of the answer): {"turns", "p50_ms", "p95_ms", "max_ms"}; null for other channels.
    voice_stats: dict[str, int] | None = None
    # What it came to (ADR 0065): null while live.
    analysis: AnalysisOut | None = None
    feedback: FeedbackCountsOut = Field(
        default_factory=lambda: FeedbackCountsOut(good=0, bad=0, on_replies=0),
        description="How staff rated it and its replies (GET .../feedback lists them)")
    turns: list[TurnOut]


class CustomerRef(BaseModel):
    id: uuid.UUID
    name: str | None


class ConversationSummaryOut(BaseModel):
    """One row of the conversations list: the record without its turns."""

    id: uuid.UUID
    channel: str
    language: str
    customer: CustomerRef | None
    caller_phone: str | None
    started_at: datetime
    ended_at: datetime | None
    live: bool = Field(description="Not ended yet")
    duration_s: int | None = Field(description="Seconds from start to end; null while live")
    outcome: str | None
    transferred: bool
    turn_count: int
    success: bool | None = Field(
        default=None, description="The caller got what they came for; null while live or "
                                  "not analysed yet")
    summary: str | None = Field(default=None, description="The analysis's summary")
