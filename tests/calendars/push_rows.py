"""A Google calendar connection and its push channels written straight to the database,
as the OAuth callback and the push upkeep (``services.calendar_push``) leave them: for
tests of what is shown about push, which call no provider."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.calendar_push import token_digest
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, CalendarPushChannel, Resource, Tenant
from tests.conftest import Business


def google_connection(factory: sessionmaker[Session], biz: Business, *, stored_at: datetime,
                      check: tuple[str, ...] = ("family",), provider: str = "google"
                      ) -> uuid.UUID:
    with write_session(factory) as session:
        row = CalendarConnection(
            tenant_id=biz.tenant.id, resource_id=biz.ana.id, provider=provider,
            url="https://www.googleapis.com/calendar/v3", username="ana@salon.example",
            calendar="primary", check_calendars=list(check), secret="unused",
            status="ok", checked_at=stored_at)
        session.add(row)
        session.get_one(Resource, biz.ana.id).has_calendar = True
        session.get_one(Tenant, biz.tenant.id).has_calendars = True
        session.flush()
        return row.id


def open_channel(factory: sessionmaker[Session], biz: Business, connection_id: uuid.UUID,
                 calendar: str, expires_at: datetime, token: str = "secret",
                 provider: str = "google") -> uuid.UUID:
    """A channel of ``calendar`` whose provider's id for it is ``res-{calendar}``."""
    with write_session(factory) as session:
        row = CalendarPushChannel(
            tenant_id=biz.tenant.id, connection_id=connection_id, provider=provider,
            calendar=calendar, external_id=f"res-{calendar}", token_hash=token_digest(token),
            status="active", expires_at=expires_at)
        session.add(row)
        session.flush()
        return row.id


def expire(factory: sessionmaker[Session], channel_id: uuid.UUID, at: datetime) -> None:
    with write_session(factory) as session:
        session.execute(update(CalendarPushChannel).where(CalendarPushChannel.id == channel_id)
                        .values(expires_at=at))
