"""Confirm a group meeting: the slot that suits the most participants, booked once, and
everyone told (issue 12, ``POST /api/v1/meeting-requests/{id}/confirm-best-slot``).

Candidates come from the real slot search (the request's service, on its resource when
it names one) inside the hard window; the pure optimizer (``scheduling.group_slots``)
picks among them with each participant's stored availability. The booking goes through
the booking service, so double booking stays impossible, and in its own transaction
(``booking.book(also=...)``) this module locks the request, counts the bookings made for
it, marks it fulfilled when that reaches ``bookings_wanted`` (refusing one too many),
and writes one message per participant. A booking belongs to a request through its
idempotency key, ``meeting-request:<request id>:...``: no column is needed, and a
client's key (sent again after a lost answer) finds the same booking.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import Conflict
from frontdesk.scheduling.group_slots import BestSlot, choose_best_slot
from frontdesk.scheduling.types import Slot
from frontdesk.services import availability, booking, calendars
from frontdesk.services.booking_plan import find_by_key
from frontdesk.services.lookup import get_scoped, locked_scoped
from frontdesk.services.meeting_participants import availability_of
from frontdesk.services.meeting_requests import hard_from_json, soft_from_json
from frontdesk.services.notices import outbox
from frontdesk.services.notices.meeting_messages import participant_drafts
from frontdesk.services.notices.messages import sender_for
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    MeetingParticipant,
    MeetingRequest,
    MeetingRequestStatus,
    Service,
    Tenant,
)

__all__ = ["GroupConfirmation", "confirm_best_slot"]


@dataclass(frozen=True, slots=True)
class GroupConfirmation:
    """The chosen slot, who can come, why it won, and (unless a dry run) the booking."""

    best: BestSlot[uuid.UUID]
    participants: dict[uuid.UUID, str]  # id -> name, in the request's order
    appointment: Appointment | None
    notified: tuple[uuid.UUID, ...]  # participants a message was written for
    request_status: str
    replayed: bool = False


def confirm_best_slot(
    factory: sessionmaker[Session],
    tenant: Tenant,
    request_id: uuid.UUID,
    *,
    dry_run: bool = False,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> GroupConfirmation:
    """Choose, book and announce the best slot (or with ``dry_run`` only choose it).

    Conflict (409) when the request is not open, names no service, has no participants,
    or when no open slot suits any participant."""
    now = now or datetime.now(UTC)
    prefix = f"meeting-request:{request_id}"
    key = _request_key(prefix, idempotency_key) if idempotency_key else None
    with factory() as session:
        request = get_scoped(session, MeetingRequest, tenant.id, request_id)
        people = _participants(session, request)
        if key is not None and not dry_run:
            earlier = find_by_key(session, tenant, key)
            if earlier is not None:  # answered before: the same booking, told again
                return _replay(request, people, earlier)
        service = _bookable(session, tenant, request, people)
        best = _choose(session, tenant, request, service, people, now)
        number = _bookings_made(session, request.id, active_only=False) + 1
    names = {p.id: p.name for p in people}
    if dry_run:
        return GroupConfirmation(best, names, None, (), request.status)
    notified: list[uuid.UUID] = []
    status: list[str] = []

    def settle(session: Session, appointment: Appointment) -> None:
        notified.extend(_settle(session, tenant, request_id, appointment, status))

    result = booking.book(factory, tenant, booking.BookingRequest(
        service_id=service.id, start=best.slot.start, resource_id=uuid.UUID(
            str(best.slot.resource_id)), source="api",
        idempotency_key=key or f"{prefix}:{number}",
        notes=f"{request.title}: " + ", ".join(names[p] for p in best.available)),
        now=now, also=settle)
    if result.replayed:  # a copy of this call booked it first (the same key)
        with factory() as session:
            return _replay(request, _participants(session, request), result.appointment)
    return GroupConfirmation(best, names, result.appointment, tuple(notified), status[0])


def _request_key(prefix: str, raw: str) -> str:
    """The client's key under the request's prefix, hashed when it would not fit the
    appointments' key column (200 characters)."""
    key = f"{prefix}:k:{raw}"
    return key if len(key) <= 200 else f"{prefix}:h:{hashlib.sha256(raw.encode()).hexdigest()}"


def _participants(session: Session, request: MeetingRequest) -> list[MeetingParticipant]:
    return list(session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_request_id == request.id)
        .order_by(MeetingParticipant.created_at, MeetingParticipant.id)))


def _bookable(session: Session, tenant: Tenant, request: MeetingRequest,
              people: list[MeetingParticipant]) -> Service:
    where = {"meeting_request_id": str(request.id)}
    if request.status != MeetingRequestStatus.OPEN.value:
        raise Conflict(f"This meeting request is {request.status}: there is nothing to "
                       "confirm.", **where)
    if request.service_id is None:
        raise Conflict("This meeting request names no service to book: set its service_id.",
                       **where)
    if not people:
        raise Conflict("This meeting request has no participants yet: add them, with "
                       "when they are free, first.", **where)
    return get_scoped(session, Service, tenant.id, request.service_id)


def _choose(session: Session, tenant: Tenant, request: MeetingRequest, service: Service,
            people: list[MeetingParticipant], now: datetime) -> BestSlot[uuid.UUID]:
    hard, soft = hard_from_json(request.hard_constraints), soft_from_json(request.soft_constraints)
    start = max(hard.window_start.astimezone(UTC), now)
    # The slot search looks at most MAX_WINDOW ahead at a time: a longer request window
    # is confirmed from its first two months (the earliest times rank first anyway).
    end = min(hard.window_end.astimezone(UTC), start + availability.MAX_WINDOW)
    candidates: list[Slot] = []
    if end > start:
        candidates = availability.find_slots(session, tenant, service.id, start, end,
                                             resource_id=request.resource_id, now=now)
    best = choose_best_slot(
        candidates, {p.id: availability_of(p) for p in people}, hard, soft,
        duration=calendars.service_spec(service).duration, tz=hard.zone())
    if best is None or not best.available:
        raise Conflict("No open time inside the request's hard constraints suits any "
                       "participant: collect more availability or widen the window.",
                       meeting_request_id=str(request.id), candidates=len(candidates))
    return best


def _bookings_made(session: Session, request_id: uuid.UUID, *, active_only: bool = True) -> int:
    """Appointments booked for the request (their keys carry its id); with
    ``active_only`` those not cancelled since."""
    query = select(func.count()).select_from(Appointment).where(
        Appointment.idempotency_key.startswith(f"meeting-request:{request_id}:"))
    if active_only:
        query = query.where(Appointment.status != AppointmentStatus.CANCELLED.value)
    return int(session.scalar(query) or 0)


def _settle(session: Session, tenant: Tenant, request_id: uuid.UUID,
            appointment: Appointment, status: list[str]) -> list[uuid.UUID]:
    """In the booking's transaction: count it toward the request, and tell everyone."""
    request = locked_scoped(session, MeetingRequest, tenant.id, request_id)
    if request.status != MeetingRequestStatus.OPEN.value:
        raise Conflict(f"This meeting request became {request.status} meanwhile.",
                       meeting_request_id=str(request.id))
    made = _bookings_made(session, request.id)  # this booking included
    if made > request.bookings_wanted:
        raise Conflict("This meeting request already has the bookings it wanted.",
                       meeting_request_id=str(request.id))
    if made == request.bookings_wanted:
        request.status = MeetingRequestStatus.FULFILLED.value
    status.append(request.status)
    people = _participants(session, request)
    lang = tenant.languages[0] if tenant.languages[0] in ("en", "es") else "en"
    sender = sender_for(session, tenant) if any(p.phone_e164 for p in people) else None
    drafts = participant_drafts(tenant, request, appointment, people, sender=sender, lang=lang)
    outbox.write(session, drafts)
    session.flush()
    by_recipient = {d.dedupe_key.rsplit(":", 1)[1] for d in drafts}
    return [p.id for p in people if str(p.id) in by_recipient]


def _replay(request: MeetingRequest, people: list[MeetingParticipant],
            appointment: Appointment) -> GroupConfirmation:
    """The answer to a call already made: the booked slot, with who can come to it."""
    slot = Slot(appointment.start_at, appointment.end_at, appointment.resource_id)
    hard = hard_from_json(request.hard_constraints)
    # Read the booked slot alone, inside a window that surely holds it.
    wide = type(hard)(window_start=appointment.start_at - timedelta(days=1),
                      window_end=appointment.end_at + timedelta(days=1), timezone=hard.timezone)
    best = choose_best_slot([slot], {p.id: availability_of(p) for p in people}, wide,
                            soft_from_json(request.soft_constraints),
                            duration=appointment.end_at - appointment.start_at, tz=hard.zone())
    assert best is not None
    notified = tuple(p.id for p in people if p.phone_e164 or p.email)
    return GroupConfirmation(best, {p.id: p.name for p in people}, appointment, notified,
                             request.status, replayed=True)
