"""OpenAI-compatible door: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Point a voice platform's "custom/external LLM" (Telnyx AI Assistant, Vapi, ...) or any
OpenAI SDK here with a business's API key. The platform does speech; we answer the
words. Errors on this path use OpenAI's shape (``{"error": {...}}``), not problem+json,
because the clients here are OpenAI SDKs that only understand that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdesk.channels import openai_wire as wire
from frontdesk.conversation.agent import Agent, Reply
from frontdesk.conversation.catch_up import PastTurn
from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.services.customers import normalize_phone
from frontdesk.services.tenants import Tenant
from frontdesk.web.database import RETRY_AFTER_S
from frontdesk.web.deps import AgentDep, TenantDep

log = logging.getLogger(__name__)

CHANNEL = "phone"  # voice platforms are this door's callers
# Fixed so /v1/models is stable between restarts (clients cache model lists).
MODEL_CREATED = 1_767_225_600  # 2026-01-01T00:00:00Z


class OpenAIErrorRoute(APIRoute):
    """Every error on this router leaves in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _validation_error(exc)
            except wire.NoUserMessage as exc:
                return _error(400, str(exc), param="messages")
            except FrontdeskError as exc:
                code = "invalid_api_key" if exc.status == 401 else exc.code
                return _error(exc.status, exc.detail, code=code)
            except StarletteHTTPException as exc:
                return _error(exc.status_code, str(exc.detail))
            except (OperationalError, InterfaceError):
                response = _error(503, "The front desk's database is not answering; nothing "
                                  "was booked by this request. Retry it shortly.",
                                  type_="server_error")
                response.headers["Retry-After"] = str(RETRY_AFTER_S)
                return response
            except Exception:
                log.exception("chat completion failed")
                return _error(500, "The front desk could not answer; nothing was booked by "
                              "this request. Retry it.", type_="server_error")

        return guarded


router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=OpenAIErrorRoute)


@router.post("/chat/completions", response_model=wire.ChatCompletion,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "A completion, or SSE chunks with stream=true"},
                        400: {"model": wire.ErrorBody}, 401: {"model": wire.ErrorBody}})
def create_chat_completion(body: wire.ChatCompletionRequest, request: Request,
                           tenant: TenantDep, agent: AgentDep) -> Response:
    call = wire.read_call(str(tenant.id), body, request.headers)
    reply = answer(agent, tenant, call)
    content = reply.text.strip()
    completion_id, created = wire.new_completion_id(), int(time.time())
    usage = wire.usage_for(call.prompt_text, content)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        events = wire.stream_events(content, completion_id=completion_id, created=created,
                                    model=body.model, usage=usage if include_usage else None)
        return StreamingResponse(events, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache",
                                          "X-Accel-Buffering": "no"})
    result = wire.completion(content, completion_id=completion_id, created=created,
                             model=body.model, usage=usage)
    return JSONResponse(result.model_dump())


@router.get("/models", response_model=wire.ModelList)
def list_models(tenant: TenantDep) -> wire.ModelList:
    return wire.ModelList(data=[wire.ModelCard(id=wire.MODEL_ID, created=MODEL_CREATED)])


def answer(agent: Agent, tenant: Tenant, call: wire.StatelessCall) -> Reply:
    """Bring the conversation up to the history's last user message and answer it.

    Normally only the last message is new: the record has answered every earlier one
    (``turn_count``; each under its prefix key, so a retry is answered from the record)
    and this costs one turn, however long the history. After a restart that lost the
    record, or for a conversation we never saw, the earlier messages are caught up in one
    pass that rebuilds the state and acts on nothing (``Agent.catch_up``, ADR 0008): they
    were answered, and acted on, by whoever answered them. We never greet here: the
    platform speaks its own first message.
    """
    # The caller's number in the metadata is the platform's carrier caller ID, on a
    # request signed with the business's API key: vouched for like Twilio's From. Without
    # it, a number the caller says is a claim (proved by a texted code).
    phone = _phone(call.caller_phone, tenant)
    conversation = agent.open(tenant, CHANNEL, call.external_id, caller_phone=phone,
                              caller_verified=phone is not None)
    last = len(call.user_texts) - 1
    past = range(min(conversation.turn_count, last), last)
    agent.catch_up(tenant, conversation.id, [
        PastTurn(call.user_texts[i], call.turn_keys[i], call.replies[i] if i < len(call.replies)
                 else None) for i in past])
    return agent.turn(tenant, conversation.id, call.user_texts[last],
                      request_key=call.turn_keys[last])


def _phone(raw: str | None, tenant: Tenant) -> str | None:
    """The caller's number as E.164, or None: a SIP URI or 'anonymous' is no number."""
    if not raw:
        return None
    try:
        return normalize_phone(raw, tenant.country)
    except InvalidInput:
        return None


def _error(status: int, message: str, *, param: str | None = None, code: str | None = None,
           type_: str = "invalid_request_error") -> JSONResponse:
    response = JSONResponse(wire.error_body(message, type_=type_, param=param, code=code),
                            status_code=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error(400, "The request body is not valid JSON.", code="invalid_json")
    first = errors[0] if errors else {}
    where = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(where) or None
    message = f"{param or 'body'}: {first.get('msg', 'invalid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return _error(400, message, param=param)
