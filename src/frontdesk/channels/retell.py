"""Retell AI custom-LLM WebSocket: ``/v1/retell/llm-websocket/{call_id}``.

Retell does the speech (STT, TTS, turn-taking, barge-in) and connects out to us per
call; we answer its ``response_required`` / ``reminder_required`` events with what to
say. Retell cannot send headers, so the business's API key comes in the URL: as a path
segment (``/v1/retell/{key}/llm-websocket``, the form to give Retell) or the query string
(``?key=...``); an ``Authorization: Bearer`` header works too. Protocol:
https://docs.retellai.com/api-references/llm-websocket
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent, Reply
from frontdesk.errors import InvalidInput, Unauthorized
from frontdesk.services import request_keys
from frontdesk.services.api_keys import authenticate_key
from frontdesk.services.customers import normalize_phone
from frontdesk.services.tenants import Tenant
from frontdesk.web.deps import AgentDep, FactoryDep
from frontdesk.web.scopes import Forbidden, check_scope

log = logging.getLogger(__name__)

router = APIRouter(tags=["retell"])

CHANNEL = "phone"
CLOSE_UNAUTHORIZED = 4401
# Retell sends call_details (with the caller's number) right after our config; we wait
# this long for it so a known caller is greeted by name, then greet anyway.
CALL_DETAILS_WAIT_S = 1.5


# --- wire helpers (pure) -----------------------------------------------------------------


def config_event() -> dict[str, Any]:
    return {"response_type": "config",
            "config": {"auto_reconnect": True, "call_details": True}}


def response_event(response_id: int, content: str, *, end_call: bool = False,
                   transfer_number: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"response_type": "response", "response_id": response_id,
                             "content": content, "content_complete": True,
                             "end_call": end_call}
    if transfer_number:
        event["transfer_number"] = transfer_number
    return event


def reply_event(response_id: int, reply: Reply) -> dict[str, Any]:
    transfer_to = reply.transfer_to if reply.transfer else None
    return response_event(response_id, reply.text, end_call=reply.end and not reply.transfer,
                          transfer_number=transfer_to)


def last_user_words(transcript: Any) -> str:
    """What the caller said since the agent last spoke (empty after a silence)."""
    if not isinstance(transcript, list):
        return ""
    words: list[str] = []
    for utterance in reversed(transcript):
        if not isinstance(utterance, dict) or utterance.get("role") != "user":
            break
        words.insert(0, str(utterance.get("content") or "").strip())
    return " ".join(w for w in words if w)


def request_key(call_id: str, response_id: int) -> str:
    return request_keys.fit("retell", f"{call_id}:{response_id}")


def external_id(call_id: str) -> str:
    raw = f"retell:{call_id}"
    return raw if len(raw) <= 200 else "retell:h-" + hashlib.sha256(raw.encode()).hexdigest()


# --- one call ----------------------------------------------------------------------------


@dataclass
class RetellCall:
    """One Retell call's bridge to the agent (blocking calls: run them in a thread)."""

    agent: Agent
    tenant: Tenant
    call_id: str
    caller_phone: str | None = None
    conversation_id: uuid.UUID | None = None

    def take_call_details(self, event: dict[str, Any]) -> None:
        call = event.get("call")
        raw = call.get("from_number") if isinstance(call, dict) else None
        if isinstance(raw, str) and raw.strip():
            try:
                self.caller_phone = normalize_phone(raw, self.tenant.country)
            except InvalidInput:
                log.info("retell call %s: caller number %r is not a phone", self.call_id, raw)

    def open(self) -> bool:
        """Open (or reopen, after a reconnect) the conversation; True if it is new."""
        # Retell's from_number is the carrier caller ID, sent on a socket opened with the
        # business's API key: vouched for like Twilio's From.
        conversation = self.agent.open(self.tenant, CHANNEL, external_id(self.call_id),
                                       caller_phone=self.caller_phone, caller_verified=True)
        self.conversation_id = conversation.id
        return conversation.turn_count == 0 and not conversation.state

    def begin(self) -> dict[str, Any]:
        """Response 0: the greeting, or silence when Retell reconnects mid-call."""
        if not self.open():
            return response_event(0, "")
        assert self.conversation_id is not None
        return response_event(0, self.agent.greet(self.tenant, self.conversation_id).text)

    def respond(self, event: dict[str, Any]) -> dict[str, Any]:
        if self.conversation_id is None:
            self.open()
        assert self.conversation_id is not None
        response_id = int(event["response_id"])
        reply = self.agent.turn(self.tenant, self.conversation_id,
                                last_user_words(event.get("transcript")),
                                request_key=request_key(self.call_id, response_id))
        return reply_event(response_id, reply)


# --- the socket --------------------------------------------------------------------------


@router.websocket("/v1/retell/llm-websocket/{call_id}")
async def retell_llm_websocket(websocket: WebSocket, call_id: str, factory: FactoryDep,
                               agent: AgentDep, key: str | None = None) -> None:
    """The key in the query string (``?key=``) or an ``Authorization: Bearer`` header."""
    await _serve(websocket, call_id, factory, agent, key)


@router.websocket("/v1/retell/{key}/llm-websocket/{call_id}")
async def retell_llm_websocket_keyed(websocket: WebSocket, key: str, call_id: str,
                                     factory: FactoryDep, agent: AgentDep) -> None:
    """The key in the path: Retell appends ``/{call_id}`` to the URL it is given, which
    would land after a query string."""
    await _serve(websocket, call_id, factory, agent, key)


async def _serve(websocket: WebSocket, call_id: str, factory: sessionmaker[Session],
                 agent: Agent, key: str | None) -> None:
    await websocket.accept()
    tenant = await anyio.to_thread.run_sync(_tenant, factory, key, websocket)
    if tenant is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "missing or invalid API key")
        return
    call = RetellCall(agent, tenant, call_id)
    try:
        await websocket.send_json(config_event())
        pending = await _await_call_details(websocket, call)
        await websocket.send_json(await anyio.to_thread.run_sync(call.begin))
        while True:
            event = pending or await _receive(websocket)
            pending = None
            if event is not None:
                await _handle(websocket, call, event)
    except WebSocketDisconnect:
        log.info("retell call %s: socket closed", call_id)
        if call.conversation_id is not None:
            # Retell may reconnect; if it does, the next turn reopens the conversation.
            await anyio.to_thread.run_sync(agent.end, tenant, call.conversation_id)


async def _handle(websocket: WebSocket, call: RetellCall, event: dict[str, Any]) -> None:
    kind = event.get("interaction_type")
    if kind == "ping_pong":
        await websocket.send_json({"response_type": "ping_pong",
                                   "timestamp": event.get("timestamp")})
    elif kind == "call_details":
        call.take_call_details(event)  # late: the conversation is already open
    elif kind in ("response_required", "reminder_required"):
        if not isinstance(event.get("response_id"), int):
            log.warning("retell call %s: %s without a response_id", call.call_id, kind)
            return
        await websocket.send_json(await anyio.to_thread.run_sync(call.respond, event))
    # update_only (live transcript) needs no answer


async def _await_call_details(websocket: WebSocket,
                              call: RetellCall) -> dict[str, Any] | None:
    """Wait briefly for call_details; return any other event that came first."""
    with anyio.move_on_after(CALL_DETAILS_WAIT_S):
        event = await _receive(websocket)
        if event is not None and event.get("interaction_type") == "call_details":
            call.take_call_details(event)
            return None
        return event
    return None


async def _receive(websocket: WebSocket) -> dict[str, Any] | None:
    """The next event; None for a message that is not a JSON object (logged, skipped)."""
    text = await websocket.receive_text()
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        log.warning("retell: ignoring a message that is not JSON: %.80r", text)
        return None
    return event if isinstance(event, dict) else None


def _tenant(factory: sessionmaker[Session], key: str | None,
            websocket: WebSocket) -> Tenant | None:
    if not key:
        scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else websocket.headers.get("x-api-key")
    if not key:
        return None
    try:
        with factory() as session:
            caller = authenticate_key(session, key)
        # The same rule as every route (web.scopes): a socket is an admin key's business.
        check_scope(caller, "WEBSOCKET", websocket.scope["path"], None)
    except (Unauthorized, Forbidden):
        return None
    return caller.tenant

