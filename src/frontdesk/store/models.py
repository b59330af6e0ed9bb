"""SQLAlchemy 2 typed models: tenants, services, resources, customers, appointments."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from frontdesk.store.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
        float: Float,
    }


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Every status except "cancelled" holds its time: completed and no-show appointments
# happened (or were supposed to) and still count towards per-day limits.
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(default=lambda: ["en"])
    # Some resource has an external calendar: bookings then read calendars beforehand.
    has_calendars: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # ISO 3166 region used to read phone numbers written without a country code.
    country: Mapped[str] = mapped_column(String(2), default="US")
    # How the agent speaks: "default", "medical" (privacy-aware) or "salon".
    persona: Mapped[str] = mapped_column(String(16), default="default", server_default="default")
    # Where a caller goes when they ask for a person (E.164), if anywhere.
    fallback_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Where the business hears about new bookings, and when customers get reminders.
    notify_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    reminder_minutes: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: [24 * 60, 120], server_default="[1440, 120]"
    )
    # What the business wrote itself (issue 13's settings pages): its own opening line per
    # language ({"en": "...", "es": "..."}; a missing language hears the persona's), its
    # instructions for the LLM driver, and its own texts for the SMS notices, per purpose
    # and language ({"reminder": {"en": "..."}}; a missing one is the built-in text).
    greeting: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_templates: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # What the business tells callers who ask (issue 14): per topic and language, e.g.
    # {"address": {"en": "...", "es": "..."}} (topics in services/business_info.py), its
    # own questions and answers ([{"question": {"en": ...}, "answer": {"en": ...}}]), and
    # what a caller must give before a booking is confirmed (["date_of_birth"]).
    info: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    faq: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # How its phone calls are voiced (issue 15, ADR 0050): "turns" (the carrier's own
    # recognizer and voice, <Gather>/<Say>), "stream" (our pipeline over a media stream)
    # or "realtime" (a speech-to-speech model over a media stream).
    voice_mode: Mapped[str] = mapped_column(String(16), default="turns", server_default="turns")
    # Booking policy.
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=60)
    slot_interval_minutes: Mapped[int] = mapped_column(Integer, default=15)
    max_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # --- retention ---
    # Days its conversations and messages are kept before they are made anonymous or
    # deleted, when shorter than the deployment's (services/retention.py, ADR 0058).
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)

    phone_numbers: Mapped[list[TenantPhoneNumber]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", lazy="selectin"
    )


class TenantPhoneNumber(Base):
    """A number a tenant answers on; unique across tenants so a call finds its tenant."""

    __tablename__ = "tenant_phone_numbers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number_e164: Mapped[str] = mapped_column(String(20), unique=True)
    tenant: Mapped[Tenant] = relationship(back_populates="phone_numbers")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # The first characters, shown in listings so a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole key. Keys are 256-bit random, so a fast hash is enough.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the key may do: "admin" (everything of its business), "read" (GET only),
    # "widget" (publishable: talk to the agent only, from ``allowed_origins``).
    scope: Mapped[str] = mapped_column(String(16), default="admin", server_default="admin")
    allowed_origins: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class UserRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"  # sees their own calendar (``resource_id``) and its customers


class User(Base):
    """A person who signs in to the dashboard (not an API key): one business each."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # argon2id; None for a user who signs in only through Google or Microsoft.
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default=UserRole.STAFF.value)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL"), nullable=True
    )
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)


class UserIdentity(Base):
    """A Google or Microsoft account linked to a dashboard user (docs/decisions/0043).

    Found again by what the provider vouches never changes (its issuer and the account's
    subject), never by the email it asserts: that may change, or be anyone's."""

    __tablename__ = "user_identities"
    __table_args__ = (
        UniqueConstraint("provider", "issuer", "subject"),
        # One account per provider per user: linking another replaces it.
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    # What the provider said the email was when linked (shown to the user, never matched).
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)


resource_services = Table(
    "resource_services",
    Base.metadata,
    Column("resource_id", Uuid, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", Uuid, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Spoken names and synonyms per language: {"en": ["haircut", "trim"], "es": ["corte"]}.
    spoken_names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    price_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    resources: Mapped[list[Resource]] = relationship(
        secondary=resource_services, back_populates="services"
    )


class Resource(Base):
    """A person or room that appointments are booked with."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("feed_token", name="uq_resources_feed_token"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="staff")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped in the same transaction as any change to this resource's calendar (bookings,
    # hours, time off). Availability caches compare it, so a process never serves a
    # calendar older than the database's; on PostgreSQL the bump also takes the row lock
    # that serialises bookings of one resource.
    calendar_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An external calendar is connected (kept beside the connection row so a search knows
    # from the one query it already makes whether to look for external busy time).
    has_calendar: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The secret in this resource's subscribable iCalendar feed URL (None: no feed).
    feed_token: Mapped[str | None] = mapped_column(String(64), nullable=True)

    services: Mapped[list[Service]] = relationship(
        secondary=resource_services, back_populates="resources"
    )
    hours: Mapped[list[WorkingHours]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(WorkingHours.weekday, WorkingHours.start_time)",
    )
    exceptions: Mapped[list[ResourceException]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResourceException.start_date"
    )
    # Read-only view of the resource's external calendar (written through its own rows);
    # loaded only when asked for, and asked for only when ``has_calendar``.
    calendar_connection: Mapped[CalendarConnection | None] = relationship(
        viewonly=True, lazy="select", uselist=False
    )


class WorkingHours(Base):
    """Weekly working time in the tenant's wall clock (weekday 0 = Monday)."""

    __tablename__ = "working_hours"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class ResourceException(Base):
    """Dated time off ("off") or extra hours ("extra"), inclusive dates."""

    __tablename__ = "resource_exceptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    end_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "phone_e164"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    phone_e164: Mapped[str | None] = mapped_column(String(20), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    call_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A privacy request removed the person's data; the row stays as anonymous history.
    erased_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        CheckConstraint("end_at > start_at", name="ck_appointments_positive_length"),
        CheckConstraint(
            "blocked_start <= start_at AND blocked_end >= end_at", name="ck_appointments_blocked"
        ),
        CheckConstraint(
            "status IN ('booked', 'cancelled', 'completed', 'no_show')",
            name="ck_appointments_status",
        ),
        Index("ix_appointments_resource_blocked", "resource_id", "blocked_start", "blocked_end"),
        Index("ix_appointments_tenant_start", "tenant_id", "start_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"))
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id"), nullable=True, index=True
    )
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    # The time the resource is blocked: the appointment padded by its service's buffers,
    # frozen at booking so a later buffer change never makes old bookings overlap.
    # The no-double-booking constraint is over this range.
    blocked_start: Mapped[datetime]
    blocked_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=AppointmentStatus.BOOKED.value)
    source: Mapped[str] = mapped_column(String(16), default="api")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Fingerprint of the request that used the idempotency key, to refuse a reuse for a
    # different booking instead of silently returning the wrong appointment.
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the business requires before booking, as the caller gave it and it was checked
    # ({"date_of_birth": "1985-03-02", "insurance": "Sanitas"}); {} when none is required.
    intake: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The customer confirmed it (a reminder's "C" reply, or the dashboard).
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    service: Mapped[Service] = relationship(lazy="joined")
    resource: Mapped[Resource] = relationship(lazy="joined")
    customer: Mapped[Customer | None] = relationship(lazy="joined")


class ConversationOutcome(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    INFO = "info"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    OPTED_OUT = "opted_out"
    VOICEMAIL = "voicemail"  # an outbound call reached a machine; we left a message


class Conversation(Base):
    """One conversation through any door (chat, phone, SMS, voice platform)."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "channel", "external_id"),
        Index("ix_conversations_tenant_started", "tenant_id", "started_at"),
        # Phone calls still open, counted when metrics are scraped (revision 0020).
        Index("ix_conversations_open", "channel", "ended_at", "updated_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # The door's own id for it: chat session id, call id, history fingerprint...
    external_id: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    caller_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The door vouches for caller_phone (a carrier caller ID on a signed webhook, a number
    # we dialled): it may read and change that number's appointments with no code. A
    # number a web chat passes on is only a claim (docs/SECURITY.md).
    caller_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"), nullable=True
    )
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The dialogue state, so any process can continue the conversation.
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The last few things said ({"messages": n said so far, "window": [[role, text], ...]}),
    # kept on the row so a turn reads no history: its cost does not grow with the length
    # of the conversation. NULL on conversations from before it (revision 0010): rebuilt
    # from the turns once, then kept (services/conversations.py, ADR 0025).
    recent: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    # A streamed call's voice-to-voice timings (end of the caller's speech → first audio
    # of the answer): {"turns": n, "p50_ms": .., "p95_ms": .., "max_ms": ..}.
    voice_stats: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # What the conversation came to, written when it ends (issue 17, ADR 0065): summary,
    # intent, success and the facts behind them, as ``services.conversation_analysis``'s
    # ``ConversationAnalysis``. NULL while live, and on conversations ended before 0023.
    # (SQL NULL, not JSON null, when set to None: "not analysed" is one thing to query.)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True),
                                                            nullable=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ConversationTurn(Base):
    """A caller message, an agent reply or a tool call, in order."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "request_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(12))  # user | assistant | tool
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # For a user turn: the door's key for this exact request, so a replay is answered
    # from the record instead of being acted on twice.
    request_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tool_name: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tool_args: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    tool_result: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(nullable=True)
    engine: Mapped[str | None] = mapped_column(String(16), nullable=True)  # rules | llm
    # An assistant turn the rules answered although an LLM is configured: why (timeout,
    # http 500, invalid tool call, ...). A broken LLM shows in the record, not only in logs.
    fallback_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhoneVerification(Base):
    """A one-time code texted to a number a caller stated, to prove they hold that phone.

    Only a keyed hash of the code is kept (HMAC-SHA256 under a random per-row salt).
    ``verified_at`` set: this conversation may read and change that number's appointments.
    """

    __tablename__ = "phone_verifications"
    __table_args__ = (
        Index("ix_phone_verifications_phone", "tenant_id", "phone_e164", "created_at"),
        Index("ix_phone_verifications_conversation", "conversation_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    phone_e164: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes tried
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # A newer code was sent in the conversation: this one no longer counts. (A flag, not
    # "the newest row": two codes can share a timestamp under a fixed clock.)
    replaced_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up: permanent error or out of attempts
    CANCELLED = "cancelled"  # no longer wanted (a reminder for a cancelled appointment)


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as what caused it.

    Workers derive what to do from these rows alone, so a crash between "booked" and
    "texted" loses nothing: the row is still pending (or its lease expires) and is sent.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))  # sms | email
    purpose: Mapped[str] = mapped_column(String(24))  # confirmation | reminder | ...
    recipient: Mapped[str] = mapped_column(String(320))  # E.164 or email address
    # What to send, rendered when enqueued: {"body": ..., "subject": ..., "ics": ...}.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"), nullable=True, index=True
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    # Makes enqueueing idempotent: one confirmation per appointment version, and so on.
    dedupe_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While "sending", the worker's lease; a crashed worker's lease runs out and the
    # message is due again.
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    provider: Mapped[str | None] = mapped_column(String(20), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CalendarConnection(Base):
    """A resource's external calendar (CalDAV for now): its busy times block our slots.

    ``secret`` is the password, encrypted with the deployment's key
    (``frontdesk.security``); it never leaves the server in clear.
    """

    __tablename__ = "calendar_connections"
    __table_args__ = (
        UniqueConstraint("resource_id", name="uq_calendar_connections_resource_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE")
    )
    provider: Mapped[str] = mapped_column(String(20), default="caldav")
    url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(320))
    # Where our events are written; its busy time counts, and so does that of every
    # calendar in ``check_calendars`` (other calendars of the same account: a personal
    # or family calendar whose events must not be double-booked either).
    calendar: Mapped[str] = mapped_column(String(1000))
    check_calendars: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    secret: Mapped[str] = mapped_column(Text)
    # "ok" or "broken" (the calendar rejected our credentials: fix them to resume).
    status: Mapped[str] = mapped_column(String(10), default="ok")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Bumped when the calendar's provider says it changed (a push notification): every
    # process's cached busy times of an older generation are read again (issue 17 D).
    busy_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MeetingRequestStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class MeetingRequest(Base):
    """What needs booking for an outbound campaign: with whom, how long, within which
    hard constraints and with which soft preferences (issue 12). The constraints are
    kept in the parser's JSON shape, so what `/constraints/parse` answers can be stored
    as it is."""

    __tablename__ = "meeting_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL"), nullable=True
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("services.id", ondelete="SET NULL"), nullable=True
    )
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    hard_constraints: Mapped[dict[str, Any]] = mapped_column(JSON)
    soft_constraints: Mapped[dict[str, Any]] = mapped_column(JSON)
    bookings_wanted: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=MeetingRequestStatus.OPEN.value)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Campaign(Base):
    """People to contact about one meeting request, and how hard to try (issue 12)."""

    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    meeting_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_requests.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    max_concurrent_calls: Mapped[int] = mapped_column(Integer, default=2)
    calls_per_minute: Mapped[int] = mapped_column(Integer, default=10)
    require_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    # After an attempt that reached nobody, text leads who opted in to texts.
    sms_follow_up: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CampaignLead(Base):
    """One person in a campaign: who, how to reach them lawfully, and where it stands."""

    __tablename__ = "campaign_leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone_e164"),
        # The dialer's question: this campaign's pending leads due by now, soonest first.
        Index("ix_campaign_leads_due", "campaign_id", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    phone_e164: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    consent_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    # Agreed to be texted (a CSV column): only these get the SMS follow-up.
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutboundCall(Base):
    """A call the outbox is placing: the row that makes one outbox message one call.

    Written (insert-if-absent, keyed by the outbox row) right before the provider is asked
    to dial: whoever inserts it owns the dial; a retry that finds it already there never
    dials again, it asks the provider whether the first try's call exists instead."""

    __tablename__ = "outbound_calls"

    outbox_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    to_e164: Mapped[str] = mapped_column(String(20))
    from_e164: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str | None] = mapped_column(String(16), nullable=True)
    call_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    dial_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CampaignAttempt(Base):
    """One call to a lead: queued with its outbox row (the same transaction that claimed
    the lead), placed, ended with an outcome. The lead's history, and the dialer's pacing
    (calls started in the last minute)."""

    __tablename__ = "campaign_attempts"
    __table_args__ = (
        UniqueConstraint("lead_id", "number"),
        Index("ix_campaign_attempts_started", "campaign_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    lead_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign_leads.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first call to the lead
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    call_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    placed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    callback_at: Mapped[datetime | None] = mapped_column(nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)


class MeetingParticipant(Base):
    """Someone a meeting request needs, with the times they said they are free
    (``availability``: ``[{"start": iso, "end": iso}, ...]`` in UTC), for group
    scheduling."""

    __tablename__ = "meeting_participants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    meeting_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_requests.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    phone_e164: Mapped[str | None] = mapped_column(String(20), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    availability: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DoNotCallEntry(Base):
    """A number no business on this server may call or text: the operator's list (a
    national registry extract, a complaint). A business's own opt-outs live on its
    customers (``Customer.do_not_call``)."""

    __tablename__ = "do_not_call"

    phone_e164: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerHeartbeat(Base):
    """A ``frontdesk worker`` process saying it is alive (``/ready`` reads the newest).
    Its row goes when it stops; a killed one's row simply grows old."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- calpush (issue 17 D: calendar push notifications) ------------------------------------


class CalendarPushChannel(Base):
    """A channel through which Google (``events.watch``) or Microsoft Graph (a change
    notification subscription) tells us that one calendar of a connection changed.

    ``id`` is also the Google channel id we chose; ``external_id`` is what the provider
    named it (Google's ``resourceId``, Graph's subscription id). ``token_hash`` is the
    SHA-256 of the secret the provider echoes with every notification (Google's channel
    token, Graph's ``clientState``): we only ever compare it, so only its digest is kept.
    ``status``: "active"; "stopping" (replaced or orphaned, to be stopped at the
    provider); "gone" (the provider dropped it: a new one is made).
    """

    __tablename__ = "calendar_push_channels"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("calendar_connections.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    calendar: Mapped[str] = mapped_column(String(1000))
    external_id: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="active")
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_notified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Google numbers each channel's messages: a number seen already is a redelivery.
    last_message: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# --- analysis (issue 17): staff's feedback on conversations and replies ---------------


class ConversationFeedback(Base):
    """A staff member's rating of a whole conversation (``turn_seq`` NULL) or of one
    agent reply (its ``seq``). One current rating per (conversation, reply, author): a
    new one replaces the old, which the unique index enforces (NULL counted as 0)."""

    __tablename__ = "conversation_feedback"
    __table_args__ = (
        Index("uq_conversation_feedback_author", "conversation_id",
              text("coalesce(turn_seq, 0)"), "author", unique=True),
        Index("ix_conversation_feedback_tenant_rating", "tenant_id", "rating"),
        CheckConstraint("rating IN ('good', 'bad')", name="ck_conversation_feedback_rating"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    turn_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[str] = mapped_column(String(4))  # good | bad
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    category: Mapped[str | None] = mapped_column(String(24), nullable=True)
    # Who rated: "api_key:<id>" or "user:<id>" (a key or a dashboard user may rate).
    author: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- webhooks (issue 17): signed events out to the business's own systems ---


class WebhookEndpoint(Base):
    """A URL of the business's that receives signed events (docs/WEBHOOKS.md).

    ``secret`` is the Standard Webhooks signing secret (``whsec_`` + base64), encrypted
    with the deployment's key like calendar credentials (``frontdesk.security``); it is
    shown to the business once, when created or rotated."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The event types it wants; [] or ["*"]: every type.
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    secret: Mapped[str] = mapped_column(Text)
    # After a rotation the old secret signs too, beside the new one, until this time:
    # receivers move to the new secret without refusing a single event (revision 0025).
    previous_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Failed attempts since the last delivered one, and when that run of failures began:
    # the auto-disable policy reads both (ADR 0064).
    failure_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_failure_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """One attempt to deliver one event to one endpoint, as it went: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint_at", "endpoint_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    # The outbox row that carried the event (no foreign key: retention may delete it
    # while its attempts stay in the log).
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    response_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)  # <= 1 KB
    at: Mapped[datetime] = mapped_column(default=utcnow)
