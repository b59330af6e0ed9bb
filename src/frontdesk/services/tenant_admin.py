"""What an operator sees and does from the command line: the businesses, and their API
keys (never the keys themselves: only their hashes are stored)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, NotFound
from frontdesk.services import api_keys
from frontdesk.store.models import ApiKey, Tenant


@dataclass(frozen=True, slots=True)
class TenantSummary:
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    active_keys: int
    created_at: datetime


def list_tenants(session: Session) -> list[TenantSummary]:
    """Every business, by slug, with how many of its API keys still work."""
    active = (
        select(ApiKey.tenant_id, func.count().label("n"))
        .where(ApiKey.revoked_at.is_(None))
        .group_by(ApiKey.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant, func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.tenant_id == Tenant.id)
        .order_by(Tenant.slug)
    )
    return [
        TenantSummary(t.id, t.slug, t.name, t.timezone, int(n), t.created_at) for t, n in rows
    ]


def list_api_keys(session: Session, tenant: Tenant) -> list[ApiKey]:
    """The business's API keys, oldest first, revoked ones included."""
    return api_keys.list_api_keys(session, tenant)


def find_api_key(session: Session, tenant: Tenant, ref: str) -> ApiKey:
    """The business's key that ``ref`` names: its id, its prefix (as listed) or its name.

    A name shared by several working keys is ambiguous (Conflict, listing their ids);
    a name of working and revoked keys means the working one."""
    keys = list_api_keys(session, tenant)
    by_id = [k for k in keys if str(k.id) == ref.strip().lower()]
    if by_id:
        return by_id[0]
    matches = [k for k in keys if ref in (k.prefix, k.name)]
    working = [k for k in matches if k.revoked_at is None]
    if len(working) > 1:
        ids = ", ".join(str(k.id) for k in working)
        raise Conflict(
            f"{len(working)} keys of {tenant.slug} are named {ref!r}: give one's id ({ids}).",
            ids=[str(k.id) for k in working],
        )
    if working:
        return working[0]
    if matches:
        return matches[-1]
    raise NotFound(
        f"{tenant.slug} has no API key with id, prefix or name {ref!r} "
        f"(see `frontdesk api-key list --tenant {tenant.slug}`)."
    )


def revoke_key(session: Session, tenant: Tenant, ref: str) -> tuple[ApiKey, bool]:
    """Revoke the key ``ref`` names (see ``find_api_key``): from now on it gets 401.
    Returns the key and whether this call revoked it (False: it already was)."""
    key = find_api_key(session, tenant, ref)
    if key.revoked_at is not None:
        return key, False
    key.revoked_at = datetime.now(UTC)
    session.flush()
    return key, True
