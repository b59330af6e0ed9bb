"""Adding and removing one of a business's phone numbers, one at a time (as a settings
page does), through ``tenants.apply_tenant_fields``: the same reading of the number and
the same refusal of a number another business has as the API's whole-list change."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from frontdesk.errors import NotFound
from frontdesk.services.tenants import TenantFields, apply_tenant_fields
from frontdesk.store.models import Tenant


def add_number(session: Session, tenant: Tenant, number: str) -> None:
    have = [p.number_e164 for p in tenant.phone_numbers]
    apply_tenant_fields(session, tenant, TenantFields(phone_numbers=[*have, number]))
    session.flush()


def remove_number(session: Session, tenant: Tenant, number_id: uuid.UUID) -> None:
    """Stop answering on one of the business's numbers (NotFound: not one of its own)."""
    if not any(p.id == number_id for p in tenant.phone_numbers):
        raise NotFound(f"No phone number with id {number_id} in this business.")
    keep = [p.number_e164 for p in tenant.phone_numbers if p.id != number_id]
    apply_tenant_fields(session, tenant, TenantFields(phone_numbers=keep))
    session.flush()
