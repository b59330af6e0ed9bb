"""Request and response models of ``POST /api/v1/constraints/parse``.

Kept beside ``schemas`` rather than in it: the meeting-request models that will carry
these constraints are their own resource.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from frontdesk.web.types import AwareDatetime, Strict, Zone

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PartOfDayName = Literal["morning", "afternoon", "evening"]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["09:00"])]


class ConstraintsParseIn(Strict):
    instruction: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        examples=["Try to book in the next two weeks, preferably Tue–Thu mornings"]
    )
    timezone: Zone = Field(description="IANA zone the instruction is read in")
    now: AwareDatetime | None = Field(
        default=None, description="Read the instruction as if said at this time; default now"
    )


class HardConstraintsOut(BaseModel):
    window_start: datetime = Field(description="Earliest start, with the zone's offset")
    window_end: datetime = Field(description="Exclusive end of the window")
    timezone: str
    days_of_week: list[Weekday] | None = Field(description="Only these days; null: any")
    earliest_time: ClockTime | None = Field(description="Not before this local time")
    latest_time: ClockTime | None = Field(description="Finished by this local time")
    exclude_dates: list[date] | None = Field(description="Days inside the window to skip")


class SoftConstraintsOut(BaseModel):
    days_of_week: list[Weekday] | None = Field(description="Preferred days, ranked first")
    parts_of_day: list[PartOfDayName] | None = Field(description="Preferred parts of the day")


class ConstraintsOut(BaseModel):
    hard_constraints: HardConstraintsOut
    soft_constraints: SoftConstraintsOut
    refined: bool = Field(
        default=False, description="True when a configured LLM narrowed or filled the "
        "deterministic answer (never widened it); false: the parser's answer as is")
