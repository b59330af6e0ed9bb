"""Request and response models of the meeting-request routes (issue 12)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from frontdesk.api.constraint_schemas import (
    HardConstraintsOut,
    SoftConstraintsOut,
    Weekday,
)
from frontdesk.api.constraint_schemas import PartOfDayName as PartOfDay
from frontdesk.web.types import ApiDate, AwareDatetime, Strict, WallTime, Zone

Title = Annotated[str, Field(min_length=1, max_length=200)]
Duration = Annotated[int, Field(ge=5, le=24 * 60, description="Minutes")]
Wanted = Annotated[int, Field(ge=1, le=100, description="How many bookings are wanted")]
Notes = Annotated[str, Field(max_length=2000)]


class HardConstraintsModel(Strict):
    """Every offered time must satisfy these; absent (null) parts do not constrain."""

    window_start: AwareDatetime
    window_end: AwareDatetime
    timezone: Zone | None = Field(
        default=None, description="The zone the times and dates are read in; defaults to "
        "the request's")
    days_of_week: Annotated[list[Weekday], Field(max_length=7)] | None = None
    earliest_time: WallTime | None = None
    latest_time: WallTime | None = None
    exclude_dates: Annotated[list[ApiDate], Field(max_length=366)] = Field(default_factory=list)


class SoftConstraintsModel(Strict):
    """Preferences that rank the times the hard constraints allow."""

    days_of_week: Annotated[list[Weekday], Field(max_length=7)] | None = None
    parts_of_day: Annotated[list[PartOfDay], Field(max_length=3)] | None = None


class MeetingRequestIn(Strict):
    title: Title = "Meeting"
    resource_id: uuid.UUID | None = Field(default=None, description="Who the meeting is with")
    service_id: uuid.UUID | None = Field(default=None, description="What is booked")
    duration_minutes: Duration | None = Field(
        default=None, description="Defaults to the service's duration")
    timezone: Zone | None = Field(default=None, description="Defaults to the business's zone")
    hard_constraints: HardConstraintsModel
    soft_constraints: SoftConstraintsModel = Field(default_factory=SoftConstraintsModel)
    bookings_wanted: Wanted = 1
    notes: Notes | None = None


class MeetingRequestPatch(Strict):
    title: Title | None = None
    resource_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    duration_minutes: Duration | None = None
    timezone: Zone | None = None
    hard_constraints: HardConstraintsModel | None = None
    soft_constraints: SoftConstraintsModel | None = None
    bookings_wanted: Wanted | None = None
    notes: Notes | None = None


class MeetingRequestOut(BaseModel):
    id: uuid.UUID
    title: str
    resource_id: uuid.UUID | None
    service_id: uuid.UUID | None
    duration_minutes: int
    timezone: str
    hard_constraints: HardConstraintsOut
    soft_constraints: SoftConstraintsOut
    bookings_wanted: int
    status: Literal["open", "fulfilled", "cancelled"]
    notes: str | None
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
