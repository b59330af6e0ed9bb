"""One long-lived calendar client per connection and calendar, per process.

A client per read would open a new HTTP connection each time (against the real services
a TCP and TLS handshake on every cold search and every booking) and, for CalDAV, find
the calendar again (principal and calendar-home PROPFINDs: three extra round trips). So
each connection keeps one client per process, rebuilt when what it was built from
changes (server, account, calendar, zone, password, OAuth client, refresh token — a
rotated or reconnected grant) and dropped when the calendar refuses it. Google's client
serialises its own calls; Graph's httpx client is thread-safe and locks its refreshes;
a CalDAV client's calls are serialised here.

A shared client cannot know which caller's transaction should store the tokens it
refreshes, so it reports them to the saver of the call in progress in this thread
(a context variable set around each call: ``report_tokens``).

What a client is built from, and how, is ``services.calendar_providers``' business.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, cast

from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarEvent,
    CalendarNotFound,
    CalendarProvider,
)
from frontdesk.calendars.oauth import OAuthTokens, TokenSaver

_T = TypeVar("_T")
PoolKey = tuple[uuid.UUID, str]  # (connection, calendar)

_current_saver: ContextVar[TokenSaver | None] = ContextVar("frontdesk_token_saver", default=None)


class ListsCalendars(Protocol):
    """Google's and Microsoft's providers also list the account's calendars."""

    def list_calendars(self) -> list[tuple[str, str, bool]]: ...


def close_provider(provider: CalendarProvider) -> None:
    """Release a provider's HTTP connections (Google's and Microsoft's hold some)."""
    close = getattr(provider, "close", None)
    if callable(close):
        close()


def report_tokens(tokens: OAuthTokens) -> None:
    """Hand tokens a pooled client refreshed to the saver of the call in progress."""
    saver = _current_saver.get()
    if saver is not None:
        saver(tokens)


@dataclass(eq=False)
class PooledClient:
    """A pooled client, what it was built from, and how many callers hold it now."""

    key: tuple[str, ...]
    provider: CalendarProvider
    lock: threading.Lock | None
    users: int = 0
    evicted: bool = False


class ClientPool:
    """Clients by (connection, calendar), least recently used first. Bounded: each client
    may hold an open socket (a file descriptor), and a deployment may have thousands of
    connections; the ones in use stay, the rest reconnect when next needed."""

    def __init__(self) -> None:
        self._entries: OrderedDict[PoolKey, PooledClient] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _retire(entry: PooledClient) -> PooledClient | None:
        """Take ``entry`` out of service (pool lock held); returns it if it can close now.

        A client still lent to a caller is closed when that caller gives it back, not
        under its feet."""
        entry.evicted = True
        return entry if entry.users == 0 else None

    @staticmethod
    def _close_all(entries: list[PooledClient | None]) -> None:
        for entry in entries:
            if entry is not None:
                close_provider(entry.provider)

    def clear(self) -> None:
        """Close and forget every pooled client (tests; a settings change)."""
        with self._lock:
            done = [self._retire(entry) for entry in self._entries.values()]
            self._entries.clear()
        self._close_all(done)

    def evict(self, connection_id: uuid.UUID) -> None:
        """Drop the connection's clients: the next caller builds afresh."""
        with self._lock:
            keys = [k for k in self._entries if k[0] == connection_id]
            done = [self._retire(self._entries.pop(k)) for k in keys]
        self._close_all(done)

    def release(self, entry: PooledClient) -> None:
        with self._lock:
            entry.users -= 1
            done = entry if entry.evicted and entry.users == 0 else None
        self._close_all([done])

    def lend(
        self,
        pool_key: PoolKey,
        key: tuple[str, ...],
        build: Callable[[], tuple[CalendarProvider, threading.Lock | None]],
        limit: int,
    ) -> PooledClient:
        """The client at ``pool_key`` if it was built from ``key``, else a new one from
        ``build`` (outside the pool's lock), lent to the caller (``users``)."""
        with self._lock:
            entry = self._entries.get(pool_key)
            if entry is not None and entry.key == key:
                self._entries.move_to_end(pool_key)
                entry.users += 1
                return entry
        provider, lock = build()
        fresh = PooledClient(key, provider, lock, users=1)
        with self._lock:
            done = []
            old = self._entries.pop(pool_key, None)
            if old is not None:
                done.append(self._retire(old))
            self._entries[pool_key] = fresh
            while len(self._entries) > max(1, limit):
                done.append(self._retire(self._entries.popitem(last=False)[1]))
        self._close_all(done)
        return fresh


class BorrowedClient:
    """A pooled client lent for one caller: routes refreshed tokens to that caller's saver;
    a rejected grant evicts the client; closing returns it to the pool (it stays open)."""

    def __init__(
        self,
        pool: ClientPool,
        connection_id: uuid.UUID,
        entry: PooledClient,
        saver: TokenSaver | None,
    ) -> None:
        self._pool = pool
        self._connection_id = connection_id
        self._entry = entry
        self._provider = entry.provider
        self._lock = entry.lock
        self._saver = saver
        self._returned = False

    def _run(self, call: Callable[[], _T]) -> _T:
        token = _current_saver.set(self._saver)
        try:
            with self._lock if self._lock is not None else nullcontext():
                return call()
        except (CalendarAuthError, CalendarNotFound):
            # Refused, or the calendar is gone: the next caller starts from scratch.
            self._pool.evict(self._connection_id)
            raise
        finally:
            _current_saver.reset(token)

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        return self._run(lambda: self._provider.busy(start, end))

    def upsert_event(self, event: CalendarEvent) -> str:
        return self._run(lambda: self._provider.upsert_event(event))

    def delete_event(self, appointment_id: str) -> None:
        self._run(lambda: self._provider.delete_event(appointment_id))

    def list_calendars(self) -> list[tuple[str, str, bool]]:
        return self._run(cast(ListsCalendars, self._provider).list_calendars)

    def close(self) -> None:
        """Give the client back to the pool (it stays open for the next caller)."""
        if not self._returned:
            self._returned = True
            self._pool.release(self._entry)
