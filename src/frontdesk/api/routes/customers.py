from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from frontdesk.api import schemas
from frontdesk.api.convert import customer_out
from frontdesk.services import listings
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.lookup import get_scoped
from frontdesk.services.record_updates import update_customer
from frontdesk.services.records import Customer, write_session
from frontdesk.web import bounds
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.get("", response_model=list[schemas.CustomerOut])
def list_customers(
    tenant: TenantDep,
    session: SessionDep,
    phone: Annotated[str | None, Query(description="Exact phone, any format")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or email contains")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[schemas.CustomerOut]:
    rows = listings.list_customers(
        session, tenant, phone=phone, contains=q, limit=limit, offset=offset
    )
    return [customer_out(c) for c in rows]


@router.post("", response_model=schemas.CustomerOut, status_code=status.HTTP_201_CREATED)
def create(body: schemas.CustomerIn, tenant: TenantDep, factory: FactoryDep) -> schemas.CustomerOut:
    with write_session(factory) as session:
        return customer_out(create_customer(session, tenant, CustomerFields(**body.model_dump())))


@router.get("/{customer_id}", response_model=schemas.CustomerOut)
def get(customer_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> schemas.CustomerOut:
    return customer_out(get_scoped(session, Customer, tenant.id, customer_id))


@router.patch("/{customer_id}", response_model=schemas.CustomerOut)
def patch(
    customer_id: uuid.UUID, body: schemas.CustomerPatch, tenant: TenantDep, factory: FactoryDep
) -> schemas.CustomerOut:
    fields = CustomerFields(**body.model_dump(exclude_unset=True))
    with write_session(factory) as session:
        return customer_out(update_customer(session, tenant, customer_id, fields))
