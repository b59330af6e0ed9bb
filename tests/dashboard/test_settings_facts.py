"""The settings page "What callers can ask": the business's facts (address, parking...),
its own questions and answers, and the details needed before booking (ADR 0047). Each form
is checked through the API's view of the business and through the agent answering a chat
with what was saved; bad input shows the page again (4xx) and changes nothing; staff are
refused (403), and so is a post without its token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontdesk.store.models import UserRole
from tests.api.conftest import auth
from tests.channels.conftest import answer_for, opening
from tests.conftest import Business, next_weekday
from tests.dashboard.conftest import Person, form_token, sign_in

PAGE = "/dashboard/settings/facts"
PARKING = {"info_parking_en": "Free parking behind the building.",
           "info_parking_es": "Aparcamiento gratis detrás del edificio."}


@pytest.fixture
def owner(client: TestClient, biz: Business, add_user: Callable[..., Person]) -> Business:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    return biz


def post(client: TestClient, action: str, data: dict[str, Any]) -> Any:
    """Send one of the page's forms as a browser would: the page first, then the post."""
    token = form_token(client.get(PAGE).text)
    return client.post(action, data={"csrf": token, **data}, follow_redirects=False)


def tenant(client: TestClient, biz: Business) -> dict[str, Any]:
    got = client.get("/api/v1/tenant", headers=auth(biz))
    assert got.status_code == 200, got.text
    return dict(got.json())


def ask(client: TestClient, biz: Business, message: str,
        session_id: str | None = None) -> dict[str, Any]:
    """One chat turn, as a customer on the business's website."""
    got = client.post("/api/v1/chat", headers=auth(biz),
                      json={"message": message, "session_id": session_id})
    assert got.status_code == 200, got.text
    return dict(got.json())


def entry_form(page: str, i: int) -> dict[str, str]:
    """What entry ``i``'s own form posts beyond its boxes: its place and what it showed."""
    shown = re.findall(r'name="entry" value="(\d+)">\s*<input type="hidden" name="shown" '
                       r'value="([0-9a-f]+)"', page)
    assert len(shown) > i, page
    return {"entry": shown[i][0], "shown": shown[i][1]}


GIFT_CARDS = {"new_q_en": "Do you sell gift cards?", "new_a_en": "Yes, at the front desk.",
              "new_q_es": "¿Venden tarjetas regalo?", "new_a_es": "Sí, en la recepción."}


def test_the_page_opens_in_english_and_spanish_and_says_what_to_do_when_empty(
    client: TestClient, owner: Business,
) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'aria-current="page">What callers can ask' in page.text
    assert "No questions yet." in page.text and "Parking" in page.text
    assert '<input type="checkbox" name="required" value="insurance" >' in page.text
    es = client.get(PAGE, headers={"Accept-Language": "es"})
    assert es.status_code == 200
    assert 'aria-current="page">Lo que pueden preguntar' in es.text
    assert "Aún no hay preguntas." in es.text and "Aparcamiento" in es.text
    # Reached from the settings' front page too.
    assert 'href="/dashboard/settings/facts"' in client.get("/dashboard/settings").text


def test_facts_saved_are_what_the_api_shows_and_what_callers_are_told(
    client: TestClient, owner: Business,
) -> None:
    done = post(client, PAGE, {**PARKING, "info_address_en": "  1 Main St,\n Springfield  ",
                               "info_address_es": ""})
    assert done.status_code == 303 and done.headers["location"] == PAGE + "?saved=1"
    assert tenant(client, owner)["info"] == {
        "parking": {"en": PARKING["info_parking_en"], "es": PARKING["info_parking_es"]},
        "address": {"en": "1 Main St, Springfield"}}
    again = client.get(PAGE + "?saved=1")
    assert 'role="status"' in again.text and "1 Main St, Springfield</textarea>" in again.text
    parked = ask(client, owner, "where can I park?")
    assert parked["reply"].startswith("Free parking behind the building."), parked
    # A topic emptied is no longer told: the agent says it does not know.
    assert post(client, PAGE, {"info_address_en": "1 Main St"}).status_code == 303
    assert tenant(client, owner)["info"] == {"address": {"en": "1 Main St"}}
    unknown = ask(client, owner, "is there parking?")
    assert "Free parking" not in unknown["reply"]
    assert "don't have that information" in unknown["reply"], unknown


def test_questions_are_added_edited_and_removed_and_answered_as_saved(
    client: TestClient, owner: Business,
) -> None:
    assert post(client, PAGE + "/faq", GIFT_CARDS).status_code == 303
    assert tenant(client, owner)["faq"] == [{
        "question": {"en": "Do you sell gift cards?", "es": "¿Venden tarjetas regalo?"},
        "answer": {"en": "Yes, at the front desk.", "es": "Sí, en la recepción."}}]
    hit = ask(client, owner, "do you guys sell gift certificates?")
    assert hit["reply"].startswith("Yes, at the front desk."), hit
    # Edited in its own form: the answer callers get changes.
    page = client.get(PAGE).text
    assert 'value="Do you sell gift cards?"' in page
    edited = post(client, PAGE + "/faq/edit", {
        **entry_form(page, 0), "faq0_q_en": "Do you sell gift cards?",
        "faq0_a_en": "Yes, from $25, at the front desk.", "faq0_q_es": "", "faq0_a_es": ""})
    assert edited.status_code == 303
    assert tenant(client, owner)["faq"] == [{
        "question": {"en": "Do you sell gift cards?"},
        "answer": {"en": "Yes, from $25, at the front desk."}}]
    assert ask(client, owner, "do you sell gift cards?")["reply"].startswith("Yes, from $25")
    # A second one added; the first removed: only the second is answered.
    assert post(client, PAGE + "/faq", {
        "new_q_en": "Do I need a referral from my doctor?",
        "new_a_en": "No referral is needed."}).status_code == 303
    assert len(tenant(client, owner)["faq"]) == 2
    removed = post(client, PAGE + "/faq/remove", entry_form(client.get(PAGE).text, 0))
    assert removed.status_code == 303
    assert tenant(client, owner)["faq"] == [{
        "question": {"en": "Do I need a referral from my doctor?"},
        "answer": {"en": "No referral is needed."}}]
    assert "Yes, from $25" not in ask(client, owner, "do you sell gift cards?")["reply"]
    referral = ask(client, owner, "do I need a referral from my doctor?")
    assert referral["reply"].startswith("No referral is needed."), referral


def test_details_required_are_asked_before_a_booking_and_kept_on_it(
    client: TestClient, owner: Business,
) -> None:
    done = post(client, PAGE + "/required", {"required": ["date_of_birth", "insurance"]})
    assert done.status_code == 303
    assert tenant(client, owner)["required_fields"] == ["date_of_birth", "insurance"]
    page = client.get(PAGE).text
    assert 'value="date_of_birth" checked' in page and 'value="insurance" checked' in page
    day = next_weekday(owner.tz, 2)
    given = {"date_of_birth": "March 3rd, 1985", "insurance": "Sanitas"}
    out, asked = ask(client, owner, opening(day, "en")), []
    for _ in range(12):
        if out["state"].get("appointment_id"):
            break
        awaiting = out["state"].get("awaiting")
        if awaiting in given:
            asked.append(awaiting)
        text = given.get(str(awaiting)) or answer_for(out["state"], day, "en")
        out = ask(client, owner, text, out["session_id"])
    assert asked == ["date_of_birth", "insurance"], out
    assert out["outcome"] == "booked", out
    booked = client.get("/api/v1/appointments", headers=auth(owner)).json()
    assert booked[0]["intake"] == {"date_of_birth": "1985-03-03", "insurance": "Sanitas"}
    # No box ticked: nothing is required any more.
    assert post(client, PAGE + "/required", {}).status_code == 303
    assert tenant(client, owner)["required_fields"] == []


@pytest.mark.parametrize(("action", "data", "status", "says", "kept"), [
    (PAGE, {"info_parking_en": "x" * 501}, 422,
     "info.parking.en is longer than 500 characters", "x" * 501),
    (PAGE, {"info_payment_es": "Tarjeta\x00"}, 422, "contains a NUL character", None),
    (PAGE + "/faq", {"new_q_en": "Do you open on holidays?", "new_a_en": "",
                     "new_q_es": "¿Abren en festivos?", "new_a_es": "Sí."}, 422,
     "needs an answer in each language", 'value="Do you open on holidays?"'),
    (PAGE + "/faq", {"new_a_en": "An answer to nothing."}, 422, "has no question",
     "An answer to nothing."),
    (PAGE + "/required", {"required": ["date_of_birth", "blood_type"]}, 422,
     "No required field &#39;blood_type&#39;", None),
])
def test_bad_input_shows_the_page_again_and_changes_nothing(
    client: TestClient, owner: Business, action: str, data: dict[str, Any], status: int,
    says: str, kept: str | None,
) -> None:
    assert post(client, PAGE, PARKING).status_code == 303
    assert post(client, PAGE + "/faq", GIFT_CARDS).status_code == 303
    before = tenant(client, owner)
    refused = post(client, action, data)
    assert refused.status_code == status, refused.text[:300]
    assert 'role="alert"' in refused.text and "Nothing was saved:" in refused.text
    assert says in refused.text
    if kept:
        assert kept in refused.text  # the person's input, to fix
    assert tenant(client, owner) == before


def test_an_entry_that_changed_since_the_page_was_shown_is_not_touched(
    client: TestClient, owner: Business,
) -> None:
    assert post(client, PAGE + "/faq", GIFT_CARDS).status_code == 303
    stale = client.get(PAGE).text
    assert post(client, PAGE + "/faq/remove", entry_form(stale, 0)).status_code == 303
    assert post(client, PAGE + "/faq", {"new_q_en": "Do you have wifi?",
                                        "new_a_en": "Yes, ask at the desk."}).status_code == 303
    before = tenant(client, owner)
    for action in (PAGE + "/faq/edit", PAGE + "/faq/remove"):
        refused = post(client, action, {**entry_form(stale, 0), "faq0_q_en": "Hijacked?",
                                        "faq0_a_en": "Yes."})
        assert refused.status_code == 409, action
        assert "The questions changed since this page was opened" in refused.text
        assert 'value="Do you have wifi?"' in refused.text  # the list as it now is
    gone = post(client, PAGE + "/faq/remove", {"entry": "7", "shown": "0" * 16})
    assert gone.status_code == 409
    nonsense = post(client, PAGE + "/faq/edit", {"entry": "-1", "shown": "x"})
    assert nonsense.status_code == 422
    assert tenant(client, owner) == before


def test_staff_may_not_open_or_post_any_of_its_forms(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    before = tenant(client, biz)
    token = form_token(client.get("/dashboard").text)
    assert client.get(PAGE).status_code == 403
    for action in (PAGE, PAGE + "/faq", PAGE + "/faq/edit", PAGE + "/faq/remove",
                   PAGE + "/required"):
        refused = client.post(action, data={"csrf": token, **PARKING, **GIFT_CARDS,
                                            "required": "insurance", "entry": "0"},
                              follow_redirects=False)
        assert refused.status_code == 403, action
    assert tenant(client, biz) == before


def test_a_post_without_its_token_is_refused(client: TestClient, owner: Business) -> None:
    before = tenant(client, owner)
    for action, data in ((PAGE, PARKING), (PAGE + "/faq", GIFT_CARDS),
                         (PAGE + "/required", {"required": "insurance"})):
        for token in ({}, {"csrf": "not-the-token"}):
            refused = client.post(action, data={**token, **data}, follow_redirects=False)
            assert refused.status_code == 403, action
            assert refused.json()["code"] == "csrf_refused"
    assert tenant(client, owner) == before
