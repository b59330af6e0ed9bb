"""A business's own words (greeting, SMS texts, reminders): what is accepted, and what is
refused before it is stored, for every door (the API's patch shown here; the dashboard's
forms in tests/dashboard/test_settings_pages.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from frontdesk.errors import InvalidInput
from frontdesk.services.tenant_wording import (
    check_greeting,
    check_reminders,
    check_templates,
)
from tests.api.conftest import auth
from tests.conftest import Business


@pytest.mark.parametrize("text", [
    "{business.__class__}", "{when!r}", "{when:>40}", "{0}", "{}", "Hi {", "Hi }",
    "{service}" * 100,
])
def test_texts_that_could_misbehave_when_filled_in_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        check_templates({"reminder": {"en": text}})


def test_kept_texts_are_trimmed_and_empty_ones_mean_the_built_in() -> None:
    assert check_templates({"reminder": {"en": "  {business}: {when} ", "es": " "},
                            "cancellation": {"es": ""}}) == {
        "reminder": {"en": "{business}: {when}"}}
    assert check_greeting({"en": "Hello,\n  welcome to {business}!", "es": ""}) == {
        "en": "Hello, welcome to {business}!"}
    with pytest.raises(InvalidInput):
        check_greeting({"en": "Hi {service}"})  # a greeting knows only the business


def test_reminders_are_distinct_latest_first_and_bounded() -> None:
    assert check_reminders([60, 1440, 60]) == [1440, 60]
    assert check_reminders([]) == []
    for bad in ([4], [14 * 1440 + 1], [30, 60, 90, 120, 150, 180]):
        with pytest.raises(InvalidInput):
            check_reminders(bad)


def test_the_api_stores_and_refuses_the_same_words(client: TestClient, biz: Business) -> None:
    ok = client.patch("/api/v1/tenant", headers=auth(biz), json={
        "greeting": {"es": "Bienvenido a {business}."}, "instructions": "Be brief.",
        "message_templates": {"reminder": {"en": "{business}: {service} {when}"}}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["greeting"] == {"es": "Bienvenido a {business}."}
    bad = client.patch("/api/v1/tenant", headers=auth(biz), json={
        "message_templates": {"reminder": {"en": "{business.name}"}}})
    assert bad.status_code == 422 and "placeholders" in bad.json()["detail"]
    assert client.get("/api/v1/tenant", headers=auth(biz)).json()["message_templates"] == {
        "reminder": {"en": "{business}: {service} {when}"}}
