"""Tenant-scoped lookups. Every read of a tenant's data goes through a tenant id, so one
tenant can never load another's rows by guessing an id."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from frontdesk.errors import NotFound
from frontdesk.store.models import (
    Appointment,
    Campaign,
    Customer,
    MeetingRequest,
    Resource,
    Service,
)

_Scoped = TypeVar(
    "_Scoped", Service, Resource, Customer, Appointment, MeetingRequest, Campaign
)

_LABELS: dict[type, str] = {
    Service: "service",
    Resource: "resource",
    Customer: "customer",
    Appointment: "appointment",
    MeetingRequest: "meeting_request",
    Campaign: "campaign",
}


def get_scoped(
    session: Session, model: type[_Scoped], tenant_id: uuid.UUID, obj_id: uuid.UUID
) -> _Scoped:
    """Load one row of ``model`` that belongs to the tenant, or raise NotFound."""
    obj = session.get(model, obj_id)
    if obj is None or obj.tenant_id != tenant_id:
        label = _LABELS[model]
        raise NotFound(
            f"No {label} with id {obj_id} in this business.", **{f"{label}_id": str(obj_id)}
        )
    return obj
