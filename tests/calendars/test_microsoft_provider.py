"""The Microsoft Graph adapter and the OAuth module against a Graph stand-in on a real port.

The stand-in (``tests.standins.microsoft_graph``) speaks the identity platform v2.0 and
Graph v1.0 wire formats; owner events are put straight into its mailbox, as the owner's
Outlook would, and what the adapter wrote is read back from it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.calendars import oauth
from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarNotFound,
    CalendarProvider,
    CalendarUnavailable,
)
from frontdesk.calendars.microsoft_provider import (
    APPOINTMENT_PROPERTY_ID,
    MicrosoftCalendarProvider,
    busy_block_of,
)
from frontdesk.calendars.oauth import OAuthClientConfig, OAuthTokens
from tests.conftest import serving
from tests.standins.microsoft_graph import GraphState, microsoft_graph_app

NEW_YORK = "America/New_York"
NY = ZoneInfo(NEW_YORK)
REDIRECT = "http://127.0.0.1/oauth/microsoft/callback"
# March 2026 holds the US spring-forward (Sunday 8 March, 02:00).
MARCH_START = datetime(2026, 3, 1, tzinfo=UTC)
MARCH_END = datetime(2026, 4, 1, tzinfo=UTC)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def ny(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def tokens_of(answer: dict[str, Any]) -> OAuthTokens:
    return OAuthTokens(
        access_token=answer["access_token"], refresh_token=answer.get("refresh_token"),
        expires_at=datetime.now(UTC) + timedelta(seconds=int(answer["expires_in"])),
        scope=answer["scope"],
    )


def appointment(appointment_id: str = "appt-1", start: datetime | None = None,
                minutes: int = 30, summary: str = "Haircut: Maria") -> CalendarEvent:
    start = start or ny(3, 2, 10)
    return CalendarEvent(appointment_id, start, start + timedelta(minutes=minutes), summary,
                         "Booked by phone. Tel +1 212 555 0100")


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FastAPI, str]]:
    """One stand-in server for the module; each test gets a fresh mailbox in it."""
    app = microsoft_graph_app(GraphState())
    with serving(app) as url:
        yield app, url


@pytest.fixture
def graph(server: tuple[FastAPI, str]) -> GraphState:
    state = GraphState()
    server[0].state.graph = state
    return state


@pytest.fixture
def base(server: tuple[FastAPI, str], graph: GraphState) -> str:
    return server[1]


@pytest.fixture
def config(graph: GraphState, base: str) -> OAuthClientConfig:
    return oauth.microsoft_config(graph.client_id, graph.client_secret,
                                  authority=f"{base}/common", api_base=f"{base}/v1.0")


@pytest.fixture
def saved() -> list[OAuthTokens]:
    return []


@pytest.fixture
def first_tokens(graph: GraphState) -> OAuthTokens:
    return tokens_of(graph.issue_tokens())


@pytest.fixture
def provider(config: OAuthClientConfig, first_tokens: OAuthTokens,
             saved: list[OAuthTokens]) -> Iterator[MicrosoftCalendarProvider]:
    with MicrosoftCalendarProvider(config, first_tokens, timezone=NEW_YORK,
                                   on_tokens=saved.append) as made:
        yield made


def ours(graph: GraphState, calendar_id: str | None = None) -> list[Any]:
    return [e for e in graph.events(calendar_id) if APPOINTMENT_PROPERTY_ID in e.extended]


# -- busy -----------------------------------------------------------------------------


def test_is_a_calendar_provider(provider: MicrosoftCalendarProvider) -> None:
    checked: CalendarProvider = provider
    assert checked.busy(MARCH_START, MARCH_END) == []


def test_owner_events_are_busy_in_utc(provider: MicrosoftCalendarProvider,
                                      graph: GraphState) -> None:
    graph.add_owner_event("Dentist", ny(3, 2, 10), ny(3, 2, 11))
    # After the spring-forward New York is UTC-4.
    graph.add_owner_event("Supplier", ny(3, 9, 14, 30), ny(3, 9, 15), show_as="tentative")
    graph.add_owner_event("Away", ny(3, 10, 9), ny(3, 10, 12), show_as="oof",
                          response="accepted")
    blocks = provider.busy(MARCH_START, MARCH_END)
    assert blocks == [
        BusyBlock(utc(3, 2, 15), utc(3, 2, 16)),
        BusyBlock(utc(3, 9, 18, 30), utc(3, 9, 19)),
        BusyBlock(utc(3, 10, 13), utc(3, 10, 16)),
    ]
    assert all(b.start.utcoffset() == timedelta(0) for b in blocks)
    # Only what overlaps the window asked for, even though Graph was asked wider.
    assert provider.busy(utc(3, 2, 15, 30), utc(3, 2, 17)) == [
        BusyBlock(utc(3, 2, 15), utc(3, 2, 16))]
    assert provider.busy(utc(3, 2, 16), utc(3, 2, 17)) == []


def test_free_cancelled_declined_and_elsewhere_block_nothing(
        provider: MicrosoftCalendarProvider, graph: GraphState) -> None:
    graph.add_owner_event("Lunch (free)", ny(3, 3, 12), ny(3, 3, 13), show_as="free")
    graph.add_owner_event("Remote day", ny(3, 3, 9), ny(3, 3, 17), show_as="workingElsewhere")
    graph.add_owner_event("Cancelled", ny(3, 3, 14), ny(3, 3, 15), cancelled=True)
    graph.add_owner_event("Declined invite", ny(3, 3, 15), ny(3, 3, 16), response="declined")
    graph.add_owner_event("Accepted invite", ny(3, 3, 16), ny(3, 3, 17), response="accepted")
    assert provider.busy(MARCH_START, MARCH_END) == [BusyBlock(utc(3, 3, 21), utc(3, 3, 22))]


def test_our_own_events_are_left_out(provider: MicrosoftCalendarProvider,
                                     graph: GraphState) -> None:
    provider.upsert_event(appointment("appt-1", ny(3, 4, 10)))
    graph.add_owner_event("Owner's", ny(3, 4, 10, 30), ny(3, 4, 11, 30))
    assert len(graph.events()) == 2
    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(3, 4, 15, 30), utc(3, 4, 16, 30))]


def test_all_day_events_are_whole_days_in_the_business_zone(
        provider: MicrosoftCalendarProvider, graph: GraphState) -> None:
    # Made in Berlin's Outlook: Graph matches it against the window in Berlin time and
    # answers it as midnight to midnight; the business is in New York.
    graph.add_owner_event("Closed", date(2026, 3, 2), date(2026, 3, 3), zone="Europe/Berlin")
    # Across the spring-forward: 7 March 00:00 EST to 10 March 00:00 EDT.
    graph.add_owner_event("Holiday", date(2026, 3, 7), date(2026, 3, 10))
    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(3, 2, 5), utc(3, 3, 5)),
        BusyBlock(utc(3, 7, 5), utc(3, 10, 4)),
    ]
    # The evening of 2 March in New York is after the event's end in Berlin's zone: a
    # window not widened would never have been answered with it.
    assert provider.busy(ny(3, 2, 19), ny(3, 2, 20)) == [BusyBlock(utc(3, 2, 5), utc(3, 3, 5))]


def test_paging_follows_next_links(provider: MicrosoftCalendarProvider,
                                   graph: GraphState) -> None:
    graph.max_page_size = 3
    for day in range(2, 10):
        graph.add_owner_event(f"Meeting {day}", ny(3, day, 9), ny(3, day, 10))
    # Ours, on the last page: every next link must still expand our marker property.
    provider.upsert_event(appointment("appt-1", ny(3, 20, 9)))
    blocks = provider.busy(MARCH_START, MARCH_END)
    assert len(blocks) == 8
    assert blocks[0].start == ny(3, 2, 9) and blocks[-1].start == ny(3, 9, 9)
    views = [r for r in graph.graph_requests if r.endswith("/calendarView")]
    assert len(views) == 3


def test_graph_times_are_read_robustly() -> None:
    def item(start: dict[str, str], end: dict[str, str], **more: Any) -> dict[str, Any]:
        return {"start": start, "end": end, "showAs": "busy", **more}

    seven = item({"dateTime": "2026-03-02T15:00:00.1234567", "timeZone": "UTC"},
                 {"dateTime": "2026-03-02T16:00:00.0000000", "timeZone": "UTC"})
    block = busy_block_of(seven, NY)
    assert block is not None
    assert block.start == datetime(2026, 3, 2, 15, 0, 0, 123456, tzinfo=UTC)
    windows = item({"dateTime": "2026-03-02T10:00:00.0000000",
                    "timeZone": "Pacific Standard Time"},
                   {"dateTime": "2026-03-02T11:00:00", "timeZone": "Pacific Standard Time"})
    assert busy_block_of(windows, NY) == BusyBlock(utc(3, 2, 18), utc(3, 2, 19))
    offset = item({"dateTime": "2026-03-02T10:00:00+01:00", "timeZone": "UTC"},
                  {"dateTime": "2026-03-02T11:00:00Z", "timeZone": "UTC"})
    assert busy_block_of(offset, NY) == BusyBlock(utc(3, 2, 9), utc(3, 2, 11))
    with pytest.raises(CalendarError):
        busy_block_of(item({"dateTime": "2 March", "timeZone": "UTC"},
                           {"dateTime": "2026-03-02T11:00:00", "timeZone": "UTC"}), NY)
    with pytest.raises(CalendarError):
        busy_block_of(item({"dateTime": "2026-03-02T10:00:00", "timeZone": "Mars/Olympus"},
                           {"dateTime": "2026-03-02T11:00:00", "timeZone": "UTC"}), NY)


# -- writing --------------------------------------------------------------------------


def test_upsert_creates_one_marked_event_and_is_idempotent(
        provider: MicrosoftCalendarProvider, graph: GraphState) -> None:
    event_id = provider.upsert_event(appointment("appt-1"))
    [stored] = graph.events()
    assert stored.id == event_id and len(event_id) > 100
    assert stored.extended == {APPOINTMENT_PROPERTY_ID: "appt-1"}
    assert stored.transaction_id == "appt-1"
    assert stored.subject == "Haircut: Maria"
    assert (stored.body_type, stored.body) == ("text", "Booked by phone. Tel +1 212 555 0100")
    assert (stored.start, stored.end) == (utc(3, 2, 15), utc(3, 2, 15, 30))
    assert stored.start_zone == NEW_YORK  # shown in the business's zone in Outlook
    assert provider.upsert_event(appointment("appt-1")) == event_id
    assert [e.id for e in graph.events()] == [event_id]
    assert graph.graph_requests.count("POST /v1.0/me/calendar/events") == 1


def test_a_retried_create_returns_the_first_event(config: OAuthClientConfig,
                                                  first_tokens: OAuthTokens,
                                                  graph: GraphState) -> None:
    class LoseFirstAnswer(httpx.BaseTransport):
        """The POST reaches Graph, but its answer is lost on the way back."""

        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()
            self.lost = False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = self.inner.handle_request(request)
            if request.method == "POST" and not self.lost:
                self.lost = True
                response.read()
                response.close()
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

    with MicrosoftCalendarProvider(config, first_tokens, timezone=NEW_YORK,
                                   transport=LoseFirstAnswer()) as provider:
        with pytest.raises(CalendarUnavailable):
            provider.upsert_event(appointment("appt-7"))
        [first] = graph.events()
        # The lookup does not see the event yet (search lags), so the retry POSTs again:
        # the same transactionId gets the first event back, not a second one.
        graph.stale_filter = True
        assert provider.upsert_event(appointment("appt-7")) == first.id
    assert [e.id for e in graph.events()] == [first.id]
    assert graph.graph_requests.count("POST /v1.0/me/calendar/events") == 2


def test_moving_an_appointment_updates_its_event(provider: MicrosoftCalendarProvider,
                                                 graph: GraphState) -> None:
    event_id = provider.upsert_event(appointment("appt-1", ny(3, 2, 10)))
    moved = appointment("appt-1", ny(3, 12, 14), minutes=45, summary="Haircut: Maria G.")
    assert provider.upsert_event(moved) == event_id
    [stored] = graph.events()
    assert (stored.start, stored.end) == (utc(3, 12, 18), utc(3, 12, 18, 45))
    assert stored.subject == "Haircut: Maria G."
    assert graph.graph_requests.count("PATCH /v1.0/me/events/" + event_id) == 1


def test_an_event_deleted_by_the_owner_is_made_again(provider: MicrosoftCalendarProvider,
                                                     graph: GraphState) -> None:
    first = provider.upsert_event(appointment("appt-1"))
    graph.remove_event(first)
    second = provider.upsert_event(appointment("appt-1"))
    assert second != first
    assert [e.id for e in graph.events()] == [second]


def test_delete_removes_only_that_event_and_twice_is_fine(
        provider: MicrosoftCalendarProvider, graph: GraphState) -> None:
    provider.upsert_event(appointment("appt-1", ny(3, 2, 10)))
    keep = provider.upsert_event(appointment("appt-2", ny(3, 2, 11)))
    owner = graph.add_owner_event("Owner's", ny(3, 2, 12), ny(3, 2, 13))
    provider.delete_event("appt-1")
    assert sorted(e.id for e in graph.events()) == sorted([keep, owner])
    provider.delete_event("appt-1")
    provider.delete_event("never-booked")
    assert len(graph.events()) == 2


def test_quotes_in_appointment_ids_are_escaped(provider: MicrosoftCalendarProvider,
                                               graph: GraphState) -> None:
    event_id = provider.upsert_event(appointment("o'brien-1"))
    assert provider.upsert_event(appointment("o'brien-1")) == event_id
    assert graph.events()[0].extended[APPOINTMENT_PROPERTY_ID] == "o'brien-1"
    provider.delete_event("o'brien-1")
    assert graph.events() == []


def test_a_zone_the_mailbox_refuses_is_written_in_utc(provider: MicrosoftCalendarProvider,
                                                      graph: GraphState) -> None:
    graph.unsupported_time_zones.add(NEW_YORK)
    provider.upsert_event(appointment("appt-1", ny(3, 2, 10)))
    [stored] = graph.events()
    assert (stored.start, stored.start_zone) == (utc(3, 2, 15), "UTC")


def test_an_ambiguous_wall_time_is_written_in_utc(provider: MicrosoftCalendarProvider,
                                                  graph: GraphState) -> None:
    # 1 November 2026, 01:30 in New York happens twice; this is the second (EST).
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    provider.upsert_event(appointment("appt-1", second))
    [stored] = graph.events()
    assert (stored.start, stored.start_zone) == (second, "UTC")


def test_another_calendar_by_id(config: OAuthClientConfig, first_tokens: OAuthTokens,
                                graph: GraphState) -> None:
    salon = graph.add_calendar("Salon")
    graph.add_owner_event("Default-calendar event", ny(3, 2, 9), ny(3, 2, 10))
    graph.add_owner_event("Salon event", ny(3, 2, 11), ny(3, 2, 12), calendar_id=salon)
    with MicrosoftCalendarProvider(config, first_tokens, salon, timezone=NEW_YORK) as provider:
        assert provider.list_calendars() == [
            (graph.default_calendar_id, "Calendar", True), (salon, "Salon", False)]
        assert provider.busy(MARCH_START, MARCH_END) == [BusyBlock(utc(3, 2, 16), utc(3, 2, 17))]
        provider.upsert_event(appointment("appt-1"))
        assert len(ours(graph, salon)) == 1
        assert ours(graph, graph.default_calendar_id) == []
        provider.delete_event("appt-1")
        assert ours(graph) == []


# -- tokens ---------------------------------------------------------------------------


def test_expired_access_token_is_refreshed_and_the_rotated_one_saved(
        provider: MicrosoftCalendarProvider, graph: GraphState, config: OAuthClientConfig,
        first_tokens: OAuthTokens, saved: list[OAuthTokens]) -> None:
    graph.add_owner_event("Dentist", ny(3, 2, 10), ny(3, 2, 11))
    graph.expire_access_tokens()
    assert provider.busy(MARCH_START, MARCH_END) == [BusyBlock(utc(3, 2, 15), utc(3, 2, 16))]
    [fresh] = saved
    assert graph.token_requests == ["refresh_token"]
    assert fresh.refresh_token and fresh.refresh_token != first_tokens.refresh_token
    assert fresh.access_token != first_tokens.access_token
    assert provider.tokens == fresh
    # Rotation: the old refresh token is dead; only the saved one works.
    assert first_tokens.refresh_token
    with pytest.raises(CalendarAuthError):
        oauth.refresh(config, first_tokens.refresh_token)
    assert fresh.refresh_token
    assert oauth.refresh(config, fresh.refresh_token).refresh_token != fresh.refresh_token


def test_tokens_past_their_expiry_are_refreshed_before_the_call(
        config: OAuthClientConfig, graph: GraphState, saved: list[OAuthTokens]) -> None:
    answer = graph.issue_tokens()
    stale = OAuthTokens(answer["access_token"], answer["refresh_token"],
                        expires_at=datetime.now(UTC) - timedelta(minutes=5))
    with MicrosoftCalendarProvider(config, stale, timezone=NEW_YORK,
                                   on_tokens=saved.append) as provider:
        assert provider.busy(MARCH_START, MARCH_END) == []
    assert len(saved) == 1 and saved[0].refresh_token != stale.refresh_token
    assert graph.graph_requests == ["GET /v1.0/me/calendar/calendarView"]  # no 401 first


def test_the_account_survives_a_refresh_without_an_id_token(
        config: OAuthClientConfig, graph: GraphState, saved: list[OAuthTokens]) -> None:
    answer = graph.issue_tokens("offline_access Calendars.ReadWrite User.Read")  # no id_token
    tokens = OAuthTokens(answer["access_token"], answer["refresh_token"],
                         expires_at=datetime.now(UTC) - timedelta(minutes=1),
                         account="owner@contoso.onmicrosoft.com")
    with MicrosoftCalendarProvider(config, tokens, timezone=NEW_YORK,
                                   on_tokens=saved.append) as provider:
        provider.busy(MARCH_START, MARCH_END)
    [fresh] = saved
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.account == "owner@contoso.onmicrosoft.com"


def test_revoked_refresh_token_is_an_auth_error(provider: MicrosoftCalendarProvider,
                                                graph: GraphState,
                                                saved: list[OAuthTokens]) -> None:
    graph.expire_access_tokens()
    graph.revoke_refresh_tokens()
    with pytest.raises(CalendarAuthError) as caught:
        provider.busy(MARCH_START, MARCH_END)
    assert "invalid_grant" in caught.value.detail
    assert saved == []


def test_a_second_401_is_an_auth_error(config: OAuthClientConfig, graph: GraphState,
                                       saved: list[OAuthTokens]) -> None:
    graph.access_token_lifetime_s = 0  # every access token is dead on arrival
    tokens = tokens_of(graph.issue_tokens())
    with MicrosoftCalendarProvider(config, tokens, timezone=NEW_YORK,
                                   on_tokens=saved.append) as provider:
        with pytest.raises(CalendarAuthError) as caught:
            provider.upsert_event(appointment())
    assert caught.value.extra["http_status"] == 401
    # Refreshed before the call (expired), and once more after the 401; then gave up.
    assert graph.token_requests == ["refresh_token", "refresh_token"]
    assert len(saved) == 2
    assert graph.events() == []


def test_missing_calendar_consent_is_an_auth_error(config: OAuthClientConfig,
                                                   graph: GraphState) -> None:
    tokens = tokens_of(graph.issue_tokens("openid offline_access User.Read"))
    with MicrosoftCalendarProvider(config, tokens, timezone=NEW_YORK) as provider:
        with pytest.raises(CalendarAuthError) as caught:
            provider.busy(MARCH_START, MARCH_END)
    assert caught.value.extra["http_status"] == 403
    assert "ErrorAccessDenied" in caught.value.detail


# -- outages and wrong settings --------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_outages_are_unavailable(provider: MicrosoftCalendarProvider,
                                                graph: GraphState, status: int) -> None:
    graph.add_owner_event("Dentist", ny(3, 2, 10), ny(3, 2, 11))
    graph.fail_next(1, status, retry_after=7)
    with pytest.raises(CalendarUnavailable) as caught:
        provider.busy(MARCH_START, MARCH_END)
    assert caught.value.extra["http_status"] == status
    assert "Retry-After: 7" in caught.value.detail
    # One failure only: the next call reads the calendar.
    assert len(provider.busy(MARCH_START, MARCH_END)) == 1


def test_a_write_during_an_outage_is_unavailable(provider: MicrosoftCalendarProvider,
                                                 graph: GraphState) -> None:
    graph.fail_next(1, 502)
    with pytest.raises(CalendarUnavailable):
        provider.upsert_event(appointment())
    assert graph.events() == []


def test_token_endpoint_outage_is_unavailable(provider: MicrosoftCalendarProvider,
                                              graph: GraphState,
                                              saved: list[OAuthTokens]) -> None:
    graph.expire_access_tokens()
    graph.token_endpoint_down = True
    with pytest.raises(CalendarUnavailable):
        provider.busy(MARCH_START, MARCH_END)
    assert saved == []
    graph.token_endpoint_down = False
    assert provider.busy(MARCH_START, MARCH_END) == []
    assert len(saved) == 1


def test_unreachable_graph_is_unavailable(first_tokens: OAuthTokens) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = oauth.microsoft_config("id", "secret", authority=f"http://127.0.0.1:{port}/common",
                                    api_base=f"http://127.0.0.1:{port}/v1.0")
    with MicrosoftCalendarProvider(config, first_tokens, timezone=NEW_YORK,
                                   timeout_s=2) as provider:
        with pytest.raises(CalendarUnavailable):
            provider.busy(MARCH_START, MARCH_END)


@pytest.mark.parametrize("calendar_id", ["well-formed", "not an id"])
def test_unknown_calendar_is_not_found(config: OAuthClientConfig, first_tokens: OAuthTokens,
                                       graph: GraphState, calendar_id: str) -> None:
    if calendar_id == "well-formed":  # a calendar the owner deleted
        calendar_id = graph.add_calendar("Old")
        graph._calendars.pop(calendar_id)
    with MicrosoftCalendarProvider(config, first_tokens, calendar_id,
                                   timezone=NEW_YORK) as provider:
        with pytest.raises(CalendarNotFound):
            provider.busy(MARCH_START, MARCH_END)
        with pytest.raises(CalendarNotFound):
            provider.upsert_event(appointment())
        with pytest.raises(CalendarNotFound):
            provider.delete_event("appt-1")
    assert graph.events() == []


def test_a_next_link_off_graph_is_not_followed(first_tokens: OAuthTokens) -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url.host))
        return httpx.Response(200, json={
            "value": [], "@odata.nextLink": "https://elsewhere.example/v1.0/me/calendarView"})

    config = oauth.microsoft_config("id", "secret")
    with MicrosoftCalendarProvider(config, first_tokens, timezone=NEW_YORK,
                                   transport=httpx.MockTransport(answer)) as provider:
        with pytest.raises(CalendarError, match="off its own host"):
            provider.busy(MARCH_START, MARCH_END)
    assert asked == ["graph.microsoft.com"]


# -- the OAuth module against the identity platform stand-in ---------------------------


def consent(config: OAuthClientConfig) -> tuple[oauth.AuthorizationRequest, dict[str, str]]:
    """Send the owner to the consent page; the query the browser comes back with."""
    request = oauth.authorization_url(config, REDIRECT)
    answer = httpx.get(request.url, follow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    return request, query


def test_connect_flow_gives_tokens_and_the_account(config: OAuthClientConfig,
                                                   graph: GraphState) -> None:
    request, query = consent(config)
    assert query["state"] == request.state
    tokens = oauth.exchange_code(config, REDIRECT, query["code"], request.code_verifier)
    assert tokens.account == graph.user
    assert tokens.refresh_token
    assert "Calendars.ReadWrite" in tokens.scope.split()
    assert tokens.expires_at is not None and not tokens.expired()
    with MicrosoftCalendarProvider(config, tokens, timezone=NEW_YORK) as provider:
        assert provider.list_calendars() == [(graph.default_calendar_id, "Calendar", True)]
    # A code is good once.
    with pytest.raises(CalendarAuthError):
        oauth.exchange_code(config, REDIRECT, query["code"], request.code_verifier)


def test_a_wrong_verifier_is_refused(config: OAuthClientConfig) -> None:
    request, query = consent(config)
    with pytest.raises(CalendarAuthError, match="invalid_grant"):
        verifier = request.code_verifier
        wrong = verifier[:-1] + ("x" if verifier[-1] != "x" else "y")  # always differs
        oauth.exchange_code(config, REDIRECT, query["code"], wrong)


def test_a_wrong_client_secret_is_refused(config: OAuthClientConfig, graph: GraphState) -> None:
    request, query = consent(config)
    wrong = oauth.microsoft_config(graph.client_id, "not-the-secret",
                                   authority=config.authorize_url.rsplit("/oauth2/", 1)[0],
                                   api_base=config.api_base)
    with pytest.raises(CalendarAuthError, match="invalid_client"):
        oauth.exchange_code(wrong, REDIRECT, query["code"], request.code_verifier)


def test_declined_consent_comes_back_as_access_denied(config: OAuthClientConfig,
                                                      graph: GraphState) -> None:
    graph.deny_consent = True
    request, query = consent(config)
    assert query["error"] == "access_denied"
    assert query["error_description"].startswith("AADSTS65004")
    assert query["state"] == request.state and "code" not in query


def test_refresh_rotates_the_refresh_token(config: OAuthClientConfig,
                                           graph: GraphState) -> None:
    request, query = consent(config)
    first = oauth.exchange_code(config, REDIRECT, query["code"], request.code_verifier)
    assert first.refresh_token
    second = oauth.refresh(config, first.refresh_token)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.account == graph.user
    with pytest.raises(CalendarAuthError, match="invalid_grant"):
        oauth.refresh(config, first.refresh_token)
    graph.token_endpoint_down = True
    with pytest.raises(CalendarUnavailable):
        oauth.refresh(config, second.refresh_token)
