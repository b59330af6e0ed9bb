"""The tools' arguments: one pydantic model per tool, shared by both brains.

``Tools.call`` validates every call against these (the dispatcher, ``tools.TOOLS``, pairs
each tool's name with its model and its function), and the LLM driver's tool specs are
generated from them, so the model is offered exactly what the deterministic policy uses.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindSlotsArgs(_Args):
    """Free appointment times for a service between two times."""

    service_id: str
    start: AwareDatetime = Field(description="Search from (ISO-8601 with offset)")
    end: AwareDatetime = Field(description="Search until, exclusive (ISO-8601 with offset)")
    part_of_day: list[Literal["morning", "afternoon", "evening"]] | None = None
    near: AwareDatetime | None = Field(
        default=None,
        description="Prefer the times closest to this one (when the asked time is taken)",
    )
    resource_id: str | None = None
    limit: int = Field(default=3, ge=1, le=20)
    # A rule the caller stated ("any weekday morning except Wednesday"): every slot
    # returned meets it, in the business's zone.
    days_of_week: list[Weekday] | None = Field(
        default=None, max_length=7, description="Only these days (the caller's rule)")
    earliest_time: ClockTime | None = Field(default=None, description="Not before, HH:MM")
    latest_time: ClockTime | None = Field(default=None, description="Finished by, HH:MM")
    exclude_dates: list[date] | None = Field(
        default=None, max_length=60, description="Days the caller cannot come")
    moving_appointment_id: str | None = Field(
        default=None,
        description="The caller's appointment being rescheduled: its own time counts as free",
    )


class BookArgs(_Args):
    """Book a service at a start time that find_open_slots offered."""

    service_id: str
    start: AwareDatetime
    customer_name: str = Field(min_length=1, max_length=200)
    customer_phone: str | None = Field(default=None, description="E.164; the caller ID if known")
    resource_id: str | None = None
    # The details some businesses require before booking (the prompt says which).
    date_of_birth: date | None = Field(default=None, description="The caller's, YYYY-MM-DD")
    insurance: str | None = Field(default=None, max_length=100,
                                  description="The caller's insurance company")


class RescheduleArgs(_Args):
    """Move one of the caller's appointments to a new start time."""

    appointment_id: str
    start: AwareDatetime
    resource_id: str | None = Field(default=None, description="Keep to this person if given")


class CancelArgs(_Args):
    """Cancel one of the caller's appointments."""

    appointment_id: str


class LookupCustomerArgs(_Args):
    """Find the caller's customer record and upcoming appointments by phone."""

    phone: str | None = Field(default=None, description="Defaults to the caller ID")


class SendCodeArgs(_Args):
    """Text a 6-digit code to a phone number the caller stated, to prove it is theirs."""

    phone: str = Field(min_length=3, max_length=40, description="The number the caller gave")
    language: Literal["en", "es"] | None = Field(
        default=None, description="The text's language; defaults to the conversation's"
    )


class CheckCodeArgs(_Args):
    """Check the code the caller read from the text send_verification_code sent."""

    code: str = Field(min_length=1, max_length=20, description="The digits the caller said")
    phone: str | None = Field(
        default=None, description="The number it was sent to; defaults to the last one"
    )


class BusinessInfoArgs(_Args):
    """What the business itself says on a topic, or its FAQ answer to a question."""

    topic: Literal["address", "directions", "parking", "payment", "cancellation", "prices",
                   "services", "faq"]
    question: str | None = Field(default=None, max_length=300,
                                 description="For topic faq: the caller's question")
    language: Literal["en", "es"] | None = Field(
        default=None, description="The answer's language; defaults to the conversation's")


class TransferArgs(_Args):
    """Hand the caller to a human at the business."""

    reason: str = Field(max_length=300)

