"""The LLM driver: any OpenAI-compatible Chat Completions server decides the reply.

It calls the same tools as the deterministic policy (``Tools.call``, validated by the
same pydantic models), so hours, double booking and tenant isolation stay enforced
below it. It makes the front desk better, never makes it work: every way it can fail
raises an ``LLMError`` and the Agent answers that turn with the deterministic policy.

Guarantees, whatever the model says:

1. It never claims a write no tool made. A final reply that says booked / rescheduled /
   cancelled (English or Spanish) with no matching successful tool call this turn gets
   one repair round (the model is told, and may call the tool or reword); if it claims
   again, ``UnbackedClaim`` is raised and the rules answer the turn. Raising rather than
   rewriting the reply: a rewritten sentence would be ours, out of context; the rules
   answer from the dialogue state, which this driver keeps in step (offered times,
   service, name, outcome), so they can carry on where the model left off.
2. ``Decision.outcome`` comes only from successful tool results, never from the text.
3. Connection errors, timeouts, error statuses and malformed responses raise
   ``LLMUnavailable``; so does a model server whose circuit breaker is open (it failed
   ``circuit_failures`` times in a row: ``frontdesk.circuit``), at once, so callers do not
   wait out a timeout per turn while it is down. Once a write succeeded in a turn,
   though, nothing is raised: the caller hears a fixed confirmation built from the tool
   result, because the rules, answering instead, would not know the appointment exists.

Writes carry the idempotency key ``{conversation}:llm:{turn}:{n}``, so a replayed turn
books once.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import openai

from frontdesk.circuit import breaker
from frontdesk.conversation import outbound
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.llm_claims import SATISFIED_BY, claimed_actions, speakable
from frontdesk.conversation.llm_prompt import system_prompt, tool_specs
from frontdesk.conversation.llm_wire import (
    Call,
    DeferredToRules,
    LLMError,
    LLMUnavailable,
    ModelReply,
    UnbackedClaim,
    assistant_calls,
    read_message,
    read_stream,
)
from frontdesk.conversation.model_tools import WRITES, keep_in_step, run_model_call
from frontdesk.conversation.phrases import say
from frontdesk.conversation.speech import say_when
from frontdesk.conversation.state import DialogueState
from frontdesk.conversation.tool_results import (
    Booked,
    Cancelled,
    Rescheduled,
    Transferred,
)
from frontdesk.conversation.tools import ToolCall
from frontdesk.nlu.types import Intent, Understanding
from frontdesk.services.conversation_turns import RECENT_MESSAGES

if TYPE_CHECKING:
    from frontdesk.config import Settings
    from frontdesk.conversation.agent import Brain

# Earlier messages sent to the model; the state carries the rest. At most what the
# conversation keeps on its row (a turn reads nothing older).
MAX_HISTORY_MESSAGES = RECENT_MESSAGES
_BROKEN = (AttributeError, TypeError, ValueError, KeyError, IndexError)  # malformed replies


@dataclass
class _Turn:
    """What happened in this turn: successful tool calls in order, and writes tried."""

    ok: list[ToolCall] = field(default_factory=list)
    writes_tried: int = 0

    def done(self, kinds: set[str]) -> bool:
        return any(c.name in kinds for c in self.ok)

    @property
    def wrote(self) -> bool:
        return self.done(set(WRITES) | {"transfer_to_human"})


class LLMBrain:
    """A ``Brain`` that lets a Chat Completions model drive the tools."""

    name = "llm"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_s: float = 8.0,
        max_tool_rounds: int = 4,
        stream: bool = True,
        client: openai.OpenAI | None = None,
    ) -> None:
        # One breaker per model server, shared by every conversation and business.
        self.endpoint = base_url
        # Local servers (Ollama, vLLM) take no key, but the SDK insists on one.
        self.client = client or openai.OpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout_s, max_retries=0
        )
        self.model = model
        self.timeout_s = timeout_s  # the whole turn's budget, every round together
        self.max_tool_rounds = max_tool_rounds
        self.stream = stream
        self.tools = tool_specs()

    def respond(
        self,
        state: DialogueState,
        u: Understanding,
        ctx: TurnContext,
        history: list[tuple[str, str]],
    ) -> Decision:
        if u.has(Intent.OPT_OUT):
            raise DeferredToRules("opt-outs are recorded by the deterministic policy")
        if outbound.decides(state, u, ctx):
            raise DeferredToRules("outbound outcomes and campaign offers follow the rules")
        deadline = time.monotonic() + self.timeout_s
        turn = _Turn()
        messages = self._messages(state, u, ctx, history)
        # Numbers this turn's writes: every message said before it, not just the window.
        turn_no = len(history) if ctx.said_before is None else ctx.said_before
        repaired = False
        try:
            for round_no in range(self.max_tool_rounds + 1):
                last = round_no == self.max_tool_rounds
                reply = self._complete(messages, deadline, allow_tools=not last)
                if reply.calls:
                    if last:
                        raise LLMUnavailable(
                            "the model kept calling tools past the round limit",
                            reason="too many tool rounds",
                        )
                    messages.append(assistant_calls(reply))
                    for call in reply.calls:
                        result = self._run(call, state, u, ctx, turn_no, turn)
                        messages.append(
                            {
                                "role": "tool",
                                "tool_call_id": call.id,
                                "content": json.dumps(result, default=str),
                            }
                        )
                    continue
                text = speakable(reply.text)
                if not text:
                    raise LLMUnavailable("the model returned an empty reply", reason="empty reply")
                unbacked = unbacked_claims(text, turn)
                if not unbacked:
                    return self._decide(text, state, u, ctx, turn)
                if repaired or last:
                    raise UnbackedClaim(f"claimed {sorted(unbacked)} without a tool result")
                repaired = True
                messages += [
                    {"role": "assistant", "content": reply.text},
                    {"role": "system", "content": _REPAIR},
                ]
            raise LLMUnavailable("no reply within the round limit")  # pragma: no cover
        except LLMError as exc:
            if turn.wrote:  # the rules would not know what was just done: confirm it ourselves
                decision = self._decide(_confirmation(turn, ctx, u.lang), state, u, ctx, turn)
                decision.fallback_reason = exc.reason
                return decision
            raise

    # --- the model ---------------------------------------------------------------------

    def _messages(
        self,
        state: DialogueState,
        u: Understanding,
        ctx: TurnContext,
        history: list[tuple[str, str]],
    ) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(ctx, state, u.lang)}
        ]
        messages += [
            {"role": role, "content": text}
            for role, text in history[-MAX_HISTORY_MESSAGES:]
            if role in ("user", "assistant") and text
        ]
        messages.append({"role": "user", "content": u.text})
        return messages

    def _complete(
        self, messages: list[dict[str, Any]], deadline: float, *, allow_tools: bool
    ) -> ModelReply:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMUnavailable("the turn's time budget is spent", reason="timeout")
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "tools": self.tools,
            "timeout": remaining,
        }
        if not allow_tools:
            request["tool_choice"] = "none"
        guard = breaker("llm", self.endpoint)
        if not guard.allow():  # down moments ago: the rules answer now, not after a timeout
            raise LLMUnavailable(f"circuit open for {guard.endpoint}", reason="circuit open")
        try:
            if not self.stream:
                reply = read_message(self.client.chat.completions.create(**request))
            else:
                with self.client.chat.completions.create(stream=True, **request) as chunks:
                    reply = read_stream(chunks, deadline)
        except openai.OpenAIError as exc:
            if _server_unwell(exc):
                guard.failed()
            else:
                guard.succeeded()  # it answered: our request was at fault
            raise LLMUnavailable(f"{type(exc).__name__}: {exc}", reason=_failure(exc)) from exc
        except LLMUnavailable:  # the turn's budget ran out mid-stream: a slow server
            guard.failed()
            raise
        except _BROKEN as exc:
            guard.succeeded()
            raise LLMUnavailable(
                f"malformed reply from the model: {exc!r}", reason="malformed reply"
            ) from exc
        guard.succeeded()
        return reply

    # --- the tools ---------------------------------------------------------------------

    def _run(
        self,
        call: Call,
        state: DialogueState,
        u: Understanding,
        ctx: TurnContext,
        turn_no: int,
        turn: _Turn,
    ) -> dict[str, Any]:
        """Run one tool call (``model_tools``); returns the JSON the model is sent."""

        def key() -> str:
            turn.writes_tried += 1
            return f"{ctx.tools.ctx.conversation_id}:llm:{turn_no}:{turn.writes_tried}"

        sent, done = run_model_call(call, state, u, ctx, key)
        if done is not None:
            turn.ok.append(done)
        return sent

    # --- the decision ------------------------------------------------------------------

    def _decide(
        self, text: str, state: DialogueState, u: Understanding, ctx: TurnContext, turn: _Turn
    ) -> Decision:
        """Keep the dialogue state in step with what the tools did; outcome from tools only."""
        return keep_in_step(text, state, u, ctx, turn.ok)


_REPAIR = (
    "Check your last reply: it says an appointment was booked, rescheduled or cancelled, "
    "but no tool did that in this turn. If the caller has confirmed, call the tool now. "
    "If you meant an appointment that already exists, say 'you have an appointment' "
    "instead. Otherwise reword the reply without claiming it is done."
)


def _confirmation(turn: _Turn, ctx: TurnContext, lang: str) -> str:
    """The fixed words for what the tools did, when the model cannot say them."""
    last = [c for c in turn.ok if c.name in WRITES or c.name == "transfer_to_human"][-1]
    result = last.result
    if isinstance(result, Transferred):
        return say("transfer", lang)
    if isinstance(result, Cancelled):
        return say("cancelled", lang)
    assert isinstance(result, Booked | Rescheduled)
    appointment = result.appointment
    service = ctx.service(str(appointment.service_id))
    return say(
        WRITES[last.name],
        lang,
        when=say_when(appointment.start.astimezone(ctx.tz), ctx.today, lang),
        resource=appointment.resource_name,
        service=service.spoken_name(lang) if service else appointment.service_name,
    )


def _server_unwell(exc: openai.OpenAIError) -> bool:
    """Whether the failure says the model server is down or overloaded (timeouts, no
    connection, 429, 5xx, an error mid-stream), not that one request was refused."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return True


def _failure(exc: openai.OpenAIError) -> str:
    """A short label for why the model server failed, for the log and the record."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIStatusError):
        return f"http {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        # The SDK wraps its HTTP client's error; its words say what happened.
        cause = exc.__cause__
        said = f"{type(cause).__name__}: {cause}".lower() if cause else ""
        if "refused" in said:
            return "connection refused"
        return "cannot connect" if "connecterror" in said else "connection error"
    return "api error"  # e.g. an error event in the middle of a stream


def unbacked_claims(text: str, turn: _Turn) -> set[str]:
    return {kind for kind in claimed_actions(text) if not turn.done(SATISFIED_BY[kind])}


def brain_from_settings(settings: Settings) -> Brain | None:
    """The LLM driver when ``FRONTDESK_LLM_BASE_URL`` is set; None means rules only."""
    if not settings.llm_base_url:
        return None
    return LLMBrain(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        max_tool_rounds=settings.llm_max_tool_rounds,
    )
