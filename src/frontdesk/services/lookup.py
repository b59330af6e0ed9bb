"""Tenant-scoped lookups. Every read of a tenant's data goes through a tenant id, so one
tenant can never load another's rows by guessing an id."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import NotFound
from frontdesk.store.models import (
    ApiKey,
    Appointment,
    Campaign,
    Customer,
    MeetingRequest,
    Resource,
    Service,
    WebhookEndpoint,
)

_Scoped = TypeVar(
    "_Scoped", Service, Resource, Customer, Appointment, MeetingRequest, Campaign, ApiKey,
    WebhookEndpoint,
)

_LABELS: dict[type, str] = {
    Service: "service",
    Resource: "resource",
    Customer: "customer",
    Appointment: "appointment",
    MeetingRequest: "meeting_request",
    Campaign: "campaign",
    ApiKey: "api_key",
    WebhookEndpoint: "webhook_endpoint",
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


def locked_scoped(
    session: Session, model: type[_Scoped], tenant_id: uuid.UUID, obj_id: uuid.UUID
) -> _Scoped:
    """``get_scoped``, with the row locked until the transaction ends (PostgreSQL), so two
    changes of one record (a client's retry) run one after the other. SQLite's write
    transaction already holds the database."""
    found = session.scalars(
        select(model)
        .where(model.id == obj_id, model.tenant_id == tenant_id)
        .with_for_update(of=model)  # this row only, not rows a joined load brings
        .execution_options(populate_existing=True)
    ).first()
    return found or get_scoped(session, model, tenant_id, obj_id)
