"""The calendar settings page says whether a Google or Microsoft calendar's changes reach
us at once (push notifications, decision 0068), in the owner's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.calendars.push_rows import expire, google_connection, open_channel
from tests.conftest import Business, with_settings
from tests.dashboard.conftest import Person, sign_in

PAGE = "/dashboard/settings/calendars"


def test_the_page_shows_push_working_then_failing_in_english_and_spanish(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        add_user: Callable[..., Person]) -> None:
    now = datetime.now(UTC)
    connection = google_connection(factory, biz, stored_at=now - timedelta(hours=1), check=())
    channel = open_channel(factory, biz, connection, "primary", datetime(2031, 5, 6, 7, 8,
                                                                         tzinfo=UTC))
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    # Set after signing in: an https address makes the sign-in cookie https-only.
    with_settings(client.app, public_base_url="https://frontdesk.example.test")  # type: ignore[arg-type]
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'class="push-active">Instant updates: on (renewed before <time' in page.text
    assert "2031-05-06 07:08 UTC" in page.text

    expire(factory, channel, now - timedelta(minutes=1))
    page = client.get(PAGE)
    assert "Instant updates: <span class=\"error\">not working" in page.text
    assert "renewed before" not in page.text

    page = client.get(PAGE, headers={"Accept-Language": "es"})  # no language of their own
    assert "Actualización al instante: <span class=\"error\">no funciona" in page.text
