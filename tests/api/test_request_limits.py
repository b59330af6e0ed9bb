"""Request size limits, NUL in addresses, keep-alive after a 500, and what the OpenAPI
document promises about authentication and errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.api.conftest import auth
from tests.conftest import Business, serving


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    return create_app(Settings(environment="test", llm_base_url=""), engine=engine)


@pytest.fixture
def lenient(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_large_body_is_refused_before_authentication(lenient: TestClient) -> None:
    body = b"{" + b'"x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = lenient.post("/api/v1/customers", content=body,
                            headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "payload_too_large" and problem["limit_bytes"] == 1024 * 1024
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_chunked_body_is_cut_off_at_the_limit(lenient: TestClient, biz: Business) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(40):
            yield b"a" * 64 * 1024  # no Content-Length: counted as it arrives
        yield b'"}'

    response = lenient.post("/v1/chat/completions", content=chunks(),
                            headers={**auth(biz), "Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_20_mb_chat_completion_is_refused(lenient: TestClient, biz: Business) -> None:
    body = {"model": "frontdesk", "messages": [{"role": "user", "content": "a" * 20_000_000}]}
    response = lenient.post("/v1/chat/completions", json=body, headers=auth(biz))
    assert response.status_code == 413


def test_webhooks_take_less_than_the_api(lenient: TestClient) -> None:
    response = lenient.post("/webhooks/twilio/sms", content=b"Body=" + b"a" * 200_000,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_an_ordinary_body_still_works(lenient: TestClient, biz: Business) -> None:
    response = lenient.post("/api/v1/customers", json={"phone": "+12125550123", "name": "Al"},
                            headers=auth(biz))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("url", ["/api/v1/customers?q=a%00b", "/calendars/abc%00def",
                                 "/api/v1/appointments?from=2026-01-01%00"])
def test_nul_in_the_address_is_refused(lenient: TestClient, biz: Business, url: str) -> None:
    response = lenient.get(url, headers=auth(biz))
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["detail"]


def test_a_500_says_connection_close_and_the_next_request_works(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with serving(app) as base, httpx.Client(base_url=base) as http:
        crashed = http.get("/boom")
        assert crashed.status_code == 500
        assert crashed.headers["connection"] == "close"
        assert crashed.json()["code"] == "internal_error"
        assert http.get("/health").status_code == 200  # a fresh connection, no error


def test_openapi_declares_security_schemes_not_header_parameters(lenient: TestClient) -> None:
    document = lenient.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKeyBearer"] == {"type": "http", "scheme": "bearer",
                                       "description": "A business's API key"}
    assert schemes["apiKeyHeader"]["in"] == "header"
    services = document["paths"]["/api/v1/services"]["get"]
    assert {"apiKeyBearer": []} in services["security"]
    names = [p["name"].lower() for p in services.get("parameters", [])]
    assert "authorization" not in names and "x-api-key" not in names
    assert "security" not in document["paths"]["/health"]["get"]


def test_openapi_documents_problems_for_every_operation(lenient: TestClient) -> None:
    document = lenient.get("/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("422", "429", "503"):
                assert status in responses, (method, path, status)
            if operation.get("security"):
                assert {"401", "404"} <= responses.keys(), (method, path)
                media = "application/json" if path.startswith("/v1/") else (
                    "application/problem+json")
                assert media in responses["401"]["content"], (method, path)
    book = document["paths"]["/api/v1/appointments"]["post"]["responses"]
    assert {"400", "409", "413"} <= book.keys()


def test_wall_clock_times_are_not_rfc3339_times(lenient: TestClient) -> None:
    document = lenient.get("/openapi.json").json()
    text = str(document)
    assert "'format': 'time'" not in text
    hours = document["components"]["schemas"]["HoursModel"]["properties"]["start"]
    assert hours["type"] == "string" and hours["pattern"].startswith("^")
