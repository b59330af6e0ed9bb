"""Response and request models of a conversation's analysis and staff's feedback."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Intent = Literal["book", "reschedule", "cancel", "info", "human", "opt_out", "other"]
Category = Literal["wrong_time", "wrong_language", "rude", "not_understood", "wrong_info",
                   "too_slow", "other"]


class ServiceRefOut(BaseModel):
    id: str | None
    name: str


class RequestedTimeOut(BaseModel):
    text: str | None = Field(description="The caller's words, when known")
    start: str | None = Field(description="ISO 8601 with the business's offset")
    end: str | None = Field(description="Exclusive end of a window; null for an instant")


class AppointmentChangeOut(BaseModel):
    action: Literal["booked", "rescheduled", "cancelled"]
    appointment_id: str
    start: str
    end: str | None
    service: str | None
    resource: str | None


class AnalysisOut(BaseModel):
    """What the conversation came to (ADR 0065). Facts come from the record; with an LLM
    configured, ``engine`` is "llm" when it reworded the summary and judgement."""

    version: int
    engine: Literal["rules", "llm"]
    status: Literal["final", "refining"] = Field(
        description="refining: the rules' analysis while an LLM rewording is queued")
    summary: str
    summary_language: str
    intent: Intent
    outcome: str | None
    success: bool = Field(description="The caller got what they came for")
    success_basis: str = Field(
        description="Why: completed, answered, asked_for_person, opt_out_honoured, "
                    "abandoned_mid_task, transferred_unresolved, abandoned, voicemail, "
                    "no_outcome, llm_judgement")
    success_rationale: str | None
    service: ServiceRefOut | None
    requested_times: list[RequestedTimeOut]
    booked_times: list[str]
    appointments: list[AppointmentChangeOut]
    transfer_reason: str | None
    refusals: list[str]
    language: str
    channel: str
    customer_id: str | None
    turns: int
    duration_s: int | None
    ending: int
    analysed_at: datetime
    llm_error: str | None = Field(description="Why an LLM's rewording was not used")


class FeedbackCountsOut(BaseModel):
    good: int
    bad: int
    on_replies: int = Field(description="Of these, ratings of single replies")


class FeedbackIn(BaseModel):
    rating: Literal["good", "bad"]
    reason: str | None = Field(default=None, max_length=500)
    category: Category | None = None
    turn: int | None = Field(default=None, ge=1, le=1_000_000,
                             description="The seq of one agent reply; omit to rate the "
                                         "whole conversation")


class FeedbackOut(BaseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    turn: int | None
    rating: Literal["good", "bad"]
    reason: str | None
    category: str | None
    author: str = Field(description="api_key:<id> or user:<id>")
    created_at: datetime
