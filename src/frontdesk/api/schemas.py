"""Request and response models of the REST API.

Times in responses carry the tenant's UTC offset (``2026-12-01T10:00:00-05:00``) so a
client can show them without knowing the zone rules; inputs must carry an offset too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
)

from frontdesk.web import bounds
from frontdesk.web.types import (  # noqa: F401 - the API's models are built from these
    ApiDate,
    AwareDatetime,
    Email,
    Language,
    Minutes,
    Strict,
    WallTime,
    Zone,
)

# --- tenant -----------------------------------------------------------------------------

MessagePurpose = Literal["confirmation", "rescheduled", "cancellation", "reminder"]
InfoTopic = Literal["address", "directions", "parking", "payment", "cancellation"]
RequiredField = Literal["date_of_birth", "insurance"]


class FaqEntryModel(Strict):
    """One of the business's own questions and its answer, per language."""

    question: dict[Language, Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        description="The question as the business writes it: {'en': '...', 'es': '...'}")
    answer: dict[Language, Annotated[str, Field(min_length=1, max_length=600)]] = Field(
        description="The answer the agent gives, in the same languages as the question")


class BookingPolicyModel(BaseModel):
    min_notice_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 90)]
    max_days_ahead: Annotated[int, Field(ge=1, le=730)]
    slot_interval_minutes: Annotated[int, Field(ge=5, le=24 * 60)]
    max_per_day: Annotated[int | None, Field(ge=1, le=1000)] = None


class TenantOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    country: str
    languages: list[str]
    phone_numbers: list[str]
    persona: str
    fallback_phone: str | None
    notify_email: str | None
    reminder_minutes: list[int]
    booking_policy: BookingPolicyModel
    greeting: dict[str, str]
    instructions: str | None
    message_templates: dict[str, dict[str, str]]
    info: dict[str, dict[str, str]]
    faq: list[FaqEntryModel]
    required_fields: list[str]
    voice_mode: str
    retention_days: int | None = Field(
        description="Days its conversations and messages are kept before they are made "
        "anonymous or deleted, when shorter than the deployment's; null: the deployment's")


class TenantPatch(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    timezone: Zone | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    languages: Annotated[list[Language], Field(min_length=1)] | None = None
    phone_numbers: list[str] | None = None
    persona: Literal["default", "salon", "medical"] | None = None
    fallback_phone: Annotated[str, Field(min_length=3, max_length=40)] | None = Field(
        default=None, description="Where a caller who asks for a person is transferred"
    )
    notify_email: Email | None = Field(default=None, description="Told about every booking")
    reminder_minutes: (
        Annotated[list[Annotated[int, Field(ge=5, le=14 * 24 * 60)]], Field(max_length=5)] | None
    ) = Field(default=None, description="Reminders this many minutes before; [] = none")
    min_notice_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 90)] | None = None
    max_days_ahead: Annotated[int, Field(ge=1, le=730)] | None = None
    slot_interval_minutes: Annotated[int, Field(ge=5, le=24 * 60)] | None = None
    max_per_day: Annotated[int, Field(ge=1, le=1000)] | None = None
    greeting: dict[Language, Annotated[str, Field(max_length=300)]] | None = Field(
        default=None, description="The agent's own first words per language, replacing all "
        "of them ({business} is the business's name); an empty text: the persona's")
    instructions: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Told to the LLM driver on every turn; '' clears them")
    message_templates: dict[MessagePurpose, dict[Language, Annotated[
        str, Field(max_length=320)]]] | None = Field(
        default=None, description="Own SMS texts, replacing all of them, e.g. {'reminder': "
        "{'en': '...'}}, with {business}, {service}, {when}, {resource}")
    info: dict[InfoTopic, dict[Language, Annotated[str, Field(max_length=500)]]] | None = Field(
        default=None, description="What the agent tells callers who ask, replacing all of it: "
        "{'address': {'en': '...', 'es': '...'}, 'parking': {...}}; a topic left out or "
        "empty: the agent says it does not know and offers a person")
    faq: Annotated[list[FaqEntryModel], Field(max_length=50)] | None = Field(
        default=None, description="The business's own questions and answers, replacing all "
        "of them; matched loosely to what callers ask, in either language")
    required_fields: Annotated[list[RequiredField], Field(max_length=2)] | None = Field(
        default=None, description="What a caller must give before a booking is confirmed; "
        "kept on the appointment ('intake')")
    voice_mode: Literal["turns", "stream", "realtime"] | None = Field(
        default=None, description="How phone calls are voiced: 'turns' (the carrier's own "
        "speech recognition and voice), 'stream' (frontdesk's streaming pipeline: needs "
        "speech providers configured) or 'realtime' (a speech-to-speech model)")
    retention_days: Annotated[int, Field(ge=0, le=36500)] | None = Field(
        default=None, description="Keep conversations (transcripts, callers' numbers) and "
        "sent messages this many days, then make them anonymous (or delete them, as the "
        "deployment says). It applies only when shorter than the deployment's own period: "
        "a business may keep less, never more. 0 clears it")


# --- services ---------------------------------------------------------------------------


class ServiceIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    duration_minutes: Annotated[int, Field(ge=5, le=24 * 60)]
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    spoken_names: dict[Language, list[str]] = Field(
        default_factory=dict,
        description="How callers say it, per language: {'en': ['haircut'], 'es': ['corte']}",
    )
    price_cents: Annotated[int, Field(ge=0, le=bounds.MAX_PRICE_CENTS)] | None = None
    active: bool = True


class ServicePatch(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    duration_minutes: Annotated[int, Field(ge=5, le=24 * 60)] | None = None
    buffer_before_minutes: Minutes | None = None
    buffer_after_minutes: Minutes | None = None
    spoken_names: dict[Language, list[str]] | None = None
    price_cents: Annotated[int, Field(ge=0, le=bounds.MAX_PRICE_CENTS)] | None = None
    active: bool | None = None


class ServiceOut(BaseModel):
    id: uuid.UUID
    name: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    spoken_names: dict[str, list[str]]
    price_cents: int | None
    active: bool
    resource_ids: list[uuid.UUID]


# --- resources --------------------------------------------------------------------------


class HoursModel(Strict):
    weekday: Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]
    start: WallTime
    end: WallTime = Field(description="'00:00' means midnight at the end of the day")


class ResourceIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["staff", "room", "equipment"] = "staff"
    email: Email | None = None
    active: bool = True
    service_ids: list[uuid.UUID] = Field(default_factory=list)
    hours: list[HoursModel] = Field(default_factory=list)


class ResourcePatch(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    kind: Literal["staff", "room", "equipment"] | None = None
    email: Email | None = None
    active: bool | None = None
    service_ids: list[uuid.UUID] | None = None
    hours: list[HoursModel] | None = None


class ExceptionIn(Strict):
    kind: Literal["off", "extra"]
    start_date: ApiDate
    end_date: ApiDate | None = None
    start: WallTime | None = None
    end: WallTime | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None


class ExceptionOut(BaseModel):
    id: uuid.UUID
    kind: str
    start_date: date
    end_date: date
    start: WallTime | None
    end: WallTime | None
    reason: str | None


class CalendarSummary(BaseModel):
    provider: str
    status: str = Field(description='"ok", or "broken": the calendar refused us; reconnect')
    last_error: str | None


class ResourceOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    email: str | None
    active: bool
    service_ids: list[uuid.UUID]
    hours: list[HoursModel]
    exceptions: list[ExceptionOut]
    calendar: CalendarSummary | None = Field(
        default=None, description="The connected external calendar, if any"
    )


# --- customers --------------------------------------------------------------------------


class CustomerIn(Strict):
    phone: Annotated[str, Field(min_length=3, max_length=40)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email | None = None
    language: Language | None = None
    timezone: Zone | None = None
    sms_consent: bool = False
    call_consent: bool = False
    do_not_call: bool = False
    notes: Annotated[str, Field(max_length=5000)] | None = None


class CustomerPatch(Strict):
    phone: Annotated[str, Field(min_length=3, max_length=40)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email | None = None
    language: Language | None = None
    timezone: Zone | None = None
    sms_consent: bool | None = None
    call_consent: bool | None = None
    do_not_call: bool | None = None
    notes: Annotated[str, Field(max_length=5000, description='The business\'s own notes; ""'
                                                             " clears them")] | None = None


class CustomerOut(BaseModel):
    id: uuid.UUID
    phone: str | None
    name: str | None
    email: str | None
    language: str | None
    timezone: str | None
    sms_consent: bool
    call_consent: bool
    do_not_call: bool
    notes: str | None = None
    erased_at: datetime | None = Field(
        default=None, description="When the customer's personal data was erased, if it was")
    created_at: datetime


# --- appointments -----------------------------------------------------------------------


class AppointmentCustomer(Strict):
    phone: Annotated[str, Field(min_length=3, max_length=40)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email | None = None
    language: Language | None = None


class AppointmentIn(Strict):
    service_id: uuid.UUID
    start: AwareDatetime
    resource_id: uuid.UUID | None = Field(
        default=None, description="Omit to book whoever offering the service is free."
    )
    customer_id: uuid.UUID | None = None
    customer: AppointmentCustomer | None = Field(
        default=None, description="A new or existing (matched by phone) customer."
    )
    notes: Annotated[str, Field(max_length=2000)] | None = None
    source: Literal["api", "chat", "phone", "sms", "web", "dashboard"] = "api"


class RescheduleIn(Strict):
    start: AwareDatetime
    resource_id: uuid.UUID | None = None


class AppointmentOut(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    resource_id: uuid.UUID
    resource_name: str
    customer_id: uuid.UUID | None
    customer_name: str | None
    start: datetime
    end: datetime
    status: str
    source: str
    notes: str | None
    intake: dict[str, str] = Field(
        default_factory=dict, description="What the business required before booking "
        "(required_fields), as the caller gave it: {'date_of_birth': '1985-03-02'}")
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    confirmed_at: datetime | None = Field(
        description="When the customer confirmed (a reminder's C reply, or the dashboard)")


# --- availability -----------------------------------------------------------------------


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    resource_id: uuid.UUID
    resource_name: str


class AvailabilityOut(BaseModel):
    service_id: uuid.UUID
    service_name: str
    timezone: str
    window_start: datetime
    window_end: datetime
    slots: list[SlotOut]
    # Pass as ``after`` (with the same other parameters) for the next page; null: no more.
    next_cursor: str | None = None
