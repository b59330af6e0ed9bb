"""API keys as the dashboard's owners manage them: list, create (the secret shown once),
revoke — each in a transaction of its own, through ``services.api_keys``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.services.api_keys import create_api_key, list_api_keys, revoke_api_key
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant


@dataclass(frozen=True, slots=True)
class KeyLine:
    id: uuid.UUID
    name: str
    prefix: str
    scope: str
    origins: list[str]
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewKey:
    name: str
    scope: str
    secret: str  # shown once, never stored


def keys(session: Session, tenant_id: uuid.UUID) -> list[KeyLine]:
    tenant = session.get_one(Tenant, tenant_id)
    return [KeyLine(k.id, k.name, k.prefix, k.scope, list(k.allowed_origins or []),
                    k.created_at, k.revoked_at) for k in list_api_keys(session, tenant)]


def keys_now(factory: sessionmaker[Session], tenant_id: uuid.UUID) -> list[KeyLine]:
    """``keys`` in a session of its own: what a write just committed is in it."""
    with factory() as session:
        return keys(session, tenant_id)


def create(factory: sessionmaker[Session], tenant_id: uuid.UUID, name: str, scope: str,
           origins: list[str], settings: Settings) -> NewKey:
    """A new key; a widget key is derived from the server's secret key, so the widget
    page can show it again (ADR 0040)."""
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, tenant_id)
        record, secret = create_api_key(session, tenant, name, scope=scope,
                                        allowed_origins=origins or None, settings=settings)
        return NewKey(record.name, record.scope, secret)


def revoke(factory: sessionmaker[Session], tenant_id: uuid.UUID, key_id: uuid.UUID) -> None:
    with write_session(factory) as session:
        revoke_api_key(session, session.get_one(Tenant, tenant_id), key_id)
