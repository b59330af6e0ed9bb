"""Agent.turn(): the one entry point every door calls."""

from __future__ import annotations

import logging
import time as _time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation import outbound, policy
from frontdesk.conversation.call_lines import line, spoken_lang
from frontdesk.conversation.catch_up import PastTurn, replay_past
from frontdesk.conversation.context import Decision, ServiceInfo, TurnContext
from frontdesk.conversation.llm_wire import DeferredToRules, LLMError
from frontdesk.conversation.personas import persona_for
from frontdesk.conversation.reading import read_turn
from frontdesk.conversation.state import DialogueState, KnownAppointment
from frontdesk.conversation.tool_results import CustomerFound, ToolResult, wire
from frontdesk.conversation.tools import ToolContext, Tools
from frontdesk.nlu.types import Understanding
from frontdesk.observability import context as log_context
from frontdesk.observability import tracing
from frontdesk.observability.metrics import (
    LLM_FALLBACKS,
    TURN_SECONDS,
    TURNS_IN_PROGRESS,
    bounded,
)
from frontdesk.services import conversation_turns as records
from frontdesk.services import request_keys
from frontdesk.services.agent_context import (
    BusinessFacts,
    BusinessInfo,
    Tenant,
    business_facts,
)
from frontdesk.services.conversation_turns import (
    CampaignOutcome,
    Conversation,
    ConversationRecord,
    TurnChange,
)
from frontdesk.services.outbound_context import campaign_for

log = logging.getLogger(__name__)

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
    # Why the rules answered a turn the LLM was configured to answer (timeout, http 500,
    # ...); the turn's record keeps it too.
    fallback_reason: str | None = None


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
        refine_analysis: bool = False,
    ) -> None:
        self.factory = factory  # handed to the services; the agent never queries it
        self.brain: Brain = brain or RulesBrain()
        self.clock = clock or (lambda: datetime.now(UTC))
        # An LLM rewords each ended conversation's analysis (ADR 0065): the composition
        # root says so when it also runs the sender that asks the model.
        self.refine_analysis = refine_analysis

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
        conversation = records.open_conversation(
            self.factory, tenant, channel, external_id, caller_phone=caller_phone,
            caller_verified=caller_verified, language=lang,
        )
        log_context.note(tenant=tenant.slug, conversation_id=str(conversation.id))
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
        records.close(self.factory, tenant, conversation_id, now=self.clock(),
                      outcome=_left_outcome, refine_analysis=self.refine_analysis)

    def close_call(self, tenant: Tenant, conversation_id: uuid.UUID, *,
                   hand_over: bool) -> tuple[str, str, bool]:
        """The server is shutting down under a live call: (the closing line, its language,
        whether the caller is put through to the business). A caller is put through when
        ``hand_over`` and the call had reached no outcome yet (one who has booked gets
        the goodbye); the line is recorded and the conversation ended."""
        conversation = records.load(self.factory, tenant, conversation_id)
        state = DialogueState.from_json(conversation.state)
        lang = spoken_lang(state.lang if conversation.state else conversation.language)
        transfer = hand_over and conversation.outcome is None
        text = line("closing_transfer" if transfer else "closing", lang)

        records.close_with_line(
            self.factory, tenant, conversation_id, text=text, lang=lang, now=self.clock(),
            outcome=(lambda _: "transferred") if transfer else _left_outcome,
            refine_analysis=self.refine_analysis)
        return text, lang, transfer

    def context(
        self, tenant: Tenant, conversation_id: uuid.UUID
    ) -> tuple[DialogueState, TurnContext]:
        """The dialogue state and a turn's context (tools, business facts), for a brain
        that runs a whole call itself and records its own turns: the speech-to-speech
        session (conversation/realtime_session.py). A new conversation's caller is
        recognised by caller ID, as its first turn would."""
        conversation, state, ctx = self._load(tenant, conversation_id)
        if conversation.turn_count == 0:
            self._recognise(state, ctx)
        return state, ctx

    # --- a turn --------------------------------------------------------------------------

    def turn(
        self,
        tenant: Tenant,
        conversation_id: uuid.UUID,
        text: str,
        *,
        request_key: str | None = None,
        fresh: bool = False,
        stale: bool = False,
        question_ttl: timedelta | None = None,
    ) -> Reply:
        """One caller turn. ``fresh``: a new request, whatever was going on (an "R" to a
        reminder); ``stale``: the door knows the agent's last question is no longer the
        latest thing the caller was asked (we texted them since), so this is no answer to
        it; ``question_ttl``: a question older than this is stale too (texts: ADR 0048)."""
        afresh = _Afresh(fresh, stale, question_ttl)
        log_context.note(tenant=tenant.slug, conversation_id=str(conversation_id))
        with TURNS_IN_PROGRESS.track_inprogress(), tracing.span("agent turn", {
                "frontdesk.tenant": tenant.slug,
                "frontdesk.conversation_id": str(conversation_id)}) as span:
            if not request_key:
                return self._turn(tenant, conversation_id, text, None, afresh)
            # A copy of this request still running would answer it too: wait for it,
            # then answer from the record rather than act on the message twice.
            with request_keys.one_copy_at_a_time(self.factory, conversation_id, request_key):
                replay = self._replay(tenant, conversation_id, request_key)
                if replay is not None:
                    span.set({"frontdesk.turn.replayed": True})
                    return replay
                return self._turn(tenant, conversation_id, text, request_key, afresh)

    def _turn(
        self, tenant: Tenant, conversation_id: uuid.UUID, text: str, request_key: str | None,
        afresh: _Afresh | None = None,
    ) -> Reply:
        started = _time.perf_counter()
        conversation, state, ctx = self._load(tenant, conversation_id)
        if conversation.turn_count == 0:
            self._recognise(state, ctx)
        elif afresh is not None and afresh.applies(state, self.clock()):
            state.start_afresh()
            self._refresh_appointments(state, ctx)
        state.replied_at = self.clock().isoformat()
        u = read_turn(text, state, ctx)
        text = u.text
        ctx.tools.ctx.lang = u.lang  # a code texted this turn is in the caller's language
        history = self._said(conversation)
        engine, fallback = self.brain.name, None
        try:
            decision = self.brain.respond(state, u, ctx, history)
        except Exception as exc:
            if self.brain.name == "rules":
                raise
            # An LLM outage must not drop the caller: the rules answer, and the reason
            # goes to the log and the turn's record, so a broken LLM is never invisible.
            engine, fallback = "rules", _fallen_back(conversation.id, exc)
            if not isinstance(exc, DeferredToRules):  # by design is no fallback
                LLM_FALLBACKS.labels(_reason_label(fallback)).inc()
            decision = policy.respond(state, u, ctx)
        if decision.fallback_reason:  # the LLM failed after acting; its tools' result spoke
            fallback = decision.fallback_reason
            LLM_FALLBACKS.labels(_reason_label(fallback)).inc()
            log.warning(
                "LLM failed after acting in conversation %s (%s): confirmed from the tool result",
                conversation.id,
                fallback,
            )
        if decision.transfer and decision.transfer_reason and not any(
                c.name == "transfer_to_human" for c in ctx.tools.calls):
            ctx.tools.call("transfer_to_human", {"reason": decision.transfer_reason})
        latency = (_time.perf_counter() - started) * 1000
        TURN_SECONDS.labels(bounded(conversation.channel)).observe(latency / 1000)
        tracing.annotate({"frontdesk.channel": conversation.channel,
                          "frontdesk.turn.intent": str(u.intent), "frontdesk.turn.engine": engine,
                          "frontdesk.turn.outcome": decision.outcome,
                          "frontdesk.turn.fallback": fallback is not None})
        rows: list[dict[str, Any]] = [
            {"role": "user", "text": text, "language": u.lang, "request_key": request_key}
        ]
        rows += [
            {
                "role": "tool",
                "tool_name": c.name,
                "tool_args": _jsonable(c.args),
                "tool_result": wire(c.result),
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
                "fallback_reason": fallback,
            }
        )
        opt_out_phone = (
            (ctx.caller_phone or state.phone) if decision.outcome == "opted_out" else None
        )
        try:
            self._save(
                conversation,
                state,
                rows,
                decision,
                opt_out_phone=opt_out_phone,
                request_key=request_key,
                campaign=_campaign_outcome(ctx, decision),
            )
        except records.AlreadyAnswered:
            # The same request raced us from another process on SQLite (one process keeps
            # copies apart; see turn()): its answer is the answer.
            replay = self._replay(tenant, conversation_id, request_key) if request_key else None
            if replay is None:
                raise
            return replay
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
            fallback_reason=fallback,
        )

    def catch_up(
        self, tenant: Tenant, conversation_id: uuid.UUID, past: Sequence[PastTurn]
    ) -> None:
        """Bring the dialogue state up to a history answered elsewhere, in one pass and
        one transaction, acting on nothing (conversation/catch_up.py). A concurrent copy
        that caught up first wins: its record stands."""
        if not past:
            return
        conversation = records.load(self.factory, tenant, conversation_id)
        business = business_facts(self.factory, tenant)
        state = DialogueState.from_json(conversation.state)
        if not conversation.state:
            state.lang = conversation.language
        if conversation.turn_count == 0:
            self._recognise(state, self._context(tenant, conversation, business, lang=state.lang))

        searches: dict[str, ToolResult] = {}

        def context() -> TurnContext:
            ctx = self._context(tenant, conversation, business, lang=state.lang, acting=False)
            ctx.tools.searches = searches
            return ctx

        caught = replay_past(state, past, context, read_turn)
        opt_out_phone = (conversation.caller_phone or state.phone) if caught.opted_out else None
        try:
            self._save(conversation, state, caught.rows, caught.decision,
                       opt_out_phone=opt_out_phone, request_key=past[0].request_key)
        except records.AlreadyAnswered:
            return

    # --- internals ------------------------------------------------------------------------

    def _replay(self, tenant: Tenant, conversation_id: uuid.UUID, key: str) -> Reply | None:
        answer = records.answer_for_request(self.factory, tenant, conversation_id, key)
        if answer is None:
            return None
        state = DialogueState.from_json(answer.state)
        # A transfer ends the conversation, and every later answer is a transfer too, so a
        # conversation that stands transferred was transferred by the answer replayed.
        transfer = state.done and answer.outcome == "transferred"
        return Reply(
            conversation_id,
            answer.text,
            answer.language or state.lang,
            outcome=answer.outcome,
            appointment_id=state.appointment_id,
            state=state.summary(),
            replayed=True,
            end=state.done,
            transfer=transfer,
            transfer_to=tenant.fallback_phone if transfer else None,
        )

    def _said(self, conversation: ConversationRecord) -> list[tuple[str, str]]:
        """What the brain is shown of the conversation: the recent window kept on its row
        (the LLM driver's prompt takes no more), never the whole history."""
        return conversation.recent

    def _load(
        self, tenant: Tenant, conversation_id: uuid.UUID
    ) -> tuple[ConversationRecord, DialogueState, TurnContext]:
        conversation = records.load(self.factory, tenant, conversation_id)
        business = business_facts(self.factory, tenant)
        state = DialogueState.from_json(conversation.state)
        if not conversation.state:
            state.lang = conversation.language
        return conversation, state, self._context(tenant, conversation, business, lang=state.lang)

    def _context(
        self,
        tenant: Tenant,
        conversation: ConversationRecord,
        business: BusinessFacts,
        *,
        lang: str,
        acting: bool = True,
    ) -> TurnContext:
        """What the policy knows for one turn; ``acting=False``: tools that would change
        anything (book, texts, codes) answer without acting (catching up, see catch_up)."""
        tools = Tools(
            ToolContext(
                self.factory,
                tenant,
                conversation.id,
                conversation.channel,
                conversation.caller_phone,
                self.clock,
                lang=lang,
            ),
            acting=acting,
        )
        # The campaign behind a call we placed, or behind a text back to its follow-up.
        campaign = (campaign_for(self.factory, tenant, conversation.id, conversation.channel,
                                 conversation.caller_phone)
                    if conversation.channel in ("phone", "sms") else None)
        return TurnContext(
            tenant=tenant,
            persona=persona_for(tenant.persona),
            services=[
                ServiceInfo(str(s.id), s.name, s.spoken_names, s.duration_minutes,
                            s.price_cents)
                for s in business.services
            ],
            tools=tools,
            now=self.clock().astimezone(ZoneInfo(tenant.timezone)),
            caller_phone=conversation.caller_phone,
            hours=business.hours,
            resources=[(str(rid), name) for rid, name in business.resources],
            caller_verified=conversation.caller_verified,
            said_before=conversation.messages,
            campaign=campaign,
            info=business.info or BusinessInfo({}, [], []),
        )

    def _recognise(self, state: DialogueState, ctx: TurnContext) -> None:
        """Caller ID -> customer: a known caller is verified and need not repeat details.
        A number the door does not vouch for is not looked up (the tools would refuse)."""
        if not ctx.caller_phone or not ctx.caller_verified or state.customer_id:
            return
        found = ctx.tools.call("lookup_customer", {"phone": ctx.caller_phone})
        ctx.tools.calls.clear()  # recognition is bookkeeping, not a tool the caller asked for
        if not isinstance(found, CustomerFound) or found.customer is None:
            return
        state.customer_id = str(found.customer.id)
        state.name = found.customer.name
        state.phone = ctx.caller_phone
        state.verified = True
        if found.customer.language in ("en", "es"):
            state.lang = found.customer.language
        state.appointments = [KnownAppointment.of(a) for a in found.appointments]

    def _refresh_appointments(self, state: DialogueState, ctx: TurnContext) -> None:
        """A fresh start sees the caller's appointments as they are now (one may have been
        booked since they were first looked up)."""
        if not state.verified:
            return
        known = state.customer_id
        state.customer_id = None
        self._recognise(state, ctx)
        state.customer_id = state.customer_id or known

    def _next_appointment(
        self, state: DialogueState, ctx: TurnContext
    ) -> tuple[str, datetime] | None:
        if not state.appointments:
            return None
        first = state.appointments[0]
        service = ctx.service(first.service_id)
        label = service.spoken_name(state.lang) if service else first.service_name.lower()
        return label, datetime.fromisoformat(first.start).astimezone(ctx.tz)

    def _save(
        self,
        conversation: ConversationRecord,
        state: DialogueState,
        rows: list[dict[str, Any]],
        decision: Decision | None,
        *,
        opt_out_phone: str | None = None,
        request_key: str | None = None,
        campaign: CampaignOutcome | None = None,
    ) -> None:
        change = TurnChange(
            state=state.to_json(),
            language=state.lang,
            customer_id=state.customer_id,
            appointment_id=state.appointment_id,
            decided=decision is not None,
            outcome=decision.outcome if decision is not None else None,
            end=decision.end if decision is not None else False,
            opt_out_phone=opt_out_phone,
            campaign=campaign,
        )
        records.save_turn(
            self.factory, conversation.id, rows, change, now=self.clock(), request_key=request_key,
            refine_analysis=self.refine_analysis,
        )


# Questions that a later text may be an answer to; "anything else?" is not one of them.
_QUESTIONS = frozenset({"service", "time", "choice", "name", "phone", "confirm",
                        "which_appointment", "confirm_transfer", "code", "resend_code"})


@dataclass(frozen=True, slots=True)
class _Afresh:
    """When a turn starts afresh instead of answering what the agent last asked."""

    fresh: bool = False
    stale: bool = False
    question_ttl: timedelta | None = None

    def applies(self, state: DialogueState, now: datetime) -> bool:
        if self.fresh:
            return True
        if state.awaiting not in _QUESTIONS:
            return False
        if self.stale:
            return True
        if self.question_ttl is None or state.replied_at is None:
            return False
        return now - datetime.fromisoformat(state.replied_at) > self.question_ttl


def _left_outcome(saved: dict[str, Any]) -> str:
    """The outcome of a conversation left before one was reached: info when the caller
    heard what is free (or their hours, or their appointments), else abandoned."""
    state = DialogueState.from_json(saved)
    informed = bool(state.offered) or state.goal in ("hours", "my_appointments")
    return "info" if informed else "abandoned"


def _reason_label(reason: str) -> str:
    """A fallback's reason as a metric label: the stable part ("error: KeyError" is "error")."""
    return reason.split(":", 1)[0][:40]


def _fallen_back(conversation_id: uuid.UUID, exc: Exception) -> str:
    """Log why the rules answer instead of the LLM; the short reason for the record."""
    if isinstance(exc, DeferredToRules):  # by design (an opt-out), not a fault
        log.info("LLM deferred to the rules in conversation %s: %s", conversation_id, exc)
        return exc.reason
    if isinstance(exc, LLMError):
        log.warning(
            "LLM fallback to the rules in conversation %s: %s (%s)",
            conversation_id,
            exc.reason,
            exc,
        )
        return exc.reason
    # Not a failure the driver foresaw: a bug, so the traceback goes to the log.
    log.error(
        "LLM brain crashed in conversation %s; the rules answered",
        conversation_id,
        exc_info=exc,
    )
    return f"error: {type(exc).__name__}"[:200]


def _campaign_outcome(ctx: TurnContext, decision: Decision) -> CampaignOutcome | None:
    """What the turn decided that the campaign keeps (on the lead, and the call's
    attempt), saved with the turn; None for an ordinary conversation."""
    outcome = outbound.OUTCOMES.get(decision.outcome or "")
    if ctx.campaign is None or outcome is None:
        return None
    return CampaignOutcome(outcome, ctx.campaign.lead_id, ctx.campaign.on_call,
                           callback_at=decision.callback_at)


def _jsonable(args: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in args.items()}
