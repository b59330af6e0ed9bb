from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from frontdesk.api import schemas
from frontdesk.api.convert import exception_out, resource_out
from frontdesk.services import listings
from frontdesk.services.catalog import (
    ExceptionFields,
    HoursRange,
    ResourceFields,
    add_exception,
    save_resource,
)
from frontdesk.services.lookup import get_scoped
from frontdesk.services.record_updates import remove_exception
from frontdesk.services.records import Resource, write_session
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/resources", tags=["resources"])


def _fields(body: schemas.ResourceIn | schemas.ResourcePatch) -> ResourceFields:
    data = body.model_dump(exclude_unset=True, exclude={"hours"})
    if "hours" in body.model_fields_set and body.hours is not None:
        data["hours"] = [HoursRange(h.weekday, h.start, h.end) for h in body.hours]
    return ResourceFields(**data)


@router.get("", response_model=list[schemas.ResourceOut])
def list_resources(tenant: TenantDep, session: SessionDep) -> list[schemas.ResourceOut]:
    return [resource_out(r) for r in listings.list_resources(session, tenant)]


@router.post("", response_model=schemas.ResourceOut, status_code=status.HTTP_201_CREATED)
def create_resource(
    body: schemas.ResourceIn, tenant: TenantDep, factory: FactoryDep
) -> schemas.ResourceOut:
    with write_session(factory) as session:
        return resource_out(save_resource(session, tenant, _fields(body)))


@router.get("/{resource_id}", response_model=schemas.ResourceOut)
def get_resource(
    resource_id: uuid.UUID, tenant: TenantDep, session: SessionDep
) -> schemas.ResourceOut:
    return resource_out(get_scoped(session, Resource, tenant.id, resource_id))


@router.patch(
    "/{resource_id}",
    response_model=schemas.ResourceOut,
    summary="Change a resource; 'hours' replaces the whole weekly schedule",
)
def patch_resource(
    resource_id: uuid.UUID, body: schemas.ResourcePatch, tenant: TenantDep, factory: FactoryDep
) -> schemas.ResourceOut:
    with write_session(factory) as session:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        return resource_out(save_resource(session, tenant, _fields(body), resource))


@router.post(
    "/{resource_id}/exceptions",
    response_model=schemas.ExceptionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add time off or extra hours",
)
def create_exception(
    resource_id: uuid.UUID, body: schemas.ExceptionIn, tenant: TenantDep, factory: FactoryDep
) -> schemas.ExceptionOut:
    fields = ExceptionFields(
        kind=body.kind,
        start_date=body.start_date,
        end_date=body.end_date or body.start_date,
        start=body.start,
        end=body.end,
        reason=body.reason,
    )
    with write_session(factory) as session:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        return exception_out(add_exception(session, tenant, resource, fields))


@router.delete("/{resource_id}/exceptions/{exception_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_exception(
    resource_id: uuid.UUID, exception_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep
) -> None:
    with write_session(factory) as session:
        remove_exception(session, tenant, resource_id, exception_id)
