from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import or_, select

from frontdesk.api import bounds, schemas
from frontdesk.api.convert import customer_out
from frontdesk.api.deps import FactoryDep, SessionDep, TenantDep
from frontdesk.errors import Conflict
from frontdesk.services.customers import (
    CustomerFields,
    apply_fields,
    create_customer,
    find_by_phone,
)
from frontdesk.services.lookup import get_scoped
from frontdesk.store.db import write_session
from frontdesk.store.models import Customer

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
    if phone:
        found = find_by_phone(session, tenant, phone)
        return [customer_out(found)] if found else []
    query = select(Customer).where(Customer.tenant_id == tenant.id)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Customer.name.ilike(like), Customer.email.ilike(like)))
    rows = session.scalars(query.order_by(Customer.created_at).limit(limit).offset(offset))
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
    with write_session(factory) as session:
        customer = get_scoped(session, Customer, tenant.id, customer_id)
        fields = CustomerFields(**body.model_dump(exclude_unset=True))
        if fields.phone is not None:
            other = find_by_phone(session, tenant, fields.phone)
            if other is not None and other.id != customer.id:
                raise Conflict("Another customer already has that phone number.")
        apply_fields(customer, tenant, fields)
        session.flush()
        return customer_out(customer)
