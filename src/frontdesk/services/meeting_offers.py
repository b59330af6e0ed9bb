"""Times to offer a person for a campaign's meeting request, and what they say back.

Offers come from the real slot search (``availability.find_slots``: hours, existing
bookings, calendars, the booking policy) for the request's service, on its resource when
it names one, and keep only slots whose whole meeting lies inside the request's hard
constraints (``allowed_intervals``); they are ranked by its soft preferences
(``soft_score``, then earliest) and spread over different days. Booking one goes through
the agent's normal ``book`` tool, so the booking service's no-double-booking guarantee
holds as for any caller.

When nothing offered suits the person, their own words ("I'm free Tuesday after 2 or
Thursday morning") become availability windows on their ``MeetingParticipant`` for the
request: one row per customer per request, each new statement added to what they said
before (``meeting_participants``: stored as checked, merged UTC windows).
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.scheduling import Slot, distinct_starts, spread
from frontdesk.scheduling.constraints import allowed_intervals, soft_score
from frontdesk.scheduling.intervals import intersect
from frontdesk.scheduling.types import Interval
from frontdesk.services import availability, meeting_participants
from frontdesk.services.agent_context import open_slots
from frontdesk.services.lookup import locked_scoped
from frontdesk.services.outbound_context import CampaignContext
from frontdesk.services.stated_availability import windows_from_text
from frontdesk.store.db import write_session
from frontdesk.store.models import MeetingParticipant, MeetingRequest, Tenant

__all__ = ["MeetingSlot", "meeting_slots", "save_availability", "stated_windows"]

OFFERS = 3


@dataclass(frozen=True, slots=True)
class MeetingSlot:
    start: datetime  # aware, UTC
    end: datetime
    resource_id: uuid.UUID
    resource_name: str


def meeting_slots(
    factory: sessionmaker[Session],
    tenant: Tenant,
    campaign: CampaignContext,
    *,
    now: datetime,
    within: Sequence[Interval] | None = None,
    limit: int = OFFERS,
) -> list[MeetingSlot]:
    """Up to ``limit`` free times for the request, inside its hard constraints (and
    inside ``within``, the person's own windows, when given), best by its soft
    preferences first, on different days where possible; in time order."""
    if campaign.service_id is None or not campaign.request_open:
        return []
    hard = campaign.hard
    allowed = allowed_intervals(hard)
    if within is not None:
        allowed = intersect(allowed, within)
    start = max(hard.window_start.astimezone(UTC), now.astimezone(UTC))
    if allowed:
        start = max(start, allowed[0][0])
    # The slot search looks at most MAX_WINDOW ahead at a time (the earliest rank first).
    end = min(hard.window_end.astimezone(UTC), start + availability.MAX_WINDOW)
    if allowed:
        end = min(end, allowed[-1][1])
    if not allowed or end <= start:
        return []
    slots, names = open_slots(factory, tenant, campaign.service_id, start, end,
                              resource_id=campaign.resource_id, now=now)
    length = timedelta(minutes=campaign.duration_minutes)
    inside = [s for s in distinct_starts(slots)
              if _contained(s.start, max(s.end, s.start + length), allowed)]
    zone = hard.zone()
    ranked = sorted(inside, key=lambda s: (-soft_score(s.start, campaign.soft, zone), s.start))
    chosen = sorted(spread(ranked, limit, zone), key=lambda s: s.start)
    return [_meeting_slot(s, names) for s in chosen]


def stated_windows(campaign: CampaignContext, text: str, now: datetime) -> list[Interval]:
    """The windows ``text`` says the person is free, read in their zone, inside the
    request's hard constraints; [] when it names none (nothing to store)."""
    try:
        return windows_from_text(text, campaign.timezone, now, campaign.hard,
                                 meeting=timedelta(minutes=campaign.duration_minutes))
    except InvalidInput:
        return []


def save_availability(
    factory: sessionmaker[Session],
    tenant: Tenant,
    campaign: CampaignContext,
    windows: Sequence[Interval],
) -> uuid.UUID | None:
    """Add ``windows`` to the lead's participant row for the request (created on first
    use); its id, or None when the request no longer takes availability (not open)."""
    if not windows:
        return None
    with write_session(factory) as session:
        try:
            # Locked: two conversations of one person never make two rows.
            locked_scoped(session, MeetingRequest, tenant.id, campaign.meeting_request_id)
            row = _participant(session, campaign)
            if row is None:
                fields = meeting_participants.ParticipantFields(
                    name=campaign.lead_name or campaign.phone, customer_id=campaign.customer_id,
                    timezone=campaign.timezone)
                row = meeting_participants.add_participant(
                    session, tenant, campaign.meeting_request_id, fields, list(windows))
            else:
                said = meeting_participants.availability_of(row) + list(windows)
                row = meeting_participants.record_availability(session, tenant, row.id, said)
        except (Conflict, InvalidInput):
            session.rollback()
            return None
        return row.id


def _participant(session: Session, campaign: CampaignContext) -> MeetingParticipant | None:
    return session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_request_id == campaign.meeting_request_id,
               MeetingParticipant.customer_id == campaign.customer_id)
        .order_by(MeetingParticipant.created_at).limit(1)).first()


def _contained(start: datetime, end: datetime, allowed: Sequence[Interval]) -> bool:
    """``[start, end)`` lies inside one of the sorted, disjoint ``allowed`` intervals."""
    i = bisect_right([a for a, _ in allowed], start) - 1
    return i >= 0 and allowed[i][0] <= start and end <= allowed[i][1]


def _meeting_slot(slot: Slot, names: dict[Hashable, str]) -> MeetingSlot:
    return MeetingSlot(slot.start.astimezone(UTC), slot.end.astimezone(UTC),
                       uuid.UUID(str(slot.resource_id)), names.get(slot.resource_id, ""))
