"""Push channels of connected Google and Microsoft calendars: opened, renewed, stopped.

Each calendar a connection watches (the one written to and every calendar checked for
conflicts) gets one channel: a Google ``events.watch`` channel or a Microsoft Graph
subscription, pointed at ``{public_base_url}/webhooks/calendar/{provider}``. What arrives
there is handled by ``calendar_push_inbox``; this module keeps the channels alive
(decision 0068):

- ``maintain`` (the background work, every ``calendar_push_interval_s``) opens missing
  channels, renews those expiring within ``calendar_push_renew_margin_s`` (Google cannot
  extend a channel: a new one is opened and the old one stopped; Graph's is PATCHed), and
  stops channels of calendars no longer watched;
- ``start_channels`` does the same for one connection at once (after it was connected);
- ``stop_channels`` closes a connection's channels before it is removed.

Provider calls are made outside any transaction, one connection at a time under a named
lock, so two processes never open two channels for one calendar. A failure is logged and
left to the next pass: push only makes busy times fresher, the TTL still bounds them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import CalendarError
from frontdesk.calendars.oauth import OAuthTokens, TokenSaver
from frontdesk.calendars.push import OpenedChannel, PushChannelGone
from frontdesk.config import Settings
from frontdesk.services.calendar_providers import (
    OAUTH_PROVIDERS,
    calendar_breaker,
    oauth_config,
    save_tokens,
    tokens_of,
    watched_calendars,
)
from frontdesk.store.db import named_lock, write_session
from frontdesk.store.models import CalendarConnection, CalendarPushChannel

log = logging.getLogger(__name__)

PATHS = {"google": "/webhooks/calendar/google", "microsoft": "/webhooks/calendar/microsoft"}
GRAPH_MAX_TTL = timedelta(minutes=4200)


class PushClient(Protocol):
    """What this module asks of a provider's push adapter (``GoogleCalendarPush`` or
    ``MicrosoftSubscriptions`` behind ``open``/``renew``/``close``)."""

    def open(self, channel_id: str, address: str, token: str,
             expires_at: datetime) -> OpenedChannel: ...

    def renew(self, external_id: str, expires_at: datetime) -> OpenedChannel | None:
        """The extended channel, or None where the provider cannot extend one (Google)."""
        ...

    def close(self, channel_id: str, external_id: str) -> None: ...

    def release(self) -> None: ...


# (provider, tokens, calendar, settings, token saver) -> a push client
PushClientFactory = Callable[[str, OAuthTokens, str, Settings, TokenSaver], PushClient]


class _GoogleClient:
    def __init__(self, tokens: OAuthTokens, calendar: str, settings: Settings,
                 on_tokens: TokenSaver) -> None:
        from frontdesk.calendars.google_push import GoogleCalendarPush

        self._client = GoogleCalendarPush(oauth_config("google", settings), tokens,
                                          calendar or "primary", timezone="UTC",
                                          on_tokens=on_tokens)

    def open(self, channel_id: str, address: str, token: str,
             expires_at: datetime) -> OpenedChannel:
        ttl = max((expires_at - datetime.now(UTC)).total_seconds(), 60.0)
        return self._client.watch(channel_id, address, token, ttl)

    def renew(self, external_id: str, expires_at: datetime) -> OpenedChannel | None:
        return None

    def close(self, channel_id: str, external_id: str) -> None:
        self._client.stop(channel_id, external_id)

    def release(self) -> None:
        self._client.close()


class _GraphClient:
    def __init__(self, tokens: OAuthTokens, calendar: str, settings: Settings,
                 on_tokens: TokenSaver) -> None:
        from frontdesk.calendars.microsoft_push import MicrosoftSubscriptions

        self._client = MicrosoftSubscriptions(oauth_config("microsoft", settings), tokens,
                                              calendar, timezone="UTC", on_tokens=on_tokens)

    def open(self, channel_id: str, address: str, token: str,
             expires_at: datetime) -> OpenedChannel:
        return self._client.subscribe(address, token, expires_at)

    def renew(self, external_id: str, expires_at: datetime) -> OpenedChannel | None:
        return self._client.renew(external_id, expires_at)

    def close(self, channel_id: str, external_id: str) -> None:
        self._client.unsubscribe(external_id)

    def release(self) -> None:
        self._client.close()


def push_client(provider: str, tokens: OAuthTokens, calendar: str, settings: Settings,
                on_tokens: TokenSaver) -> PushClient:
    """The default push client of a connection's calendar."""
    if provider == "google":
        return _GoogleClient(tokens, calendar, settings, on_tokens)
    return _GraphClient(tokens, calendar, settings, on_tokens)


@dataclass(slots=True)
class PushReport:
    """What one pass did (channels opened, renewed or replaced, stopped; failures)."""

    opened: int = 0
    renewed: int = 0
    stopped: int = 0
    failed: int = 0

    def add(self, other: PushReport) -> None:
        self.opened += other.opened
        self.renewed += other.renewed
        self.stopped += other.stopped
        self.failed += other.failed


def token_digest(token: str) -> str:
    """What is stored of a channel's secret (it is only ever compared)."""
    return hashlib.sha256(token.encode()).hexdigest()


def push_address(settings: Settings, provider: str) -> str:
    return settings.public_base_url.rstrip("/") + PATHS[provider]


def lifetime(settings: Settings, provider: str) -> timedelta:
    asked = timedelta(seconds=settings.calendar_push_ttl_s)
    return min(asked, GRAPH_MAX_TTL) if provider == "microsoft" else asked


def maintain(factory: sessionmaker[Session], settings: Settings, *,
             now: datetime | None = None, clients: PushClientFactory = push_client
             ) -> PushReport:
    """One pass over every Google and Microsoft connection (the background work's)."""
    report = PushReport()
    if not settings.calendar_push_on():
        return report
    with factory() as session:
        ids = list(session.scalars(
            select(CalendarConnection.id).where(CalendarConnection.provider.in_(OAUTH_PROVIDERS))
        ))
    for connection_id in ids:
        report.add(start_channels(factory, settings, connection_id, now=now, clients=clients))
    return report


def start_channels(factory: sessionmaker[Session], settings: Settings,
                   connection_id: uuid.UUID, *, now: datetime | None = None,
                   clients: PushClientFactory = push_client) -> PushReport:
    """Open, renew or stop one connection's channels as its calendars need."""
    report = PushReport()
    if not settings.calendar_push_on():
        return report
    with named_lock(factory, f"calendar-push:{connection_id}"):
        with factory() as session:  # read under the lock: another process may have acted
            connection = session.get(CalendarConnection, connection_id)
            if connection is None or connection.provider not in OAUTH_PROVIDERS:
                return report
            channels = list(session.scalars(select(CalendarPushChannel).where(
                CalendarPushChannel.connection_id == connection_id)))
            session.expunge_all()
        _Pass(factory, settings, connection, clients, report).run(
            channels, now or datetime.now(UTC))
    return report


def start_soon(factory: sessionmaker[Session], settings: Settings,
               connection_id: uuid.UUID) -> threading.Thread | None:
    """``start_channels`` in a thread of its own, so a request that connected a calendar
    need not wait for the provider (Graph first calls our webhook back to check it)."""
    if not settings.calendar_push_on():
        return None

    def run() -> None:
        try:
            start_channels(factory, settings, connection_id)
        except Exception:  # noqa: BLE001 - a thread's last stop: logged, the next pass retries
            log.exception("calendar push: could not start the channels of %s", connection_id)

    thread = threading.Thread(target=run, name="calendar-push-start", daemon=True)
    thread.start()
    return thread


def stop_channels(factory: sessionmaker[Session], settings: Settings,
                  connection_id: uuid.UUID, *, clients: PushClientFactory = push_client
                  ) -> PushReport:
    """Stop every channel of a connection at its provider and forget them (best effort:
    a channel that could not be stopped simply expires)."""
    report = PushReport()
    with named_lock(factory, f"calendar-push:{connection_id}"):
        with factory() as session:
            connection = session.get(CalendarConnection, connection_id)
            channels = list(session.scalars(select(CalendarPushChannel).where(
                CalendarPushChannel.connection_id == connection_id)))
            session.expunge_all()
        if connection is None:
            return report
        work = _Pass(factory, settings, connection, clients, report)
        for channel in channels:
            work.stop(channel)
    return report


class _Pass:
    """The provider calls for one connection, with its tokens kept as they refresh."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings,
                 connection: CalendarConnection, clients: PushClientFactory,
                 report: PushReport) -> None:
        self.factory, self.settings, self.connection = factory, settings, connection
        self.clients, self.report = clients, report
        self.breaker = calendar_breaker(connection)

    def run(self, channels: list[CalendarPushChannel], now: datetime) -> None:
        watched = set(watched_calendars(self.connection)) if (
            self.connection.status == "ok") else set()
        due = now + timedelta(seconds=self.settings.calendar_push_renew_margin_s)
        live: set[str] = set()
        for channel in sorted(channels, key=lambda c: c.expires_at, reverse=True):
            if (channel.status != "active" or channel.calendar not in watched
                    or channel.calendar in live or channel.expires_at <= now):
                self.stop(channel)  # replaced, orphaned, a duplicate or dead
            elif channel.expires_at <= due:
                if self.renew(channel, now):
                    live.add(channel.calendar)
            else:
                live.add(channel.calendar)
        for calendar in sorted(watched - live):
            self.open(calendar, now)

    def _client(self, calendar: str) -> PushClient:
        return self.clients(self.connection.provider, tokens_of(self.connection, self.settings),
                            calendar, self.settings, self._keep_tokens)

    def _keep_tokens(self, tokens: OAuthTokens) -> None:
        with write_session(self.factory) as session:
            save_tokens(session, self.connection.id, tokens, self.settings)

    def _call(self, what: str, calendar: str, act: Callable[[PushClient], None]) -> bool:
        if not self.breaker.allow():
            return False  # the provider keeps failing for everyone: next pass
        client: PushClient | None = None
        try:
            client = self._client(calendar)
            act(client)
        except CalendarError as exc:
            if exc.status == 503:
                self.breaker.failed()
            log.warning("calendar push: could not %s for connection %s: %s",
                        what, self.connection.id, exc.detail)
            self.report.failed += 1
            return False
        finally:
            if client is not None:
                client.release()
        self.breaker.succeeded()
        return True

    def open(self, calendar: str, now: datetime) -> None:
        provider = self.connection.provider
        channel_id, token = uuid.uuid4(), secrets.token_urlsafe(32)
        expires_at = now + lifetime(self.settings, provider)
        opened: list[OpenedChannel] = []
        address = push_address(self.settings, provider)
        if not self._call("open a channel", calendar, lambda c: opened.append(
                c.open(str(channel_id), address, token, expires_at))):
            return
        with write_session(self.factory) as session:
            session.add(CalendarPushChannel(
                id=channel_id, tenant_id=self.connection.tenant_id,
                connection_id=self.connection.id, provider=provider, calendar=calendar,
                external_id=opened[0].external_id, token_hash=token_digest(token),
                status="active", expires_at=opened[0].expires_at, created_at=now,
            ))
        self.report.opened += 1

    def renew(self, channel: CalendarPushChannel, now: datetime) -> bool:
        """Extend a channel in place (Graph), or open its successor and stop it (Google)."""
        renewed: list[OpenedChannel | None] = []
        expires_at = now + lifetime(self.settings, channel.provider)
        gone = False

        def extend(client: PushClient) -> None:
            nonlocal gone
            try:
                renewed.append(client.renew(channel.external_id or "", expires_at))
            except PushChannelGone:
                gone = True

        if not self._call("renew a channel", channel.calendar, extend):
            return channel.expires_at > now  # keep it while it lives; try again later
        if renewed and renewed[0] is not None:
            with write_session(self.factory) as session:
                session.execute(update(CalendarPushChannel)
                                .where(CalendarPushChannel.id == channel.id)
                                .values(expires_at=renewed[0].expires_at))
            self.report.renewed += 1
            return True
        before = self.report.opened
        self.open(channel.calendar, now)
        if self.report.opened == before:
            return not gone and channel.expires_at > now
        self.report.opened, self.report.renewed = before, self.report.renewed + 1
        self.stop(channel)
        return True

    def stop(self, channel: CalendarPushChannel) -> None:
        """Close a channel at the provider (when it is still alive) and forget it."""
        alive = channel.status != "gone" and channel.expires_at > datetime.now(UTC)
        if alive and channel.external_id:
            if not self._call("stop a channel", channel.calendar,
                              lambda c: c.close(str(channel.id), channel.external_id or "")):
                with write_session(self.factory) as session:  # stopped by a later pass
                    session.execute(update(CalendarPushChannel)
                                    .where(CalendarPushChannel.id == channel.id)
                                    .values(status="stopping"))
                return
        with write_session(self.factory) as session:
            session.execute(delete(CalendarPushChannel)
                            .where(CalendarPushChannel.id == channel.id))
        self.report.stopped += 1
