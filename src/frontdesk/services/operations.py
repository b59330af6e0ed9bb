"""What the operator's dashboards read from the database: the outbox's backlog, calls
open, calendar push channels, and ``frontdesk worker`` heartbeats. Each is one short
read (or one small write), cheap enough for a scrape every few seconds and a readiness
probe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.observability.metrics import DatabaseFigures
from frontdesk.store.db import read_session, write_session
from frontdesk.store.models import (
    CalendarPushChannel,
    Conversation,
    OutboxMessage,
    OutboxStatus,
    WorkerHeartbeat,
)

# A turn-based call says nothing between the carrier's webhooks; one silent this long
# has ended without its status callback (or is not worth counting as live).
OPEN_CALL_WINDOW = timedelta(minutes=10)


def deployment_figures(factory: sessionmaker[Session], now: datetime | None = None
                       ) -> DatabaseFigures:
    """The outbox's due backlog and its oldest due message, failures given up on, phone
    calls open and calendar push channels, for every process together."""
    now = now or datetime.now(UTC)
    pending = OutboxStatus.PENDING.value
    with read_session(factory) as session:
        # Due: pending rows whose time has come, and claims whose lease ran out (their
        # worker died). Both scans follow the (status, next_attempt_at) index.
        due, oldest = session.execute(
            select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == pending, OutboxMessage.next_attempt_at <= now)
        ).one()
        lapsed, oldest_lapsed = session.execute(
            select(func.count(), func.min(OutboxMessage.locked_until)).where(
                OutboxMessage.status == OutboxStatus.SENDING.value,
                OutboxMessage.locked_until < now)
        ).one()
        failed = session.scalar(select(func.count()).where(
            OutboxMessage.status == OutboxStatus.FAILED.value)) or 0
        calls = session.scalar(select(func.count()).where(
            Conversation.channel == "phone", Conversation.ended_at.is_(None),
            Conversation.updated_at >= now - OPEN_CALL_WINDOW)) or 0
        push_channels = {
            (str(provider), str(status)): int(n) for provider, status, n in session.execute(
                select(CalendarPushChannel.provider, CalendarPushChannel.status, func.count())
                .group_by(CalendarPushChannel.provider, CalendarPushChannel.status))}
    waiting = [t for t in (oldest, oldest_lapsed) if t is not None]
    age = max((now - _aware(min(waiting))).total_seconds(), 0.0) if waiting else 0.0
    return DatabaseFigures(outbox_due=int(due) + int(lapsed), oldest_due_age_s=age,
                           outbox_failed=int(failed), open_phone_calls=int(calls),
                           push_channels=push_channels)


def _aware(value: datetime) -> datetime:
    # Aggregates come back raw on SQLite (the column type does not apply to min()).
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- worker heartbeats ---------------------------------------------------------------------


def beat(factory: sessionmaker[Session], worker: str, now: datetime | None = None) -> None:
    """Say ``worker`` (host:pid) is alive now."""
    now = now or datetime.now(UTC)
    with write_session(factory) as session:
        row = session.get(WorkerHeartbeat, worker)
        if row is None:
            session.add(WorkerHeartbeat(worker=worker, started_at=now, beat_at=now))
        else:
            row.beat_at = now


def stopped(factory: sessionmaker[Session], worker: str) -> None:
    """A worker that stops cleanly takes its heartbeat with it."""
    with write_session(factory) as session:
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker))


def newest_beat_age_s(factory: sessionmaker[Session], now: datetime | None = None,
                      *, host: str | None = None) -> float | None:
    """Seconds since any worker (on ``host``, when given: names are host:pid) last beat;
    None when no worker ever has (or all stopped)."""
    now = now or datetime.now(UTC)
    newest_beat = select(func.max(WorkerHeartbeat.beat_at))
    if host is not None:
        newest_beat = newest_beat.where(WorkerHeartbeat.worker.startswith(f"{host}:",
                                                                          autoescape=True))
    with read_session(factory) as session:
        newest = session.scalar(newest_beat)
    if newest is None:
        return None
    return max((now - _aware(newest)).total_seconds(), 0.0)
