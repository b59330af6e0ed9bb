"""A Microsoft 365 / Outlook calendar connected the way an owner does it, through the server.

The app runs in process; the Microsoft identity platform + Graph stand-in runs on a real
port and is reached through Authlib (OAuth) and httpx (Graph REST). Covers the consent
flow, busy time never offered, write-through, the rotating refresh token kept, Graph
answering 503 for a while, and a revoked grant surfacing as a broken connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.calendars.microsoft_provider import APPOINTMENT_PROPERTY_ID
from frontdesk.config import Settings
from frontdesk.security import decrypt
from frontdesk.services import calendar_providers
from frontdesk.services.external_busy import DEFAULT_EXTERNAL
from frontdesk.store.models import CalendarConnection
from tests.conftest import Business, auth, next_weekday, serving
from tests.standins.microsoft_graph import GraphState, microsoft_graph_app

from .test_calendar_sync import calendar_rows, deliver
from .test_external_busy import ana_starts, book_ana

CALLBACK = "http://testserver/oauth/callback/microsoft"


@pytest.fixture(scope="module")
def graph_server() -> Iterator[tuple[FastAPI, str]]:
    app = microsoft_graph_app(GraphState(redirect_uris=(CALLBACK,)))
    with serving(app) as base:
        yield app, base


@pytest.fixture
def graph(graph_server: tuple[FastAPI, str], monkeypatch: pytest.MonkeyPatch) -> GraphState:
    server, base = graph_server
    state = GraphState(redirect_uris=(CALLBACK,))
    server.state.graph = state
    for name, value in {
        "MICROSOFT_CLIENT_ID": state.client_id,
        "MICROSOFT_CLIENT_SECRET": state.client_secret,
        "MICROSOFT_AUTHORITY": f"{base}/common",
        "MICROSOFT_API_BASE": f"{base}/v1.0",
    }.items():
        monkeypatch.setenv(f"FRONTDESK_{name}", value)
    return state


@pytest.fixture
def settings(graph: GraphState) -> Settings:
    """The app's settings: read after Microsoft's client and the key are in the environment."""
    return Settings(environment="test", llm_base_url="")


@pytest.fixture
def app(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def connect_microsoft(app: TestClient, biz: Business) -> httpx.Response:
    started = app.post(
        f"/api/v1/resources/{biz.ana.id}/calendar/connect/microsoft", headers=auth(biz)
    )
    assert started.status_code == 200, started.json()
    query = parse_qs(urlsplit(started.json()["authorize_url"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert "offline_access" in query["scope"][0].split()
    consent = httpx.get(started.json()["authorize_url"], follow_redirects=False)
    assert consent.status_code == 302, consent.text
    return app.get(consent.headers["location"], follow_redirects=False)


def stored_tokens(
    factory: sessionmaker[Session], biz: Business, settings: Settings
) -> dict[str, str]:
    with factory() as session:
        row = session.scalar(
            select(CalendarConnection).where(CalendarConnection.resource_id == biz.ana.id)
        )
        assert row is not None
        tokens: dict[str, str] = json.loads(decrypt(row.secret, settings))
        return tokens


def ours(graph: GraphState) -> list[str]:
    return [e.extended[APPOINTMENT_PROPERTY_ID] for e in graph.events()
            if APPOINTMENT_PROPERTY_ID in e.extended]


def test_microsoft_connect_busy_and_write_through(
    app: TestClient, biz: Business, graph: GraphState, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 1)
    callback = connect_microsoft(app, biz)
    assert callback.status_code == 200, callback.text
    shown = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["provider_name"] == "Microsoft 365" and shown["username"] == graph.user
    assert shown["status"] == "ok"

    graph.add_owner_event("Board meeting", biz.at(day, 10), biz.at(day, 11))
    graph.add_owner_event("Focus time", biz.at(day, 13), biz.at(day, 14), show_as="free")
    DEFAULT_EXTERNAL.clear()
    starts = ana_starts(app, biz, day)
    assert biz.at(day, 10) not in starts and biz.at(day, 10, 30) not in starts
    assert biz.at(day, 13) in starts  # "free" time in Outlook stays bookable

    booked = book_ana(app, biz, biz.at(day, 15))
    assert booked["status"] == 201, booked
    appointment_id = str(booked["json"]["id"])  # type: ignore[index]
    deliver(factory)
    assert ours(graph) == [appointment_id]
    event = next(e for e in graph.events() if e.extended.get(APPOINTMENT_PROPERTY_ID))
    assert event.start == biz.at(day, 15) and event.end == biz.at(day, 15, 30)
    assert event.transaction_id == appointment_id

    moved = app.post(f"/api/v1/appointments/{appointment_id}/reschedule", headers=auth(biz),
                     json={"start": biz.at(day, 16).isoformat()})
    assert moved.status_code == 200, moved.json()
    deliver(factory)
    moved_events = [e for e in graph.events() if e.extended.get(APPOINTMENT_PROPERTY_ID)]
    assert [(e.start, e.end) for e in moved_events] == [(biz.at(day, 16), biz.at(day, 16, 30))]

    assert app.post(f"/api/v1/appointments/{appointment_id}/cancel",
                    headers=auth(biz)).status_code == 200
    deliver(factory)
    assert ours(graph) == []
    assert {r.status for r in calendar_rows(factory)} == {"sent"}


def test_the_rotated_refresh_token_is_stored(
    app: TestClient,
    settings: Settings,
    biz: Business,
    graph: GraphState,
    factory: sessionmaker[Session],
) -> None:
    day = next_weekday(biz.tz, 2)
    assert connect_microsoft(app, biz).status_code == 200
    first = stored_tokens(factory, biz, settings)
    graph.expire_access_tokens()
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 10) in ana_starts(app, biz, day)
    second = stored_tokens(factory, biz, settings)
    assert second["refresh_token"] != first["refresh_token"]  # rotated, and saved
    assert second["account"] == graph.user  # kept across a refresh without an id_token

    # Another process, which never saw the rotation in memory, reads the stored set:
    # it must work (the spent token would be refused by this strict server).
    calendar_providers._latest.clear()
    graph.expire_access_tokens()
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 10) in ana_starts(app, biz, day)
    with factory() as session:
        row = session.scalar(select(CalendarConnection))
        assert row is not None and row.status == "ok", row.last_error if row else None


def test_graph_answering_503_for_a_while(
    app: TestClient, biz: Business, graph: GraphState, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 3)
    assert connect_microsoft(app, biz).status_code == 200
    graph.add_owner_event("Supplier call", biz.at(day, 10), biz.at(day, 11))
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 10) not in ana_starts(app, biz, day)

    graph.fail_next(1000, status=503)
    booked = book_ana(app, biz, biz.at(day, 12))  # from the last known busy time
    assert booked["status"] == 201, booked
    assert book_ana(app, biz, biz.at(day, 10))["status"] == 409
    deliver(factory)
    assert calendar_rows(factory)[-1].status == "pending" and ours(graph) == []

    graph.fail_next(0)
    deliver(factory, now=datetime.now(UTC) + timedelta(hours=1))
    assert calendar_rows(factory)[-1].status == "sent"
    assert ours(graph) == [booked["json"]["id"]]  # type: ignore[index]


def test_a_revoked_microsoft_grant_is_broken_not_free(
    app: TestClient, biz: Business, graph: GraphState
) -> None:
    day = next_weekday(biz.tz, 4)
    assert connect_microsoft(app, biz).status_code == 200
    graph.revoke_refresh_tokens()
    graph.expire_access_tokens()
    DEFAULT_EXTERNAL.clear()
    assert ana_starts(app, biz, day) == set()
    shown = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "broken" and shown["last_error"]
    # Disconnecting works although Microsoft has no revocation endpoint to call.
    assert app.delete(f"/api/v1/resources/{biz.ana.id}/calendar",
                      headers=auth(biz)).status_code == 204
    assert biz.at(day, 10) in ana_starts(app, biz, day)


def test_a_meeting_added_in_outlook_a_minute_ago_is_never_double_booked(
    app: TestClient, biz: Business, graph: GraphState
) -> None:
    """The search cache may still show the slot; the booking re-reads Outlook and refuses."""
    day = next_weekday(biz.tz, 2)
    assert connect_microsoft(app, biz).status_code == 200
    assert biz.at(day, 11) in ana_starts(app, biz, day)  # read and cached: free
    graph.add_owner_event("Call with the bank", biz.at(day, 11), biz.at(day, 12))
    assert biz.at(day, 11) in ana_starts(app, biz, day)  # within the TTL: still shown
    refused = book_ana(app, biz, biz.at(day, 11, 15))
    assert refused["status"] == 409 and refused["json"]["code"] == "slot_taken"  # type: ignore[index]
    # The booking's fresh read also refreshed what searches see.
    assert biz.at(day, 11) not in ana_starts(app, biz, day)
    assert book_ana(app, biz, biz.at(day, 12))["status"] == 201


def test_microsoft_default_calendar_is_stored_and_others_are_checked(
    app: TestClient, biz: Business, graph: GraphState, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 3)
    personal = graph.add_calendar("Personal")
    assert connect_microsoft(app, biz).status_code == 200
    path = f"/api/v1/resources/{biz.ana.id}/calendar"
    shown = app.get(path, headers=auth(biz)).json()
    assert shown["calendar"] == graph.default_calendar_id  # the default, by its own id
    graph.add_owner_event("Dentist", biz.at(day, 15), biz.at(day, 16), calendar_id=personal)
    assert app.patch(path, headers=auth(biz),
                     json={"check_calendars": [personal]}).status_code == 200
    assert biz.at(day, 15) not in ana_starts(app, biz, day)
    booked = book_ana(app, biz, biz.at(day, 9))
    assert booked["status"] == 201
    deliver(factory)
    assert ours(graph) == [booked["json"]["id"]]  # type: ignore[index]
    assert [e.calendar_id for e in graph.events() if e.extended] == [graph.default_calendar_id]
