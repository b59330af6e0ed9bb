"""A business's known week, written straight to the store, and the figures it must give
(tests/services/test_insights.py, the insights page and API tests)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Conversation, ConversationTurn
from tests.conftest import Business

# What ``seed`` gives over the last 7 days (today included).
BOOKINGS_BY_DAYS_AGO = {0: 2, 2: 2, 3: 1}
CHANNELS = {"phone": (6, 1), "chat": (2, 1), "sms": (1, 0)}  # conversations, booked
CALLS_BY_DAYS_AGO = {1: (1, 1), 2: (0, 2), 3: (0, 1)}  # handled, transferred
HANDLE = {"phone": (5, 17 * 60), "chat": (1, 4 * 60), "sms": (1, 10 * 60)}  # ended, seconds
NO_SHOWS = (3, 1)  # completed, no-show
REASONS = [("caller asked for a person", 2), ("wants to complain", 1), (None, 1)]


def appointment(session: Session, biz: Business, *, created: datetime, start: datetime,
                status: str = "booked") -> None:
    end = start + timedelta(minutes=30)
    session.add(Appointment(
        tenant_id=biz.tenant.id, service_id=biz.haircut.id, resource_id=biz.ana.id,
        start_at=start, end_at=end, blocked_start=start, blocked_end=end, status=status,
        created_at=created, cancelled_at=created if status == "cancelled" else None))


def conversation(session: Session, biz: Business, channel: str, started: datetime,
                 minutes: int | None, outcome: str | None, reason: str | None = None) -> None:
    row = Conversation(
        tenant_id=biz.tenant.id, channel=channel, external_id=str(uuid.uuid4()),
        outcome=outcome, started_at=started,
        ended_at=started + timedelta(minutes=minutes) if minutes is not None else None)
    session.add(row)
    session.flush()
    if reason is not None:  # how the transfer tool records its reason (conversation/agent)
        session.add(ConversationTurn(
            conversation_id=row.id, seq=1, role="tool", tool_name="transfer_to_human",
            tool_args={"reason": reason}, tool_result={"ok": True, "transfer": True},
            created_at=started))


def seed(factory: sessionmaker[Session], biz: Business, today: date) -> None:
    """``today``: the business's local date the figures are read on."""

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        return biz.at(today - timedelta(days=days_ago), hour, minute)

    with write_session(factory) as session:
        for created, start, status in (
            (at(0, 9), at(-2, 10), "booked"),
            (at(0, 10), at(-3, 10), "cancelled"),  # still a booking made that day
            (at(2, 11), at(1, 10), "completed"),
            (at(2, 12), at(1, 11), "no_show"),
            (at(3, 9), at(2, 10), "completed"),
            (at(10, 9), at(5, 10), "completed"),  # made before the week, due in it
        ):
            appointment(session, biz, created=created, start=start, status=status)
        for channel, started, minutes, outcome, reason in (
            ("phone", at(1, 10), 3, "booked", None),
            ("phone", at(1, 11), 5, "transferred", "Caller asked for a person"),
            ("phone", at(2, 9), 1, "transferred", " caller asked for a person "),
            ("phone", at(2, 9, 30), 2, "transferred", None),  # the rules engine's way
            ("phone", at(0, 0, 1), None, None, None),  # still on the line
            ("phone", at(3, 9), 6, "transferred", "Wants to complain"),
            ("chat", at(1, 9), 4, "booked", None),
            ("chat", at(1, 12), None, None, None),
            ("sms", at(3, 15), 10, "info", None),
            ("phone", at(9, 10), 3, "booked", None),  # before the week
        ):
            conversation(session, biz, channel, started, minutes, outcome, reason)
