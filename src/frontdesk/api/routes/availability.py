from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import Field

from frontdesk.api import schemas
from frontdesk.api.timeparams import parse_bound
from frontdesk.scheduling import PartOfDay, Slot, SlotPreferences
from frontdesk.services.availability import search_slots
from frontdesk.services.listings import resource_names
from frontdesk.services.lookup import get_scoped
from frontdesk.services.records import Service, Tenant
from frontdesk.web.deps import SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/availability", tags=["availability"])


@router.get(
    "",
    response_model=schemas.AvailabilityOut,
    summary="Bookable times for a service, in the business's time zone",
)
def availability(
    tenant: TenantDep,
    session: SessionDep,
    service: Annotated[uuid.UUID, Query(description="Service id")],
    from_: Annotated[
        str | None, Query(alias="from", description="Date or datetime; default now")
    ] = None,
    to: Annotated[
        str | None, Query(description="Date (inclusive) or datetime; default from + 7 days")
    ] = None,
    resource: Annotated[uuid.UUID | None, Query(description="Only this resource")] = None,
    part_of_day: Annotated[list[PartOfDay] | None, Query(description="Rank these first")] = None,
    weekday: Annotated[
        list[Annotated[int, Field(ge=0, le=6)]] | None,
        Query(description="0=Mon..6=Sun; rank these first"),
    ] = None,
    distinct: Annotated[bool, Query(description="One slot per start time")] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    after: Annotated[
        str | None,
        Query(max_length=200, description="next_cursor of the previous page, same query"),
    ] = None,
) -> schemas.AvailabilityOut:
    start = parse_bound(from_, tenant, "from") if from_ else datetime.now(UTC)
    end = parse_bound(to, tenant, "to", end=True) if to else start + timedelta(days=7)
    prefs = None
    if part_of_day or weekday:
        prefs = SlotPreferences(
            parts_of_day=frozenset(part_of_day) if part_of_day else None,
            weekdays=frozenset(weekday) if weekday else None,
        )
    page = search_slots(
        session,
        tenant,
        service,
        start,
        end,
        limit=limit,
        after=after,
        resource_id=resource,
        preferences=prefs,
        distinct=distinct,
    )
    svc = get_scoped(session, Service, tenant.id, service)
    names = resource_names(session, tenant)
    return _availability_out(tenant, svc, start, end, page.slots, names, page.next_cursor)


def _availability_out(
    tenant: Tenant,
    service: Service,
    start: datetime,
    end: datetime,
    slots: Sequence[Slot],
    names: dict[uuid.UUID, str],
    next_cursor: str | None = None,
) -> schemas.AvailabilityOut:
    tz = ZoneInfo(tenant.timezone)
    return schemas.AvailabilityOut(
        service_id=service.id,
        service_name=service.name,
        timezone=tenant.timezone,
        window_start=start.astimezone(tz),
        window_end=end.astimezone(tz),
        slots=[
            schemas.SlotOut(
                start=s.start.astimezone(tz),
                end=s.end.astimezone(tz),
                resource_id=cast(uuid.UUID, s.resource_id),
                resource_name=names[cast(uuid.UUID, s.resource_id)],
            )
            for s in slots
        ],
        next_cursor=next_cursor,
    )
