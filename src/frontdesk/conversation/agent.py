"""Agent.turn(): the one entry point every door calls."""

from __future__ import annotations

import time as _time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation import policy
from frontdesk.conversation.context import Decision, ServiceInfo, TurnContext
from frontdesk.conversation.personas import persona_for
from frontdesk.conversation.state import DialogueState, KnownAppointment
from frontdesk.conversation.tools import ToolContext, Tools
from frontdesk.nlu.types import Understanding
from frontdesk.nlu.understand import understand
from frontdesk.services import conversations as records
from frontdesk.services import request_keys
from frontdesk.services.opening_hours import opening_hours
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, Resource, Service, Tenant

MAX_INPUT_CHARS = 2000  # a caller turn; anything longer is noise or an attack
# What the agent just asked, in the NLU's terms (it parses a bare "2" or "Lucía" by it).
_EXPECTING = {
    "service": "service",
    "time": "time",
    "choice": "choice",
    "name": "name",
    "phone": "phone",
    "confirm": "confirm",
    "which_appointment": "choice",
    "anything_else": "confirm",
    "confirm_transfer": "confirm",
    "code": "code",
    "resend_code": "confirm",
}


@dataclass
class Reply:
    conversation_id: uuid.UUID
    text: str
    lang: str
    outcome: str | None = None
    transfer: bool = False
    end: bool = False
    appointment_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False
    engine: str = "rules"
    transfer_to: str | None = None


class Brain(Protocol):
    """A policy that decides the reply: the deterministic one, or an LLM driver."""

    name: str

    def respond(
        self,
        state: DialogueState,
        u: Understanding,
        ctx: TurnContext,
        history: list[tuple[str, str]],
    ) -> Decision: ...


class RulesBrain:
    name = "rules"

    def respond(
        self,
        state: DialogueState,
        u: Understanding,
        ctx: TurnContext,
        history: list[tuple[str, str]],
    ) -> Decision:
        return policy.respond(state, u, ctx)


class Agent:
    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        brain: Brain | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.factory = factory
        self.brain: Brain = brain or RulesBrain()
        self.clock = clock or (lambda: datetime.now(UTC))

    # --- opening -------------------------------------------------------------------------

    def open(
        self,
        tenant: Tenant,
        channel: str,
        external_id: str,
        *,
        caller_phone: str | None = None,
        caller_verified: bool = False,
        lang: str | None = None,
    ) -> Conversation:
        """``caller_verified``: the door vouches that the caller holds ``caller_phone`` (a
        carrier caller ID); otherwise that number is a claim, verified by a texted code."""
        conversation, _ = records.open_conversation(
            self.factory, tenant, channel, external_id, caller_phone=caller_phone,
            caller_verified=caller_verified, language=lang,
        )
        return conversation

    def greet(self, tenant: Tenant, conversation_id: uuid.UUID, *, outbound: bool = False) -> Reply:
        """The opening line (a known caller hears their name and next appointment). On a
        call we placed, the agent says who is calling and that it is an assistant."""
        conversation, state, ctx = self._load(tenant, conversation_id)
        self._recognise(state, ctx)
        text = policy.greeting(
            state,
            ctx,
            state.lang,
            name=state.name if state.verified else None,
            next_appointment=self._next_appointment(state, ctx),
            outbound=outbound,
        )
        self._save(
            conversation,
            state,
            [{"role": "assistant", "text": text, "language": state.lang, "engine": "rules"}],
            None,
        )
        return Reply(conversation.id, text, state.lang, state=state.summary())

    def end(self, tenant: Tenant, conversation_id: uuid.UUID) -> None:
        """The door says the call or chat is over (hang-up, socket closed). A conversation
        that reached no outcome is recorded as abandoned — or as info when the caller
        heard what is free; a later turn (a reconnect) reopens it."""
        with write_session(self.factory) as session:
            row = records.get_conversation(session, tenant, conversation_id)
            if row.ended_at is None:
                row.ended_at = self.clock()
            if row.outcome is None:
                state = DialogueState.from_json(row.state)
                informed = bool(state.offered) or state.goal in ("hours", "my_appointments")
                row.outcome = "info" if informed else "abandoned"

    # --- a turn --------------------------------------------------------------------------

    def turn(
        self,
        tenant: Tenant,
        conversation_id: uuid.UUID,
        text: str,
        *,
        request_key: str | None = None,
    ) -> Reply:
        if not request_key:
            return self._turn(tenant, conversation_id, text, None)
        # A copy of this request still running would answer it too: wait for it, then
        # answer from the record rather than act on the message twice.
        with request_keys.one_copy_at_a_time(self.factory, conversation_id, request_key):
            replay = self._replay(tenant, conversation_id, request_key)
            if replay is not None:
                return replay
            return self._turn(tenant, conversation_id, text, request_key)

    def _turn(
        self, tenant: Tenant, conversation_id: uuid.UUID, text: str, request_key: str | None
    ) -> Reply:
        started = _time.perf_counter()
        conversation, state, ctx = self._load(tenant, conversation_id)
        if conversation.turn_count == 0:
            self._recognise(state, ctx)
        text = (text or "").strip()[:MAX_INPUT_CHARS]
        u = understand(
            text,
            now=ctx.now,
            services=[s.as_nlu() for s in ctx.services],
            region=tenant.country,
            lang_hint=state.lang,  # type: ignore[arg-type]
            expecting=_EXPECTING.get(state.awaiting or ""),
        )
        ctx.tools.ctx.lang = u.lang  # a code texted this turn is in the caller's language
        history = self._history(conversation.id)
        engine = self.brain.name
        try:
            decision = self.brain.respond(state, u, ctx, history)
        except Exception:  # noqa: BLE001 - an LLM outage must not drop the caller
            if self.brain.name == "rules":
                raise
            engine = "rules"
            decision = policy.respond(state, u, ctx)
        latency = (_time.perf_counter() - started) * 1000
        rows: list[dict[str, Any]] = [
            {"role": "user", "text": text, "language": u.lang, "request_key": request_key}
        ]
        rows += [
            {
                "role": "tool",
                "tool_name": c.name,
                "tool_args": _jsonable(c.args),
                "tool_result": c.result,
            }
            for c in ctx.tools.calls
        ]
        rows.append(
            {
                "role": "assistant",
                "text": decision.text,
                "language": u.lang,
                "latency_ms": latency,
                "engine": engine,
            }
        )
        opt_out_phone = (
            (ctx.caller_phone or state.phone) if decision.outcome == "opted_out" else None
        )
        try:
            self._save(conversation, state, rows, decision, opt_out_phone=opt_out_phone)
        except IntegrityError:
            # The same request raced us from another process on SQLite (one process keeps
            # copies apart; see turn()): its answer is the answer. Any booking it made
            # carries the same idempotency key, so nothing doubled.
            replay = self._replay(tenant, conversation_id, request_key) if request_key else None
            if replay is not None:
                return replay
            # Two different turns raced for the same sequence number: append again.
            self._save(conversation, state, rows, decision, opt_out_phone=opt_out_phone)
        return Reply(
            conversation.id,
            decision.text,
            u.lang,
            outcome=decision.outcome,
            transfer=decision.transfer,
            end=decision.end,
            appointment_id=state.appointment_id,
            state=state.summary(),
            engine=engine,
            transfer_to=tenant.fallback_phone if decision.transfer else None,
        )

    # --- internals ------------------------------------------------------------------------

    def _replay(self, tenant: Tenant, conversation_id: uuid.UUID, key: str) -> Reply | None:
        with self.factory() as session:
            conversation = records.get_conversation(session, tenant, conversation_id)
            answer = request_keys.reply_to(session, conversation_id, key)
            if answer is None:
                return None
            state = DialogueState.from_json(conversation.state)
            return Reply(
                conversation_id,
                answer.text or "",
                answer.language or state.lang,
                outcome=conversation.outcome,
                appointment_id=state.appointment_id,
                state=state.summary(),
                replayed=True,
                end=state.done,
            )

    def _load(
        self, tenant: Tenant, conversation_id: uuid.UUID
    ) -> tuple[Conversation, DialogueState, TurnContext]:
        with self.factory() as session:
            conversation = records.get_conversation(session, tenant, conversation_id)
            services = [
                ServiceInfo(str(s.id), s.name, dict(s.spoken_names), s.duration_minutes)
                for s in session.scalars(
                    select(Service)
                    .where(Service.tenant_id == tenant.id, Service.active.is_(True))
                    .order_by(Service.name)
                )
            ]
            hours = opening_hours(session, tenant)
            resources = [
                (str(rid), name)
                for rid, name in session.execute(
                    select(Resource.id, Resource.name).where(
                        Resource.tenant_id == tenant.id, Resource.active.is_(True)
                    )
                )
            ]
        state = DialogueState.from_json(conversation.state)
        if not conversation.state:
            state.lang = conversation.language
        tools = Tools(
            ToolContext(
                self.factory,
                tenant,
                conversation.id,
                conversation.channel,
                conversation.caller_phone,
                self.clock,
                lang=state.lang,
            )
        )
        ctx = TurnContext(
            tenant=tenant,
            persona=persona_for(tenant.persona),
            services=services,
            tools=tools,
            now=self.clock().astimezone(ZoneInfo(tenant.timezone)),
            caller_phone=conversation.caller_phone,
            hours=hours,
            resources=resources,
            caller_verified=conversation.caller_verified,
        )
        return conversation, state, ctx

    def _recognise(self, state: DialogueState, ctx: TurnContext) -> None:
        """Caller ID -> customer: a known caller is verified and need not repeat details.
        A number the door does not vouch for is not looked up (the tools would refuse)."""
        if not ctx.caller_phone or not ctx.caller_verified or state.customer_id:
            return
        found = ctx.tools.call("lookup_customer", {"phone": ctx.caller_phone})
        ctx.tools.calls.clear()  # recognition is bookkeeping, not a tool the caller asked for
        if found.get("ok") and found.get("found"):
            state.customer_id = found["customer"]["id"]
            state.name = found["customer"]["name"]
            state.phone = ctx.caller_phone
            state.verified = True
            if found["customer"].get("language") in ("en", "es"):
                state.lang = found["customer"]["language"]
            state.appointments = [
                KnownAppointment(
                    id=a["id"],
                    service_id=a["service_id"],
                    service_name=a["service_name"],
                    start=a["start"],
                    resource_name=a["resource_name"],
                )
                for a in found["appointments"]
            ]

    def _next_appointment(
        self, state: DialogueState, ctx: TurnContext
    ) -> tuple[str, datetime] | None:
        if not state.appointments:
            return None
        first = state.appointments[0]
        service = ctx.service(first.service_id)
        label = service.spoken_name(state.lang) if service else first.service_name.lower()
        return label, datetime.fromisoformat(first.start).astimezone(ctx.tz)

    def _history(self, conversation_id: uuid.UUID) -> list[tuple[str, str]]:
        with self.factory() as session:
            return [
                (t.role, t.text or "")
                for t in records.turns(session, conversation_id)
                if t.role in ("user", "assistant")
            ]

    def _save(
        self,
        conversation: Conversation,
        state: DialogueState,
        rows: list[dict[str, Any]],
        decision: Decision | None,
        *,
        opt_out_phone: str | None = None,
    ) -> None:
        with write_session(self.factory) as session:
            row = session.get_one(Conversation, conversation.id)
            records.append_turns(session, row, rows)
            row.state = state.to_json()
            row.language = state.lang
            row.turn_count += sum(1 for r in rows if r["role"] == "user")
            if state.customer_id:
                row.customer_id = uuid.UUID(state.customer_id)
            if state.appointment_id:
                row.appointment_id = uuid.UUID(state.appointment_id)
            if decision is not None and decision.outcome:
                row.outcome = decision.outcome
            if decision is not None and decision.end:
                row.ended_at = self.clock()
            elif decision is not None:
                row.ended_at = None  # spoke again after an end: the conversation goes on
                if row.outcome == "abandoned":
                    row.outcome = None
            if opt_out_phone:
                records.opt_out(session, session.get_one(Tenant, row.tenant_id), opt_out_phone)


def _jsonable(args: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in args.items()}
