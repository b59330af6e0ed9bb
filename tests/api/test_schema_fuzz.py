"""Schemathesis fuzzes every operation of the published OpenAPI document.

It runs against the real app on SQLite and on PostgreSQL, authenticated as a real
business (so generated requests reach the handlers, not just the key check), and checks
that nothing answers 5xx, that every answer matches its documented schema and status
code, and that it comes with its documented media type.

(Schemathesis's ``from_fixture`` does not run under pytest 9, and its requests-based
transport trips over urllib3-future, which the CalDAV client brings; so each operation is
a parametrized test that draws cases from the operation's Hypothesis strategy and sends
them through Starlette's TestClient.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store.db import make_engine
from tests.conftest import Business, auth

# Enough to reach each operation's validation branches a few times while keeping the
# whole run (about 45 operations on two databases) to a few minutes.
EXAMPLES_PER_OPERATION = 40
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every published operation, read from a throwaway app."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'openapi.db'}")
        document = create_app(Settings(environment="test"), engine=engine).openapi()
        engine.dispose()
    return [(method.upper(), path) for path, ops in document["paths"].items() for method in ops]


OPERATIONS = _operations()


@pytest.fixture
def fuzz_business(make_business: Callable[..., Business]) -> Business:
    return make_business()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_survives_generated_input(
    method: str, path: str, engine: Engine, fuzz_business: Business
) -> None:
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    key = auth(fuzz_business)
    # One client (one event loop) for the whole run, as a server has: without the
    # context manager each request would start and stop a loop of its own.
    client = TestClient(app, raise_server_exceptions=False)

    # Valid input (must be accepted or refused by a rule, never crash) and invalid input
    # (must be refused with a documented 4xx), drawn side by side.
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        # The business's own key, whatever the generator made up, so requests get past
        # authentication (a random key only ever tests the 401 path).
        case.headers = {
            name: value
            for name, value in (case.headers or {}).items()
            if name.lower() not in ("authorization", "x-api-key")
        }
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=key)
        kwargs.pop("cookies", None)  # none are documented; Starlette warns on per-request ones
        response = client.request(**kwargs)
        case.validate_response(response, checks=CHECKS)

    with client:
        check()
