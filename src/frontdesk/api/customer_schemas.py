"""Response models of the customer list (with what the business needs to act on) and of
a customer's timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from frontdesk.api.schemas import CustomerOut

ConversationOutcome = Literal["booked", "rescheduled", "cancelled", "info", "transferred",
                              "abandoned", "opted_out", "voicemail", "callback"]
CampaignOutcome = Literal["booked", "declined", "callback_requested", "voicemail", "no_answer",
                          "busy", "failed", "wrong_number", "opted_out", "no_result"]


class CustomerSummaryOut(CustomerOut):
    last_contact_at: datetime | None = Field(
        description="The latest conversation (any channel) or campaign call")
    last_outcome: str | None = Field(
        description="How that contact ended: a conversation outcome, or a campaign one "
                    "(callback_requested, no_answer...) for a campaign call")
    next_appointment_at: datetime | None
    conversations_by_channel: dict[str, int] = Field(
        description='{"phone": 3, "sms": 1}: conversations with them, by channel')
    tags: list[str] = Field(description="Tags they carried as campaign leads")
    on_do_not_call_list: bool = Field(
        description="Their number is on the server-wide do-not-call list")


class TurnLine(BaseModel):
    role: str = Field(description="user (the customer), assistant (the agent), or call "
                                  "(an event on the line: ringing, answered, completed...)")
    text: str | None
    language: str | None
    at: datetime


class TimelineAppointment(BaseModel):
    id: uuid.UUID
    event: str = Field(description="booked | confirmed | cancelled | completed | no_show")
    status: str = Field(description="The appointment's state now")
    service_name: str
    resource_name: str
    start: datetime
    end: datetime


class TimelineConversation(BaseModel):
    id: uuid.UUID
    channel: str
    language: str
    outcome: str | None
    started_at: datetime
    ended_at: datetime | None
    turns: list[TurnLine]


class TimelineMessage(BaseModel):
    id: uuid.UUID
    channel: str
    purpose: str
    status: str = Field(description="pending | sending | sent | failed | cancelled")
    body: str | None
    sent_at: datetime | None
    last_error: str | None
    appointment_id: uuid.UUID | None


class TimelineCampaignCall(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    number: int = Field(description="1 for the first call to them in that campaign")
    outcome: str | None
    ended_at: datetime | None
    conversation_id: uuid.UUID | None
    detail: str | None


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: Literal["appointment", "conversation", "message", "campaign_call"]
    appointment: TimelineAppointment | None = None
    conversation: TimelineConversation | None = None
    message: TimelineMessage | None = None
    campaign_call: TimelineCampaignCall | None = None


class TimelineOut(BaseModel):
    customer: CustomerOut
    entries: list[TimelineEntryOut] = Field(description="Newest first")
    next_before: datetime | None = Field(
        description="Pass as `before` for the next (older) page; null: nothing older")
