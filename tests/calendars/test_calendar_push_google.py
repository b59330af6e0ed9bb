"""Google Calendar push notifications, end to end: the app served on a real port, the
Google stand-in opening ``events.watch`` channels and calling the app back.

Busy times are cached for an hour here, so only a push can make a search see a new
meeting at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.delivery.calendar_push import PushKeeper
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarPushChannel
from tests.conftest import Business, auth, next_weekday, serving
from tests.standins.google_calendar import GoogleState, google_app, point_frontdesk_at
from tests.standins.google_push import GooglePush

from .push_serving import channels, connect, free_port, generation, serve_on, starts, wait_for

PATH = "/webhooks/calendar/google"


@pytest.fixture(scope="module")
def google_server() -> Iterator[tuple[GoogleState, GooglePush, str]]:
    state = GoogleState(time_zone="America/New_York")
    app: FastAPI = google_app(state)
    push = GooglePush(state)
    push.install(app)
    with serving(app) as base:
        yield state, push, base


@pytest.fixture
def google(google_server: tuple[GoogleState, GooglePush, str],
           monkeypatch: pytest.MonkeyPatch) -> tuple[GoogleState, GooglePush]:
    state, push, base = google_server
    state.reset()
    push.reset()
    point_frontdesk_at(state, base, monkeypatch)
    return state, push


@pytest.fixture
def served(engine: Engine, google: tuple[GoogleState, GooglePush]
           ) -> Iterator[tuple[httpx.Client, Settings]]:
    port = free_port()
    settings = Settings(environment="test", llm_base_url="", calendar_cache_s=3600,
                        public_base_url=f"http://127.0.0.1:{port}", calendar_push="on")
    with serve_on(create_app(settings, engine=engine), port) as base, \
            httpx.Client(base_url=base, timeout=20) as client:
        yield client, settings


def _connected(client: httpx.Client, biz: Business, factory: sessionmaker[Session],
               push: GooglePush) -> CalendarPushChannel:
    connect(client, biz, "google")
    [row] = wait_for(lambda: channels(factory))
    return row


def test_a_new_google_meeting_stops_being_offered_at_once(
    served: tuple[httpx.Client, Settings], biz: Business,
    google: tuple[GoogleState, GooglePush], factory: sessionmaker[Session],
) -> None:
    client, settings = served
    state, push = google
    day = next_weekday(biz.tz, 1)
    row = _connected(client, biz, factory, push)
    [channel] = push.live()
    assert channel.id == str(row.id) and channel.address == settings.public_base_url + PATH
    assert channel.calendar_id == state.email and row.external_id == channel.resource_id
    # The secret Google echoes is kept only as a digest.
    assert channel.token and row.token_hash == hashlib.sha256(channel.token.encode()).hexdigest()
    assert row.expires_at > datetime.now(UTC) + timedelta(days=6)

    assert biz.at(day, 10) in starts(client, biz, day)
    state.add_owner_event(biz.at(day, 10), biz.at(day, 11), summary="Dentist")
    # Without a push, the hour-long cache keeps offering it.
    assert biz.at(day, 10) in starts(client, biz, day)

    assert push.changed() == [200]
    after = starts(client, biz, day)
    assert biz.at(day, 10) not in after and biz.at(day, 10, 30) not in after
    assert biz.at(day, 11) in after

    # Google redelivers a message: nothing is invalidated twice.
    before = generation(factory, biz)
    assert push.send(channel, number=channel.number) == 200
    assert generation(factory, biz) == before
    # Its first message on a new channel ("sync") is no change either.
    assert push.send(channel, "sync", number=channel.number + 5) == 200
    assert generation(factory, biz) == before


def test_a_forged_or_unknown_google_message_changes_nothing(
    served: tuple[httpx.Client, Settings], biz: Business,
    google: tuple[GoogleState, GooglePush], factory: sessionmaker[Session],
) -> None:
    client, _ = served
    state, push = google
    day = next_weekday(biz.tz, 2)
    _connected(client, biz, factory, push)
    [channel] = push.live()
    assert biz.at(day, 10) in starts(client, biz, day)
    state.add_owner_event(biz.at(day, 10), biz.at(day, 11))
    before = generation(factory, biz)

    assert push.send(channel, token="not-the-token") == 403
    headers = {"X-Goog-Channel-ID": "6f1e8f8c-3b43-4d2b-9a1e-0d9d7c2f5a11",
               "X-Goog-Channel-Token": channel.token or "", "X-Goog-Resource-ID": "x",
               "X-Goog-Resource-State": "exists", "X-Goog-Message-Number": "9"}
    assert client.post(PATH, headers=headers).status_code == 404
    assert client.post(PATH, headers={**headers, "X-Goog-Channel-ID": "not-a-uuid"}
                       ).status_code == 404
    assert client.post(PATH).status_code == 422
    assert generation(factory, biz) == before
    assert biz.at(day, 10) in starts(client, biz, day)  # still the cached read


def test_an_expired_channel_is_ignored(
    served: tuple[httpx.Client, Settings], biz: Business,
    google: tuple[GoogleState, GooglePush], factory: sessionmaker[Session],
) -> None:
    client, _ = served
    _, push = google
    row = _connected(client, biz, factory, push)
    [channel] = push.live()
    with write_session(factory) as session:
        session.execute(update(CalendarPushChannel).where(CalendarPushChannel.id == row.id)
                        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    before = generation(factory, biz)
    assert push.send(channel) == 200
    assert generation(factory, biz) == before


def test_the_worker_replaces_an_expiring_google_channel_and_stops_the_old_one(
    served: tuple[httpx.Client, Settings], biz: Business,
    google: tuple[GoogleState, GooglePush], factory: sessionmaker[Session],
) -> None:
    client, settings = served
    _, push = google
    old = _connected(client, biz, factory, push)
    keeper = PushKeeper(factory, settings)
    assert keeper.keep_once().opened == 0  # nothing due: nothing done
    with write_session(factory) as session:
        session.execute(update(CalendarPushChannel).where(CalendarPushChannel.id == old.id)
                        .values(expires_at=datetime.now(UTC) + timedelta(hours=1)))
    report = keeper.keep_once()
    assert (report.renewed, report.opened, report.failed) == (1, 0, 0)
    [new] = channels(factory)
    assert new.id != old.id and new.expires_at > datetime.now(UTC) + timedelta(days=6)
    assert push.stopped == [str(old.id)]
    assert [c.id for c in push.live()] == [str(new.id)]
    before = generation(factory, biz)
    assert push.changed() == [200]
    assert generation(factory, biz) == before + 1


def test_disconnecting_stops_the_channel(
    served: tuple[httpx.Client, Settings], biz: Business,
    google: tuple[GoogleState, GooglePush], factory: sessionmaker[Session],
) -> None:
    client, _ = served
    _, push = google
    row = _connected(client, biz, factory, push)
    gone = client.delete(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz))
    assert gone.status_code == 204
    assert push.stopped == [str(row.id)] and push.live() == []
    assert channels(factory) == []


def test_push_is_on_only_with_a_public_https_address() -> None:
    assert Settings(public_base_url="https://desk.example").calendar_push_on()
    assert not Settings(public_base_url="http://desk.example").calendar_push_on()
    assert not Settings(public_base_url="").calendar_push_on()
    assert Settings(public_base_url="http://127.0.0.1:8000", calendar_push="on").calendar_push_on()
    assert not Settings(public_base_url="https://desk.example",
                        calendar_push="off").calendar_push_on()
