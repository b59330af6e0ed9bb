"""Request and response models of a meeting request's participants (issue 12)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from frontdesk.web.types import AwareDatetime, Strict, Zone

Name = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[str, Field(min_length=3, max_length=32, examples=["+12125550123"])]
# The column's width; the same light check as elsewhere (delivery is the real test).
ParticipantEmail = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
AvailabilityText = Annotated[str, Field(min_length=1, max_length=500, examples=[
    "I'm free Tuesday after 2 or Thursday morning"])]


class WindowModel(Strict):
    start: AwareDatetime
    end: AwareDatetime


class _Availability(Strict):
    availability: Annotated[list[WindowModel], Field(max_length=50)] | None = Field(
        default=None, description="When the person is free; replaces what was stored")
    availability_text: AvailabilityText | None = Field(
        default=None, description="The same in their own words (English or Spanish), "
        "read inside the request's hard constraints")
    availability_timezone: Zone | None = Field(
        default=None, description="The zone the words are read in; default the "
        "participant's, else the request's")
    availability_now: AwareDatetime | None = Field(
        default=None, description="Read the words as if said at this time; default now")

    @model_validator(mode="after")
    def _one_way(self) -> _Availability:
        if self.availability is not None and self.availability_text is not None:
            raise ValueError("give availability or availability_text, not both")
        return self


class ParticipantIn(_Availability):
    name: Name | None = Field(default=None, description="Required unless customer_id has one")
    phone: Phone | None = None
    email: ParticipantEmail | None = None
    timezone: Zone | None = None
    customer_id: uuid.UUID | None = None


class ParticipantPatch(_Availability):
    name: Name | None = None
    phone: Phone | None = None
    email: ParticipantEmail | None = None
    timezone: Zone | None = None
    customer_id: uuid.UUID | None = None


class WindowOut(BaseModel):
    start: datetime
    end: datetime


class ParticipantOut(BaseModel):
    id: uuid.UUID
    meeting_request_id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    timezone: str | None
    customer_id: uuid.UUID | None
    availability: list[WindowOut]
    created_at: datetime
    updated_at: datetime


class ConfirmBestSlotIn(Strict):
    dry_run: bool = Field(default=False, description="Choose and show the slot; book nothing")


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    resource_id: uuid.UUID


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str


class RunnerUpOut(BaseModel):
    slot: SlotOut
    available_count: int


class WhyChosenOut(BaseModel):
    decided_by: Literal["only_option", "participants", "soft_preferences", "earliest",
                        "input_order"] = Field(
        description="The first criterion on which the slot beat the runner-up")
    available_count: int
    participant_count: int
    soft_met: list[str]
    soft_missed: list[str]
    considered: int = Field(description="Open slots inside the hard constraints")
    outside_hard: int = Field(description="Open slots the hard constraints excluded")
    runner_up: RunnerUpOut | None


class ConfirmBestSlotOut(BaseModel):
    dry_run: bool
    replayed: bool = Field(description="The answer to an earlier call with the same key")
    slot: SlotOut
    appointment_id: uuid.UUID | None = Field(description="Null on a dry run")
    request_status: Literal["open", "fulfilled", "cancelled"]
    available: list[PersonOut] = Field(description="Who can attend")
    unavailable: list[PersonOut]
    unknown: list[PersonOut] = Field(description="Unavailable because they stated no times")
    notified: list[uuid.UUID] = Field(description="Participants a message was written for")
    why: WhyChosenOut
