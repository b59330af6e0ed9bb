from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from frontdesk.api import schemas
from frontdesk.api.convert import service_out
from frontdesk.services import listings
from frontdesk.services.catalog import ServiceFields, save_service
from frontdesk.services.lookup import get_scoped
from frontdesk.services.records import Service, write_session
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/services", tags=["services"])


@router.get("", response_model=list[schemas.ServiceOut])
def list_services(tenant: TenantDep, session: SessionDep) -> list[schemas.ServiceOut]:
    return [service_out(s) for s in listings.list_services(session, tenant)]


@router.post("", response_model=schemas.ServiceOut, status_code=status.HTTP_201_CREATED)
def create_service(
    body: schemas.ServiceIn, tenant: TenantDep, factory: FactoryDep
) -> schemas.ServiceOut:
    with write_session(factory) as session:
        return service_out(save_service(session, tenant, ServiceFields(**body.model_dump())))


@router.get("/{service_id}", response_model=schemas.ServiceOut)
def get_service(
    service_id: uuid.UUID, tenant: TenantDep, session: SessionDep
) -> schemas.ServiceOut:
    return service_out(get_scoped(session, Service, tenant.id, service_id))


@router.patch("/{service_id}", response_model=schemas.ServiceOut)
def patch_service(
    service_id: uuid.UUID, body: schemas.ServicePatch, tenant: TenantDep, factory: FactoryDep
) -> schemas.ServiceOut:
    with write_session(factory) as session:
        service = get_scoped(session, Service, tenant.id, service_id)
        fields = ServiceFields(**body.model_dump(exclude_unset=True))
        return service_out(save_service(session, tenant, fields, service))
