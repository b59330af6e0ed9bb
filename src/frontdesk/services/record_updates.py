"""Changes to one of a business's records, with the rules that go with them, in the
caller's write transaction (``store.db.write_session``)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, NotFound
from frontdesk.services.conversations import tell_opted_out
from frontdesk.services.customers import CustomerFields, apply_fields, find_by_phone
from frontdesk.services.lookup import get_scoped
from frontdesk.services.tenants import TenantFields, apply_tenant_fields
from frontdesk.store.models import Customer, Resource, Tenant


def update_tenant(session: Session, tenant_id: uuid.UUID, fields: TenantFields) -> Tenant:
    """The business with ``fields`` applied (name, zone, numbers, booking policy...)."""
    row = session.get_one(Tenant, tenant_id)
    apply_tenant_fields(session, row, fields)
    session.flush()
    return row


def update_customer(
    session: Session, tenant: Tenant, customer_id: uuid.UUID, fields: CustomerFields
) -> Customer:
    """The customer with ``fields`` applied; a phone number is unique in the business."""
    customer = get_scoped(session, Customer, tenant.id, customer_id)
    if fields.phone is not None:
        other = find_by_phone(session, tenant, fields.phone)
        if other is not None and other.id != customer.id:
            raise Conflict("Another customer already has that phone number.")
    listed = bool(customer.do_not_call)
    apply_fields(customer, tenant, fields)
    session.flush()
    if customer.do_not_call and not listed:  # staff put them on the list: tell the CRM
        tell_opted_out(session, customer, "staff")
    return customer


def remove_exception(
    session: Session, tenant: Tenant, resource_id: uuid.UUID, exception_id: uuid.UUID
) -> None:
    """Take back a resource's time off or extra hours."""
    resource = get_scoped(session, Resource, tenant.id, resource_id)
    match = [e for e in resource.exceptions if e.id == exception_id]
    if not match:
        raise NotFound(f"No exception with id {exception_id} on {resource.name}.")
    resource.exceptions.remove(match[0])
    resource.calendar_version += 1  # cached calendars must look again


def remove_feed(session: Session, tenant: Tenant, resource_id: uuid.UUID) -> None:
    """Turn the resource's iCalendar feed off: its secret URL stops answering."""
    get_scoped(session, Resource, tenant.id, resource_id).feed_token = None
