"""``/api/v1/api-keys``: a business's keys, for its owner (admin keys only, ADR 0038)."""

from __future__ import annotations

import uuid
from typing import cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, status

from frontdesk.api.api_key_schemas import ApiKeyCreated, ApiKeyIn, ApiKeyOut, Scope
from frontdesk.services import api_keys
from frontdesk.services.api_keys import ApiKey
from frontdesk.services.records import write_session
from frontdesk.services.tenants import Tenant
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep, TenantDep

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"])


def key_out(key: ApiKey, tenant: Tenant) -> ApiKeyOut:
    tz = ZoneInfo(tenant.timezone)
    return ApiKeyOut(
        id=key.id, name=key.name, prefix=key.prefix, scope=cast(Scope, key.scope),
        allowed_origins=key.allowed_origins, created_at=key.created_at.astimezone(tz),
        revoked_at=key.revoked_at.astimezone(tz) if key.revoked_at else None,
    )


@router.get("", response_model=list[ApiKeyOut])
def list_keys(tenant: TenantDep, session: SessionDep) -> list[ApiKeyOut]:
    return [key_out(k, tenant) for k in api_keys.list_api_keys(session, tenant)]


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: ApiKeyIn, tenant: TenantDep, factory: FactoryDep,
               settings: SettingsDep) -> ApiKeyCreated:
    with write_session(factory) as session:
        # With the settings, a widget key can be shown again on the dashboard (ADR 0040).
        record, secret = api_keys.create_api_key(
            session, tenant, body.name, scope=body.scope, allowed_origins=body.allowed_origins,
            settings=settings,
        )
        return ApiKeyCreated(**key_out(record, tenant).model_dump(), key=secret)


@router.post("/{api_key_id}/revoke", response_model=ApiKeyOut)
def revoke_key(api_key_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> ApiKeyOut:
    with write_session(factory) as session:
        return key_out(api_keys.revoke_api_key(session, tenant, api_key_id), tenant)
