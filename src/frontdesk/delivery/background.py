"""The background work of one process: the outbox worker (texts, emails, calendar
writes, calls), the dialer (campaigns' due leads into queued calls) and the retention
sweeper (old conversations and messages made anonymous or deleted, when configured) and
the calendar push keeper (Google and Microsoft calendars' change channels kept open).

``frontdesk serve`` runs it in the server process (embedded mode); ``frontdesk worker``
runs it alone, as many processes as wanted, on PostgreSQL. Both are state-derived: rows
claimed with leases and ``SKIP LOCKED``, so processes share the work and never both do
one piece of it (docs/decisions/0030-workers-without-a-job-queue.md).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from frontdesk import circuit
from frontdesk.config import Settings
from frontdesk.delivery.calendar_push import PushKeeper
from frontdesk.delivery.dialer import Dialer
from frontdesk.delivery.providers import senders_from_settings
from frontdesk.delivery.retention import RetentionSweeper
from frontdesk.delivery.worker import OutboxWorker
from frontdesk.services.conversation_analysis import AnalysisRefiner
from frontdesk.services.retention import RetentionPolicy


def breaker_policy(settings: Settings) -> circuit.Policy:
    return circuit.Policy(settings.circuit_failures, settings.circuit_cool_down_s)


class BackgroundWork:
    def __init__(self, settings: Settings, factory: sessionmaker[Session],
                 analyst: AnalysisRefiner | None = None) -> None:
        # ``frontdesk worker`` has no app factory: the breakers' thresholds come from here.
        circuit.configure(breaker_policy(settings))
        self.outbox = OutboxWorker(factory, senders_from_settings(settings, factory, analyst),
                                   lease=timedelta(seconds=settings.outbox_lease_s))
        self.dialer = Dialer(factory, interval_s=settings.dialer_interval_s)
        # Runs even with no deployment period: a business may have set its own.
        self.retention = RetentionSweeper(
            factory, RetentionPolicy(days=settings.retention_days, mode=settings.retention_mode),
            interval_s=settings.retention_interval_s)
        # Google and Microsoft calendars' change channels (only with a public address).
        self.calendar_push = PushKeeper(factory, settings) if settings.calendar_push_on() else None

    def start(self) -> None:
        self.outbox.start()
        self.dialer.start()
        self.retention.start()
        if self.calendar_push is not None:
            self.calendar_push.start()

    def alive(self) -> bool:
        """Both threads run (``/ready`` asks, in embedded mode)."""
        return self.outbox.alive() and self.dialer.alive()

    def stop(self) -> None:
        """Stop queueing calls first, then finish the sends under way."""
        if self.calendar_push is not None:
            self.calendar_push.stop()
        self.retention.stop()
        self.dialer.stop()
        self.outbox.stop()
