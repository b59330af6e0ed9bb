"""A business's figures over its last few days: bookings per day, how often each channel's
conversations end in a booking, calls handled vs transferred, how long conversations
take, how many customers do not show up, and why callers were handed to a person.

Plain values, one query per figure. Counts, sums and rates are computed by the database;
the per-day series read one timestamp column for the period and count by the business's
local day here, because grouping by a zone's day in SQL needs the zone database, which
SQLite does not have (ADR 0042). The period is whole local days, today included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, exists, extract, func, select
from sqlalchemy.orm import Session

from frontdesk.errors import InvalidInput
from frontdesk.services.calls import CHANNEL as CALL_CHANNEL
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    ConversationOutcome,
    ConversationTurn,
    Tenant,
)

MAX_DAYS = 366
# Channels every business has (a row each, even at zero); any other one found is added.
CHANNELS = ("phone", "chat", "sms")
TRANSFER_TOOL = "transfer_to_human"
TOP_REASONS = 5
_BOOKED = ConversationOutcome.BOOKED.value
_TRANSFERRED = ConversationOutcome.TRANSFERRED.value


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``first``..``last`` (inclusive), as UTC instants [since, until)."""

    first: date
    last: date
    since: datetime
    until: datetime
    zone: ZoneInfo

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True, slots=True)
class ChannelRate:
    channel: str
    conversations: int
    booked: int

    @property
    def rate(self) -> float:
        return self.booked / self.conversations if self.conversations else 0.0


@dataclass(frozen=True, slots=True)
class CallDay:
    day: date
    handled: int  # ended without a transfer
    transferred: int


@dataclass(frozen=True, slots=True)
class HandleTime:
    channel: str
    conversations: int  # ended ones: a live conversation has no length yet
    total_s: float

    @property
    def average_s(self) -> float:
        return self.total_s / self.conversations if self.conversations else 0.0


@dataclass(frozen=True, slots=True)
class NoShows:
    completed: int
    no_show: int

    @property
    def rate(self) -> float:
        seen = self.completed + self.no_show
        return self.no_show / seen if seen else 0.0


@dataclass(frozen=True, slots=True)
class TransferReason:
    reason: str | None  # None: transfers whose reason was not recorded
    count: int


@dataclass(frozen=True, slots=True)
class Insights:
    period: Period
    bookings: list[DayCount]
    channels: list[ChannelRate]
    calls: list[CallDay]
    handle_times: list[HandleTime]
    no_shows: NoShows
    transfer_reasons: list[TransferReason]

    @property
    def total_bookings(self) -> int:
        return sum(d.count for d in self.bookings)

    @property
    def calls_handled(self) -> int:
        return sum(d.handled for d in self.calls)

    @property
    def calls_transferred(self) -> int:
        return sum(d.transferred for d in self.calls)

    @property
    def average_handle_s(self) -> float:
        ended = sum(h.conversations for h in self.handle_times)
        return sum(h.total_s for h in self.handle_times) / ended if ended else 0.0

    @property
    def booking_rate(self) -> float:
        return ChannelRate("all", sum(c.conversations for c in self.channels),
                           sum(c.booked for c in self.channels)).rate

    @property
    def empty(self) -> bool:
        return not (self.total_bookings or any(c.conversations for c in self.channels)
                    or self.no_shows.completed or self.no_shows.no_show)


def period(tenant: Tenant, days: int, now: datetime | None = None) -> Period:
    """The last ``days`` local days of the business, today included."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}, not {days}.", field="days")
    zone = ZoneInfo(tenant.timezone)
    last = (now or datetime.now(UTC)).astimezone(zone).date()
    first = last - timedelta(days=days - 1)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return Period(first, last, midnight(first), midnight(last + timedelta(days=1)), zone)


def insights(session: Session, tenant: Tenant, days: int,
             now: datetime | None = None) -> Insights:
    when = period(tenant, days, now)
    return Insights(
        period=when,
        bookings=bookings_per_day(session, tenant, when),
        channels=booking_rates(session, tenant, when),
        calls=calls_per_day(session, tenant, when),
        handle_times=handle_times(session, tenant, when),
        no_shows=no_shows(session, tenant, when),
        transfer_reasons=transfer_reasons(session, tenant, when),
    )


def _started_in(when: Period) -> ColumnElement[bool]:
    return and_(Conversation.started_at >= when.since, Conversation.started_at < when.until)


def _per_day(when: Period, instants: list[datetime]) -> dict[date, int]:
    counts = dict.fromkeys(when.days, 0)
    for instant in instants:
        day = instant.astimezone(when.zone).date()
        if day in counts:  # the query bounds the rows; this only guards
            counts[day] += 1
    return counts


def bookings_per_day(session: Session, tenant: Tenant, when: Period) -> list[DayCount]:
    """Appointments made each day, whatever became of them since (a booking made and
    later cancelled was still a booking the front desk took)."""
    made = session.scalars(select(Appointment.created_at).where(
        Appointment.tenant_id == tenant.id, Appointment.created_at >= when.since,
        Appointment.created_at < when.until))
    return [DayCount(day, n) for day, n in _per_day(when, list(made)).items()]


def _with_others(found: Iterable[str]) -> list[str]:
    """Every business's channels, then any other one its rows name, by name."""
    return [*CHANNELS, *sorted(set(found) - set(CHANNELS))]


def booking_rates(session: Session, tenant: Tenant, when: Period) -> list[ChannelRate]:
    """Per channel: conversations started in the period, and those that ended booked."""
    rows = session.execute(
        select(Conversation.channel, func.count(),
               func.sum(case((Conversation.outcome == _BOOKED, 1), else_=0)))
        .where(Conversation.tenant_id == tenant.id, _started_in(when))
        .group_by(Conversation.channel))
    found = {channel: ChannelRate(channel, int(n), int(booked or 0))
             for channel, n, booked in rows}
    return [found.get(c, ChannelRate(c, 0, 0)) for c in _with_others(found)]


def calls_per_day(session: Session, tenant: Tenant, when: Period) -> list[CallDay]:
    """Phone calls (every voice door records as ``phone``) that ended, by the day they
    started: handed to a person, or handled to the end by the front desk."""
    rows = session.execute(select(Conversation.started_at, Conversation.outcome).where(
        Conversation.tenant_id == tenant.id, Conversation.channel == CALL_CHANNEL,
        _started_in(when), Conversation.ended_at.is_not(None))).all()
    transferred = _per_day(when, [at for at, outcome in rows if outcome == _TRANSFERRED])
    handled = _per_day(when, [at for at, outcome in rows if outcome != _TRANSFERRED])
    return [CallDay(day, handled[day], transferred[day]) for day in when.days]


def _seconds(session: Session) -> ColumnElement[Any]:
    """Seconds from a conversation's start to its end, in the database's own dialect
    (PostgreSQL subtracts timestamps; SQLite stores fixed-width UTC text)."""
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", Conversation.ended_at - Conversation.started_at)
    return (func.julianday(Conversation.ended_at)
            - func.julianday(Conversation.started_at)) * 86400.0


def handle_times(session: Session, tenant: Tenant, when: Period) -> list[HandleTime]:
    rows = session.execute(
        select(Conversation.channel, func.count(), func.sum(_seconds(session)))
        .where(Conversation.tenant_id == tenant.id, _started_in(when),
               Conversation.ended_at.is_not(None))
        .group_by(Conversation.channel))
    found = {channel: HandleTime(channel, int(n), round(float(total or 0), 3))
             for channel, n, total in rows}
    return [found.get(c, HandleTime(c, 0, 0.0)) for c in _with_others(found)]


def no_shows(session: Session, tenant: Tenant, when: Period) -> NoShows:
    """Appointments due in the period that were marked: attended, or not."""
    rows = {status: n for status, n in session.execute(
        select(Appointment.status, func.count())
        .where(Appointment.tenant_id == tenant.id, Appointment.start_at >= when.since,
               Appointment.start_at < when.until,
               Appointment.status.in_((AppointmentStatus.COMPLETED.value,
                                       AppointmentStatus.NO_SHOW.value)))
        .group_by(Appointment.status))}
    return NoShows(int(rows.get(AppointmentStatus.COMPLETED.value, 0)),
                   int(rows.get(AppointmentStatus.NO_SHOW.value, 0)))


def transfer_reasons(session: Session, tenant: Tenant, when: Period,
                     top: int = TOP_REASONS) -> list[TransferReason]:
    """The most frequent reasons among transferred conversations, then how many were
    transferred with no reason on record. A reason is recorded when the transfer tool
    runs: the LLM driver calls it with one, and the rules engine calls it with its own
    (conversation/agent.py)."""
    reason = func.lower(func.trim(ConversationTurn.tool_args["reason"].as_string()))
    transferred = (Conversation.tenant_id == tenant.id, _started_in(when),
                   Conversation.outcome == _TRANSFERRED)
    counted = session.execute(
        select(reason, func.count(func.distinct(Conversation.id)))
        .join(ConversationTurn, ConversationTurn.conversation_id == Conversation.id)
        .where(*transferred, ConversationTurn.tool_name == TRANSFER_TOOL, reason != "")
        .group_by(reason).order_by(func.count(func.distinct(Conversation.id)).desc(), reason)
        .limit(top)).all()
    has_reason = exists().where(ConversationTurn.conversation_id == Conversation.id,
                                ConversationTurn.tool_name == TRANSFER_TOOL, reason != "")
    unrecorded = session.scalar(select(func.count()).where(*transferred, ~has_reason)) or 0
    found = [TransferReason(str(text), int(n)) for text, n in counted]
    return found + ([TransferReason(None, int(unrecorded))] if unrecorded else [])
