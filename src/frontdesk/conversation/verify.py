"""Proving a stated number before its appointments are read or changed: the dialogue
around the ``send_verification_code`` and ``check_verification_code`` tools.

The tools are what enforce it (``lookup_customer``, ``reschedule`` and ``cancel`` refuse
a number this conversation has not proved); this module only decides what to say: the
code is on its way, that code is wrong (and how many tries are left), it expired (a new
one, or a person), and, once it is right, carries on with what the caller asked for.
"""

from __future__ import annotations

import re

from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.state import DialogueState
from frontdesk.conversation.tool_results import CodeSent, PhoneProved, Refused
from frontdesk.errors import RefusalCode
from frontdesk.nlu.types import Intent, Understanding

WAITING = ("code", "resend_code")

# "I didn't get it", "send me a new one", "no me ha llegado", "mándemelo de nuevo".
_RESEND = re.compile(
    r"\b(re-?send|send (it|that|one|another|a new one|me (it|one|a new one|another( one)?))|"
    r"(didn'?t|did not|haven'?t|have not|never) (get|got|receive|received)|"
    r"(a )?new (one|code)|another (one|code)|no (me )?(ha )?llegado|no (me )?llega|"
    r"no (lo|la|le) he recibido|otro c[oó]digo|uno nuevo|reenv\w*|"
    r"(env[ií]\w*|m[aá]nd\w*) (otra vez|de nuevo|otro))\b",
    re.IGNORECASE,
)


def start(state: DialogueState, ctx: TurnContext, lang: str, phone: str) -> Decision:
    """Text a code to ``phone`` and ask for it (or say why none can be sent)."""
    result = ctx.tools.call("send_verification_code", {"phone": phone, "language": lang})
    if isinstance(result, CodeSent):
        state.pending_phone = result.phone
        state.awaiting = "code"
        return Decision(say("code_sent", lang, ending=result.phone[-4:]))
    state.pending_phone = None
    error = result.code if isinstance(result, Refused) else None
    if error is RefusalCode.INVALID_INPUT:  # not a number we can text: ask again
        state.phone, state.awaiting = None, "phone"
        return Decision(say("ask_phone_again", lang))
    state.awaiting = "confirm_transfer"
    key = "code_limit" if error is RefusalCode.RATE_LIMITED else "cannot_text"
    return Decision(say(key, lang))


def on_answer(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    """The caller's answer while a code is pending. None once the number is proved: the
    caller's task goes on (and the reply starts with :func:`confirmed`)."""
    lang = u.lang
    phone = state.pending_phone
    assert phone is not None
    if state.awaiting == "resend_code":
        if (u.has(Intent.YES) and not u.has(Intent.NO)) or _RESEND.search(u.text):
            return start(state, ctx, lang, phone)
        if u.has(Intent.NO):
            state.pending_phone, state.goal, state.awaiting = None, None, "anything_else"
            return Decision(say("no_new_code", lang))
        return Decision(say("code_expired", lang), reask=True)
    if u.code is None:
        if u.phone and u.phone != phone:  # "no, it's under 212 555 0188"
            state.phone = u.phone
            return start(state, ctx, lang, u.phone)
        if _RESEND.search(u.text):
            return start(state, ctx, lang, phone)
        return Decision(say("ask_code_again", lang, ending=phone[-4:]), reask=True)
    result = ctx.tools.call("check_verification_code", {"code": u.code, "phone": phone})
    if isinstance(result, PhoneProved):
        proved(state, result.phone)
        return None
    refused = result if isinstance(result, Refused) else None
    if refused is not None and refused.code is RefusalCode.WRONG_CODE:
        tries = refused.tries_left or 0
        return Decision(say("wrong_code" if tries > 1 else "wrong_code_last", lang, tries=tries))
    state.awaiting = "resend_code"
    dead = refused is not None and refused.code is RefusalCode.TOO_MANY_TRIES
    return Decision(say("code_dead" if dead else "code_expired", lang))


def proved(state: DialogueState, phone: str) -> None:
    """The caller holds ``phone``: what was found under it may now be read out."""
    state.verified = True
    state.phone = phone
    state.pending_phone = None
    state.awaiting = None
    state.appointments = []  # look them up again, now that the tools allow it
    state.target = None


def confirmed(state: DialogueState, decision: Decision | None, lang: str) -> Decision:
    """The reply to a right code: say so, then whatever the task asks next."""
    thanks = say("code_ok", lang)
    if decision is None:
        state.goal, state.awaiting = None, "anything_else"
        return Decision(f"{thanks} {say('anything_else', lang)}")
    decision.text = f"{thanks} {decision.text}"
    return decision
