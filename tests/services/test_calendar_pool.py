"""The per-process pool of calendar clients: reuse, rebuild on change, bounded size, and
never closing a client under a caller that still holds it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from frontdesk.calendars.base import BusyBlock, CalendarAuthError, CalendarEvent
from frontdesk.config import Settings
from frontdesk.security import encrypt
from frontdesk.services import calendar_providers
from frontdesk.services.calendar_providers import close_provider, provider_for
from frontdesk.store.models import CalendarConnection


class FakeClient:
    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = 0
        self.refuse = False

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        if self.refuse:
            raise CalendarAuthError("no", provider="caldav")
        return []

    def upsert_event(self, event: CalendarEvent) -> str:
        return event.appointment_id

    def delete_event(self, appointment_id: str) -> None:
        return None

    def close(self) -> None:
        self.closed += 1


SETTINGS = Settings(
    environment="test", secret_key=Fernet.generate_key().decode(), calendar_clients_max=2
)


@pytest.fixture
def built() -> Iterator[list[FakeClient]]:
    """The pool under SETTINGS, building fake CalDAV clients (which it lists)."""
    made: list[FakeClient] = []

    def fake(connection: CalendarConnection, timezone: str) -> FakeClient:
        client = FakeClient(connection.calendar)
        made.append(client)
        return client

    calendar_providers.configure(SETTINGS, caldav=fake)
    yield made
    calendar_providers.clear_pool()


def connection(calendar: str = "work", password: str = "pw") -> CalendarConnection:
    return CalendarConnection(
        id=uuid.uuid4(), tenant_id=uuid.uuid4(), resource_id=uuid.uuid4(), provider="caldav",
        url="http://dav.example/", username="ana", calendar=calendar, check_calendars=[],
        secret=encrypt(password, SETTINGS),
    )


def read(c: CalendarConnection) -> None:
    provider = provider_for(c, "UTC")
    try:
        now = datetime.now(UTC)
        provider.busy(now, now + timedelta(hours=1))
    finally:
        close_provider(provider)


def test_a_connection_reuses_its_client_and_rebuilds_it_when_it_changes(
    built: list[FakeClient],
) -> None:
    c = connection()
    read(c)
    read(c)
    assert len(built) == 1 and built[0].closed == 0
    c.secret = encrypt("new password", SETTINGS)  # what the client was built from changed
    read(c)
    assert len(built) == 2 and built[0].closed == 1 and built[1].closed == 0


def test_the_pool_keeps_only_the_most_recently_used(built: list[FakeClient]) -> None:
    a, b, c = connection("a"), connection("b"), connection("c")
    read(a)
    read(b)
    read(a)  # a is now the most recent
    read(c)  # over the limit of 2: b (least recent) goes
    assert [(x.name, x.closed) for x in built] == [("a", 0), ("b", 1), ("c", 0)]
    read(a)
    assert len(built) == 3  # a was kept
    read(b)
    assert len(built) == 4  # b is built again


def test_a_client_in_use_is_closed_only_when_given_back(built: list[FakeClient]) -> None:
    a, b, c = connection("a"), connection("b"), connection("c")
    held = provider_for(a, "UTC")  # a caller is in the middle of using a's client
    read(b)
    read(c)  # a is evicted from the pool while held
    assert built[0].closed == 0
    now = datetime.now(UTC)
    assert held.busy(now, now + timedelta(hours=1)) == []  # still usable
    close_provider(held)
    assert built[0].closed == 1
    close_provider(held)  # giving it back twice changes nothing
    assert built[0].closed == 1


def test_a_refused_client_is_dropped(built: list[FakeClient]) -> None:
    c = connection()
    read(c)
    built[0].refuse = True
    with pytest.raises(CalendarAuthError):
        read(c)
    assert built[0].closed == 1
    read(c)
    assert len(built) == 2  # the next caller starts from scratch
