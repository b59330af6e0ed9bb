from __future__ import annotations

from fastapi import APIRouter

from frontdesk.api import schemas
from frontdesk.api.convert import tenant_out
from frontdesk.api.deps import FactoryDep, TenantDep
from frontdesk.services.tenants import TenantFields, apply_tenant_fields
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant

router = APIRouter(prefix="/api/v1/tenant", tags=["tenant"])


@router.get("", response_model=schemas.TenantOut, summary="The business this API key belongs to")
def get_tenant(tenant: TenantDep) -> schemas.TenantOut:
    return tenant_out(tenant)


@router.patch("", response_model=schemas.TenantOut, summary="Change name, zone or booking policy")
def patch_tenant(
    body: schemas.TenantPatch, tenant: TenantDep, factory: FactoryDep
) -> schemas.TenantOut:
    with write_session(factory) as session:
        row = session.get_one(Tenant, tenant.id)
        apply_tenant_fields(session, row, TenantFields(**body.model_dump(exclude_unset=True)))
        session.flush()
        return tenant_out(row)
