"""Microsoft Graph change notifications, end to end: the app served on a real port, the
Graph stand-in checking our notification URL (validationToken) before it subscribes,
then calling the app back when the calendar changes.

Busy times are cached for an hour here, so only a notification can make a search see a
new meeting at once.
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
from frontdesk.services import calendar_push
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarPushChannel
from tests.conftest import Business, auth, next_weekday, serving
from tests.standins.graph_push import GraphSubscriptions
from tests.standins.microsoft_graph import GraphState, microsoft_graph_app

from .push_serving import channels, connect, free_port, generation, serve_on, starts, wait_for

PATH = "/webhooks/calendar/microsoft"


@pytest.fixture(scope="module")
def graph_server() -> Iterator[tuple[FastAPI, GraphSubscriptions, str]]:
    app = microsoft_graph_app(GraphState())
    subscriptions = GraphSubscriptions(app)
    subscriptions.install()
    with serving(app) as base:
        yield app, subscriptions, base


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def graph(graph_server: tuple[FastAPI, GraphSubscriptions, str], port: int,
          monkeypatch: pytest.MonkeyPatch) -> tuple[GraphState, GraphSubscriptions]:
    server, subscriptions, base = graph_server
    state = GraphState(redirect_uris=(f"http://127.0.0.1:{port}/oauth/callback/microsoft",))
    server.state.graph = state
    subscriptions.reset()
    for name, value in {
        "MICROSOFT_CLIENT_ID": state.client_id,
        "MICROSOFT_CLIENT_SECRET": state.client_secret,
        "MICROSOFT_AUTHORITY": f"{base}/common",
        "MICROSOFT_API_BASE": f"{base}/v1.0",
    }.items():
        monkeypatch.setenv(f"FRONTDESK_{name}", value)
    return state, subscriptions


@pytest.fixture
def served(engine: Engine, port: int, graph: tuple[GraphState, GraphSubscriptions]
           ) -> Iterator[tuple[httpx.Client, Settings]]:
    settings = Settings(environment="test", llm_base_url="", calendar_cache_s=3600,
                        public_base_url=f"http://127.0.0.1:{port}", calendar_push="on")
    with serve_on(create_app(settings, engine=engine), port) as base, \
            httpx.Client(base_url=base, timeout=20) as client:
        yield client, settings


def _connected(client: httpx.Client, biz: Business,
               factory: sessionmaker[Session]) -> CalendarPushChannel:
    connect(client, biz, "microsoft")
    [row] = wait_for(lambda: channels(factory))
    return row


def test_a_new_outlook_meeting_stops_being_offered_at_once(
    served: tuple[httpx.Client, Settings], biz: Business,
    graph: tuple[GraphState, GraphSubscriptions], factory: sessionmaker[Session],
) -> None:
    client, settings = served
    state, subscriptions = graph
    day = next_weekday(biz.tz, 1)
    row = _connected(client, biz, factory)
    [subscription] = subscriptions.live()
    # Graph checked our URL first, and we echoed its token.
    assert subscriptions.validations == [(settings.public_base_url + PATH, 200)]
    assert subscription.id == row.external_id and subscription.change_type == (
        "created,updated,deleted")
    assert subscription.resource == f"me/calendars/{state.default_calendar_id}/events"
    assert subscription.client_state and row.token_hash == hashlib.sha256(
        subscription.client_state.encode()).hexdigest()
    assert timedelta(hours=60) < row.expires_at - datetime.now(UTC) <= timedelta(minutes=4230)

    assert biz.at(day, 10) in starts(client, biz, day)
    event = state.add_owner_event("Dentist", biz.at(day, 10), biz.at(day, 11))
    assert biz.at(day, 10) in starts(client, biz, day)  # the hour-long cache, unpushed

    assert subscriptions.changed(event_id=event) == [202]
    after = starts(client, biz, day)
    assert biz.at(day, 10) not in after and biz.at(day, 10, 30) not in after
    assert biz.at(day, 11) in after


def test_a_forged_or_unknown_graph_notification_changes_nothing(
    served: tuple[httpx.Client, Settings], biz: Business,
    graph: tuple[GraphState, GraphSubscriptions], factory: sessionmaker[Session],
) -> None:
    client, _ = served
    state, subscriptions = graph
    day = next_weekday(biz.tz, 2)
    _connected(client, biz, factory)
    [subscription] = subscriptions.live()
    assert biz.at(day, 10) in starts(client, biz, day)
    state.add_owner_event("Dentist", biz.at(day, 10), biz.at(day, 11))
    before = generation(factory, biz)

    assert subscriptions.notify(subscription, client_state="guessed") == 403
    assert client.post(PATH, json={"value": [{"subscriptionId": "nope", "clientState": "x"}]}
                       ).status_code == 404
    assert client.post(PATH, json={"value": []}).status_code == 422
    assert generation(factory, biz) == before
    assert biz.at(day, 10) in starts(client, biz, day)

    echoed = client.post(PATH, params={"validationToken": "a <b> & c"})
    assert echoed.status_code == 200 and echoed.text == "a <b> & c"
    assert echoed.headers["content-type"].startswith("text/plain")


def test_graph_refuses_a_subscription_our_url_does_not_confirm(
    served: tuple[httpx.Client, Settings], biz: Business,
    graph: tuple[GraphState, GraphSubscriptions], factory: sessionmaker[Session],
) -> None:
    client, settings = served
    _, subscriptions = graph
    connect(client, biz, "microsoft")
    wait_for(lambda: channels(factory))
    for row in channels(factory):
        with write_session(factory) as session:
            session.execute(update(CalendarPushChannel).where(CalendarPushChannel.id == row.id)
                            .values(status="gone"))
    nowhere = settings.model_copy(update={"public_base_url": f"http://127.0.0.1:{free_port()}"})
    report = calendar_push.maintain(factory, nowhere)
    assert report.opened == 0 and report.failed == 1
    assert channels(factory) == []
    assert subscriptions.validations[-1][1] == 0  # nobody answered Graph's check


def test_the_worker_renews_an_expiring_graph_subscription(
    served: tuple[httpx.Client, Settings], biz: Business,
    graph: tuple[GraphState, GraphSubscriptions], factory: sessionmaker[Session],
) -> None:
    client, settings = served
    _, subscriptions = graph
    row = _connected(client, biz, factory)
    with write_session(factory) as session:
        session.execute(update(CalendarPushChannel).where(CalendarPushChannel.id == row.id)
                        .values(expires_at=datetime.now(UTC) + timedelta(hours=1)))
    report = PushKeeper(factory, settings).keep_once()
    assert (report.renewed, report.opened, report.failed) == (1, 0, 0)
    [kept] = channels(factory)
    assert kept.id == row.id and subscriptions.renewals == [row.external_id]
    assert kept.expires_at > datetime.now(UTC) + timedelta(hours=60)

    # Graph dropped it meanwhile (it says so in a lifecycle notification): a new one.
    [subscription] = subscriptions.live()
    assert subscriptions.notify(subscription, lifecycle="subscriptionRemoved") == 202
    report = PushKeeper(factory, settings).keep_once()
    assert report.opened == 1
    [new] = channels(factory)
    assert new.id != row.id and new.external_id != row.external_id


def test_disconnecting_deletes_the_subscription(
    served: tuple[httpx.Client, Settings], biz: Business,
    graph: tuple[GraphState, GraphSubscriptions], factory: sessionmaker[Session],
) -> None:
    client, _ = served
    _, subscriptions = graph
    row = _connected(client, biz, factory)
    gone = client.delete(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz))
    assert gone.status_code == 204
    assert subscriptions.deleted == [row.external_id] and subscriptions.live() == []
    assert channels(factory) == []
