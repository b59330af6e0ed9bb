"""``frontdesk eval --url``: scenarios over HTTP through /v1/chat/completions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.evals.cli import REPO_ROOT
from frontdesk.evals.runner import Server, run_all
from frontdesk.evals.scenario import load_scenarios
from frontdesk.evals.tenants import build_tenant
from frontdesk.store.db import make_session_factory
from tests.conftest import serving


@pytest.fixture
def live_server(sqlite_engine: Engine) -> Iterator[tuple[str, dict[str, str]]]:
    factory = make_session_factory(sqlite_engine)
    keys = {kind: build_tenant(factory, kind, f"eval-{kind}").api_key
            for kind in ("salon", "clinic")}
    app = create_app(Settings(environment="test", llm_base_url=""), engine=sqlite_engine)
    with serving(app) as url:
        yield url, keys


def test_scenarios_run_against_a_server(live_server: tuple[str, dict[str, str]]) -> None:
    url, keys = live_server
    scenarios = {s.id: s for s in load_scenarios(REPO_ROOT / "scenarios")}
    chosen = [scenarios[i] for i in ("en-human-direct", "es-humano", "en-hours-saturday",
                                     "en-book-range-afternoon")]
    results = {r.id: r for r in run_all(Server(url, keys), chosen)}
    # A scenario bound to the fixed in-process clock is skipped, not failed.
    assert results["en-book-range-afternoon"].skipped
    for key in ("en-human-direct", "es-humano"):
        assert results[key].outcome == "transferred", results[key].reasons
        assert results[key].transcript[0].speaker == "caller"  # no greeting on this door
    assert results["en-hours-saturday"].outcome == "info", results["en-hours-saturday"].reasons
    assert all(r.latencies_ms for r in results.values() if not r.skipped)


def test_a_missing_key_is_a_clear_failure(live_server: tuple[str, dict[str, str]]) -> None:
    url, keys = live_server
    scenario = next(s for s in load_scenarios(REPO_ROOT / "scenarios") if s.tenant == "clinic")
    (result,) = run_all(Server(url, {"salon": keys["salon"]}), [scenario])
    assert not result.passed
    assert "no API key for the clinic business" in result.reasons[0]
