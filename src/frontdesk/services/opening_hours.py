"""A business's opening hours: when any of its active staff works, per weekday."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.store.models import Resource, Tenant, WorkingHours


def opening_hours(session: Session, tenant: Tenant) -> dict[int, list[tuple[str, str]]]:
    """Opening hours: the union of every active resource's weekly hours, per weekday."""
    spans: dict[int, list[tuple[int, int]]] = {}
    rows = session.execute(
        select(WorkingHours.weekday, WorkingHours.start_time, WorkingHours.end_time)
        .join(Resource, Resource.id == WorkingHours.resource_id)
        .where(Resource.tenant_id == tenant.id, Resource.active.is_(True))
    )
    for weekday, start, end_time in rows:
        end = end_time.hour * 60 + end_time.minute or 24 * 60
        spans.setdefault(weekday, []).append((start.hour * 60 + start.minute, end))
    merged: dict[int, list[tuple[str, str]]] = {}
    for day, items in spans.items():
        out: list[list[int]] = []
        for a, b in sorted(items):
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        merged[day] = [
            (f"{a // 60:02d}:{a % 60:02d}", f"{min(b, 1439) // 60:02d}:{min(b, 1439) % 60:02d}")
            for a, b in out
        ]
    return merged
