"""Businesses' phone numbers: whose number a call or text reached, and which one we send from.

A number belongs to at most one business (``tenant_phone_numbers.number_e164`` is
unique), so the number a customer called or texted names the business every phone and
SMS door answers for.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import InvalidInput
from frontdesk.services.customers import normalize_phone
from frontdesk.store.models import Tenant, TenantPhoneNumber

# How a number without a country code is read before we know the business: providers
# send E.164, so this only matters for hand-made requests (``frontdesk call``).
_LOOKUP_REGION = "US"


def tenant_for_number(db: Session | sessionmaker[Session], number: str) -> Tenant | None:
    """The business that owns ``number``; None for a number no business has (or no
    number at all: a short code, a SIP address, an empty field)."""
    e164 = as_e164(number, _LOOKUP_REGION)
    if e164 is None:
        return None
    if isinstance(db, Session):
        return _owner(db, e164)
    with db() as session:
        return _owner(session, e164)


def sending_number(session: Session, tenant: Tenant) -> str | None:
    """The number the business texts from (its first), or None when it has none."""
    return session.scalars(
        select(TenantPhoneNumber.number_e164).where(TenantPhoneNumber.tenant_id == tenant.id)
    ).first()


def as_e164(raw: str | None, region: str) -> str | None:
    """``raw`` as E.164 (read in ``region`` when it has no country code), or None when it
    is not a phone number: a withheld caller, a SIP URI, "anonymous", a short code."""
    if not raw or not raw.strip():
        return None
    try:
        return normalize_phone(raw, region or _LOOKUP_REGION)
    except InvalidInput:
        return None


def _owner(session: Session, e164: str) -> Tenant | None:
    return session.scalars(
        select(Tenant)
        .join(TenantPhoneNumber, TenantPhoneNumber.tenant_id == Tenant.id)
        .where(TenantPhoneNumber.number_e164 == e164)
    ).first()
