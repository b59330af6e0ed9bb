"""The conversation behind a speech-to-speech call: a realtime model is the voice, and
this is everything it may touch (issue 15, ADR 0053).

A realtime model (voice/realtime.py) hears the caller and speaks itself, so no
``Agent.turn`` runs. What it is told and what it may do are still ours:

- its instructions are the LLM driver's system prompt (``llm_prompt.system_prompt``:
  the business's name, persona, language, today's date, hours, services, what it tells
  callers, the rules), its tools the LLM driver's tool specs, in the Realtime shape;
- every function call goes through ``model_tools.run_model_call``, the LLM driver's own
  guard and ``Tools.call`` with the same pydantic validation, for the tenant this
  session was opened for (never one the model names); a write's idempotency key is the
  model's call id, so a repeated call books once;
- the dialogue state is kept in step from successful tool results only
  (``model_tools.keep_in_step``), so the rules could take the conversation on;
- what the caller said and what the model said (the Realtime transcripts) and each tool
  call are recorded as turns on the conversation, as the LLM driver's turns are.

Every method blocks (database work): the voice runs them in a worker thread, one at a
time and in order.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontdesk.conversation import phone_calls
from frontdesk.conversation.agent import Agent
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.llm_prompt import system_prompt, tool_specs
from frontdesk.conversation.llm_wire import Call
from frontdesk.conversation.model_tools import keep_in_step, run_model_call
from frontdesk.conversation.reading import read_turn
from frontdesk.conversation.state import DialogueState
from frontdesk.conversation.tool_results import Transferred, wire
from frontdesk.services import conversation_turns as records
from frontdesk.services.conversation_turns import Conversation, TurnChange, record_heard
from frontdesk.services.records import Tenant

ENGINE = "realtime"  # the assistant rows' engine, beside "rules" and "llm"

# Said to the model on top of the LLM driver's prompt: what differs on a live voice call.
_ON_THE_CALL = (
    "On this call:\n"
    "- You are speaking with the caller live, on the phone. You have already greeted "
    "them; do not greet them again.\n"
    "- Keys the caller presses reach you as a short note in brackets.\n"
    "- A tool's result is the only truth about appointments: never say a time is free, "
    "booked, moved or cancelled unless a tool just said so."
)


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """A function call's answer: what the model is sent, and whether it handed the call
    to a person (``transfer_to``: the business's number for one, when it has one)."""

    output: dict[str, Any]
    transferred: bool = False
    transfer_to: str | None = None


class RealtimeSession:
    """One call's conversation, as a realtime model drives it."""

    def __init__(self, agent: Agent, tenant: Tenant, conversation: Conversation,
                 state: DialogueState, ctx: TurnContext) -> None:
        self.agent, self.tenant, self.conversation = agent, tenant, conversation
        self.state, self.ctx = state, ctx
        self.u = read_turn("", state, ctx)  # the caller's latest words, for the guard

    @classmethod
    def open(cls, agent: Agent, tenant: Tenant, conversation: Conversation) -> RealtimeSession:
        """Load the conversation (a known caller recognised by caller ID); nothing is
        recorded until ``greet``, so a model that cannot be reached leaves no trace."""
        state, ctx = agent.context(tenant, conversation.id)
        return cls(agent, tenant, conversation, state, ctx)

    def greet(self) -> phone_calls.Line:
        """The phone door's greeting, recorded once whatever retries."""
        return phone_calls.greeting(self.agent, self.agent.factory, self.tenant,
                                    self.conversation)

    @property
    def conversation_id(self) -> uuid.UUID:
        return self.conversation.id

    # --- what the model is told ------------------------------------------------------------

    def instructions(self) -> str:
        return system_prompt(self.ctx, self.state, self.state.lang) + "\n\n" + _ON_THE_CALL

    def tools(self) -> list[dict[str, Any]]:
        """The LLM driver's tools, in the Realtime API's flat function shape."""
        return [{"type": "function", "name": spec["function"]["name"],
                 "description": spec["function"]["description"],
                 "parameters": spec["function"]["parameters"]} for spec in tool_specs()]

    # --- what happened on the call ---------------------------------------------------------

    def caller_said(self, text: str) -> None:
        """The caller's words (the model's transcription of them), as a user turn."""
        self.u = read_turn(text, self.state, self.ctx)
        self.state.lang = self.u.lang
        self.state.replied_at = self.agent.clock().isoformat()
        self._save([{"role": "user", "text": self.u.text, "language": self.u.lang}], None)

    def run_tool(self, name: str, arguments: str, call_id: str) -> ToolOutput:
        """Run the function the model called; a refusal is data the model reads."""
        call = Call(call_id, name, arguments)
        key = f"{self.conversation.id}:{ENGINE}:{call_id}"
        sent, done = run_model_call(call, self.state, self.u, self.ctx, lambda: key)
        decision = keep_in_step("", self.state, self.u, self.ctx, [done] if done else [])
        rows = [{"role": "tool", "tool_name": c.name, "tool_args": _jsonable(c.args),
                 "tool_result": wire(c.result)} for c in self.ctx.tools.calls]
        self.ctx.tools.calls.clear()
        self._save(rows, decision if decision.outcome else None)
        if done is not None and isinstance(done.result, Transferred):
            return ToolOutput(sent, transferred=True, transfer_to=done.result.to)
        return ToolOutput(sent)

    def agent_said(self, text: str) -> None:
        """The model's words (its audio's transcript), as an assistant turn."""
        row = {"role": "assistant", "text": text, "language": self.state.lang, "engine": ENGINE}
        self._save([row], Decision(text, outcome=None, end=self.state.done))

    def heard(self, planned: str, spoken: str) -> None:
        """The caller talked over the model: only ``spoken`` of ``planned`` was heard."""
        record_heard(self.agent.factory, self.conversation.id, planned, spoken)

    def end(self) -> None:
        """The call is over (hung up, handed over, or the model went)."""
        self.agent.end(self.tenant, self.conversation.id)

    def _save(self, rows: list[dict[str, Any]], decision: Decision | None) -> None:
        state = self.state
        change = TurnChange(
            state=state.to_json(), language=state.lang, customer_id=state.customer_id,
            appointment_id=state.appointment_id, decided=decision is not None,
            outcome=decision.outcome if decision is not None else None,
            end=decision.end if decision is not None else False)
        records.save_turn(self.agent.factory, self.conversation.id, rows, change,
                          now=self.agent.clock(), refine_analysis=self.agent.refine_analysis)


def _jsonable(args: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(
        args, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))
    return out
