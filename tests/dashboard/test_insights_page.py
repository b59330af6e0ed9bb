"""The insights page: an owner reads their business's figures (and only theirs) as charts
with their numbers, for 7, 30 or 90 days; staff may not open it; an unknown period shows
the default one; a newcomer is told what to do."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import UserRole
from tests.conftest import Business
from tests.dashboard.conftest import Person, sign_in
from tests.services import insights_data as data


def _stat(html: str, name: str) -> str:
    found = re.search(rf"<dt>{re.escape(name)}</dt><dd[^>]*>([^<]*)</dd>", html)
    assert found, name
    return found.group(1)


def _chosen(html: str) -> str:
    found = re.search(r'<option value="(\d+)" selected>', html)
    assert found
    return found.group(1)


def test_an_owner_reads_their_figures_and_no_one_elses(
    client: TestClient, make_business: Callable[..., Business],
    factory: sessionmaker[Session], add_user: Callable[..., Person],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    today = datetime.now(salon.tz).date()
    data.seed(factory, salon, today)
    with write_session(factory) as session:
        data.conversation(session, clinic, "phone", clinic.at(today, 0, 5), 1, "transferred",
                          "the clinic's own reason")
    add_user(salon, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/insights?days=7")
    assert page.status_code == 200
    html = page.text
    assert _chosen(html) == "7"
    assert [_stat(html, n) for n in ("Bookings", "Booking rate", "Calls handled",
                                     "Calls transferred", "Average handle time")] == [
        "5", "22%", "1", "4", "4 min 26 s"]  # 2 of 9 booked; 1860 s over 7
    assert _stat(html, "No-show") == "1" and html.count("25%") >= 1
    assert "<td>phone</td><td>6</td><td>1</td><td>17%</td>" in html
    assert f"<td>{today.isoformat()}</td><td>2</td>" in html  # two bookings made today
    assert "<td>caller asked for a person</td><td>2</td>" in html
    assert "<td>Reason not recorded</td><td>1</td>" in html
    assert "clinic" not in html.lower().replace("salon", "")  # nothing of the clinic's
    assert html.count('role="img"') == 5
    assert "<title id=\"chart-bookings-t\">Bookings per day</title>" in html
    # Strict CSP: no inline style or script anywhere on the page.
    assert not re.search(r"\sstyle=|<style|<script", html)
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_period_the_form_does_not_offer_shows_the_default(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    for asked, shown in (("90", "90"), ("30", "30"), ("abc", "30"), ("8", "30"),
                         ("-7", "30"), ("", "30")):
        page = client.get(f"/dashboard/insights?days={asked}")
        assert page.status_code == 200, asked
        assert _chosen(page.text) == shown, asked
        first = datetime.now(biz.tz).date() - timedelta(days=int(shown) - 1)
        assert f"From {first.isoformat()} to" in page.text
    assert client.get("/dashboard/insights?days=" + "9" * 20).status_code == 422


def test_a_newcomer_sees_zeros_and_what_to_do_in_spanish(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/insights", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    html = page.text
    assert "<h1>Estadísticas</h1>" in html and "frontdesk call" in html
    assert _stat(html, "Reservas") == "0" and _stat(html, "Tasa de ausencias") == "0%"
    assert "Ninguna conversación se pasó a una persona" in html
    assert html.count('role="img"') == 4  # no reasons chart without a transfer


def test_staff_may_not_open_it(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    refused = client.get("/dashboard/insights")
    assert refused.status_code == 403
    assert "insights" not in client.get("/dashboard").text  # nor is it in their menu
