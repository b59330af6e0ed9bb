"""Whether a number may be contacted at all: the server's list and the business's own.

Two lists, because two parties can say no: the operator of this server (a national
registry extract, a complaint; ``frontdesk dnc``) for every business on it, and the
person themselves to one business ("stop calling me", STOP), kept on that business's
customer. Outbound calls and campaign dialing ask here before anything is placed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.store.models import DoNotCallEntry, Tenant


def block_reason(session: Session, tenant: Tenant, e164: str) -> str | None:
    """Why ``e164`` must not be contacted by ``tenant`` ("do_not_call" or
    "server_do_not_call"), or None."""
    if session.get(DoNotCallEntry, e164) is not None:
        return "server_do_not_call"
    customer = find_by_phone(session, tenant, e164)
    if customer is not None and customer.do_not_call:
        return "do_not_call"
    return None


def blocked_numbers(session: Session, numbers: Iterable[str]) -> set[str]:
    """Which of ``numbers`` (E.164) are on the server's list: one query for a batch."""
    wanted = list(set(numbers))
    if not wanted:
        return set()
    return set(session.scalars(
        select(DoNotCallEntry.phone_e164).where(DoNotCallEntry.phone_e164.in_(wanted))))


def add(session: Session, raw: str, reason: str | None, *, region: str = "US") -> tuple[str, bool]:
    """Put a number on the server's list; (its E.164, whether it was new)."""
    e164 = normalize_phone(raw, region)
    if session.get(DoNotCallEntry, e164) is not None:
        return e164, False
    session.add(DoNotCallEntry(phone_e164=e164, reason=(reason or None)))
    session.flush()
    return e164, True


def remove(session: Session, raw: str, *, region: str = "US") -> tuple[str, bool]:
    e164 = normalize_phone(raw, region)
    gone = session.execute(delete(DoNotCallEntry).where(DoNotCallEntry.phone_e164 == e164))
    return e164, bool(getattr(gone, "rowcount", 0))


def entries(session: Session) -> list[DoNotCallEntry]:
    return list(session.scalars(select(DoNotCallEntry).order_by(DoNotCallEntry.phone_e164)))
