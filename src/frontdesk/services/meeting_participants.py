"""The people a meeting request needs, and the times they said they are free (issue 12).

Availability is stored as UTC windows (``[{"start": iso, "end": iso}, ...]``), sorted
and joined, whoever states it: the API with explicit windows or words, or the outbound
conversation with what a person said on the call (``stated_availability``). Only an open
request's participants change: a fulfilled or cancelled meeting is settled.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput, NotFound
from frontdesk.scheduling.intervals import merge
from frontdesk.scheduling.types import Interval
from frontdesk.services.customers import normalize_phone
from frontdesk.services.lookup import get_scoped, locked_scoped
from frontdesk.services.meeting_requests import hard_from_json
from frontdesk.services.stated_availability import windows_from_text
from frontdesk.services.zones import check_timezone
from frontdesk.store.models import (
    Customer,
    MeetingParticipant,
    MeetingRequest,
    MeetingRequestStatus,
    Tenant,
)

__all__ = [
    "MAX_PARTICIPANTS",
    "MAX_WINDOWS",
    "Availability",
    "ParticipantFields",
    "SaidAvailability",
    "add_participant",
    "availability_of",
    "list_participants",
    "record_availability",
    "remove_participant",
    "update_participant",
]

MAX_PARTICIPANTS = 100  # one meeting; also bounds the optimizer's work per request
MAX_WINDOWS = 50  # per participant: more is a calendar, not something a person says
MAX_WINDOW_LENGTH = timedelta(days=31)
# A window this far outside the request's own window cannot be meant for it.
MAX_DISTANCE = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class SaidAvailability:
    """Availability in a person's own words, read by ``windows_from_text`` in
    ``timezone`` (default: the participant's, else the request's) at ``now``."""

    text: str
    timezone: str | None = None
    now: datetime | None = None


# Explicit windows, or words to read them from.
Availability = Sequence[Interval] | SaidAvailability


@dataclass(frozen=True, slots=True)
class ParticipantFields:
    """What a caller may set; None means "not given" (unchanged on update)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    timezone: str | None = None
    customer_id: uuid.UUID | None = None


def add_participant(
    session: Session,
    tenant: Tenant,
    request_id: uuid.UUID,
    fields: ParticipantFields,
    availability: Availability | None = None,
) -> MeetingParticipant:
    request = _open_request(session, tenant, request_id)
    count = session.scalar(select(func.count()).select_from(MeetingParticipant).where(
        MeetingParticipant.meeting_request_id == request.id))
    if (count or 0) >= MAX_PARTICIPANTS:
        raise Conflict(f"A meeting request holds at most {MAX_PARTICIPANTS} participants.",
                       meeting_request_id=str(request.id))
    row = MeetingParticipant(tenant_id=tenant.id, meeting_request_id=request.id,
                             name="", availability=[])
    _apply(session, tenant, row, fields)
    if not row.name:
        raise InvalidInput("Give the participant's name.", field="name")
    if availability is not None:
        row.availability = _stored(_windows(request, row, availability))
    session.add(row)
    session.flush()
    return row


def list_participants(
    session: Session, tenant: Tenant, request_id: uuid.UUID
) -> list[MeetingParticipant]:
    request = get_scoped(session, MeetingRequest, tenant.id, request_id)
    return list(session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_request_id == request.id)
        .order_by(MeetingParticipant.created_at, MeetingParticipant.id)))


def update_participant(
    session: Session,
    tenant: Tenant,
    request_id: uuid.UUID,
    participant_id: uuid.UUID,
    fields: ParticipantFields,
    availability: Availability | None = None,
) -> MeetingParticipant:
    """Change a participant's details; ``availability`` (when given) replaces the
    stored windows."""
    request = _open_request(session, tenant, request_id)
    row = _participant(session, tenant, request, participant_id)
    _apply(session, tenant, row, fields)
    if availability is not None:
        row.availability = _stored(_windows(request, row, availability))
    session.flush()
    return row


def record_availability(
    session: Session, tenant: Tenant, participant_id: uuid.UUID, windows: Sequence[Interval]
) -> MeetingParticipant:
    """Replace what a participant said about when they are free (the outbound
    conversation's entry point: it knows the participant, not the request's URL)."""
    row = session.get(MeetingParticipant, participant_id)
    if row is None or row.tenant_id != tenant.id:
        raise NotFound(f"No meeting participant with id {participant_id} in this business.",
                       participant_id=str(participant_id))
    request = _open_request(session, tenant, row.meeting_request_id)
    row.availability = _stored(checked_windows(request, windows))
    session.flush()
    return row


def remove_participant(
    session: Session, tenant: Tenant, request_id: uuid.UUID, participant_id: uuid.UUID
) -> None:
    request = _open_request(session, tenant, request_id)
    session.delete(_participant(session, tenant, request, participant_id))
    session.flush()


def availability_of(row: MeetingParticipant) -> list[Interval]:
    """A participant's stored windows as aware UTC intervals."""
    return [(_utc(w["start"]), _utc(w["end"])) for w in row.availability or []]


def checked_windows(request: MeetingRequest, windows: Sequence[Interval]) -> list[Interval]:
    """Windows as stored: aware, each start before its end, at most a month long, near
    the request's window, at most ``MAX_WINDOWS``; sorted and joined, in UTC."""
    if len(windows) > MAX_WINDOWS:
        raise InvalidInput(f"At most {MAX_WINDOWS} availability windows per participant.",
                           field="availability")
    first = datetime.fromisoformat(request.hard_constraints["window_start"]) - MAX_DISTANCE
    last = datetime.fromisoformat(request.hard_constraints["window_end"]) + MAX_DISTANCE
    utc: list[Interval] = []
    for i, (start, end) in enumerate(windows):
        where = f"availability[{i}]"
        if start.utcoffset() is None or end.utcoffset() is None:
            raise InvalidInput("Availability times need a UTC offset.", field=where)
        if end <= start:
            raise InvalidInput("An availability window must end after it starts.", field=where)
        if end - start > MAX_WINDOW_LENGTH:
            raise InvalidInput(f"An availability window lasts at most "
                               f"{MAX_WINDOW_LENGTH.days} days.", field=where)
        if start < first or end > last:
            raise InvalidInput("This window lies too far from the meeting request's window "
                               f"(more than {MAX_DISTANCE.days} days).", field=where)
        utc.append((start.astimezone(UTC), end.astimezone(UTC)))
    return merge(utc)


def _windows(request: MeetingRequest, row: MeetingParticipant,
             availability: Availability) -> list[Interval]:
    if isinstance(availability, SaidAvailability):
        zone = availability.timezone or row.timezone or request.timezone
        availability = windows_from_text(
            availability.text, zone, availability.now, hard_from_json(request.hard_constraints),
            meeting=timedelta(minutes=request.duration_minutes))
    return checked_windows(request, availability)


def _stored(windows: list[Interval]) -> list[dict[str, str]]:
    return [{"start": a.isoformat(), "end": b.isoformat()} for a, b in windows]


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _open_request(session: Session, tenant: Tenant, request_id: uuid.UUID) -> MeetingRequest:
    request = locked_scoped(session, MeetingRequest, tenant.id, request_id)
    if request.status != MeetingRequestStatus.OPEN.value:
        raise Conflict(f"This meeting request is {request.status}; only an open one's "
                       "participants can change.", meeting_request_id=str(request.id))
    return request


def _participant(session: Session, tenant: Tenant, request: MeetingRequest,
                 participant_id: uuid.UUID) -> MeetingParticipant:
    row = session.get(MeetingParticipant, participant_id)
    if row is None or row.tenant_id != tenant.id or row.meeting_request_id != request.id:
        raise NotFound(f"No participant with id {participant_id} in this meeting request.",
                       participant_id=str(participant_id))
    return row


def _apply(session: Session, tenant: Tenant, row: MeetingParticipant,
           fields: ParticipantFields) -> None:
    if fields.name is not None:
        row.name = fields.name
    if fields.phone is not None:
        row.phone_e164 = normalize_phone(fields.phone, tenant.country)
    if fields.email is not None:
        row.email = fields.email
    if fields.timezone is not None:
        row.timezone = check_timezone(fields.timezone)
    if fields.customer_id is not None:
        customer = get_scoped(session, Customer, tenant.id, fields.customer_id)
        row.customer_id = customer.id
        # What the customer record knows fills what was not given.
        row.phone_e164 = row.phone_e164 or customer.phone_e164
        row.email = row.email or customer.email
        row.timezone = row.timezone or customer.timezone
        row.name = row.name or customer.name or ""
