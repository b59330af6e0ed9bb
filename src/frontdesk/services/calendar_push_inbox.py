"""What a calendar provider's change notification does: it checks the channel's secret and
makes every process read that connection's busy times again (decision 0068).

A notification only says "this calendar changed"; nothing in it is trusted as calendar
data. A valid one bumps the connection's ``busy_generation`` in the database, which
every search reads with the connection row anyway (``external_busy``), so the next
search in any process asks the calendar again instead of waiting out the cache's TTL.
No provider is called here: the webhook answers at once.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import FrontdeskError, NotFound
from frontdesk.observability.metrics import (
    CALENDAR_PUSH_NOTIFICATIONS,
    PUSH_PROVIDERS,
    PUSH_RESULTS,
    bounded,
)
from frontdesk.services.calendar_push import token_digest
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, CalendarPushChannel


class UnknownChannel(NotFound):
    """No channel of ours has this id (never made, or stopped and forgotten)."""


class ChannelRefused(FrontdeskError):
    code = "bad_channel_token"
    status = 403
    title = "The notification's channel token does not match"


@dataclass(frozen=True, slots=True)
class GoogleNotice:
    """A Google push message, from its headers (it has no body)."""

    channel_id: str  # X-Goog-Channel-ID
    token: str  # X-Goog-Channel-Token
    resource_id: str  # X-Goog-Resource-ID
    state: str  # X-Goog-Resource-State: sync, exists or not_exists
    message: int | None  # X-Goog-Message-Number


def _matches(channel: CalendarPushChannel, token: str) -> bool:
    return hmac.compare_digest(channel.token_hash.encode(), token_digest(token).encode())


def _live(channel: CalendarPushChannel, now: datetime) -> bool:
    return channel.status == "active" and channel.expires_at > now


def _bump(session: Session, connection_ids: Iterable[uuid.UUID]) -> None:
    session.execute(
        update(CalendarConnection)
        .where(CalendarConnection.id.in_(list(connection_ids)))
        .values(busy_generation=CalendarConnection.busy_generation + 1)
        .execution_options(synchronize_session=False)
    )


def receive_google(factory: sessionmaker[Session], notice: GoogleNotice, *,
                   now: datetime | None = None) -> bool:
    """Take one Google message; True when the connection's busy times were invalidated.

    Raises ``UnknownChannel`` or ``ChannelRefused`` (nothing changed). The first
    ``sync`` message, a message of an expired or replaced channel, and a message number
    seen already change nothing. Each message is counted by what it did
    (``frontdesk_calendar_push_notifications_total``).
    """
    try:
        result = _google(factory, notice, now or datetime.now(UTC))
    except UnknownChannel:
        _count("google", ["unknown"])
        raise
    except ChannelRefused:
        _count("google", ["forged"])
        raise
    _count("google", [result])  # after the commit: an accepted message did invalidate
    return result == "accepted"


def _google(factory: sessionmaker[Session], notice: GoogleNotice, now: datetime) -> str:
    try:
        channel_id = uuid.UUID(notice.channel_id)
    except ValueError as exc:
        raise UnknownChannel("No calendar push channel has this id.") from exc
    # Checked in a read first: a forged message never waits for (or takes) the write lock.
    with factory() as session:
        channel = session.get(CalendarPushChannel, channel_id)
        if channel is None or channel.provider != "google":
            raise UnknownChannel("No calendar push channel has this id.")
        if not _matches(channel, notice.token) or channel.external_id != notice.resource_id:
            raise ChannelRefused("The channel token or resource id does not match.")
        if notice.state == "sync":
            return "sync"
        if not _live(channel, now):
            return "expired"
    with write_session(factory) as session:
        channel = session.get(CalendarPushChannel, channel_id)  # again, under the lock
        if channel is None or not _live(channel, now):
            return "expired"
        if notice.message is not None:
            if notice.message <= channel.last_message:
                return "duplicate"  # redelivered
            channel.last_message = notice.message
        channel.last_notified_at = now
        _bump(session, [channel.connection_id])
    return "accepted"


def receive_microsoft(factory: sessionmaker[Session], items: Sequence[Mapping[str, Any]], *,
                      now: datetime | None = None) -> int:
    """Take a Graph notification batch; the number of notifications acted on.

    Each item must name one of our subscriptions and carry its ``clientState``; items
    that do not are dropped. A batch with none that does is refused (``UnknownChannel``
    when no subscription was known, else ``ChannelRefused``) and changes nothing.
    Lifecycle notifications: ``missed`` invalidates like a change; ``subscriptionRemoved``
    marks the subscription gone and ``reauthorizationRequired`` due, so the next
    maintenance pass makes a new one. Each item is counted by what it did.
    """
    now = now or datetime.now(UTC)
    wanted = {str(i.get("subscriptionId")) for i in items if i.get("subscriptionId")}
    with factory() as session:  # checked in a read first, as for Google
        valid, dropped = _valid_items(session, items, wanted)
    if not valid:
        _refuse(dropped)
    results: list[str] = []
    with write_session(factory) as session:
        valid, dropped = _valid_items(session, items, wanted)
        if not valid and "forged" in dropped:  # its secret changed since the read
            _refuse(dropped)
        changed: set[uuid.UUID] = set()
        for item, channel in valid:
            lifecycle = item.get("lifecycleEvent")
            if lifecycle == "subscriptionRemoved":
                channel.status = "gone"
            elif lifecycle == "reauthorizationRequired":
                channel.expires_at = min(channel.expires_at, now)
            if lifecycle not in (None, "missed", "subscriptionRemoved"):
                results.append("lifecycle")
            elif _live(channel, now) or lifecycle == "subscriptionRemoved":
                channel.last_notified_at = now
                changed.add(channel.connection_id)
                results.append("accepted")
            else:
                results.append("expired")
        if changed:
            _bump(session, changed)
    _count("microsoft", results + dropped)
    return len(valid)


def _refuse(dropped: list[str]) -> NoReturn:
    """No item of a batch was ours with its secret: counted, and refused."""
    _count("microsoft", dropped)
    if "forged" in dropped:
        raise ChannelRefused("The notification's clientState does not match.")
    raise UnknownChannel("No calendar push subscription has this id.")


def _valid_items(session: Session, items: Sequence[Mapping[str, Any]], wanted: set[str]
                 ) -> tuple[list[tuple[Mapping[str, Any], CalendarPushChannel]], list[str]]:
    """The items naming one of our subscriptions with its clientState, and why each
    other one was dropped ("unknown" subscription, or "forged": a wrong clientState)."""
    known = {c.external_id: c for c in session.scalars(select(CalendarPushChannel).where(
        CalendarPushChannel.provider == "microsoft",
        CalendarPushChannel.external_id.in_(wanted)))} if wanted else {}
    valid: list[tuple[Mapping[str, Any], CalendarPushChannel]] = []
    dropped: list[str] = []
    for item in items:
        channel = known.get(str(item.get("subscriptionId")))
        if channel is None:
            dropped.append("unknown")
        elif not _matches(channel, str(item.get("clientState") or "")):
            dropped.append("forged")
        else:
            valid.append((item, channel))
    return valid, dropped


def _count(provider: str, results: Iterable[str]) -> None:
    for result in results:
        CALENDAR_PUSH_NOTIFICATIONS.labels(bounded(provider, PUSH_PROVIDERS),
                                           bounded(result, PUSH_RESULTS)).inc()
