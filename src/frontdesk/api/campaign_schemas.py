"""Request and response models of the campaign routes (issue 12)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from frontdesk.web.types import Strict

CampaignState = Literal["draft", "running", "paused", "cancelled", "completed"]


class CampaignIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    meeting_request_id: uuid.UUID
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    max_concurrent_calls: Annotated[int, Field(ge=1, le=100)] = 2
    calls_per_minute: Annotated[int, Field(ge=1, le=600)] = 10
    require_consent: bool = Field(
        default=True, description="Call only leads with a recorded consent date (AI voice "
        "calls need prior express consent in the US)")


class CampaignOut(BaseModel):
    id: uuid.UUID
    name: str
    meeting_request_id: uuid.UUID
    status: CampaignState
    max_attempts: int
    max_concurrent_calls: int
    calls_per_minute: int
    require_consent: bool
    leads: dict[str, int] = Field(description="How many leads are in each state")
    created_at: datetime
    updated_at: datetime


class RowProblemOut(BaseModel):
    line: int = Field(description="Line of the file, the header being line 1")
    reason: str


class ImportReportOut(BaseModel):
    imported: int
    linked_customers: int = Field(description="Rows that were already customers: linked")
    skipped: list[RowProblemOut] = Field(description="Repeated phones, not added again")
    errors: list[RowProblemOut] = Field(description="Rows refused, and why")
    warnings: list[RowProblemOut]


class LeadOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    phone: str
    timezone: str
    language: str | None
    consent_at: date | None
    tags: list[str]
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_outcome: str | None


LeadOutcome = Literal["booked", "declined", "callback_requested", "voicemail", "no_answer",
                      "busy", "failed", "wrong_number", "opted_out"]


class CustomerFilterIn(Strict):
    """Which of the business's customers to add ("call these")."""

    not_contacted_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="Only customers with no conversation in this many days")
    call_consent_only: bool = Field(
        default=True, description="Only customers whose record says they agreed to calls")
    last_outcome: LeadOutcome | None = Field(
        default=None, description="Only customers whose latest campaign call ended so "
                                  "(e.g. callback_requested)")
    tag: Annotated[str, Field(min_length=1, max_length=50)] | None = Field(
        default=None, description="Only customers who carried this tag as a lead before")
    limit: Annotated[int, Field(ge=1, le=10_000)] = 1000
