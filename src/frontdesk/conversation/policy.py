"""The deterministic dialogue policy: understand -> update state -> decide what to say.

It books real appointments with no LLM. Every write goes through ``Tools`` (the same
tools the LLM driver uses); the policy only decides which tool to call and what to say.
"""

from __future__ import annotations

from datetime import datetime

from frontdesk.conversation import changes, manage, questions, someone_else, verify
from frontdesk.conversation.absorb import absorb
from frontdesk.conversation.booking_flow import book_flow
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.outbound import opening, outbound_answer
from frontdesk.conversation.personas import greeting_line
from frontdesk.conversation.phrases import say
from frontdesk.conversation.speech import say_when
from frontdesk.conversation.state import DialogueState
from frontdesk.nlu.types import Intent, Understanding

MAX_MISUNDERSTOOD = 3

_GOAL_OF = {
    Intent.BOOK: "book",
    Intent.RESCHEDULE: "reschedule",
    Intent.CANCEL: "cancel",
    Intent.MY_APPOINTMENTS: "my_appointments",
    Intent.THIRD_PARTY: "my_appointments",  # a private persona answers it before this
    Intent.AVAILABILITY: "availability",
    Intent.HOURS: "hours",
}


def respond(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision:
    """Decide the reply to one caller turn, updating ``state`` in place."""
    state.lang = u.lang
    lang = u.lang
    if state.done and state.outcome == "transferred":
        return transfer(state, lang, None)  # the reason was recorded the first time
    if state.done:
        state.done = False  # they spoke again after goodbye: carry on
    if u.has(Intent.OPT_OUT):
        state.done, state.outcome = True, "opted_out"
        return Decision(say("opted_out", lang), outcome="opted_out", end=True)
    if u.has(Intent.HUMAN) or someone_else.accepts_transfer(state, u):
        return transfer(state, lang, "caller asked for a person")
    if someone_else.declines_transfer(state, u):
        state.awaiting = "anything_else"
        return Decision(say("anything_else", lang))
    # A call we placed (or a text back to a campaign): its outcomes and its offers.
    if (answered := outbound_answer(state, u, ctx)) is not None:
        return answered

    if _leaving(u):
        return goodbye(state, lang)  # "ok great, I'll call back to book. Thanks, bye!"
    if (declined := someone_else.about_someone_else(state, u, ctx)) is not None:
        return declined
    # Prices, the address, parking, the FAQ, a service not offered: answered from what
    # the business said, and the booking carries on where it was.
    if (answered := questions.answer(state, u, ctx)) is not None:
        state.misunderstood = 0
        return answered
    amend = changes.amending(state, u)
    _switch_goal(state, u)
    if amend:
        changes.start_amending(state)
    elif changes.moves_a_booking(state, u):
        state.goal, state.awaiting = "reschedule", None
    progressed = absorb(state, u, ctx)

    idle = state.goal is None or state.awaiting == "anything_else"
    if idle and state.awaiting not in verify.WAITING:
        decision = _no_goal(state, u, ctx, progressed)
    else:
        decision = advance(state, u, ctx)
    if decision is None:
        return _misunderstood(state, lang)
    if decision.reask:
        # The same question a third time means we are not getting anywhere.
        state.misunderstood += 1
        if state.misunderstood >= MAX_MISUNDERSTOOD - 1:
            return transfer(state, lang, "repeated misunderstanding", key="transfer_misunderstood")
    else:
        state.misunderstood = 0
    return decision


def advance(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    """Take the current task one step further (after the code, when one is pending)."""
    if state.awaiting in verify.WAITING and state.pending_phone:
        asked = verify.on_answer(state, u, ctx)
        if asked is not None:
            return asked
        return verify.confirmed(state, _task(state, u, ctx), u.lang)
    if state.awaiting in verify.WAITING:
        state.awaiting = None  # no code on record to wait for: carry on with the task
    return _task(state, u, ctx)


def _task(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    if state.goal in ("book", "availability"):
        return book_flow(state, u, ctx)
    if state.goal == "reschedule":
        return manage.reschedule(state, u, ctx)
    if state.goal == "cancel":
        return manage.cancel(state, u, ctx)
    if state.goal == "my_appointments":
        return manage.list_appointments(state, u, ctx)
    if state.goal == "hours":
        return manage.opening_hours(state, u, ctx)
    return None


def _leaving(u: Understanding) -> bool:
    """A goodbye that is not also an answer ("yes please, bye" still books)."""
    if not u.has(Intent.GOODBYE) or u.choice is not None or u.times:
        return False
    return not u.has(Intent.YES) or u.intents.index(Intent.GOODBYE) < u.intents.index(Intent.YES)


def _switch_goal(state: DialogueState, u: Understanding) -> None:
    for intent in u.intents:
        goal = _GOAL_OF.get(intent)
        if goal is None:
            continue
        if goal == state.goal or (state.goal == "book" and goal == "availability"):
            return
        if state.goal in ("reschedule", "cancel") and goal in ("book", "availability"):
            return  # "book me in for Thursday instead" while rescheduling: same task
        state.goal = goal  # type: ignore[assignment]
        state.awaiting = None
        state.reset_booking()
        if goal in ("book", "availability", "hours", "my_appointments"):
            state.target = None
        return


def _no_goal(
    state: DialogueState, u: Understanding, ctx: TurnContext, progressed: bool
) -> Decision | None:
    lang = u.lang
    if state.awaiting == "anything_else":
        if u.has(Intent.NO) or u.has(Intent.THANKS) or u.has(Intent.GOODBYE):
            return goodbye(state, lang)
        if u.times or u.services:  # "ok, a haircut then, Friday at 10": that is what else
            state.goal, state.awaiting = "book", None
            return advance(state, u, ctx)
        if u.has(Intent.YES):
            state.awaiting = None
            return Decision(say("what_else", lang))
        return None
    if u.has(Intent.GOODBYE):
        return goodbye(state, lang)
    if u.has(Intent.THANKS):
        state.awaiting = "anything_else"
        return Decision(say("welcome", lang))
    if u.services or u.times:
        state.goal = "book"  # "a haircut tomorrow" needs no verb
        return advance(state, u, ctx)
    if u.has(Intent.GREETING) or u.has(Intent.YES):
        return Decision(say("greet_back", lang))
    return None


def _misunderstood(state: DialogueState, lang: str) -> Decision:
    state.misunderstood += 1
    if state.misunderstood >= MAX_MISUNDERSTOOD:
        return transfer(state, lang, "repeated misunderstanding", key="transfer_misunderstood")
    key = "not_understood_time" if state.awaiting == "time" else "not_understood"
    if state.awaiting == "name":
        key = "ask_name_again"
    elif state.awaiting == "phone":
        key = "ask_phone_again"
    return Decision(say(key, lang))


def transfer(state: DialogueState, lang: str, reason: str | None, *,
             key: str = "transfer") -> Decision:
    state.done, state.outcome = True, "transferred"
    state.awaiting = None
    return Decision(say(key, lang), outcome="transferred", transfer=True, end=True,
                    transfer_reason=reason)


def goodbye(state: DialogueState, lang: str) -> Decision:
    state.done = True
    # Leaving after hearing what is free is an answered question, not an abandoned call.
    informed = state.goal in ("hours", "my_appointments", "availability") or bool(state.offered)
    state.outcome = state.outcome or ("info" if informed else "abandoned")
    return Decision(say("goodbye", lang), outcome=state.outcome, end=True)


def greeting(
    state: DialogueState,
    ctx: TurnContext,
    lang: str,
    *,
    name: str | None,
    next_appointment: tuple[str, datetime] | None,
    outbound: bool = False,
) -> str:
    """The opening line; a known caller hears their name and next appointment."""
    persona = ctx.persona
    business = ctx.tenant.name
    if outbound:  # we called them: the disclosure first (conversation/outbound.py)
        about = None
        if next_appointment and (state.verified or not persona.private):
            service, when = next_appointment
            about = say(
                "outbound_about", lang, service=service, when=say_when(when, ctx.today, lang)
            )
        return opening(state, ctx, lang, name=name, about=about)
    text = greeting_line(persona, business, ctx.tenant.greeting, lang,
                         name=name.split()[0] if name else None)
    if next_appointment and (state.verified or not persona.private):
        service, when = next_appointment
        first, rest = text.rsplit(". ", 1) if ". " in text else ("", text)
        mention = say(
            "next_appointment", lang, service=service, when=say_when(when, ctx.today, lang)
        )
        text = f"{first}. {mention} {rest}" if first else f"{mention} {rest}"
    return text
