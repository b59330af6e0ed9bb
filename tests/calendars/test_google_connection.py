"""A Google calendar connected the way an owner does it, end to end through the server.

The app runs in process; the Google stand-in (OAuth consent, token and revocation
endpoints, Calendar v3) runs on a real port and is reached through Authlib and Google's
own client library. Covers: consent URL -> callback -> encrypted tokens, busy time never
offered, bookings written to Google and removed on cancel, a calendar answering 503 for
a while, an expired grant surfacing as a broken connection, and disconnect revoking it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk import circuit
from frontdesk.app import create_app
from frontdesk.calendars.google_provider import APPOINTMENT_KEY
from frontdesk.config import Settings
from frontdesk.security import decrypt
from frontdesk.services import calendar_providers
from frontdesk.services.external_busy import DEFAULT_EXTERNAL
from frontdesk.store.models import CalendarConnection
from tests.conftest import Business, auth, next_weekday, serving
from tests.standins.google_calendar import GoogleState, google_app, point_frontdesk_at

from .test_calendar_sync import calendar_rows, deliver
from .test_external_busy import ana_starts, book_ana


@pytest.fixture(scope="module")
def google_server() -> Iterator[tuple[GoogleState, str]]:
    state = GoogleState(time_zone="America/New_York")
    with serving(google_app(state)) as base:
        yield state, base


@pytest.fixture
def google(
    google_server: tuple[GoogleState, str], monkeypatch: pytest.MonkeyPatch
) -> GoogleState:
    state, base = google_server
    state.reset()
    point_frontdesk_at(state, base, monkeypatch)
    return state


@pytest.fixture
def settings(google: GoogleState) -> Settings:
    """The app's settings: read after the Google client and the key are in the environment."""
    return Settings(environment="test", llm_base_url="")


@pytest.fixture
def app(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def connect_google(
    app: TestClient, biz: Business, **body: str
) -> tuple[dict[str, str], httpx.Response]:
    """Start connecting Ana's calendar and click through the consent screen.

    Returns the consent URL's query and the callback's response (not followed)."""
    started = app.post(
        f"/api/v1/resources/{biz.ana.id}/calendar/connect/google", headers=auth(biz), json=body
    )
    assert started.status_code == 200, started.json()
    url = started.json()["authorize_url"]
    consent = httpx.get(url, follow_redirects=False)
    assert consent.status_code == 302, consent.text
    location = consent.headers["location"]
    assert location.startswith(started.json()["redirect_uri"])
    callback = app.get(location, follow_redirects=False)
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}, callback


def stored(factory: sessionmaker[Session], biz: Business) -> CalendarConnection:
    with factory() as session:
        row = session.scalar(
            select(CalendarConnection).where(CalendarConnection.resource_id == biz.ana.id)
        )
        assert row is not None
        return row


def test_connecting_google_stores_encrypted_tokens_and_shows_the_account(
    app: TestClient,
    settings: Settings,
    biz: Business,
    google: GoogleState,
    factory: sessionmaker[Session],
) -> None:
    query, callback = connect_google(app, biz)
    assert query["code_challenge_method"] == "S256" and query["access_type"] == "offline"
    assert query["redirect_uri"] == "http://testserver/oauth/callback/google"
    assert callback.status_code == 200, callback.text
    assert "Calendar connected" in callback.text and google.email in callback.text

    shown = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["provider"] == "google" and shown["provider_name"] == "Google Calendar"
    assert shown["username"] == google.email and shown["status"] == "ok"
    assert "secret" not in shown and "token" not in json.dumps(shown)

    row = stored(factory, biz)
    assert google.grants and not any(token in row.secret for token in google.grants)
    tokens = json.loads(decrypt(row.secret, settings))
    assert tokens["refresh_token"] in google.grants

    # The same callback again (a reload, a replay): the code is spent; nothing changes.
    replay = app.get(callback.request.url.raw_path.decode(), follow_redirects=False)
    assert replay.status_code == 400 and "not connected" in replay.text
    assert stored(factory, biz).secret == row.secret

    calendars = app.get(
        f"/api/v1/resources/{biz.ana.id}/calendar/calendars", headers=auth(biz)
    ).json()
    assert calendars == [
        {"id": google.email, "name": google.email, "primary": True, "selected": True,
         "checked": True}
    ]
    # The primary calendar is stored by its own id, not as "the default".
    assert shown["calendar"] == google.email and shown["check_calendars"] == []


def test_google_busy_time_is_never_offered_and_bookings_are_written_there(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 1)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200, callback.text
    assert biz.at(day, 10) in ana_starts(app, biz, day)

    google.add_owner_event(biz.at(day, 10), biz.at(day, 11), summary="Dentist")
    # Searches may reuse the read for the TTL; the booking asks Google afresh.
    refused = book_ana(app, biz, biz.at(day, 10))
    assert refused["status"] == 409, refused
    DEFAULT_EXTERNAL.clear()
    starts = ana_starts(app, biz, day)
    assert biz.at(day, 10) not in starts and biz.at(day, 10, 30) not in starts
    assert biz.at(day, 11) in starts

    booked = book_ana(app, biz, biz.at(day, 14))
    assert booked["status"] == 201, booked
    appointment_id = str(booked["json"]["id"])  # type: ignore[index]
    deliver(factory)
    ours = [e for e in google.events() if e.get("extendedProperties")]
    assert len(ours) == 1
    assert ours[0]["extendedProperties"]["private"][APPOINTMENT_KEY] == appointment_id
    assert datetime.fromisoformat(ours[0]["start"]["dateTime"]) == biz.at(day, 14)
    # Our own event does not block our own slots (it is the appointment itself).
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 15) in ana_starts(app, biz, day)

    cancelled = app.post(f"/api/v1/appointments/{appointment_id}/cancel", headers=auth(biz))
    assert cancelled.status_code == 200
    deliver(factory)
    assert [e for e in google.events() if e.get("extendedProperties")] == []
    assert {r.status for r in calendar_rows(factory)} == {"sent"}


def test_connecting_writes_the_upcoming_bookings_already_made(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 2)
    booked = book_ana(app, biz, biz.at(day, 9))
    assert booked["status"] == 201
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    deliver(factory)
    ours = [e for e in google.events() if e.get("extendedProperties")]
    assert [e["extendedProperties"]["private"][APPOINTMENT_KEY] for e in ours] == [
        booked["json"]["id"]  # type: ignore[index]
    ]


def test_google_answering_503_for_a_while(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session]
) -> None:
    """Reads fall back to the last known busy time; writes are retried until they land."""
    day = next_weekday(biz.tz, 3)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    google.add_owner_event(biz.at(day, 10), biz.at(day, 11))
    starts = ana_starts(app, biz, day)  # read once: 10:00–11:00 is busy
    assert biz.at(day, 10) not in starts and biz.at(day, 12) in starts

    google.fail_next(1000, status=503)
    booked = book_ana(app, biz, biz.at(day, 12))  # Google down: last known data stands
    assert booked["status"] == 201, booked
    refused = book_ana(app, biz, biz.at(day, 10, 30))  # the known meeting still blocks
    assert refused["status"] == 409, refused
    shown = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "ok" and "503" in (shown["last_error"] or "")

    deliver(factory)  # the write fails, and stays queued
    row = calendar_rows(factory)[-1]
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert not [e for e in google.events() if e.get("extendedProperties")]
    writes = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()[
        "writes"]
    assert writes["pending"] == 1 and writes["failed"] == 0 and "503" in writes["last_error"]

    google.recover()
    deliver(factory, now=datetime.now(UTC) + timedelta(hours=1))  # past the backoff
    assert calendar_rows(factory)[-1].status == "sent"
    writes = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()[
        "writes"]
    assert writes == {"pending": 0, "failed": 0, "last_error": None}
    # Once Google answers reads again, the connection stops showing the old failure.
    DEFAULT_EXTERNAL.clear()
    ana_starts(app, biz, day)
    shown = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "ok" and shown["last_error"] is None
    ours = [e for e in google.events() if e.get("extendedProperties")]
    assert len(ours) == 1 and datetime.fromisoformat(ours[0]["start"]["dateTime"]) == biz.at(
        day, 12
    )


def test_a_revoked_grant_is_a_broken_connection_never_free_time(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 4)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    booked = book_ana(app, biz, biz.at(day, 14))  # its write is still queued
    assert booked["status"] == 201
    # The owner removes frontdesk's access in their Google account; the access token
    # expires. Nothing Google said can be trusted as "free" any more.
    google.revoke_grants()
    google.expire_access_tokens()
    deliver(factory)  # the queued write is refused: failed, visibly, not retried forever
    row = calendar_rows(factory)[-1]
    assert row.status == "failed" and "invalid_grant" in (row.last_error or "")
    messages = app.get("/api/v1/messages", headers=auth(biz)).json()
    assert any(m["channel"] == "calendar" and m["status"] == "failed" for m in messages)
    DEFAULT_EXTERNAL.clear()
    assert ana_starts(app, biz, day) == set()
    shown = app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "broken" and "invalid_grant" in shown["last_error"]
    assert shown["writes"]["failed"] == 1 and "invalid_grant" in shown["writes"]["last_error"]
    listed = {r["name"]: r["calendar"] for r in app.get("/api/v1/resources",
                                                         headers=auth(biz)).json()}
    assert listed["Marco"] is None
    assert listed["Ana"]["provider"] == "google" and listed["Ana"]["status"] == "broken"
    refused = book_ana(app, biz, biz.at(day, 10))
    assert refused["status"] == 409

    # Connecting again repairs it: the slots come back, and the write that failed lands.
    _, again = connect_google(app, biz)
    assert again.status_code == 200
    assert app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()[
        "status"] == "ok"
    assert biz.at(day, 10) in ana_starts(app, biz, day)
    deliver(factory)
    written = [e for e in google.events() if e.get("extendedProperties")]
    assert [e["extendedProperties"]["private"][APPOINTMENT_KEY] for e in written] == [
        booked["json"]["id"]  # type: ignore[index]
    ]


def test_an_expired_access_token_is_refreshed_and_the_new_one_stored(
    app: TestClient,
    settings: Settings,
    biz: Business,
    google: GoogleState,
    factory: sessionmaker[Session],
) -> None:
    day = next_weekday(biz.tz, 1)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    before = json.loads(decrypt(stored(factory, biz).secret, settings))
    google.expire_access_tokens()
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 10) in ana_starts(app, biz, day)
    after = json.loads(decrypt(stored(factory, biz).secret, settings))
    assert after["access_token"] != before["access_token"]
    assert after["access_token"] in google.valid_access_tokens()
    assert after["refresh_token"] == before["refresh_token"]
    assert stored(factory, biz).status == "ok"


def test_disconnecting_revokes_the_grant(
    app: TestClient, biz: Business, google: GoogleState
) -> None:
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    assert google.grants and not any(g.revoked for g in google.grants.values())
    gone = app.delete(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz))
    assert gone.status_code == 204
    assert all(grant.revoked for grant in google.grants.values())
    assert not google.valid_access_tokens()
    assert app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).status_code == 404


def test_owner_saying_no_goes_back_to_the_return_url_and_stores_nothing(
    app: TestClient, biz: Business, google: GoogleState
) -> None:
    google.deny_consent = True
    _, callback = connect_google(app, biz, return_url="https://dash.example/settings?tab=cal")
    assert callback.status_code == 303
    assert callback.headers["location"] == (
        "https://dash.example/settings?tab=cal&calendar_error=access_denied"
    )
    assert app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).status_code == 404


def test_success_goes_back_to_the_return_url(
    app: TestClient, biz: Business, google: GoogleState
) -> None:
    _, callback = connect_google(app, biz, return_url="https://dash.example/done")
    assert callback.status_code == 303
    assert callback.headers["location"] == "https://dash.example/done?calendar=connected"


def test_a_forged_or_altered_state_is_refused(
    app: TestClient, biz: Business, google: GoogleState
) -> None:
    started = app.post(
        f"/api/v1/resources/{biz.ana.id}/calendar/connect/google", headers=auth(biz)
    ).json()
    state = parse_qs(urlsplit(started["authorize_url"]).query)["state"][0]
    altered = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
    for bad in ("made-up", altered):
        answer = app.get("/oauth/callback/google", params={"state": bad, "code": "x"})
        assert answer.status_code == 400 and "expired" in answer.text
    # A state made for Google is no good at the Microsoft callback either.
    answer = app.get("/oauth/callback/microsoft", params={"state": state, "code": "x"})
    assert answer.status_code == 400
    assert app.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).status_code == 404


def test_bad_requests_get_clear_problems(
    app: TestClient,
    engine: Engine,
    biz: Business,
    google: GoogleState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = f"/api/v1/resources/{biz.ana.id}/calendar"
    unknown = app.post(f"{base}/connect/yahoo", headers=auth(biz))
    assert unknown.status_code == 422 and "google or microsoft" in unknown.json()["detail"]
    put = app.put(base, headers=auth(biz), json={
        "provider": "google", "url": "x", "username": "x", "password": "x", "calendar": "x"})
    assert put.status_code == 422 and "/connect/google" in put.json()["detail"]
    bad_return = app.post(f"{base}/connect/google", headers=auth(biz),
                          json={"return_url": "javascript:alert(1)"})
    assert bad_return.status_code == 422
    monkeypatch.delenv("FRONTDESK_MICROSOFT_CLIENT_ID", raising=False)
    with TestClient(create_app(Settings(environment="test", llm_base_url=""),
                               engine=engine)) as plain:
        missing = plain.post(f"{base}/connect/microsoft", headers=auth(biz))
    assert missing.status_code == 409
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "FRONTDESK_MICROSOFT_CLIENT_ID" in missing.json()["detail"]


def test_another_business_cannot_touch_the_connection(
    app: TestClient,
    make_business: Callable[..., Business],
    google: GoogleState,
) -> None:
    mine, theirs = make_business("mine"), make_business("theirs")
    _, callback = connect_google(app, mine)
    assert callback.status_code == 200
    path = f"/api/v1/resources/{mine.ana.id}/calendar"
    for method, suffix, body in (
        ("GET", "", None),
        ("GET", "/calendars", None),
        ("PATCH", "", {"calendar": "other"}),
        ("DELETE", "", None),
        ("POST", "/connect/google", {}),
    ):
        answer = app.request(method, path + suffix, headers=auth(theirs), json=body)
        assert answer.status_code == 404, (method, suffix, answer.text)
    # Still connected, untouched, for its own business.
    shown = app.get(path, headers=auth(mine)).json()
    assert shown["status"] == "ok" and shown["username"] == google.email
    assert not any(g.revoked for g in google.grants.values())


def test_choosing_another_calendar_moves_our_events_there(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session]
) -> None:
    team = "team123@group.calendar.google.com"
    google.add_calendar(team, "Salon bookings", time_zone="America/New_York")
    day = next_weekday(biz.tz, 1)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    booked = book_ana(app, biz, biz.at(day, 9))
    assert booked["status"] == 201
    deliver(factory)
    assert len([e for e in google.events() if e.get("extendedProperties")]) == 1

    path = f"/api/v1/resources/{biz.ana.id}/calendar"
    choices = app.get(f"{path}/calendars", headers=auth(biz)).json()
    assert {(c["id"], c["selected"]) for c in choices} == {(google.email, True), (team, False)}
    chosen = app.patch(path, headers=auth(biz), json={"calendar": team})
    assert chosen.status_code == 200 and chosen.json()["calendar"] == team
    deliver(factory)
    assert [e for e in google.events() if e.get("extendedProperties")] == []  # left primary
    moved = [e for e in google.events(team) if e.get("extendedProperties")]
    assert [e["extendedProperties"]["private"][APPOINTMENT_KEY] for e in moved] == [
        booked["json"]["id"]  # type: ignore[index]
    ]
    assert {r.status for r in calendar_rows(factory)} == {"sent"}
    # The owner's busy time is now read from the chosen calendar.
    google.add_owner_event(biz.at(day, 13), biz.at(day, 14), calendar_id=team)
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 13) not in ana_starts(app, biz, day)
    missing = app.patch(path, headers=auth(biz), json={"calendar": "nope@example.com"})
    assert missing.status_code == 422 and missing.json()["field"] == "calendar"
    assert app.get(path, headers=auth(biz)).json()["calendar"] == team  # unchanged


def test_one_client_per_connection_is_reused_across_reads(
    app: TestClient, settings: Settings, biz: Business, google: GoogleState
) -> None:
    """Cold searches and bookings reuse the connection's client (and its HTTP connection)
    instead of building one, and opening a connection, per read."""
    built: list[str] = []
    real = calendar_providers.oauth_provider

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(str(args[0]))
        return real(*args, **kwargs)

    day = next_weekday(biz.tz, 1)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    calendar_providers.configure(settings, oauth=counting)  # the app's, counted
    before = len(google.api_requests)
    for _ in range(3):
        DEFAULT_EXTERNAL.clear()
        assert biz.at(day, 10) in ana_starts(app, biz, day)
    assert book_ana(app, biz, biz.at(day, 10))["status"] == 201
    assert len(google.api_requests) - before >= 4  # every read really went to Google
    assert built == ["google"]  # ... through one client
    # A new grant (reconnecting) gets a new client.
    _, again = connect_google(app, biz)
    assert again.status_code == 200
    DEFAULT_EXTERNAL.clear()
    ana_starts(app, biz, day)
    assert built == ["google", "google"]


def test_the_cli_prints_the_consent_url_that_connects_the_calendar(
    engine: Engine, biz: Business, google: GoogleState, capsys: pytest.CaptureFixture[str]
) -> None:
    """`frontdesk calendar connect google` against a real server: the printed URL, opened
    by the owner, connects Ana's calendar."""
    from frontdesk.cli import main

    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    with serving(app) as base:
        code = main(["calendar", "connect", "google", "--url", base, "--key", biz.api_key,
                     "--resource", "ana"])
        assert code == 0
        printed = capsys.readouterr().out
        url = printed.strip().splitlines()[-1]
        assert "Ana's browser" in printed and url.startswith(google_server_base(url))
        consent = httpx.get(url, follow_redirects=False)
        assert consent.status_code == 302
        assert consent.headers["location"].startswith(f"{base}/oauth/callback/google?")
        landed = httpx.get(consent.headers["location"])
        assert landed.status_code == 200 and "Calendar connected" in landed.text
        shown = httpx.get(f"{base}/api/v1/resources/{biz.ana.id}/calendar",
                          headers=auth(biz)).json()
        assert shown["provider"] == "google" and shown["status"] == "ok"
        # An unknown resource is a clear error, not a traceback.
        assert main(["calendar", "connect", "google", "--url", base, "--key", biz.api_key,
                     "--resource", "Nobody"]) == 2
        assert "no resource named 'Nobody'" in capsys.readouterr().err


def google_server_base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/o/oauth2/v2/auth?"


def test_other_calendars_of_the_account_can_be_checked_for_conflicts(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session]
) -> None:
    """Cal.com's "check for conflicts": the family calendar's events block slots too,
    while our events still go to the calendar chosen for them."""
    family = "family987@group.calendar.google.com"
    google.add_calendar(family, "Family", time_zone="America/New_York")
    day = next_weekday(biz.tz, 2)
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    google.add_owner_event(biz.at(day, 9), biz.at(day, 10), calendar_id=family,
                           summary="School run")
    DEFAULT_EXTERNAL.clear()
    assert biz.at(day, 9) in ana_starts(app, biz, day)  # not checked yet

    path = f"/api/v1/resources/{biz.ana.id}/calendar"
    missing = app.patch(path, headers=auth(biz), json={"check_calendars": ["nope@x.org"]})
    assert missing.status_code == 422 and missing.json()["field"] == "check_calendars"
    chosen = app.patch(path, headers=auth(biz), json={"check_calendars": [family]})
    assert chosen.status_code == 200, chosen.json()
    assert chosen.json()["check_calendars"] == [family]
    assert chosen.json()["calendar"] == google.email  # unchanged
    listed = {c["id"]: (c["selected"], c["checked"]) for c in app.get(
        f"{path}/calendars", headers=auth(biz)).json()}
    assert listed == {google.email: (True, True), family: (False, True)}

    starts = ana_starts(app, biz, day)  # the change itself refreshed the cache
    assert biz.at(day, 9) not in starts and biz.at(day, 10) in starts
    assert book_ana(app, biz, biz.at(day, 9, 30))["status"] == 409
    booked = book_ana(app, biz, biz.at(day, 11))
    assert booked["status"] == 201
    deliver(factory)
    assert [e for e in google.events(family) if e.get("extendedProperties")] == []
    assert len([e for e in google.events() if e.get("extendedProperties")]) == 1

    # Unchecking it frees the time again, and rewrites nothing: where events go is unchanged.
    rows = len(calendar_rows(factory))
    assert app.patch(path, headers=auth(biz), json={"check_calendars": []}).status_code == 200
    assert biz.at(day, 9) in ana_starts(app, biz, day)
    assert len(calendar_rows(factory)) == rows


def test_concurrent_bookings_on_a_connected_calendar_over_http(
    engine: Engine, biz: Business, google: GoogleState, factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """20 callers race for one slot and 8 others book distinct slots at once, on a real
    server whose Google calendar is connected (one shared client per connection): one
    winner, every other booking of the slot refused, every distinct booking made, and
    exactly one Google event per booking once the outbox is delivered."""
    import contextlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from frontdesk.services import booking

    day = next_weekday(biz.tz, 2)
    google.add_owner_event(biz.at(day, 16), biz.at(day, 17))
    # Which calendar reads happen while this thread holds a booking's write transaction.
    inside = threading.local()
    reads_in_write: list[bool] = []
    real_write_session = booking.write_session

    @contextlib.contextmanager
    def marked(factory: sessionmaker[Session]) -> Iterator[Session]:
        with real_write_session(factory) as session:
            inside.yes = True
            try:
                yield session
            finally:
                inside.yes = False

    real_factory = DEFAULT_EXTERNAL.provider_factory

    def watched(connection: CalendarConnection, timezone: str, saver: Any) -> Any:
        reads_in_write.append(getattr(inside, "yes", False))
        return real_factory(connection, timezone, saver)

    monkeypatch.setattr(booking, "write_session", marked)
    monkeypatch.setattr(DEFAULT_EXTERNAL, "provider_factory", watched)
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    with serving(app) as base:
        started = httpx.post(f"{base}/api/v1/resources/{biz.ana.id}/calendar/connect/google",
                             headers=auth(biz)).json()
        consent = httpx.get(started["authorize_url"], follow_redirects=False)
        assert httpx.get(consent.headers["location"]).status_code == 200

        same = biz.at(day, 10)
        # 45 minutes apart: a haircut is 30 minutes plus a 10-minute buffer.
        distinct = [biz.at(day, 11) + timedelta(minutes=45 * i) for i in range(6)]
        jobs = [same] * 20 + distinct + [biz.at(day, 16), biz.at(day, 16, 30)]
        barrier = threading.Barrier(len(jobs))

        def book(start: datetime) -> tuple[datetime, int]:
            with httpx.Client(base_url=base, timeout=60) as http:
                barrier.wait()
                answer = http.post("/api/v1/appointments", headers=auth(biz), json={
                    "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
                    "start": start.isoformat()})
                return start, answer.status_code

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(pool.map(book, jobs))
    on_same = sorted(status for start, status in results if start == same)
    assert on_same == [201] + [409] * 19, results
    assert all(status == 201 for start, status in results if start in distinct), results
    # The owner's meeting at 16:00–17:00 is refused for every caller.
    assert [s for start, s in results if start >= biz.at(day, 16)] == [409, 409], results

    # Every booking read Google before its write transaction, none inside it.
    assert len(reads_in_write) >= len(jobs) and not any(reads_in_write), reads_in_write.count(
        True)

    deliver(factory)
    ours = [e for e in google.events() if e.get("extendedProperties")]
    assert len(ours) == 7
    assert len({e["extendedProperties"]["private"][APPOINTMENT_KEY] for e in ours}) == 7
    assert {r.status for r in calendar_rows(factory)} == {"sent"}


@pytest.mark.parametrize("persona", ["salon", "medical"])
def test_the_event_tells_the_owner_who_to_call_except_at_a_clinic(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session],
    persona: str,
) -> None:
    assert app.patch("/api/v1/tenant", headers=auth(biz),
                     json={"persona": persona}).status_code == 200
    _, callback = connect_google(app, biz)
    assert callback.status_code == 200
    day = next_weekday(biz.tz, 1)
    booked = app.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
        "start": biz.at(day, 10).isoformat(),
        "customer": {"name": "Dana Whitfield", "phone": "+12125550147"}})
    assert booked.status_code == 201, booked.json()
    deliver(factory)
    [event] = [e for e in google.events() if e.get("extendedProperties")]
    text = event["summary"] + "\n" + event["description"]
    assert "Haircut" in text and "Booked by frontdesk" in event["description"]
    if persona == "medical":
        assert "Dana" not in text and "555" not in text
    else:
        assert "Dana Whitfield" in text and "+12125550147" in event["description"]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_google_outage_opens_one_breaker_for_every_business(
    app: TestClient, make_business: Callable[..., Business], google: GoogleState,
    factory: sessionmaker[Session],
) -> None:
    """Two businesses' reads fail: Google's breaker opens, and a third business's read
    and a calendar write are not sent at all (the read blocks the window, the write waits
    without spending an attempt) until the cool-down; then one probe, and all is well."""
    clock = _Clock()
    circuit.configure(circuit.Policy(failures=2, cool_down_s=60), clock)
    shops = [make_business(f"shop{i}") for i in range(3)]
    for shop in shops:
        assert connect_google(app, shop)[1].status_code == 200
    day = next_weekday(shops[0].tz, 3)
    deliver(factory)  # nothing booked yet: nothing to write
    google.fail_next(1000, status=503)
    asked = len(google.api_requests)
    for shop in shops[:2]:
        assert ana_starts(app, shop, day) == set()  # unread is never free
    assert len(google.api_requests) > asked
    assert circuit.breaker_states() == {"google": "open"}

    asked = len(google.api_requests)
    assert ana_starts(app, shops[2], day) == set()  # not asked: the breaker is open
    assert len(google.api_requests) == asked

    clock.now += 60
    google.recover()
    starts = ana_starts(app, shops[2], day)  # the probe: Google answers again
    assert shops[2].at(day, 10) in starts
    assert circuit.breaker_states() == {"google": "closed"}
    DEFAULT_EXTERNAL.clear()
    assert shops[0].at(day, 10) in ana_starts(app, shops[0], day)


def test_calendar_writes_wait_while_googles_breaker_is_open(
    app: TestClient, biz: Business, google: GoogleState, factory: sessionmaker[Session],
) -> None:
    clock = _Clock()
    circuit.configure(circuit.Policy(failures=1, cool_down_s=60), clock)
    day = next_weekday(biz.tz, 3)
    assert connect_google(app, biz)[1].status_code == 200
    assert biz.at(day, 12) in ana_starts(app, biz, day)
    assert book_ana(app, biz, biz.at(day, 12))["status"] == 201
    google.fail_next(1000, status=503)
    now = datetime.now(UTC)
    deliver(factory, now=now)  # the write fails: the breaker opens
    assert circuit.breaker_states() == {"google": "open"}
    asked = len(google.api_requests)
    deliver(factory, now=now + timedelta(hours=1))  # due again, but not tried
    assert len(google.api_requests) == asked
    row = calendar_rows(factory)[-1]
    assert row.status == "pending" and row.attempts == 1 and "circuit open" in row.last_error
    assert row.next_attempt_at > now + timedelta(hours=1)  # at the cool-down's end

    clock.now += 60
    google.recover()
    deliver(factory, now=now + timedelta(hours=2))
    row = calendar_rows(factory)[-1]
    assert row.status == "sent" and row.attempts == 2
    ours = [e for e in google.events() if e.get("extendedProperties")]
    assert len(ours) == 1
