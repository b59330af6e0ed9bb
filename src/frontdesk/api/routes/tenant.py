from __future__ import annotations

from fastapi import APIRouter

from frontdesk.api import schemas
from frontdesk.api.convert import tenant_out
from frontdesk.services.record_updates import update_tenant
from frontdesk.services.records import write_session
from frontdesk.services.tenants import TenantFields
from frontdesk.web.deps import FactoryDep, TenantDep

router = APIRouter(prefix="/api/v1/tenant", tags=["tenant"])


@router.get("", response_model=schemas.TenantOut, summary="The business this API key belongs to")
def get_tenant(tenant: TenantDep) -> schemas.TenantOut:
    return tenant_out(tenant)


@router.patch("", response_model=schemas.TenantOut, summary="Change name, zone or booking policy")
def patch_tenant(
    body: schemas.TenantPatch, tenant: TenantDep, factory: FactoryDep
) -> schemas.TenantOut:
    fields = TenantFields(**body.model_dump(exclude_unset=True))
    with write_session(factory) as session:
        return tenant_out(update_tenant(session, tenant.id, fields))
