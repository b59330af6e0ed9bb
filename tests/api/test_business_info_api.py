"""What a business tells callers, over the API: facts per topic and language, its own
questions and answers, the details it requires before booking; checked, per business."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business

FACTS = {
    "info": {"address": {"en": "1 Main St", "es": "Calle Mayor 1"},
             "parking": {"en": "Street parking only."}},
    "faq": [{"question": {"en": "Do you take walk-ins?", "es": "¿Atienden sin cita?"},
             "answer": {"en": "Yes, when a stylist is free.", "es": "Sí, si hay alguien libre."}}],
    "required_fields": ["date_of_birth"],
}


def test_facts_are_saved_and_read_back(client: TestClient, biz: Business) -> None:
    changed = client.patch("/api/v1/tenant", headers=auth(biz), json=FACTS)
    assert changed.status_code == 200, changed.text
    body = client.get("/api/v1/tenant", headers=auth(biz)).json()
    assert body["info"] == FACTS["info"]
    assert body["faq"] == FACTS["faq"]
    assert body["required_fields"] == ["date_of_birth"]
    # Replacing one leaves the others; an empty text is no fact (the agent says so).
    again = client.patch("/api/v1/tenant", headers=auth(biz),
                         json={"info": {"address": {"en": "  "}}}).json()
    assert again["info"] == {} and again["faq"] == FACTS["faq"]


@pytest.mark.parametrize("patch", [
    {"info": {"wifi": {"en": "yes"}}},  # no such topic
    {"info": {"address": {"fr": "1 rue"}}},  # no such language
    {"info": {"address": {"en": "x" * 501}}},
    {"faq": [{"question": {"en": "Walk-ins?"}}]},  # no answer
    {"faq": [{"question": {"en": "Walk-ins?"}, "answer": {"es": "Sí"}}]},  # other language
    {"faq": [{"question": {"en": ""}, "answer": {"en": "Yes"}}]},
    {"faq": [{"question": {"en": f"Q{i}?"}, "answer": {"en": "A"}} for i in range(51)]},
    {"required_fields": ["blood_type"]},
])
def test_bad_facts_are_refused_as_problems(client: TestClient, biz: Business,
                                           patch: dict[str, object]) -> None:
    response = client.patch("/api/v1/tenant", headers=auth(biz), json=patch)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/tenant", headers=auth(biz)).json()["info"] == {}


def test_one_business_never_sees_or_changes_anothers(
    client: TestClient, make_business: Callable[..., Business]
) -> None:
    one, other = make_business("one"), make_business("other")
    assert client.patch("/api/v1/tenant", headers=auth(one), json=FACTS).status_code == 200
    seen = client.get("/api/v1/tenant", headers=auth(other)).json()
    assert seen["info"] == {} and seen["faq"] == [] and seen["required_fields"] == []


def test_the_openapi_document_describes_the_facts(client: TestClient) -> None:
    patch = client.get("/openapi.json").json()["components"]["schemas"]["TenantPatch"]
    assert {"info", "faq", "required_fields"} <= set(patch["properties"])
