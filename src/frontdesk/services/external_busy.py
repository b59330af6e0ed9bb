"""Busy time from resources' external calendars (CalDAV, Google, Microsoft), for searches
and bookings.

Searches (``fresh=False``) reuse a connection's busy blocks for ``calendar_cache_s``
(60 s); bookings (``fresh=True``) always ask the calendar. When a calendar cannot be
reached, the last blocks it gave (if younger than ``STALE_LIMIT`` and covering the
window) stand in; without them the whole window counts as busy: a calendar we could not
read is never read as free. A calendar that rejects our credentials marks its connection "broken"
and blocks the window until the owner fixes it. A calendar server that keeps failing (for
any business: its circuit breaker, ``calendar_breaker``) is not asked until its cool-down
ends; reads answer from what is known in the meantime, as after a failure. A change
notification from Google or Microsoft (``calendar_push_inbox``) bumps the connection's
``busy_generation``: no process reuses a read of an older generation (decision 0068).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import (
    CalendarAuthError,
    CalendarError,
    CalendarProvider,
    CalendarUnavailable,
)
from frontdesk.calendars.oauth import OAuthTokens, TokenSaver
from frontdesk.observability.metrics import CALENDAR_READ_FAILURES, CALENDAR_READ_SECONDS
from frontdesk.scheduling import Interval
from frontdesk.services.calendar_providers import (
    calendar_breaker,
    close_provider,
    provider_for,
    save_tokens,
    settings_in_use,
    watched_calendars,
    with_calendar,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, Tenant

STALE_LIMIT_S = 600.0
# "Fresh" for a booking: read from the calendar within the last few seconds. A booking
# prefetches just before its write transaction, so no network call happens while the
# database write lock is held.
FRESH_S = 5.0
# After a calendar failed to answer (down, timing out, rate limiting), do not ask it again
# for this long: every search and booking in the meantime would otherwise wait out the
# same timeout (10 s) before falling back to the last known blocks.
FAILURE_BACKOFF_S = 20.0
# Reads kept per connection with their own windows and times: one per booking in flight.
RECENT_READS = 64

# (connection, tenant timezone, where refreshed OAuth tokens go) -> provider
ProviderFactory = Callable[[CalendarConnection, str, TokenSaver | None], CalendarProvider]

def _cache_key(connection: CalendarConnection) -> tuple[str, str, str, str]:
    """What, when changed, makes earlier busy blocks unusable: other calendars or login.

    A CalDAV password change counts; an OAuth token refresh (same account, same
    calendars) does not, or every hourly refresh would throw the cache away."""
    secret = connection.secret if connection.provider == "caldav" else ""
    return (connection.provider + ":" + connection.url, connection.username,
            "\n".join(watched_calendars(connection)), secret)


@dataclass(frozen=True, slots=True)
class _Known:
    """Busy blocks read for [lo, hi) at ``at`` (monotonic seconds), with the row's state.

    ``generation``: the connection's ``busy_generation`` when the read began; a push
    notification bumps it, and a read of an older generation is then no longer fresh
    (it still stands in when the calendar cannot be reached)."""

    key: tuple[str, str, str, str]
    lo: datetime
    hi: datetime
    blocks: list[Interval]
    at: float
    generation: int = 0

    def covers(self, key: tuple[str, str, str, str], lo: datetime, hi: datetime) -> bool:
        return self.key == key and self.lo <= lo and hi <= self.hi


class ExternalBusy:
    """Per-process reader of external busy time, with a TTL cache per connection."""

    def __init__(
        self,
        provider_factory: ProviderFactory = provider_for,
        *,
        ttl_s: float | None = None,
        stale_limit_s: float = STALE_LIMIT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider_factory = provider_factory
        self.ttl_s = ttl_s
        self.stale_limit_s = stale_limit_s
        self.clock = clock
        self._known: dict[uuid.UUID, _Known] = {}
        # The latest read of each connection as it was made (a booking's prefetch): its
        # own read time, which merging into a wider, older read in ``_known`` would lose.
        # (Several: concurrent bookings of one calendar each prefetch their own window.)
        self._recent: dict[uuid.UUID, deque[_Known]] = {}
        # When each connection last failed to answer (monotonic seconds).
        self._failed_at: dict[uuid.UUID, float] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self._recent.clear()
            self._failed_at.clear()

    def forget(self, connection_id: uuid.UUID) -> None:
        """Drop what is known of a connection (it was replaced or repaired)."""
        with self._lock:
            self._known.pop(connection_id, None)
            self._recent.pop(connection_id, None)
            self._failed_at.pop(connection_id, None)

    def busy(
        self,
        session: Session,
        tenant: Tenant,
        resource_ids: Sequence[uuid.UUID],
        start: datetime,
        end: datetime,
        *,
        fresh: bool,
        in_write: bool | None = None,
        force: bool = False,
    ) -> dict[uuid.UUID, list[Interval]]:
        """Busy intervals per resource that has a connection (others are left out).

        ``force``: ask the calendar now, whatever the cache holds (a booking's prefetch).

        ``in_write``: the session holds a write transaction (failures are noted in it);
        defaults to ``fresh``, the booking path."""
        in_write = fresh if in_write is None else in_write
        if not resource_ids:
            return {}
        connections = session.scalars(
            select(CalendarConnection).where(
                CalendarConnection.tenant_id == tenant.id,
                CalendarConnection.resource_id.in_(list(resource_ids)),
            )
        ).all()
        out: dict[uuid.UUID, list[Interval]] = {}
        for connection in connections:
            out[connection.resource_id] = self._for(
                session, tenant, connection, start, end, fresh, in_write, force
            )
        return out

    def _for(
        self,
        session: Session,
        tenant: Tenant,
        connection: CalendarConnection,
        start: datetime,
        end: datetime,
        fresh: bool,
        in_write: bool,
        force: bool = False,
    ) -> list[Interval]:
        whole: list[Interval] = [(start, end)]
        if connection.status == "broken":
            return whole
        # A changed connection (new url, account or password) must not reuse old blocks.
        key = _cache_key(connection)
        generation = connection.busy_generation or 0
        now = self.clock()
        with self._lock:
            known = self._known.get(connection.id)
            recent = list(self._recent.get(connection.id, ()))
        if known is not None and not known.covers(key, start, end):
            known = None
        # Unset: the cache time of the settings the app factory handed down.
        ttl = self.ttl_s if self.ttl_s is not None else settings_in_use().calendar_cache_s
        max_age = FRESH_S if fresh else ttl
        if not force:
            # A booking takes the newest read that covers its window (normally its own
            # prefetch); a search takes the merged view, which holds every later read.
            candidates = (*reversed(recent), known) if fresh else (known,)
            for candidate in candidates:
                if (
                    candidate is not None
                    and candidate.covers(key, start, end)
                    and candidate.generation == generation
                    and now - candidate.at < max_age
                ):
                    return candidate.blocks
        with self._lock:
            failed_at = self._failed_at.get(connection.id)
        guard = calendar_breaker(connection)
        if (failed_at is not None and now - failed_at < FAILURE_BACKOFF_S) or not guard.allow():
            # It failed moments ago, or its server keeps failing for every business (the
            # breaker is open): answer from what is known without waiting on it again.
            if known is not None and now - known.at < self.stale_limit_s:
                return known.blocks
            return whole
        refreshed: list[OAuthTokens] = []
        try:
            blocks: list[Interval] = []
            for calendar in watched_calendars(connection):
                target = (
                    connection if calendar == connection.calendar
                    else with_calendar(connection, calendar)
                )
                provider = self.provider_factory(target, tenant.timezone, refreshed.append)
                try:
                    blocks.extend(_timed_read(provider, connection.provider, start, end))
                finally:
                    close_provider(provider)
            blocks.sort()
        except CalendarAuthError as exc:
            guard.succeeded()  # the server answered: these credentials are the trouble
            _keep_tokens(session, connection.id, refreshed, in_write)
            _record(session, connection.id, status="broken", error=exc.detail, fresh=in_write)
            return whole
        except (CalendarError, ValueError) as exc:
            if isinstance(exc, CalendarUnavailable):
                guard.failed()
            _keep_tokens(session, connection.id, refreshed, in_write)
            detail = exc.detail if isinstance(exc, CalendarError) else str(exc)
            _record(session, connection.id, status=None, error=detail, fresh=in_write)
            with self._lock:
                self._failed_at[connection.id] = self.clock()
            if known is not None and now - known.at < self.stale_limit_s:
                return known.blocks
            return whole
        guard.succeeded()
        _keep_tokens(session, connection.id, refreshed, in_write)
        if connection.last_error is not None:
            # It answers again: the owner should not keep seeing an old failure.
            _record(session, connection.id, status=None, error=None, fresh=in_write)
        read = _Known(key, start, end, blocks, now, generation)
        with self._lock:
            # Blocks of an older generation are not merged into a newer read's.
            older = known is not None and known.generation != generation
            self._known[connection.id] = read if older else _merged(known, read)
            self._recent.setdefault(connection.id, deque(maxlen=RECENT_READS)).append(read)
            self._failed_at.pop(connection.id, None)
        return blocks


def _timed_read(provider: CalendarProvider, name: str, start: datetime, end: datetime
                ) -> list[Interval]:
    """One calendar's busy times, timed and counted by provider (a failure by its code)."""
    began = time.perf_counter()
    try:
        return [(b.start, b.end) for b in provider.busy(start, end)]
    except CalendarError as exc:
        CALENDAR_READ_FAILURES.labels(name, exc.code).inc()
        raise
    except ValueError:
        CALENDAR_READ_FAILURES.labels(name, "invalid_answer").inc()
        raise
    finally:
        CALENDAR_READ_SECONDS.labels(name).observe(time.perf_counter() - began)


def _merged(old: _Known | None, new: _Known) -> _Known:
    """Keep a wider earlier read (a search's) when a booking re-reads part of it.

    Blocks of the old read that are not wholly inside the new window stay (extra busy
    time is safe; missing busy time is not); the read time stays the older one.
    """
    if old is None or (old.lo >= new.lo and old.hi <= new.hi):
        return new
    kept = [b for b in old.blocks if not (new.lo <= b[0] and b[1] <= new.hi)]
    return _Known(new.key, old.lo, old.hi, [*kept, *new.blocks], old.at, new.generation)


def _keep_tokens(
    session: Session, connection_id: uuid.UUID, refreshed: list[OAuthTokens], in_write: bool
) -> None:
    """Store the newest tokens a provider refreshed during a read (in the booking's write
    transaction when there is one, else in a short one of its own)."""
    if not refreshed:
        return
    if in_write:
        save_tokens(session, connection_id, refreshed[-1])
        return
    with write_session(sessionmaker(bind=session.get_bind())) as own:
        save_tokens(own, connection_id, refreshed[-1])


def _record(
    session: Session,
    connection_id: uuid.UUID,
    *,
    status: str | None,
    error: str | None,
    fresh: bool,
) -> None:
    """Note the failure on the connection row.

    The booking path (``fresh``) already holds the write transaction, so it writes there
    (and a refused booking rolls the note back; the next search writes it again). A
    search's session is read-only, so it writes in a short transaction of its own.
    """
    values: dict[str, object] = {
        "last_error": error[:2000] if error is not None else None,
        "checked_at": datetime.now(UTC),
    }
    if status is not None:
        values["status"] = status
    statement = (
        update(CalendarConnection)
        .where(CalendarConnection.id == connection_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if fresh:
        session.execute(statement)
        return
    with write_session(sessionmaker(bind=session.get_bind())) as own:
        own.execute(statement)


DEFAULT_EXTERNAL = ExternalBusy()


def external_busy(
    session: Session,
    tenant: Tenant,
    resource_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    *,
    fresh: bool,
    in_write: bool | None = None,
    force: bool = False,
) -> dict[uuid.UUID, list[Interval]]:
    """Busy intervals from external calendars, per connected resource (the default reader)."""
    return DEFAULT_EXTERNAL.busy(
        session, tenant, resource_ids, start, end, fresh=fresh, in_write=in_write, force=force
    )
