"""Availability: which times can a service be booked, as the booking check would see them.

``search_slots`` pages: it returns ``limit`` slots and an opaque cursor for the next page,
and costs about what it returns (``scheduling.slot_stream``). ``find_slots`` returns
every slot of the window (callers that rank or spread them all, e.g. the dialogue).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import BookingRefused, InvalidInput, RefusalCode
from frontdesk.scheduling import (
    Slot,
    SlotCursor,
    SlotPreferences,
    find_open_slots,
    rank_slots,
    scan_slot_page,
)
from frontdesk.services import calendars
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Resource, Service, Tenant

MAX_WINDOW = timedelta(days=62)


def find_slots(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    resource_id: uuid.UUID | None = None,
    preferences: SlotPreferences | None = None,
    now: datetime | None = None,
    moving: uuid.UUID | None = None,
) -> list[Slot]:
    """Bookable slots for a service in [start, end), across every resource that offers it.

    ``moving``: an appointment being rescheduled. Its own time is free for it (as the
    reschedule itself sees it), so "half an hour later" can overlap where it is now.
    """
    found = _offering(session, tenant, service_id, start, end, resource_id)
    if found is None:
        return []
    service, refs = found
    now = now or datetime.now(UTC)
    tz = calendars.tenant_zone(tenant)
    if moving is None:
        loaded = calendars.cached_calendars(session, tenant, refs, start, end, now=now)
    else:  # read fresh, leaving that appointment out (the cache holds everyone's)
        found_by_id = {
            r.id: r
            for r in session.scalars(select(Resource).where(Resource.id.in_([r.id for r in refs])))
        }
        resources = [found_by_id[r.id] for r in refs if r.id in found_by_id]
        loaded = calendars.load_calendars(
            session, tenant, resources, start, end, exclude_appointment=moving, fresh=False
        )
    slots = find_open_slots(
        calendars.service_spec(service),
        calendars.booking_policy(tenant),
        loaded,
        window_start=start.astimezone(UTC),
        window_end=end.astimezone(UTC),
        now=now,
        tz=tz,
    )
    if preferences is not None:
        slots = rank_slots(slots, preferences, tz)
    return slots


@dataclass(frozen=True, slots=True)
class SlotPage:
    slots: list[Slot]
    next_cursor: str | None  # pass as ``after`` for the next page; None: no more


# A page is first looked for in the window's first day, then its first week, and only
# then in the whole window: a page that fills early loads (and scans) only that part.
_PARTS = (timedelta(days=1), timedelta(days=7))


def search_slots(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    limit: int,
    after: str | None = None,
    resource_id: uuid.UUID | None = None,
    preferences: SlotPreferences | None = None,
    distinct: bool = False,
    now: datetime | None = None,
) -> SlotPage:
    """The first ``limit`` of ``find_slots``' slots (one per start time when
    ``distinct``) after the cursor ``after``, and the cursor of the next page.

    Pages are in ``find_slots``' order (ranked by ``preferences`` when given). A cursor
    holds the last slot's rank, start and resource; it stays valid as calendars change
    (a page never repeats or skips a slot that stayed free, except that a resource no
    longer offering the service makes its position fall back to before every resource
    at that start). Raises InvalidInput for a cursor this function did not make.
    """
    found = _offering(session, tenant, service_id, start, end, resource_id)
    if found is None:
        return SlotPage([], None)
    service, refs = found
    now = now or datetime.now(UTC)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    cursor = None if after is None else _decode(after, refs)
    # Slots before the cursor's start were on earlier pages, whatever their rank.
    first = start if cursor is None else min(max(start, cursor.start), end)
    parts = [first + part for part in _PARTS if first + part < end]
    for part_end in [*parts, end]:
        # Ranked pages need the whole window unless the best rank fills within a part.
        part_start = start if part_end == end and preferences is not None else first
        page = scan_slot_page(
            calendars.service_spec(service),
            calendars.booking_policy(tenant),
            calendars.cached_calendars(session, tenant, refs, part_start, part_end, now=now),
            window_start=part_start,
            window_end=part_end,
            now=now,
            tz=calendars.tenant_zone(tenant),
            limit=limit,
            after=cursor,
            preferences=preferences,
            distinct=distinct,
        )
        if page.settled:
            break
    following = None if page.next is None else _encode(page.next, refs)
    return SlotPage(page.slots, following)


def _offering(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
    resource_id: uuid.UUID | None,
) -> tuple[Service, list[calendars.ResourceRef]] | None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("'from' and 'to' need a UTC offset or a date.")
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.", field="to")
    if end - start > MAX_WINDOW:
        raise InvalidInput(f"Ask for at most {MAX_WINDOW.days} days at a time.", field="to")
    service = get_scoped(session, Service, tenant.id, service_id)
    refs = calendars.offering_resources(session, tenant, service.id, resource_id)
    if resource_id is not None and not refs:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        raise BookingRefused(
            RefusalCode.SERVICE_NOT_OFFERED, f"{resource.name} does not offer {service.name}."
        )
    if not service.active or not refs:
        return None
    return service, refs


# A cursor is "rank.start_us.resource" (resource: its id in hex, or "*" for "past every
# resource at that start"), base64url so clients treat it as opaque.
_PAST_ALL = "*"


def _encode(cursor: SlotCursor, refs: list[calendars.ResourceRef]) -> str:
    us = (cursor.start - _EPOCH) // timedelta(microseconds=1)
    who = _PAST_ALL if cursor.index >= len(refs) else refs[cursor.index].id.hex
    raw = f"{cursor.rank}.{us}.{who}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, refs: list[calendars.ResourceRef]) -> SlotCursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        rank_text, us_text, who = raw.split(".")
        rank, us = int(rank_text), int(us_text)
        start = _EPOCH + timedelta(microseconds=us)
        rid = None if who == _PAST_ALL else uuid.UUID(hex=who)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError) as exc:
        raise InvalidInput("'after' is not a cursor this search returned.", field="after") from exc
    if rank < 0:
        raise InvalidInput("'after' is not a cursor this search returned.", field="after")
    if rid is None:
        index = len(refs)
    else:
        positions = {ref.id: i for i, ref in enumerate(refs)}
        # A resource gone since: resume before every resource at that start (a slot may
        # repeat; none is skipped).
        index = positions.get(rid, -1)
    return SlotCursor(rank, start, index)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
