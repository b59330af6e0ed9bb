"""RFC 9457 problem+json: every error the API returns has this one shape."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from frontdesk.errors import FrontdeskError
from frontdesk.observability.metrics import REFUSALS

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _page(request: Request, status: int, title: str, detail: str) -> Response | None:
    """The same error as a page, where a door that serves people pages asked for it
    (``app.state.error_page``: it decides which requests are a person's, e.g. a browser
    on the dashboard); None: answer with problem+json."""
    render = getattr(request.app.state, "error_page", None)
    if render is None:
        return None
    found: Response | None = render(request, status, title, detail)
    return found


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FrontdeskError)
    REFUSALS.labels(exc.code, "api").inc()
    shown = _page(request, exc.status, exc.title, exc.detail)
    if shown is not None:
        return shown
    response = problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _where(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(
            400,
            "malformed_json",
            "Malformed JSON",
            "The request body is not valid JSON.",
            errors=errors,
        )
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    shown = _page(request, 422, "Invalid input", summary)
    if shown is not None:
        return shown
    return problem(422, "invalid_input", "Invalid input", summary, errors=errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
        exc.status_code, "http_error"
    )
    shown = _page(request, exc.status_code, str(exc.detail), str(exc.detail))
    if shown is not None:
        return shown
    response = problem(exc.status_code, code, str(exc.detail), str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    response = problem(
        500,
        "internal_error",
        "Internal error",
        "Something went wrong on our side; nothing was changed by this request.",
    )
    # Starlette re-raises after this answer and the server then drops the connection;
    # saying so lets a keep-alive client open a new one instead of failing its next call.
    response.headers["Connection"] = "close"
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(FrontdeskError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
