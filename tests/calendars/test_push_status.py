"""What ``GET .../calendar`` says about push notifications (decision 0068): off, active
or failing, from the channels the upkeep keeps and the notifications they took."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.calendar_push_inbox import GoogleNotice, receive_google
from tests.conftest import Business, auth, with_settings

from .push_rows import expire, google_connection, open_channel

PUSH_ON = {"public_base_url": "https://frontdesk.example.test", "calendar_push": "auto",
           "calendar_push_interval_s": 900.0}


def push(client: TestClient, biz: Business) -> dict[str, Any]:
    got = client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz))
    assert got.status_code == 200, got.text
    return dict(got.json()["push"])


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def test_push_follows_the_channels_and_their_notifications(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    with_settings(client.app, **PUSH_ON)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    connection = google_connection(factory, biz, stored_at=now - timedelta(hours=1))
    # Stored an hour ago and still no channel: the upkeep's opening keeps failing.
    assert push(client, biz) == {"state": "failing", "channels": 0, "expires_at": None,
                                 "last_notified_at": None}

    soon, later = now + timedelta(days=2), now + timedelta(days=7)
    primary = open_channel(factory, biz, connection, "primary", later, token="t1")
    assert push(client, biz)["state"] == "failing"  # "family" has none yet
    family = open_channel(factory, biz, connection, "family", soon)
    shown = push(client, biz)
    assert (shown["state"], shown["channels"]) == ("active", 2)
    assert when(shown["expires_at"]) == soon and shown["last_notified_at"] is None

    noticed = now + timedelta(minutes=1)
    assert receive_google(factory, GoogleNotice(str(primary), "t1", "res-primary", "exists", 1),
                          now=noticed)
    assert when(push(client, biz)["last_notified_at"]) == noticed

    expire(factory, family, now - timedelta(minutes=5))  # its renewal failed
    shown = push(client, biz)
    assert (shown["state"], shown["channels"]) == ("failing", 1)
    assert when(shown["expires_at"]) == later and when(shown["last_notified_at"]) == noticed

    with_settings(client.app, calendar_push="off")  # type: ignore[arg-type]
    assert push(client, biz)["state"] == "off"


def test_push_is_off_while_channels_open_and_for_caldav(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    with_settings(client.app, **PUSH_ON)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    connection = google_connection(factory, biz, stored_at=now - timedelta(seconds=5))
    # Just connected: its channels are still being opened, not failing.
    assert push(client, biz)["state"] == "off"
    open_channel(factory, biz, connection, "primary", now + timedelta(days=7))
    assert push(client, biz)["state"] == "active"

    with_settings(client.app, public_base_url="http://frontdesk.example.test")  # type: ignore[arg-type]
    assert push(client, biz)["state"] == "off"  # auto needs a public https address


def test_a_caldav_calendar_has_no_push(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    with_settings(client.app, **PUSH_ON)  # type: ignore[arg-type]
    google_connection(factory, biz, stored_at=datetime.now(UTC) - timedelta(days=1),
                      provider="caldav")
    assert push(client, biz) == {"state": "off", "channels": 0, "expires_at": None,
                                 "last_notified_at": None}
