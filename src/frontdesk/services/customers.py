"""Customers: phone numbers normalised to E.164 and unique per tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.services.zones import check_timezone
from frontdesk.store.models import Customer as Customer  # the type the brain names
from frontdesk.store.models import Tenant, utcnow


def normalize_phone(raw: str, region: str) -> str:
    """Return ``raw`` as E.164, reading it in ``region`` when it has no country code."""
    try:
        parsed = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"'{raw}' is not a phone number: {exc}.", field="phone") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(
            f"'{raw}' is not a valid phone number for region {region.upper()}; "
            "write it with its country code, e.g. +1 212 555 0100.",
            field="phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True, slots=True)
class CustomerFields:
    phone: str | None = None
    name: str | None = None
    email: str | None = None
    language: str | None = None
    timezone: str | None = None
    sms_consent: bool | None = None
    call_consent: bool | None = None
    do_not_call: bool | None = None
    notes: str | None = None  # the business's own notes; "" clears them


def find_by_phone(session: Session, tenant: Tenant, phone: str) -> Customer | None:
    e164 = normalize_phone(phone, tenant.country)
    return session.scalars(
        select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone_e164 == e164)
    ).first()


_FIELDS = ("name", "email", "language", "timezone", "sms_consent", "call_consent", "do_not_call",
           "notes")


def new_customer_row(tenant: Tenant, fields: CustomerFields) -> dict[str, Any]:
    """Every column of a new customer with these fields (validated), ready to insert."""
    probe = Customer()
    apply_fields(probe, tenant, fields)
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant.id,
        "phone_e164": probe.phone_e164,
        "name": probe.name,
        "email": probe.email,
        "language": probe.language,
        "timezone": probe.timezone,
        "sms_consent": bool(probe.sms_consent),
        "call_consent": bool(probe.call_consent),
        "do_not_call": bool(probe.do_not_call),
        "notes": probe.notes or None,
        "created_at": now,
        "updated_at": now,
    }


def changed_fields(customer: Customer, tenant: Tenant, fields: CustomerFields) -> dict[str, Any]:
    """What ``apply_fields`` would change on ``customer`` (validated), without changing it."""
    probe = Customer()
    apply_fields(probe, tenant, fields)
    changes = {
        attr: value for attr in _FIELDS
        if (value := getattr(probe, attr)) is not None and value != getattr(customer, attr)
    }
    if probe.phone_e164 is not None and probe.phone_e164 != customer.phone_e164:
        changes["phone_e164"] = probe.phone_e164
    return changes


def apply_fields(customer: Customer, tenant: Tenant, fields: CustomerFields) -> None:
    if fields.phone is not None:
        customer.phone_e164 = normalize_phone(fields.phone, tenant.country)
    if fields.timezone is not None:
        check_timezone(fields.timezone)
    for attr in _FIELDS:
        value = getattr(fields, attr)
        if value is not None:
            setattr(customer, attr, value)


def create_customer(session: Session, tenant: Tenant, fields: CustomerFields) -> Customer:
    customer = Customer(tenant_id=tenant.id)
    apply_fields(customer, tenant, fields)
    if customer.phone_e164 and find_by_phone(session, tenant, customer.phone_e164):
        raise Conflict(
            f"A customer with phone {customer.phone_e164} already exists in this business.",
            phone=customer.phone_e164,
        )
    session.add(customer)
    session.flush()
    return customer


def upsert_by_phone(session: Session, tenant: Tenant, fields: CustomerFields) -> Customer:
    """The customer with this phone (updating the given fields), or a new one."""
    existing = find_by_phone(session, tenant, fields.phone) if fields.phone else None
    if existing is None:
        return create_customer(session, tenant, fields)
    apply_fields(existing, tenant, fields)
    return existing
