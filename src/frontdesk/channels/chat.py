"""The chat door: ``POST /api/v1/chat`` — one message in, the front desk's reply out."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from frontdesk.channels.schemas import ChatIn, ChatOut
from frontdesk.services import request_keys
from frontdesk.services.api_keys import WIDGET
from frontdesk.services.customers import normalize_phone
from frontdesk.web.deps import AgentDep, CallerDep
from frontdesk.web.ratelimit import check_phone

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])

CHANNEL = "chat"

IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Send the same key again (a retry) and you get the "
                                       "same reply; the message is acted on once."),
]


@router.post("", response_model=ChatOut)
def chat(body: ChatIn, caller: CallerDep, agent: AgentDep, request: Request,
         idempotency_key: IdempotencyKey = None) -> ChatOut:
    tenant = caller.tenant
    session_id = body.session_id or str(uuid.uuid4())
    phone = normalize_phone(body.caller_phone, tenant.country) if body.caller_phone else None
    check_phone(request, phone)
    # A number a website passes on is whatever its visitor typed: a claim, proved by a
    # texted code before its appointments are touched, unless the site vouches for it.
    # A widget key is in every visitor's hands, so it never vouches; and its chats live
    # apart, so a visitor cannot pick up a server's chat (vouched for) by its session id.
    widget = caller.scope == WIDGET
    external_id = f"{WIDGET}:{session_id}" if widget else session_id
    conversation = agent.open(tenant, CHANNEL, external_id, caller_phone=phone,
                              caller_verified=body.caller_phone_verified and not widget,
                              lang=body.lang)
    reply = agent.turn(tenant, conversation.id, body.message,
                       request_key=request_key(idempotency_key))
    return ChatOut(session_id=session_id, conversation_id=reply.conversation_id,
                   reply=reply.text, language=reply.lang, outcome=reply.outcome,
                   end=reply.end, transfer=reply.transfer, state=reply.state)


def request_key(idempotency_key: str | None) -> str | None:
    """A client's key, hashed to fit the record (keys are up to 200 characters)."""
    if not idempotency_key:
        return None
    return request_keys.hashed("chat", idempotency_key)
