"""The Google Calendar provider and the OAuth module, through Google's own client libraries
(google-api-python-client, google-auth, Authlib) against the Google stand-in on a real
port: wire formats, token refresh, error mapping, idempotent writes."""

from __future__ import annotations

import base64
import json
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import google.auth._exponential_backoff as google_backoff
import httpx
import pytest

from frontdesk.calendars import oauth
from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarNotFound,
    CalendarUnavailable,
    event_uid,
)
from frontdesk.calendars.google_provider import (
    APPOINTMENT_KEY,
    GoogleCalendarProvider,
    calendar_api_root,
    google_event_id,
)
from frontdesk.calendars.oauth import OAuthClientConfig, OAuthTokens, google_config
from tests.conftest import serving
from tests.standins.google_calendar import GoogleState, google_app

TZ = "America/New_York"
NY = ZoneInfo(TZ)
REDIRECT = "https://frontdesk.example/calendar/google/callback"


@dataclass
class Google:
    state: GoogleState
    base: str
    config: OAuthClientConfig
    saved: list[OAuthTokens] = field(default_factory=list)

    def tokens(self, *, expires_in: float | None = None,
               scopes: tuple[str, ...] | None = None) -> OAuthTokens:
        issued = self.state.issue_tokens(scopes)
        lifetime = issued["expires_in"] if expires_in is None else expires_in
        return OAuthTokens(issued["access_token"], issued["refresh_token"],
                           datetime.now(UTC) + timedelta(seconds=lifetime))

    def provider(self, tokens: OAuthTokens | None = None, calendar_id: str = "primary",
                 config: OAuthClientConfig | None = None) -> GoogleCalendarProvider:
        return GoogleCalendarProvider(
            config or self.config, tokens or self.tokens(), calendar_id, timezone=TZ,
            on_tokens=self.saved.append, timeout_s=5,
        )


@pytest.fixture(scope="module")
def google_server() -> Iterator[tuple[GoogleState, str]]:
    state = GoogleState(time_zone=TZ, redirect_uris=(REDIRECT,))
    with serving(google_app(state)) as base:
        yield state, base


@pytest.fixture
def google(google_server: tuple[GoogleState, str]) -> Google:
    state, base = google_server
    state.reset()
    config = google_config(state.client_id, state.client_secret, auth_base=base,
                           token_url=f"{base}/token", revoke_url=f"{base}/revoke",
                           api_base=f"{base}/")
    return Google(state, base, config)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth retries a failing token endpoint with 1 s, 2 s waits: skip the waits."""
    monkeypatch.setattr(google_backoff, "time", types.SimpleNamespace(sleep=lambda _: None))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


DAY = date(2026, 6, 10)  # a Wednesday


def appointment(start: datetime, minutes: int = 30, appointment_id: str | None = None,
                summary: str = "Haircut with Ana") -> CalendarEvent:
    return CalendarEvent(appointment_id or str(uuid.uuid4()), start,
                         start + timedelta(minutes=minutes), summary, "Booked by frontdesk")


# -- reading busy times ------------------------------------------------------------------


def test_busy_counts_the_owners_events_and_nothing_else(google: Google) -> None:
    state = google.state
    state.add_owner_event(at(DAY, 10), at(DAY, 11), summary="Dentist")
    state.add_owner_event(DAY + timedelta(days=1), summary="Conference")  # all day
    state.add_owner_event(at(DAY, 12), at(DAY, 13), summary="Lunch?", transparent=True)
    state.add_owner_event(at(DAY, 14), at(DAY, 15), summary="Team sync", declined=True)
    state.add_owner_event(at(DAY, 15), at(DAY, 16), summary="Called off", status="cancelled")
    state.add_owner_event(at(DAY, 16), at(DAY, 17), summary="Haircut (frontdesk)",
                          private_properties={APPOINTMENT_KEY: "some-appointment"})
    state.add_owner_event(at(DAY + timedelta(days=5), 9), summary="Outside the window")

    blocks = google.provider().busy(at(DAY, 0), at(DAY + timedelta(days=2), 0))

    assert blocks == [
        BusyBlock(at(DAY, 10).astimezone(UTC), at(DAY, 11).astimezone(UTC)),
        BusyBlock(at(DAY + timedelta(days=1), 0).astimezone(UTC),
                  at(DAY + timedelta(days=2), 0).astimezone(UTC)),
    ]
    assert all(b.start.tzinfo == UTC for b in blocks)


def test_an_event_overlapping_the_window_edge_is_returned_unclipped(google: Google) -> None:
    google.state.add_owner_event(at(DAY, 8), at(DAY, 10))
    blocks = google.provider().busy(at(DAY, 9), at(DAY, 12))
    assert blocks == [BusyBlock(at(DAY, 8).astimezone(UTC), at(DAY, 10).astimezone(UTC))]


def test_all_day_events_block_local_days_across_dst(google: Google) -> None:
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)  # New York's DST changes
    google.state.add_owner_event(spring)
    google.state.add_owner_event(autumn)
    provider = google.provider()

    [short] = provider.busy(at(spring, 0), at(spring, 23))
    [long] = provider.busy(at(autumn, 0), at(autumn, 23))

    assert (short.start, short.end - short.start) == (
        datetime(2026, 3, 8, 5, tzinfo=UTC), timedelta(hours=23))
    assert (long.start, long.end - long.start) == (
        datetime(2026, 11, 1, 4, tzinfo=UTC), timedelta(hours=25))


def test_recurring_events_are_expanded_by_wall_clock(google: Google) -> None:
    first = date(2026, 3, 2)  # Monday; DST starts on Sunday the 8th
    google.state.add_owner_event(at(first, 10), at(first, 11),
                                 recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
    blocks = google.provider().busy(at(first, 0), at(first + timedelta(days=30), 0))
    assert [b.start.astimezone(NY).strftime("%m-%d %H:%M") for b in blocks] == [
        "03-02 10:00", "03-09 10:00", "03-16 10:00"]


def test_busy_follows_next_page_tokens(google: Google) -> None:
    google.state.page_size_cap = 2
    for hour in range(9, 14):
        google.state.add_owner_event(at(DAY, hour), at(DAY, hour, 30))

    blocks = google.provider().busy(at(DAY, 0), at(DAY, 23))

    assert [b.start.astimezone(NY).hour for b in blocks] == [9, 10, 11, 12, 13]
    lists = [r for r in google.state.api_requests if r[0] == "GET"]
    assert len(lists) == 3


def test_busy_falls_back_to_free_busy_for_a_calendar_it_may_not_list(google: Google) -> None:
    colleague = google.state.add_calendar("colleague@example.com", "Ana",
                                          free_busy_only=True)
    google.state.add_owner_event(at(DAY, 10), at(DAY, 11), calendar_id=colleague)
    google.state.add_owner_event(at(DAY, 10, 30), at(DAY, 12), calendar_id=colleague)
    google.state.add_owner_event(at(DAY, 14), at(DAY, 15), calendar_id=colleague,
                                 transparent=True)
    provider = google.provider(calendar_id=colleague)

    blocks = provider.busy(at(DAY, 0), at(DAY, 23))
    again = provider.busy(at(DAY, 0), at(DAY, 23))

    assert blocks == again == [BusyBlock(at(DAY, 10).astimezone(UTC),
                                         at(DAY, 12).astimezone(UTC))]
    assert google.state.api_requests == [
        ("GET", "/calendar/v3/calendars/colleague@example.com/events"),
        ("POST", "/calendar/v3/freeBusy"),
        ("POST", "/calendar/v3/freeBusy"),  # the provider remembered: no second list
    ]


def test_an_unknown_calendar_is_not_found(google: Google) -> None:
    with pytest.raises(CalendarNotFound):
        google.provider(calendar_id="nobody@example.com").busy(at(DAY, 0), at(DAY, 23))


def test_naive_or_empty_windows(google: Google) -> None:
    provider = google.provider()
    with pytest.raises(ValueError):
        provider.busy(datetime(2026, 6, 10, 9), at(DAY, 10))
    assert provider.busy(at(DAY, 10), at(DAY, 10)) == []
    assert google.state.api_requests == []


# -- writing our events ------------------------------------------------------------------


def test_upsert_creates_one_event_and_is_idempotent(google: Google) -> None:
    provider = google.provider()
    booking = appointment(at(DAY, 13))

    first = provider.upsert_event(booking)
    second = provider.upsert_event(booking)

    assert first == second == google_event_id(booking.appointment_id)
    [stored] = google.state.events()
    assert stored["id"] == first
    assert stored["iCalUID"] == event_uid(booking.appointment_id)
    assert stored["extendedProperties"]["private"] == {APPOINTMENT_KEY: booking.appointment_id}
    assert stored["summary"] == "Haircut with Ana"
    assert stored["start"] == {"dateTime": "2026-06-10T13:00:00-04:00", "timeZone": TZ}
    assert stored["sequence"] == 0
    # Ours are left out of busy times.
    assert provider.busy(at(DAY, 0), at(DAY, 23)) == []


def test_upsert_moves_the_event(google: Google) -> None:
    provider = google.provider()
    booking = appointment(at(DAY, 13))
    provider.upsert_event(booking)

    moved = appointment(at(DAY, 15), 60, booking.appointment_id, "Coloring with Ana")
    provider.upsert_event(moved)

    [stored] = google.state.events()
    assert (stored["summary"], stored["start"]["dateTime"], stored["end"]["dateTime"]) == (
        "Coloring with Ana", "2026-06-10T15:00:00-04:00", "2026-06-10T16:00:00-04:00")
    assert stored["sequence"] == 1


def test_delete_then_delete_again_then_rebook(google: Google) -> None:
    provider = google.provider()
    booking = appointment(at(DAY, 13))
    event_id = provider.upsert_event(booking)

    provider.delete_event(booking.appointment_id)
    assert google.state.events() == []
    assert google.state.event(event_id)["status"] == "cancelled"  # Google keeps it
    provider.delete_event(booking.appointment_id)  # 410 deleted: fine
    provider.delete_event(str(uuid.uuid4()))  # 404, never written: fine

    assert provider.upsert_event(booking) == event_id
    [stored] = google.state.events()
    assert (stored["id"], stored["status"]) == (event_id, "confirmed")


def test_upsert_updates_when_insert_says_the_id_exists(google: Google) -> None:
    provider = google.provider()
    booking = appointment(at(DAY, 13))
    event_id = provider.upsert_event(booking)
    provider.delete_event(booking.appointment_id)
    google.state.api_requests.clear()
    google.state.fail_next(1, 410, method="PATCH")

    assert provider.upsert_event(booking) == event_id

    assert [m for m, _ in google.state.api_requests] == ["PATCH", "POST", "PUT"]
    [stored] = google.state.events()
    assert (stored["id"], stored["status"]) == (event_id, "confirmed")


def test_upsert_inserts_again_after_the_event_was_purged(google: Google) -> None:
    provider = google.provider()
    booking = appointment(at(DAY, 13))
    event_id = provider.upsert_event(booking)
    google.state.purge_event(event_id)

    assert provider.upsert_event(booking) == event_id
    assert [e["id"] for e in google.state.events()] == [event_id]


def test_event_ids_are_valid_google_ids() -> None:
    ids = [google_event_id(a) for a in (
        "0b7d2f0e-62f4-4e0e-9a57-3c1f1bdb2a10", "a", "appt:42/ü", "x" * 1000)]
    assert ids[0] == "fd0b7d2f0e62f44e0e9a573c1f1bdb2a10"
    assert all(set(i) <= set("0123456789abcdefghijklmnopqrstuv") for i in ids)
    assert all(5 <= len(i) <= 1024 for i in ids)
    assert len(set(ids)) == 4
    assert google_event_id("a") == google_event_id("a")


def test_a_non_uuid_appointment_round_trips(google: Google) -> None:
    provider = google.provider()
    booking = appointment(at(DAY, 13), appointment_id="legacy-42")
    event_id = provider.upsert_event(booking)
    assert event_id.startswith("fdn")
    assert [e["id"] for e in google.state.events()] == [event_id]


# -- tokens ------------------------------------------------------------------------------


def test_an_expired_access_token_is_refreshed_first_and_saved(google: Google) -> None:
    tokens = google.tokens(expires_in=-60)
    provider = google.provider(tokens)
    google.state.add_owner_event(at(DAY, 10), at(DAY, 11))

    assert len(provider.busy(at(DAY, 0), at(DAY, 23))) == 1

    assert google.state.token_requests["refresh_token"] == 1
    [saved] = google.saved
    assert saved.access_token != tokens.access_token
    assert saved.access_token in google.state.valid_access_tokens()
    assert saved.refresh_token == tokens.refresh_token
    assert saved.expires_at is not None and saved.expires_at > datetime.now(UTC)
    assert provider.tokens == saved
    # Already saved: the next call neither refreshes nor saves again.
    provider.busy(at(DAY, 0), at(DAY, 23))
    assert (len(google.saved), google.state.token_requests["refresh_token"]) == (1, 1)


def test_a_token_google_expired_early_is_refreshed_on_401(google: Google) -> None:
    tokens = google.tokens()
    provider = google.provider(tokens)
    google.state.expire_access_tokens()

    event_id = provider.upsert_event(appointment(at(DAY, 13)))

    assert [e["id"] for e in google.state.events()] == [event_id]
    [saved] = google.saved
    assert saved.access_token != tokens.access_token
    assert google.state.token_requests["refresh_token"] == 1


def test_a_revoked_grant_is_an_auth_error(google: Google) -> None:
    provider = google.provider()
    google.state.revoke_grants()
    with pytest.raises(CalendarAuthError) as caught:
        provider.busy(at(DAY, 0), at(DAY, 23))
    assert "invalid_grant" in str(caught.value)
    assert google.saved == []


def test_an_expired_token_without_refresh_token_is_an_auth_error(google: Google) -> None:
    issued = google.state.issue_tokens()
    provider = google.provider(OAuthTokens(issued["access_token"]))
    google.state.expire_access_tokens()
    with pytest.raises(CalendarAuthError):
        provider.busy(at(DAY, 0), at(DAY, 23))


def test_missing_calendar_scope_is_an_auth_error(google: Google) -> None:
    provider = google.provider(google.tokens(scopes=("openid", "email")))
    with pytest.raises(CalendarAuthError) as caught:
        provider.busy(at(DAY, 0), at(DAY, 23))
    assert caught.value.extra["http_status"] == 403
    # Not taken for a free/busy-only calendar.
    assert [m for m, _ in google.state.api_requests] == ["GET"]


def test_the_token_endpoint_failing_is_unavailable(google: Google, no_backoff: None) -> None:
    provider = google.provider(google.tokens(expires_in=-60))
    google.state.fail_token_endpoint(503)
    with pytest.raises(CalendarUnavailable):
        provider.busy(at(DAY, 0), at(DAY, 23))
    # google-auth tries its token endpoint three times by itself.
    assert google.state.token_requests["refresh_token"] == 3

    google.state.fail_token_endpoint(None)
    assert provider.busy(at(DAY, 0), at(DAY, 23)) == []
    assert len(google.saved) == 1


# -- API failures ------------------------------------------------------------------------


def test_a_503_is_unavailable_and_not_retried(google: Google) -> None:
    provider = google.provider()
    google.state.fail_next(1)
    with pytest.raises(CalendarUnavailable) as caught:
        provider.busy(at(DAY, 0), at(DAY, 23))
    assert caught.value.extra["http_status"] == 503
    assert len(google.state.api_requests) == 1
    assert provider.busy(at(DAY, 0), at(DAY, 23)) == []


def test_a_write_failing_is_unavailable(google: Google) -> None:
    provider = google.provider()
    google.state.fail_next(1, 500, method="PATCH")
    with pytest.raises(CalendarUnavailable):
        provider.upsert_event(appointment(at(DAY, 13)))
    assert google.state.events() == []


def test_a_rate_limit_is_unavailable_not_a_free_busy_fallback(google: Google) -> None:
    provider = google.provider()
    google.state.fail_next(1, 403, reason="rateLimitExceeded")
    with pytest.raises(CalendarUnavailable):
        provider.busy(at(DAY, 0), at(DAY, 23))
    google.state.fail_next(1, 429)
    with pytest.raises(CalendarUnavailable):
        provider.busy(at(DAY, 0), at(DAY, 23))
    assert [m for m, _ in google.state.api_requests] == ["GET", "GET"]


def test_a_bad_request_is_a_calendar_error(google: Google) -> None:
    google.state.fail_next(1, 400, reason="invalid")
    with pytest.raises(CalendarError) as caught:
        google.provider().busy(at(DAY, 0), at(DAY, 23))
    assert type(caught.value) is CalendarError


def test_an_unreachable_api_is_unavailable(google: Google) -> None:
    closed = google_config(google.state.client_id, google.state.client_secret,
                           token_url=f"{google.base}/token", api_base="http://127.0.0.1:9/")
    with pytest.raises(CalendarUnavailable):
        google.provider(config=closed).busy(at(DAY, 0), at(DAY, 23))


def test_list_calendars_pages(google: Google) -> None:
    google.state.add_calendar("team@group.calendar.google.com", "Salon team")
    google.state.add_calendar("colleague@example.com", "Ana", free_busy_only=True)
    google.state.page_size_cap = 1
    assert google.provider().list_calendars() == [
        ("owner@example.com", "owner@example.com", True),
        ("team@group.calendar.google.com", "Salon team", False),
    ]


def test_api_root() -> None:
    assert calendar_api_root("https://www.googleapis.com/") == (
        "https://www.googleapis.com/calendar/v3/")
    assert calendar_api_root("http://127.0.0.1:8080/calendar/v3") == (
        "http://127.0.0.1:8080/calendar/v3/")


# -- the OAuth module against the stand-in ----------------------------------------------


def consent(google: Google) -> tuple[oauth.AuthorizationRequest, dict[str, str]]:
    """Start the flow and click through the stand-in's consent screen."""
    request = oauth.authorization_url(google.config, REDIRECT)
    answer = httpx.get(request.url, follow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return request, {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def test_connect_exchanges_the_code_for_tokens(google: Google) -> None:
    request, callback = consent(google)
    assert callback["state"] == request.state
    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["access_type"] == ["offline"]

    tokens = oauth.exchange_code(google.config, REDIRECT, callback["code"],
                                 request.code_verifier)

    assert tokens.account == "owner@example.com"
    assert tokens.refresh_token in google.state.grants
    assert tokens.access_token in google.state.valid_access_tokens()
    assert tokens.expires_at is not None and tokens.expires_at > datetime.now(UTC)
    assert "https://www.googleapis.com/auth/calendar.events" in tokens.scope.split()
    # The tokens work for the calendar API.
    assert google.provider(tokens).list_calendars()[0][2] is True
    # A code works once.
    with pytest.raises(CalendarAuthError):
        oauth.exchange_code(google.config, REDIRECT, callback["code"], request.code_verifier)


def test_a_wrong_code_verifier_is_refused(google: Google) -> None:
    _, callback = consent(google)
    with pytest.raises(CalendarAuthError) as caught:
        oauth.exchange_code(google.config, REDIRECT, callback["code"],
                            oauth.new_code_verifier())
    assert "invalid_grant" in str(caught.value)


def test_a_wrong_client_secret_is_refused(google: Google) -> None:
    request, callback = consent(google)
    wrong = google_config(google.state.client_id, "not-the-secret",
                          token_url=f"{google.base}/token")
    with pytest.raises(CalendarAuthError):
        oauth.exchange_code(wrong, REDIRECT, callback["code"], request.code_verifier)


def test_the_owner_saying_no_comes_back_as_access_denied(google: Google) -> None:
    google.state.deny_consent = True
    request, callback = consent(google)
    assert callback == {"error": "access_denied", "state": request.state}


def test_an_unregistered_redirect_uri_gets_no_redirect(google: Google) -> None:
    request = oauth.authorization_url(google.config, "https://evil.example/callback")
    answer = httpx.get(request.url, follow_redirects=False)
    assert answer.status_code == 400
    assert "redirect_uri_mismatch" in answer.text


def test_refresh_keeps_the_refresh_token(google: Google) -> None:
    issued = google.state.issue_tokens()
    fresh = oauth.refresh(google.config, issued["refresh_token"])
    assert fresh.access_token != issued["access_token"]
    assert fresh.refresh_token == issued["refresh_token"]
    assert fresh.account == "owner@example.com"
    assert fresh.access_token in google.state.valid_access_tokens()


def test_revoke_then_refresh_is_an_auth_error(google: Google) -> None:
    issued = google.state.issue_tokens()
    assert oauth.revoke(google.config, issued["refresh_token"]) is True
    assert google.state.valid_access_tokens() == []
    with pytest.raises(CalendarAuthError):
        oauth.refresh(google.config, issued["refresh_token"])
    # Revoking what Google already forgot is not an error.
    assert oauth.revoke(google.config, issued["refresh_token"]) is True


def test_refresh_with_the_token_endpoint_down_is_unavailable(google: Google) -> None:
    issued = google.state.issue_tokens()
    google.state.fail_token_endpoint(503)
    with pytest.raises(CalendarUnavailable):
        oauth.refresh(google.config, issued["refresh_token"])


def test_the_id_token_names_the_account(google: Google) -> None:
    issued = google.state.issue_tokens()
    payload = issued["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert (claims["email"], claims["aud"]) == ("owner@example.com", google.state.client_id)


def test_the_token_endpoint_accepts_http_basic_client_auth(google: Google) -> None:
    issued = google.state.issue_tokens()
    form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    good = httpx.post(f"{google.base}/token", data=form,
                      auth=(google.state.client_id, google.state.client_secret))
    bad = httpx.post(f"{google.base}/token", data=form, auth=(google.state.client_id, "nope"))
    assert good.status_code == 200 and "refresh_token" not in good.json()
    assert good.json()["token_type"] == "Bearer"
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_client")
