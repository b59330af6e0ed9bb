"""``frontdesk eval --llm``: the scenarios driven by an LLM through the same validated
tools. Here the model is the wire-format stand-in, scripted to be messy (arguments that
are not JSON, a booking at 3 in the morning, a cancellation of an appointment that does
not exist): every such call is refused by the tools, the rules carry the call when the
model fails, and the book ends with exactly what the caller asked for.

With ``FRONTDESK_TEST_LLM_BASE_URL`` (and ``FRONTDESK_TEST_LLM_MODEL``) set, the shipped
scenarios also run against that real OpenAI-compatible server (opt-in: a real model is
slow and none is installed by the test run); see docs/EVAL.md.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontdesk.conversation.llm import LLMBrain
from frontdesk.evals.cli import default_scenarios_dir
from frontdesk.evals.runner import InProcess, run_all
from frontdesk.evals.scenario import load_scenarios
from frontdesk.store.models import Appointment
from tests.conversation.standin_openai import StandIn

REPO = Path(__file__).resolve().parents[2]


def test_messy_tool_calls_are_refused_and_the_call_still_books(
    standin: StandIn, tmp_path: Path,
) -> None:
    standin.call_tools(("book", "{not json at all"))
    standin.call_tools(("book", {"service_id": str(uuid.uuid4()), "start":
                                 "2031-01-01T03:00:00-05:00", "customer_name": "X"}))
    standin.call_tools(("cancel", {"appointment_id": str(uuid.uuid4())}))
    # Then nothing is scripted: the stand-in answers 500 and the rules answer each turn.
    brain = LLMBrain(base_url=standin.url, model="standin-model", api_key="", timeout_s=5.0)
    scenario = load_scenarios(REPO / "scenarios", "en-book-asap")
    assert len(scenario) == 1
    target = InProcess(workdir=tmp_path, brain=brain)
    try:
        [result] = run_all(target, scenario)
        with target.factory() as session:
            booked = session.scalar(select(func.count()).select_from(Appointment))
    finally:
        target.close()
    assert len(standin.requests) >= 4, "the model was not asked"
    assert result.passed, result.reasons
    assert booked == 1  # the caller's one booking; nothing the model made up


@pytest.mark.skipif(not os.environ.get("FRONTDESK_TEST_LLM_BASE_URL"),
                    reason="opt-in: set FRONTDESK_TEST_LLM_BASE_URL (and FRONTDESK_TEST_LLM_MODEL)"
                           " to an OpenAI-compatible server, e.g. llama-cpp-python's")
def test_a_real_model_never_leaves_a_wrong_booking(tmp_path: Path) -> None:
    brain = LLMBrain(base_url=os.environ["FRONTDESK_TEST_LLM_BASE_URL"],
                     model=os.environ.get("FRONTDESK_TEST_LLM_MODEL", "local"),
                     api_key=os.environ.get("FRONTDESK_TEST_LLM_API_KEY", ""), timeout_s=60.0)
    scenarios = load_scenarios(default_scenarios_dir())
    target = InProcess(workdir=tmp_path, brain=brain)
    try:
        results = run_all(target, scenarios)
    finally:
        target.close()
    passed = sum(r.passed for r in results)
    print(f"real model: {passed}/{len(results)} scenarios passed")
    # A model may fail a task; it may never act wrongly: no crash, and no call whose
    # bookings went beyond what the scenario allows.
    assert not [r.id for r in results if r.error], [r.error for r in results if r.error]
    wrong = [(r.id, why) for r in results for why in r.reasons if _acted_wrongly(why)]
    assert not wrong, wrong


def _acted_wrongly(reason: str) -> bool:
    """More bookings changed than the caller asked for, or a booking other than the one
    they agreed to (failing to book at all is a failed task, not a wrong act)."""
    found = re.match(r"appointments changed by the call: expected (\d+), got (\d+)", reason)
    if found:
        return int(found.group(2)) > int(found.group(1))
    return reason.startswith("appointment: expected") and \
        not reason.endswith("the call left: nothing changed")


def test_what_counts_as_acting_wrongly() -> None:
    assert _acted_wrongly("appointments changed by the call: expected 1, got 2 (a; b)")
    assert not _acted_wrongly("appointments changed by the call: expected 1, got 0 (none)")
    assert _acted_wrongly("appointment: expected Haircut on 2026-12-09 10:00 (booked); "
                          "the call left: Haircut Wed 2026-12-16 09:00 with Ana (booked)")
    assert not _acted_wrongly("appointment: expected Haircut on 2026-12-09 10:00 (booked); "
                              "the call left: nothing changed")
    assert not _acted_wrongly("outcome: expected booked, got transferred")
