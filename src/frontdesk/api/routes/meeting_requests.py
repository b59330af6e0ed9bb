"""Meeting requests: what an outbound campaign needs booked (issue 12)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from frontdesk.api.meeting_schemas import (
    HardConstraintsModel,
    MeetingRequestIn,
    MeetingRequestOut,
    MeetingRequestPatch,
    SoftConstraintsModel,
)
from frontdesk.errors import InvalidInput
from frontdesk.scheduling.constraints import HardConstraints, SoftConstraints
from frontdesk.services import meeting_requests as requests
from frontdesk.services.records import MeetingRequest, write_session
from frontdesk.web import bounds
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/meeting-requests", tags=["meeting requests"])


@router.post("", response_model=MeetingRequestOut, status_code=status.HTTP_201_CREATED)
def create(body: MeetingRequestIn, tenant: TenantDep, factory: FactoryDep) -> MeetingRequestOut:
    with write_session(factory) as session:
        row = requests.create_meeting_request(session, tenant,
                                              _fields(body, tenant.timezone))
        return _out(row)


@router.get("", response_model=list[MeetingRequestOut])
def list_requests(
    tenant: TenantDep,
    session: SessionDep,
    status_: Annotated[Literal["open", "fulfilled", "cancelled"] | None,
                       Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[MeetingRequestOut]:
    rows = requests.list_meeting_requests(session, tenant, status=status_, limit=limit,
                                          offset=offset)
    return [_out(r) for r in rows]


@router.get("/{request_id}", response_model=MeetingRequestOut)
def get(request_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> MeetingRequestOut:
    return _out(requests.get_meeting_request(session, tenant, request_id))


@router.patch("/{request_id}", response_model=MeetingRequestOut)
def patch(request_id: uuid.UUID, body: MeetingRequestPatch, tenant: TenantDep,
          factory: FactoryDep) -> MeetingRequestOut:
    with write_session(factory) as session:
        current = requests.get_meeting_request(session, tenant, request_id)
        fields = _fields(body, current.timezone)
        return _out(requests.update_meeting_request(session, tenant, request_id, fields))


@router.post("/{request_id}/cancel", response_model=MeetingRequestOut)
def cancel(request_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> MeetingRequestOut:
    with write_session(factory) as session:
        return _out(requests.cancel_meeting_request(session, tenant, request_id))


def _fields(body: MeetingRequestIn | MeetingRequestPatch,
            zone: str) -> requests.MeetingRequestFields:
    return requests.MeetingRequestFields(
        title=body.title, resource_id=body.resource_id, service_id=body.service_id,
        duration_minutes=body.duration_minutes, timezone=body.timezone,
        hard=_hard(body.hard_constraints, body.timezone or zone),
        soft=_soft(body.soft_constraints), bookings_wanted=body.bookings_wanted,
        notes=body.notes,
    )


def _hard(model: HardConstraintsModel | None, zone: str) -> HardConstraints | None:
    if model is None:
        return None
    days = model.days_of_week
    try:
        return HardConstraints(
            window_start=model.window_start, window_end=model.window_end,
            timezone=model.timezone or zone,
            days_of_week=frozenset(days) if days is not None else None,
            earliest_time=model.earliest_time, latest_time=model.latest_time,
            exclude_dates=frozenset(model.exclude_dates))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="hard_constraints") from exc


def _soft(model: SoftConstraintsModel | None) -> SoftConstraints | None:
    if model is None:
        return None
    days, parts = model.days_of_week, model.parts_of_day
    return SoftConstraints(days_of_week=frozenset(days) if days is not None else None,
                           parts_of_day=frozenset(parts) if parts is not None else None)


def _out(row: MeetingRequest) -> MeetingRequestOut:
    return MeetingRequestOut.model_validate({
        "id": row.id, "title": row.title, "resource_id": row.resource_id,
        "service_id": row.service_id, "duration_minutes": row.duration_minutes,
        "timezone": row.timezone, "hard_constraints": row.hard_constraints,
        "soft_constraints": row.soft_constraints, "bookings_wanted": row.bookings_wanted,
        "status": row.status, "notes": row.notes, "created_at": row.created_at,
        "updated_at": row.updated_at, "cancelled_at": row.cancelled_at,
    })
