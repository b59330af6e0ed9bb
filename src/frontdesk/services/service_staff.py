"""Who offers a service: the other side of a staff member's list of services, set from
the service's page. Each staff member whose list changes goes through
``catalog.save_resource``, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from frontdesk.services.catalog import ResourceFields, save_resource
from frontdesk.services.listings import list_resources
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Resource, Service, Tenant


def set_offered_by(session: Session, tenant: Tenant, service: Service,
                   resource_ids: Sequence[uuid.UUID]) -> None:
    """Exactly the staff in ``resource_ids`` (of this business: another's id is
    NotFound) offer ``service`` from now on."""
    wanted = {get_scoped(session, Resource, tenant.id, rid).id for rid in resource_ids}
    for resource in list_resources(session, tenant):
        has = service in resource.services
        if has == (resource.id in wanted):
            continue
        ids = [s.id for s in resource.services if s.id != service.id]
        if not has:
            ids.append(service.id)
        save_resource(session, tenant, ResourceFields(service_ids=ids), resource)
