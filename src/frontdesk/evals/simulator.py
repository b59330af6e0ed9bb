"""The simulated caller: says the script, then answers whatever the agent asks.

Each agent reply comes with what the agent awaits (``Reply.state["awaiting"]``
in-process) or, when only text is available (a server), what the keyword rules of
:mod:`.textrules` read from the words. The caller then says, in order:

1. the next script line, if it has no ``when`` or its ``when`` is what the agent awaits;
2. otherwise the scenario's answer for what the agent awaits (``answers``; a list is
   used one item per question, the last one repeating);
3. otherwise nothing: it hangs up, and :attr:`Caller.stuck` says why.

Asked for the code the agent texted (to prove a number the caller stated), the caller
reads their phone: the newest verification text the business sent (``inbox``), unless
the scenario's ``answers: code`` says otherwise (a caller who does not hold that phone).

After the expected outcome is reached and the script is spent, it only answers
"anything else?" (to close the call politely) and then stops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from frontdesk.evals import textrules
from frontdesk.evals.scenario import Scenario, expand

# What any caller says to these unless the scenario says otherwise.
DEFAULT_ANSWERS: dict[str, dict[str, str]] = {
    "en": {"confirm": "yes, that's right", "anything_else": "no, that's all, thanks",
           "resend_code": "yes, send me a new one"},
    "es": {"confirm": "sí, correcto", "anything_else": "no, nada más, gracias",
           "resend_code": "sí, envíeme uno nuevo"},
}


@dataclass(frozen=True, slots=True)
class AgentTurn:
    """One thing the agent said, with what is known about the dialogue after it."""

    text: str
    awaiting: str | None = None
    state_known: bool = False  # awaiting/outcome come from the agent's state, not its words
    outcome: str | None = None
    end: bool = False
    offers: int | None = None  # how many times are on offer, when known


class Caller:
    def __init__(self, scenario: Scenario, anchor: date,
                 inbox: Callable[[], str | None] | None = None) -> None:
        self.scenario = scenario
        self.anchor = anchor
        self.inbox = inbox  # the newest code texted to the caller's phone, if any
        self.position = 0  # next script line
        self.used: dict[str, int] = {}  # answers given per key
        self.awaiting: str | None = None  # what the agent awaited after its last reply
        self.outcome: str | None = None
        self.stuck: str | None = None  # why the caller hung up with nothing to say

    # --- reading the agent ---------------------------------------------------------------

    def observe(self, turn: AgentTurn) -> str | None:
        """Update what the agent awaits and the outcome so far; returns awaiting."""
        if turn.state_known:
            awaiting = turn.awaiting
            outcome = turn.outcome
        else:
            inferred = textrules.infer_awaiting(turn.text)
            awaiting = self.awaiting if inferred == textrules.REPEAT else inferred
            outcome = textrules.infer_outcome(turn.text)
        self.awaiting = awaiting
        if outcome:
            self.outcome = outcome
        return awaiting

    def _single_offer(self, turn: AgentTurn) -> bool:
        if turn.offers is not None:
            return turn.offers == 1
        return textrules.offers_one(turn.text)

    # --- answering -------------------------------------------------------------------------

    def _answer(self, key: str, *, default: bool = True) -> str | None:
        options = self.scenario.answers.get(key)
        if options:
            index = self.used.get(key, 0)
            self.used[key] = index + 1
            return options[min(index, len(options) - 1)]
        if default:
            return DEFAULT_ANSWERS[self.scenario.lang].get(key)
        return None

    def answer_for(self, awaiting: str | None, turn: AgentTurn) -> str | None:
        if awaiting is None:
            return None
        if awaiting == "code":
            return self._answer("code", default=False) or (self.inbox() if self.inbox else None)
        if awaiting == "choice" and self._single_offer(turn):
            # "I have 3 PM with Ana. Shall I book that?" is answered like a yes/no question.
            return (self._answer("confirm", default=False) or self._answer("choice")
                    or self._answer("confirm"))
        return self._answer(awaiting)

    def next_line(self, turn: AgentTurn) -> str | None:
        """What the caller says to ``turn``; None when the caller is done (hangs up)."""
        awaiting = self.observe(turn)
        if turn.end:
            return None
        script = self.scenario.script
        if self.position < len(script):
            step = script[self.position]
            if step.when is None or step.when == awaiting:
                self.position += 1
                return self._expand(step.say)
            line = self.answer_for(awaiting, turn)
            if line is None:
                self.stuck = (f"the agent awaited {awaiting!r}, the next script line waits for "
                              f"{step.when!r} and there is no answer for {awaiting!r}")
            return self._expand(line) if line is not None else None
        if self.outcome == self.scenario.expect.outcome and awaiting != "anything_else":
            return None  # done: the caller got what they called for
        line = self.answer_for(awaiting, turn)
        if line is None and self.outcome != self.scenario.expect.outcome:
            self.stuck = (f"script finished and no answer for what the agent awaited "
                          f"({awaiting!r})")
        return self._expand(line) if line is not None else None

    def _expand(self, text: str) -> str:
        return expand(text, self.anchor, self.scenario.lang)
