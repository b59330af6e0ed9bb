"""Services (what can be booked) and resources (who or what it is booked with)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.services.calendar_cache import MAX_BLOCK
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Resource, ResourceException, Service, Tenant, WorkingHours

# Time off or extra hours in one exception: a long leave, not a way to close for ever.
MAX_EXCEPTION_DAYS = 731


@dataclass(frozen=True, slots=True)
class ServiceFields:
    name: str | None = None
    duration_minutes: int | None = None
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    spoken_names: dict[str, list[str]] | None = None
    price_cents: int | None = None
    active: bool | None = None
    clear_price: bool = False  # a form's emptied price box: no price any more

    def __post_init__(self) -> None:
        # The same bounds the API's schema states, for every door (the dashboard's too).
        for attr, low, high in (("duration_minutes", 5, 24 * 60),
                                ("buffer_before_minutes", 0, 24 * 60),
                                ("buffer_after_minutes", 0, 24 * 60),
                                ("price_cents", 0, MAX_PRICE_CENTS)):
            value = getattr(self, attr)
            if value is not None and not low <= value <= high:
                raise InvalidInput(f"{attr} must be between {low} and {high}.", field=attr)


# A price in cents: ten million in major units is beyond any appointment's price.
MAX_PRICE_CENTS = 1_000_000_000
_SERVICE_ATTRS = ("name", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
                  "spoken_names", "price_cents", "active")


def _unique_name(
    session: Session,
    model: type[Service] | type[Resource],
    tenant: Tenant,
    name: str,
    current: uuid.UUID | None,
) -> None:
    clash_id = session.scalars(
        select(model.id).where(model.tenant_id == tenant.id, model.name == name)
    ).first()
    if clash_id is not None and clash_id != current:
        kind = "service" if model is Service else "resource"
        raise Conflict(f"A {kind} named '{name}' already exists.", name=name)


def save_service(
    session: Session, tenant: Tenant, fields: ServiceFields, service: Service | None = None
) -> Service:
    longest = sum(
        getattr(fields, f) or getattr(service, f, 0) or 0
        for f in ("duration_minutes", "buffer_before_minutes", "buffer_after_minutes")
    )
    if longest * 60 > MAX_BLOCK.total_seconds():
        raise InvalidInput(
            f"A service with its buffers can block at most {MAX_BLOCK} hours; "
            f"this one would block {longest} minutes."
        )
    if service is None:
        if not fields.name or not fields.duration_minutes:
            raise InvalidInput("A service needs a name and a duration in minutes.")
        service = Service(tenant_id=tenant.id, spoken_names={})
    if fields.name is not None:
        _unique_name(session, Service, tenant, fields.name, service.id)
    for attr in _SERVICE_ATTRS:
        value = getattr(fields, attr)
        if value is not None:
            setattr(service, attr, value)
    if fields.clear_price:
        service.price_cents = None
    session.add(service)
    session.flush()
    return service


@dataclass(frozen=True, slots=True)
class HoursRange:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class ExceptionFields:
    kind: str
    start_date: date
    end_date: date
    start: time | None = None
    end: time | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceFields:
    name: str | None = None
    kind: str | None = None
    email: str | None = None
    active: bool | None = None
    service_ids: list[uuid.UUID] | None = None
    hours: list[HoursRange] | None = None
    clear_email: bool = False  # a form's emptied email box

    def __post_init__(self) -> None:
        # What the API's schema states, for every door.
        if self.kind is not None and self.kind not in RESOURCE_KINDS:
            raise InvalidInput(f"kind is one of {', '.join(RESOURCE_KINDS)}.", field="kind")
        if self.email is not None and (len(self.email) > 320 or not _EMAIL.match(self.email)):
            raise InvalidInput(f"{self.email!r} is not an email address.", field="email")
        if self.name is not None and not 1 <= len(self.name) <= 200:
            raise InvalidInput("A name has 1 to 200 characters.", field="name")


RESOURCE_KINDS = ("staff", "room", "equipment")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_hours(hours: Sequence[HoursRange]) -> None:
    by_day: dict[int, list[HoursRange]] = {}
    for h in hours:
        if h.end != time(0) and h.end <= h.start:
            raise InvalidInput(
                f"Working hours on weekday {h.weekday} end ({h.end}) before they start "
                f"({h.start}).",
                field="hours",
            )
        by_day.setdefault(h.weekday, []).append(h)
    for weekday, ranges in by_day.items():
        ranges.sort(key=lambda r: r.start)
        for a, b in zip(ranges, ranges[1:], strict=False):
            if a.end == time(0) or b.start < a.end:
                raise InvalidInput(f"Working hours on weekday {weekday} overlap.", field="hours")


def save_resource(
    session: Session, tenant: Tenant, fields: ResourceFields, resource: Resource | None = None
) -> Resource:
    if resource is None:
        if not fields.name:
            raise InvalidInput("A resource needs a name.")
        resource = Resource(tenant_id=tenant.id)
    if fields.name is not None:
        _unique_name(session, Resource, tenant, fields.name, resource.id)
        resource.name = fields.name
    session.add(resource)
    for attr in ("kind", "email", "active"):
        value = getattr(fields, attr)
        if value is not None:
            setattr(resource, attr, value)
    if fields.clear_email:
        resource.email = None
    if fields.service_ids is not None:
        resource.services = [
            get_scoped(session, Service, tenant.id, sid)
            for sid in dict.fromkeys(fields.service_ids)
        ]
    if fields.hours is not None:
        _check_hours(fields.hours)
        resource.hours = [
            WorkingHours(weekday=h.weekday, start_time=h.start, end_time=h.end)
            for h in fields.hours
        ]
        resource.calendar_version = (resource.calendar_version or 0) + 1
    session.flush()
    return resource


def add_exception(
    session: Session, tenant: Tenant, resource: Resource, fields: ExceptionFields
) -> ResourceException:
    if fields.end_date < fields.start_date:
        raise InvalidInput("An exception's end_date is before its start_date.", field="end_date")
    if (fields.end_date - fields.start_date).days >= MAX_EXCEPTION_DAYS:
        raise InvalidInput(
            f"One exception spans at most {MAX_EXCEPTION_DAYS} days; for someone who no "
            "longer works here, set the resource inactive instead.",
            field="end_date",
        )
    if (fields.start is None) != (fields.end is None):
        raise InvalidInput("Give both start and end times, or neither (the whole day).")
    if (
        fields.start is not None
        and fields.end is not None
        and fields.end != time(0)
        and fields.end <= fields.start
    ):
        raise InvalidInput("An exception's end time is before its start time.", field="end")
    if fields.kind == "extra" and fields.start is None:
        raise InvalidInput("Extra hours need a start and an end time.")
    exc = ResourceException(
        resource_id=resource.id,
        kind=fields.kind,
        start_date=fields.start_date,
        end_date=fields.end_date,
        start_time=fields.start,
        end_time=fields.end,
        reason=fields.reason,
    )
    resource.exceptions.append(exc)
    resource.calendar_version += 1
    session.flush()
    return exc
