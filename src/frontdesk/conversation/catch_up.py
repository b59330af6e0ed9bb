"""Catching up on a history answered elsewhere: the state in one pass, acting on nothing.

A stateless door (the OpenAI-compatible one) may hand us a long history we never saw: a
conversation that began on another system, or under another identity. Feeding it turn
by turn through ``Agent.turn`` would cost a whole turn per message (locks, key lookups,
three transactions) and, worse, act again on what was already answered: a past "yes"
would book now. Here each past message goes through the same understanding and the
same policy, in memory, so the dialogue state (service, time, offered slots, name,
phone, language, what is awaited) ends where turn-by-turn chatting would have left it;
tools that only read (slot search, caller lookup) run, tools that act (book,
reschedule, cancel, texting or checking a code) answer "unavailable" and change nothing:
whoever answered those turns acted then. Nothing is written during the pass, so the same
slot search asked twice gets the first answer (a caller going back and forth between two
times costs two searches, not twenty). The record gets the caller's messages under
their own request keys and what the caller heard (the history's words, not ours), all in
one transaction. The LLM is never asked about the past; the rules keep the state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from frontdesk.conversation import policy
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.state import DialogueState
from frontdesk.nlu.types import Understanding

ENGINE = "history"  # the engine recorded on a reply the history gave, not us


@dataclass(frozen=True, slots=True)
class PastTurn:
    text: str  # what the caller said
    request_key: str  # its door key: a retry of that request is answered from the record
    heard: str | None  # what the caller heard back, as the history tells it


@dataclass
class CaughtUp:
    rows: list[dict[str, Any]]  # the record's new turns: caller and reply, in order
    decision: Decision | None  # the last past turn's, with the latest outcome seen
    opted_out: bool  # a past message asked never to be contacted again


def replay_past(
    state: DialogueState,
    past: Sequence[PastTurn],
    context: Callable[[], TurnContext],
    understand: Callable[[str, DialogueState, TurnContext], Understanding],
) -> CaughtUp:
    """Run ``past`` through the policy, updating ``state`` in place. ``context`` makes a
    fresh, non-acting context per message (as each real turn gets its own)."""
    rows: list[dict[str, Any]] = []
    decision: Decision | None = None
    outcome: str | None = None
    opted_out = False
    for turn in past:
        ctx = context()
        u = understand(turn.text, state, ctx)
        ctx.tools.ctx.lang = u.lang
        decision = policy.respond(state, u, ctx)
        outcome = decision.outcome or outcome
        opted_out = opted_out or decision.outcome == "opted_out"
        rows.append(
            {"role": "user", "text": u.text, "language": u.lang, "request_key": turn.request_key}
        )
        rows.append(
            {
                "role": "assistant",
                "text": turn.heard if turn.heard is not None else decision.text,
                "language": u.lang,
                "engine": ENGINE,
            }
        )
    if decision is not None:
        decision = Decision(decision.text, outcome=outcome, end=decision.end)
    return CaughtUp(rows, decision, opted_out)
