"""What the brain knows of a business for a turn: its bookable services, its staff, its
opening hours and its free times, read here so that the brain never queries the store.

``Tenant`` is re-exported for the brain's type hints: doors hand the brain the tenant
record they looked up, and the brain hands it back to services; it only reads its
settings (name, zone, country, persona, booking horizon), never queries through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling import Slot
from frontdesk.services import availability
from frontdesk.services.business_info import BusinessInfo, business_info
from frontdesk.services.opening_hours import opening_hours
from frontdesk.store.models import Resource, Service, Tenant

__all__ = [
    "BusinessFacts",
    "BusinessInfo",
    "ServiceFacts",
    "Tenant",
    "business_facts",
    "open_slots",
]


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    id: uuid.UUID
    name: str
    spoken_names: dict[str, list[str]]  # language -> what callers call it
    duration_minutes: int
    price_cents: int | None = None  # None: the business gave no price


@dataclass(frozen=True, slots=True)
class BusinessFacts:
    services: list[ServiceFacts]  # active, by name
    resources: list[tuple[uuid.UUID, str]]  # active staff (id, name)
    hours: dict[int, list[tuple[str, str]]]  # weekday -> opening ranges ("09:00", "17:00")
    # What the business tells callers in its own words (services/business_info.py).
    info: BusinessInfo | None = None


def business_facts(factory: sessionmaker[Session], tenant: Tenant) -> BusinessFacts:
    """The business as one turn sees it, read in one session."""
    with factory() as session:
        services = [
            ServiceFacts(s.id, s.name, dict(s.spoken_names), s.duration_minutes, s.price_cents)
            for s in session.scalars(
                select(Service)
                .where(Service.tenant_id == tenant.id, Service.active.is_(True))
                .order_by(Service.name)
            )
        ]
        resources = [
            (rid, name)
            for rid, name in session.execute(
                select(Resource.id, Resource.name).where(
                    Resource.tenant_id == tenant.id, Resource.active.is_(True)
                )
            )
        ]
        said = business_info(tenant.info, tenant.faq, tenant.required_fields)
        return BusinessFacts(services, resources, opening_hours(session, tenant), said)


def open_slots(
    factory: sessionmaker[Session],
    tenant: Tenant,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    resource_id: uuid.UUID | None,
    now: datetime,
    moving: uuid.UUID | None = None,
) -> tuple[list[Slot], dict[Hashable, str]]:
    """Bookable slots in [start, end) (``availability.find_slots``) and the names of the
    business's staff, to say who each slot is with. ``moving``: an appointment being
    rescheduled, whose own time is free for it."""
    with factory() as session:
        slots = availability.find_slots(
            session, tenant, service_id, start, end, resource_id=resource_id, now=now,
            moving=moving,
        )
        names: dict[Hashable, str] = {
            rid: name
            for rid, name in session.execute(
                select(Resource.id, Resource.name).where(Resource.tenant_id == tenant.id)
            )
        }
    return slots, names
