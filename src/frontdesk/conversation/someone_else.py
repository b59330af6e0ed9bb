"""Someone else's appointment, and what a caller's answer to "shall I put you through?" is.

A caller asking when their wife's or mother's appointment is, at a business whose persona
is private (the clinic), hears the rule said plainly — we only discuss an appointment with
the person who holds it — and then an offer: a person from the team, or help with their
own. They never hear "sorry, I didn't catch that" first, and nothing is looked up, so no
detail of the other person's appointment can leak. A business whose persona is not
private treats the question as "my appointments" (its caller-ID and code rules apply).
"""

from __future__ import annotations

from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.state import DialogueState
from frontdesk.nlu.types import Intent, Understanding

# Asking to book, move or cancel for a relative is a task, not a question about their
# appointment: it takes its own path (a cancel of theirs still needs their phone's code).
_TASKS = (Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL, Intent.AVAILABILITY, Intent.HOURS)


def about_someone_else(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    """The privacy rule and an offer, when a private persona is asked about another
    person's appointment; None otherwise."""
    if not ctx.persona.private or not u.has(Intent.THIRD_PARTY):
        return None
    if any(u.has(task) for task in _TASKS):
        return None
    state.goal, state.target = None, None
    state.reset_booking()
    state.awaiting = "confirm_transfer"
    # The question got its answer (the rule): an information call unless more follows.
    state.outcome = state.outcome or "info"
    return Decision(say("someone_elses_appointment", u.lang), outcome=state.outcome)


def _ranked_first(u: Understanding, first: Intent, second: Intent) -> bool:
    if not u.has(first):
        return False
    return not u.has(second) or u.intents.index(first) < u.intents.index(second)


def _carries_a_task(u: Understanding) -> bool:
    tasks = (*_TASKS, Intent.MY_APPOINTMENTS, Intent.THIRD_PARTY)
    return bool(u.times or u.services) or any(u.has(task) for task in tasks)


def accepts_transfer(state: DialogueState, u: Understanding) -> bool:
    """A yes to "shall I put you through?": not when a "no" outranks it ("ah vale,
    entonces nada") nor when the caller moves on to a task of their own ("right, ok, then
    I'd like a consultation for myself")."""
    return (state.awaiting == "confirm_transfer" and _ranked_first(u, Intent.YES, Intent.NO)
            and not _carries_a_task(u))


def declines_transfer(state: DialogueState, u: Understanding) -> bool:
    """A no to "shall I put you through?" that does not go on to a task of its own."""
    return (state.awaiting == "confirm_transfer" and _ranked_first(u, Intent.NO, Intent.YES)
            and not _carries_a_task(u))
