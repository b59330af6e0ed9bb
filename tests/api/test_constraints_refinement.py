"""With an LLM configured, POST /api/v1/constraints/parse lets it refine the parser's
answer, never replace it: tried over HTTP against the local OpenAI stand-in (issue 12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.api.conftest import auth
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn

URL = "/api/v1/constraints/parse"
BODY = {"instruction": "Try to book in the next two weeks, preferably Tue–Thu mornings",
        "timezone": "America/New_York", "now": "2026-12-02T10:15:00-05:00"}
# What the parser alone answers for BODY.
PARSED: dict[str, Any] = {
    "hard_constraints": {
        "window_start": "2026-12-02T10:15:00-05:00", "window_end": "2026-12-16T00:00:00-05:00",
        "timezone": "America/New_York", "days_of_week": None, "earliest_time": None,
        "latest_time": None, "exclude_dates": None},
    "soft_constraints": {"days_of_week": ["tuesday", "wednesday", "thursday"],
                         "parts_of_day": ["morning"]},
}


@pytest.fixture
def llm_client(engine: Engine, standin: StandIn) -> Iterator[TestClient]:
    settings = Settings(environment="test", llm_base_url=standin.url, llm_model="standin-model")
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def _proposal(**hard: Any) -> str:
    soft = hard.pop("soft", PARSED["soft_constraints"])
    return json.dumps({"hard_constraints": {**PARSED["hard_constraints"], **hard},
                       "soft_constraints": soft})


def test_a_narrowing_refinement_is_kept_and_marked(
    llm_client: TestClient, biz: Business, standin: StandIn
) -> None:
    # Fills what the parser left null (no Fridays' exclusion, a start time) and narrows
    # the window's end: all only narrower.
    standin.reply("```json\n" + _proposal(earliest_time="09:00", exclude_dates=["2026-12-08"],
                                          window_end="2026-12-12T00:00:00-05:00") + "\n```")
    response = llm_client.post(URL, headers=auth(biz), json=BODY)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["refined"] is True
    hard = out["hard_constraints"]
    assert hard["earliest_time"] == "09:00" and hard["exclude_dates"] == ["2026-12-08"]
    assert hard["window_end"] == "2026-12-12T00:00:00-05:00"
    assert hard["window_start"] == PARSED["hard_constraints"]["window_start"]
    # The model was shown the instruction and the parser's answer.
    sent = json.loads(standin.requests[0]["messages"][1]["content"])
    assert sent["instruction"] == BODY["instruction"]
    assert sent["parsed"]["soft_constraints"] == PARSED["soft_constraints"]


@pytest.mark.parametrize("proposal", [
    _proposal(window_end="2026-12-31T00:00:00-05:00"),  # a wider window
    _proposal(window_start="2026-12-01T00:00:00-05:00"),  # starts before
    _proposal(timezone="Europe/Madrid"),
    _proposal(soft={"days_of_week": None, "parts_of_day": ["morning"]}),  # drops a preference
    _proposal(soft={"days_of_week": ["monday"], "parts_of_day": ["morning"]}),  # another day
    _proposal(earliest_time="15:00", latest_time="10:00"),  # nothing bookable
    _proposal(days_of_week=["funday"]),  # not the schema
    _proposal(exclude_dates=["2027-06-01"]),  # outside the window
    '{"hard_constraints": {}}',
    "Sure! Tuesday mornings it is.",
    "[1, 2, 3]",
])
def test_an_unsafe_or_invalid_answer_leaves_the_parse_unchanged(
    llm_client: TestClient, biz: Business, standin: StandIn, proposal: str
) -> None:
    standin.reply(proposal)
    response = llm_client.post(URL, headers=auth(biz), json=BODY)
    assert response.status_code == 200, response.text
    assert response.json() == {**PARSED, "refined": False}


def test_a_failing_llm_leaves_the_parse_unchanged(
    llm_client: TestClient, biz: Business, standin: StandIn
) -> None:
    standin.fail(500)
    response = llm_client.post(URL, headers=auth(biz), json=BODY)
    assert response.status_code == 200, response.text
    assert response.json() == {**PARSED, "refined": False}


def test_the_same_answer_is_not_called_refined(
    llm_client: TestClient, biz: Business, standin: StandIn
) -> None:
    standin.reply(_proposal())
    response = llm_client.post(URL, headers=auth(biz), json=BODY)
    assert response.json() == {**PARSED, "refined": False}
