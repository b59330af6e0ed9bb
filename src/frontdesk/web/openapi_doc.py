"""The published OpenAPI document says what every operation can answer.

FastAPI documents the success response and a 422 with its own validation shape; every
error we send is RFC 9457 problem+json with a stable ``code`` instead, and an operation
can also answer 401, 404, 409, 413, 429 or 503. This fills those in from what each
operation is (authenticated or not, with a body or not, changing data or reading it),
so generated clients and fuzzers (Schemathesis runs in the tests) hold us to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_JSON = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, with a stable machine-readable code.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "example": "/problems/slot_taken"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person"},
        "code": {"type": "string", "example": "slot_taken"},
        "field": {"type": "string", "description": "The input at fault, when one is"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

_MEANING = {
    400: "Malformed request (the body is not valid JSON)",
    401: "Missing or invalid API key",
    403: "Not allowed: the API key's scope or origin does not permit this (a webhook: "
         "its signature does not verify)",
    404: "No such thing in this business",
    409: "Refused by the booking rules or a conflicting change",
    413: "The request body is larger than this operation accepts",
    422: "Invalid input; `field` names it",
    429: "Too many requests; `Retry-After` says when to try again",
    503: "A service we depend on is unavailable; `Retry-After` says when to try again",
}
_CHANGES = {"post", "put", "patch", "delete"}


def _problem_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {422, 429, 503}
    if operation.get("security"):
        statuses |= {401, 403, 404}
    if path.startswith("/webhooks/"):
        statuses |= {403}
    if "{" in path or path.startswith("/webhooks/calendar/"):
        # (a calendar change notification names a channel that may not exist)
        statuses |= {404}
    if method in _CHANGES:
        statuses |= {409, 413}
    if "requestBody" in operation:
        statuses |= {400, 413}
    return statuses


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own shape for 422 is never sent: validation errors are problems too.
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    # The OpenAI-compatible door answers errors in OpenAI's own shape: its clients are
    # OpenAI SDKs, which understand nothing else.
    openai_error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, operations in schema.get("paths", {}).items():
        content = openai_error if path.startswith("/v1/") else problem
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_problem_statuses(path, method, operation)):
                responses[str(status)] = {"description": _MEANING[status], "content": content}
    return schema


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
