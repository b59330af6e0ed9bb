"""A CalDAV URL cannot turn frontdesk into a reader of internal pages (issue 9, hole 1).

By default the API refuses CalDAV servers on loopback, private and link-local addresses
(422 naming the field) without sending them a byte; redirects and names that resolve
elsewhere later are refused at each connection; and what a server answers never comes
back to the API caller — a failure is told in our own words.

The servers are real, on loopback: Radicale, and small HTTP servers that answer a secret
to everything and count who asked. Names are resolved by a resolver the test hands to the
policy (no DNS).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Network
from urllib.parse import urlsplit

import pytest
from caldav.collection import Calendar
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.address_guard import AddressPolicy
from frontdesk.calendars.base import (
    CalendarAddressRefused,
    CalendarError,
    CalendarNotFound,
    CalendarUnavailable,
)
from frontdesk.calendars.caldav_provider import CalDAVProvider
from frontdesk.services import calendar_providers
from frontdesk.services.external_busy import DEFAULT_EXTERNAL
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection
from tests.conftest import Business, auth, next_weekday

from .conftest import RadicaleServer
from .test_calendar_sync import calendar_rows, deliver
from .test_external_busy import add_busy, ana_starts, book_ana

SECRET = "TOP-SECRET internal page: db password hunter2"
SETTING = "FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1"
NOW = datetime.now(UTC)
WEEK = (NOW, NOW + timedelta(days=7))
ONLY_127_0_0_1 = (IPv4Network("127.0.0.1/32"),)


@dataclass
class Answering:
    """A local HTTP server answering ``status`` and the secret to every request."""

    url: str
    hits: list[str] = field(default_factory=list)


@contextmanager
def answering(
    status: int, *, host: str = "127.0.0.1", port: int = 0, location: str = "",
    content_type: str = "text/plain",
) -> Iterator[Answering]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.hits.append(f"{self.command} {self.path}")
            body = SECRET.encode()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PROPFIND = do_REPORT = do_PUT = do_DELETE = do_OPTIONS = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    state = Answering(f"http://{host}:{server.server_address[1]}/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def put_caldav(client: TestClient, biz: Business, url: str, calendar: str = "work",
               **extra: object) -> tuple[int, dict[str, object]]:
    answer = client.put(
        f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz),
        json={"provider": "caldav", "url": url, "username": "owner", "password": "pw",
              "calendar": calendar, **extra},
    )
    return answer.status_code, answer.json()


# --- the default: private hosts are refused before any request --------------------------


@pytest.mark.parametrize(("form", "shown"), [
    ("http://127.0.0.1:{port}/", "127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/dav/", "localhost resolves to 127.0.0.1, a loopback address"),
    ("http://2130706433:{port}/", "2130706433 is 127.0.0.1, a loopback address"),
    ("http://0x7f.1:{port}/", "0x7f.1 is 127.0.0.1, a loopback address"),
    ("http://0177.0.0.1:{port}/", "0177.0.0.1 is 127.0.0.1, a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "::ffff:127.0.0.1 is a loopback (IPv4 in IPv6)"),
    ("http://[::1]:{port}/", "::1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://10.0.0.7:8008/", "10.0.0.7 is a private address"),
])
def test_the_default_refuses_a_calendar_server_on_a_private_address(
    client: TestClient, biz: Business, form: str, shown: str
) -> None:
    with answering(207) as inside:
        port = urlsplit(inside.url).port
        status, problem = put_caldav(client, biz, form.format(port=port))
    assert status == 422, problem
    assert problem["field"] == "url" and problem["code"] == "invalid_input"
    detail = str(problem["detail"])
    assert shown in detail and SETTING in detail, detail
    assert inside.hits == []  # not one request reached it
    assert client.get(f"/api/v1/resources/{biz.ana.id}/calendar",
                      headers=auth(biz)).status_code == 404


def test_another_calendar_on_a_private_address_is_refused_naming_its_field(
    app_client: TestClient,
    client: TestClient,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
) -> None:
    """PATCH names calendars by URL too: those are judged before anything is read."""
    connected = app_client.put(
        f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz),
        json={"provider": "caldav", "url": radicale.url, "username": radicale.username,
              "password": radicale.password, "calendar": str(owner_calendar.url)},
    )
    assert connected.status_code == 200, connected.json()
    path = f"/api/v1/resources/{biz.ana.id}/calendar"
    with answering(207, host="127.0.0.2") as inside:
        moved = client.patch(path, headers=auth(biz), json={"calendar": inside.url + "cal/"})
        checked = client.patch(path, headers=auth(biz), json={
            "check_calendars": ["http://169.254.169.254/latest/meta-data/"]})
    assert moved.status_code == 422 and moved.json()["field"] == "calendar", moved.json()
    assert "127.0.0.2 is a loopback address" in moved.json()["detail"]
    assert checked.status_code == 422 and checked.json()["field"] == "check_calendars"
    assert "169.254.169.254 is a link-local address" in checked.json()["detail"]
    assert inside.hits == []
    shown = client.get(path, headers=auth(biz)).json()
    assert shown["calendar"] == str(owner_calendar.url) and shown["check_calendars"] == []


# --- what the server answers never comes back -------------------------------------------


@pytest.mark.parametrize(("status", "content_type", "expected", "words"), [
    (200, "text/html", 502, "did not answer as a CalDAV server"),
    (207, "text/xml", 502, "did not answer as a CalDAV server"),
    (400, "text/plain", 502, "(HTTP 400)"),
    (404, "text/html", 502, "(HTTP 404)"),
    (500, "text/plain", 503, "(HTTP 500)"),
    (401, "text/html", 422, "(HTTP 401)"),
    (403, "text/html", 422, "(HTTP 403)"),
])
def test_an_upstream_body_never_appears_in_the_answer(
    app_client: TestClient, biz: Business, status: int, content_type: str, expected: int,
    words: str,
) -> None:
    """Even where the operator allows private hosts, a server's answer is not relayed:
    the API says what failed in its own words."""
    with answering(status, content_type=content_type) as server:
        code, problem = put_caldav(app_client, biz, server.url)
    assert server.hits  # it was asked
    assert code == expected, problem
    assert SECRET not in str(problem) and "hunter2" not in str(problem)
    assert words in str(problem["detail"]), problem


def test_a_failing_server_is_reported_in_our_words_by_searches_and_write_through(
    app_client: TestClient,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    factory: sessionmaker[Session],
) -> None:
    """A connected calendar whose address now answers 500 with a page: the failure noted
    on the connection (shown by the API) and on the queued write holds no byte of it."""
    day = next_weekday(biz.tz, 2)
    connected = app_client.put(
        f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz),
        json={"provider": "caldav", "url": radicale.url, "username": radicale.username,
              "password": radicale.password, "calendar": str(owner_calendar.url)},
    )
    assert connected.status_code == 200, connected.json()
    assert book_ana(app_client, biz, biz.at(day, 14))["status"] == 201  # write queued
    with answering(500) as failing:
        with write_session(factory) as session:
            # (By name: Radicale's absolute calendar URL is not on the failing server.)
            session.execute(update(CalendarConnection).values(url=failing.url, calendar="work"))
        calendar_providers.clear_pool()
        DEFAULT_EXTERNAL.clear()
        assert ana_starts(app_client, biz, day) == set()  # unreadable: nothing offered
        deliver(factory)
        assert failing.hits
    shown = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz))
    messages = app_client.get("/api/v1/messages", headers=auth(biz))
    [row] = calendar_rows(factory)
    for text in (shown.text, messages.text, row.last_error or ""):
        assert SECRET not in text and "hunter2" not in text
    assert "(HTTP 500)" in shown.json()["last_error"]
    assert "(HTTP 500)" in (row.last_error or "")


def test_silence_a_closed_port_and_a_failed_handshake_are_told_in_our_words() -> None:
    """What the API says about an unreachable server: no HTTP stack message (which names
    hosts, ports and the library's internals), just what happened."""
    allow = AddressPolicy(allow_private=True)
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with pytest.raises(CalendarUnavailable) as waited:
            CalDAVProvider(url, "u", "p", "work", timeout_s=1, address_policy=allow).busy(*WEEK)
    assert waited.value.detail == (
        "the CalDAV server did not answer in time to find the calendar (timed out)")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/"  # bound, not listening
        with pytest.raises(CalendarUnavailable) as refused:
            CalDAVProvider(url, "u", "p", "work", timeout_s=1, address_policy=allow).busy(*WEEK)
    assert refused.value.detail == "could not connect to the CalDAV server to find the calendar"
    with answering(200) as plain:  # https:// to a server that speaks plain HTTP
        url = plain.url.replace("http://", "https://")
        with pytest.raises(CalendarUnavailable) as insecure:
            CalDAVProvider(url, "u", "p", "work", timeout_s=1, address_policy=allow).busy(*WEEK)
    assert "the TLS handshake failed" in insecure.value.detail


# --- redirects and names that resolve elsewhere later -----------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_a_private_address_is_refused(status: int) -> None:
    """The server at an allowed address sends us on to a loopback one: not followed."""
    with answering(207, host="127.0.0.2") as target:
        with answering(status, location=target.url + "dav/") as first:
            # Control: with private hosts allowed the redirect really is followed.
            followed = CalDAVProvider(first.url, "u", "p", "work",
                                      address_policy=AddressPolicy(allow_private=True))
            with pytest.raises(CalendarError):
                followed.busy(*WEEK)
            assert target.hits
            target.hits.clear()

            guarded = CalDAVProvider(first.url, "u", "p", "work",
                                     address_policy=AddressPolicy(allowed_networks=ONLY_127_0_0_1))
            with pytest.raises(CalendarAddressRefused) as raised:
                guarded.busy(*WEEK)
            assert first.hits and target.hits == []
    assert "127.0.0.2 is a loopback address" in raised.value.detail
    assert SETTING in raised.value.detail and SECRET not in raised.value.detail


def test_a_calendar_url_on_another_host_gets_no_request(radicale: RadicaleServer) -> None:
    """A calendar given as a URL on another host than the server's is not this account's
    calendar: refused without a request (the library joins only same-origin URLs)."""
    with answering(207, host="127.0.0.2") as elsewhere:
        provider = CalDAVProvider(radicale.url, radicale.username, radicale.password,
                                  elsewhere.url + "owner/cal/",
                                  address_policy=AddressPolicy(allow_private=True))
        with pytest.raises(CalendarNotFound) as raised:
            provider.busy(*WEEK)
        assert elsewhere.hits == []
    assert "is not on this CalDAV server" in raised.value.detail


class Rebinding:
    """A resolver whose answer for a name changes, as a hostile DNS server's would."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        if host != "caldav.rebind.test":
            raise OSError(f"unknown test name {host}")
        return [self.address]


def test_each_new_connection_is_judged_again(
    radicale: RadicaleServer, owner_calendar: Calendar
) -> None:
    port = urlsplit(radicale.url).port
    dns = Rebinding("127.0.0.1")
    policy = AddressPolicy(allowed_networks=ONLY_127_0_0_1, resolve=dns)
    provider = CalDAVProvider(
        f"http://caldav.rebind.test:{port}/", radicale.username, radicale.password,
        str(owner_calendar.get_display_name()), address_policy=policy,
    )
    assert provider.busy(*WEEK) == []
    assert "caldav.rebind.test" in dns.asked  # the connection was made through the policy
    dns.address = "127.0.0.2"
    with answering(207, host="127.0.0.2", port=port or 0) as other:
        provider.close()  # its kept-alive connection goes; the next request connects anew
        with pytest.raises(CalendarAddressRefused) as raised:
            provider.busy(*WEEK)
        assert other.hits == []
    assert "caldav.rebind.test resolves to 127.0.0.2, a loopback address" in raised.value.detail


def test_a_stored_name_that_later_resolves_to_a_private_address_is_refused_when_used(
    app_client: TestClient,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    factory: sessionmaker[Session],
) -> None:
    """DNS rebinding against the stored URL: public when connected, loopback later. The
    background readers (searches, the write-through) judge each connection they make."""
    day = next_weekday(biz.tz, 3)
    add_busy(owner_calendar, biz.at(day, 10), biz.at(day, 11))
    connected = app_client.put(
        f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz),
        json={"provider": "caldav", "url": radicale.url, "username": radicale.username,
              "password": radicale.password, "calendar": owner_calendar.get_display_name()},
    )
    assert connected.status_code == 200, connected.json()
    port = urlsplit(radicale.url).port
    dns = Rebinding("127.0.0.1")  # stands for a public address: the one allowed here
    calendar_providers.use_address_policy(
        AddressPolicy(allowed_networks=ONLY_127_0_0_1, resolve=dns))
    with write_session(factory) as session:
        session.execute(update(CalendarConnection).values(url=f"http://caldav.rebind.test:{port}/"))
    DEFAULT_EXTERNAL.clear()
    starts = ana_starts(app_client, biz, day)
    assert biz.at(day, 10) not in starts and biz.at(day, 9) in starts  # read by name
    assert book_ana(app_client, biz, biz.at(day, 14))["status"] == 201  # write queued

    dns.address = "127.0.0.2"
    with answering(207, host="127.0.0.2", port=port or 0) as other:
        calendar_providers.clear_pool()  # new connections from here on
        DEFAULT_EXTERNAL.clear()
        assert ana_starts(app_client, biz, day) == set()  # unreadable: nothing offered
        deliver(factory)
        assert other.hits == []
    [row] = calendar_rows(factory)
    assert row.status == "failed" and "resolves to 127.0.0.2" in (row.last_error or "")
    shown = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert "127.0.0.2, a loopback address" in shown["last_error"] and SETTING in shown["last_error"]
