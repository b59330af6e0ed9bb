"""A business's chat-widget keys as its website needs them: each active publishable key,
its allowed sites, and its whole text where the server can derive it again (ADR 0040)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from frontdesk.config import Settings
from frontdesk.errors import NotFound
from frontdesk.services.api_keys import WIDGET, ApiKey, list_api_keys, widget_key_text
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Tenant


@dataclass(frozen=True, slots=True)
class WidgetKey:
    id: uuid.UUID
    name: str
    prefix: str
    origins: list[str]
    created_at: datetime
    # None: a key made at random (by the API or CLI before ADR 0040, or under another
    # secret key), whose text was shown once and is not kept.
    text: str | None


def _line(settings: Settings, record: ApiKey) -> WidgetKey:
    return WidgetKey(record.id, record.name, record.prefix, list(record.allowed_origins or []),
                     record.created_at, widget_key_text(settings, record))


def widget_keys(session: Session, tenant_id: uuid.UUID, settings: Settings) -> list[WidgetKey]:
    """The business's widget keys that still work, oldest first."""
    tenant = session.get_one(Tenant, tenant_id)
    return [_line(settings, k) for k in list_api_keys(session, tenant)
            if k.scope == WIDGET and k.revoked_at is None]


def widget_key(session: Session, tenant_id: uuid.UUID, key_id: uuid.UUID,
               settings: Settings) -> WidgetKey:
    """One of the business's working widget keys, or NotFound (another business's key,
    a revoked one, or one that is not a widget key, are all no widget of this business)."""
    record = get_scoped(session, ApiKey, tenant_id, key_id)
    if record.scope != WIDGET or record.revoked_at is not None:
        raise NotFound(f"No working widget key with id {key_id} in this business.",
                       api_key_id=str(key_id))
    return _line(settings, record)
