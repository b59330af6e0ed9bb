"""Whether a connected calendar's push notifications work, for its owner (decision 0068).

Read from the connection's ``calendar_push_channels`` rows; nothing is asked of the
provider. The state is one of:

- ``off``: push is not on here (no public https address, ``FRONTDESK_CALENDAR_PUSH=off``),
  the calendar is CalDAV (it has no push), or the connection is new and its channels are
  still being opened (within one upkeep interval of being stored);
- ``active``: every watched calendar (the one written to and each one checked for
  conflicts) has a live channel;
- ``failing``: push is on but a watched calendar has had no live channel for longer than
  that (opening or renewing keeps failing, or the connection is broken and not watched).
  Busy times are still read again when the cache's TTL runs out; only freshness is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.config import Settings
from frontdesk.services.calendar_providers import OAUTH_PROVIDERS, watched_calendars
from frontdesk.store.models import CalendarConnection, CalendarPushChannel

PushState = Literal["off", "active", "failing"]


@dataclass(frozen=True, slots=True)
class PushStatus:
    state: PushState
    channels: int  # live channels: active and not expired
    expires_at: datetime | None  # the earliest live channel's expiry
    last_notified_at: datetime | None  # the latest notification any channel took


def push_status(session: Session, connection: CalendarConnection, settings: Settings,
                now: datetime | None = None) -> PushStatus:
    """How push stands for ``connection`` (one short read of its channels)."""
    now = now or datetime.now(UTC)
    rows = list(session.scalars(select(CalendarPushChannel).where(
        CalendarPushChannel.connection_id == connection.id)))
    live = [c for c in rows if c.status == "active" and c.expires_at > now]
    notified = [c.last_notified_at for c in rows if c.last_notified_at is not None]
    return PushStatus(
        state=_state(connection, settings, live, now),
        channels=len(live),
        expires_at=min((c.expires_at for c in live), default=None),
        last_notified_at=max(notified, default=None),
    )


def _state(connection: CalendarConnection, settings: Settings,
           live: Iterable[CalendarPushChannel], now: datetime) -> PushState:
    if not settings.calendar_push_on() or connection.provider not in OAUTH_PROVIDERS:
        return "off"
    covered = {c.calendar for c in live}
    missing = connection.status != "ok" or bool(
        set(watched_calendars(connection)) - covered)
    if not missing:
        return "active"
    # Channels open in a thread right after connecting and are retried every upkeep
    # pass: a calendar without one only counts as failing once a pass had its chance.
    stored = connection.checked_at
    grace = timedelta(seconds=settings.calendar_push_interval_s)
    if connection.status == "ok" and stored is not None and now - stored < grace:
        return "active" if covered else "off"
    return "failing"
