"""Setting a business's opening hours. Opening hours are not stored on their own: they are
when the active staff work (``opening_hours.opening_hours``), so setting them sets the
weekly hours of the staff chosen, each through ``catalog.save_resource`` (its checks, its
calendar version bump) in the caller's one transaction: all change, or none."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from frontdesk.errors import InvalidInput
from frontdesk.services.catalog import HoursRange, ResourceFields, save_resource
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Resource, Tenant


def set_business_hours(session: Session, tenant: Tenant, hours: Sequence[HoursRange],
                       resource_ids: Sequence[uuid.UUID]) -> list[Resource]:
    """Give each chosen staff member (of this business: another's id is NotFound) the
    weekly ``hours``; returns them."""
    if not resource_ids:
        raise InvalidInput("Choose whose hours these are (at least one staff member).",
                           field="resource_ids")
    chosen = [get_scoped(session, Resource, tenant.id, rid)
              for rid in dict.fromkeys(resource_ids)]
    fields = ResourceFields(hours=list(hours))
    return [save_resource(session, tenant, fields, resource) for resource in chosen]


def weekly_hours(resource: Resource) -> dict[int, list[tuple[str, str]]]:
    """A resource's weekly hours as a form shows them: weekday -> [("09:00", "17:00")]."""
    out: dict[int, list[tuple[str, str]]] = {}
    for h in resource.hours:
        out.setdefault(h.weekday, []).append((f"{h.start_time:%H:%M}", f"{h.end_time:%H:%M}"))
    return out
