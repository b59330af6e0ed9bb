"""A resource's external calendar (CalDAV): connect, inspect, disconnect."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from frontdesk.api.deps import FactoryDep, SessionDep, TenantDep
from frontdesk.calendars.base import CalendarAuthError, CalendarNotFound
from frontdesk.calendars.caldav_provider import CalDAVProvider
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.security import encrypt
from frontdesk.services.lookup import get_scoped
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, Resource, Tenant

router = APIRouter(tags=["calendar connections"])
PATH = "/api/v1/resources/{resource_id}/calendar"


class ConnectionIn(BaseModel):
    provider: Literal["caldav"] = "caldav"
    url: str = Field(min_length=1, max_length=1000)
    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    calendar: str = Field(min_length=1, max_length=1000, description="Calendar URL or name")


class ConnectionOut(BaseModel):
    provider: str
    url: str
    username: str
    calendar: str
    status: str
    last_error: str | None


def _out(c: CalendarConnection) -> ConnectionOut:
    return ConnectionOut(
        provider=c.provider,
        url=c.url,
        username=c.username,
        calendar=c.calendar,
        status=c.status,
        last_error=c.last_error,
    )


def _verify(body: ConnectionIn, timezone: str) -> None:
    """Read the next day's busy times once; bad credentials or calendar are refused."""
    try:
        provider = CalDAVProvider(
            body.url, body.username, body.password, body.calendar, timezone=timezone, timeout_s=10
        )
        now = datetime.now(UTC)
        provider.busy(now, now + timedelta(days=1))
    except CalendarAuthError as exc:
        raise InvalidInput(
            f"The calendar server rejected the username or password: {exc.detail}", field="password"
        ) from exc
    except CalendarNotFound as exc:
        raise InvalidInput(exc.detail, field="calendar") from exc
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    # CalendarUnavailable (503) and other CalendarErrors (502) propagate as they are.


@router.put(PATH, response_model=ConnectionOut, summary="Connect the resource's calendar")
def put_connection(
    resource_id: uuid.UUID, body: ConnectionIn, tenant: TenantDep, factory: FactoryDep
) -> ConnectionOut:
    with factory() as session:
        get_scoped(session, Resource, tenant.id, resource_id)
    _verify(body, tenant.timezone)  # outside the write transaction: it is slow HTTP
    with write_session(factory) as session:
        get_scoped(session, Resource, tenant.id, resource_id)
        row = session.scalar(
            select(CalendarConnection).where(CalendarConnection.resource_id == resource_id)
        )
        if row is None:
            row = CalendarConnection(tenant_id=tenant.id, resource_id=resource_id)
            session.add(row)
        row.provider, row.url, row.username = body.provider, body.url, body.username
        row.calendar, row.secret = body.calendar, encrypt(body.password)
        row.status, row.last_error, row.checked_at = "ok", None, datetime.now(UTC)
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        resource.has_calendar = True
        session.get_one(Tenant, tenant.id).has_calendars = True
        resource.calendar_version += 1  # cached calendars elsewhere must look again
        session.flush()
        return _out(row)


@router.get(PATH, response_model=ConnectionOut, summary="The resource's calendar connection")
def get_connection(resource_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> ConnectionOut:
    get_scoped(session, Resource, tenant.id, resource_id)
    row = session.scalar(
        select(CalendarConnection).where(
            CalendarConnection.resource_id == resource_id,
            CalendarConnection.tenant_id == tenant.id,
        )
    )
    if row is None:
        raise NotFound("This resource has no connected calendar.")
    return _out(row)


@router.delete(PATH, status_code=status.HTTP_204_NO_CONTENT)
def delete_connection(resource_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> None:
    with write_session(factory) as session:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        resource.has_calendar = False
        resource.calendar_version += 1
        session.execute(
            delete(CalendarConnection).where(
                CalendarConnection.resource_id == resource_id,
                CalendarConnection.tenant_id == tenant.id,
            )
        )
