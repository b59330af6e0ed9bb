"""The details a business requires before a booking is confirmed (its
``required_fields``: a date of birth, an insurer), asked one at a time after the name
and phone and checked as they are given: a date of birth is a real date in the past.
What is given goes with the booking (the ``book`` tool checks it again) and is kept on
the appointment.
"""

from __future__ import annotations

from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.state import DialogueState
from frontdesk.errors import InvalidInput
from frontdesk.nlu.birth_dates import parse_birth_date
from frontdesk.nlu.types import Understanding
from frontdesk.services.business_info import check_date_of_birth, check_insurance

# Countries that write a numeric date month first (03/04 is March 4th).
_MONTH_FIRST = frozenset({"US", "CA", "PH"})


def ask_missing(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    """Take the answer to the detail just asked for; ask for the next one still missing.
    None when every required detail is in."""
    for field in ctx.info.required_fields:
        if field in state.intake:
            continue
        if state.awaiting == field:
            value = _read(field, u, ctx)
            if value is not None:
                state.intake[field] = value
                continue
            return Decision(say(f"ask_{field}_again", u.lang), reask=True)
        state.awaiting = field  # type: ignore[assignment]
        return Decision(say(f"ask_{field}", u.lang))
    return None


def _read(field: str, u: Understanding, ctx: TurnContext) -> str | None:
    try:
        if field == "date_of_birth":
            day_first = (ctx.tenant.country or "US").upper() not in _MONTH_FIRST
            born = parse_birth_date(u.text, day_first=day_first)
            return check_date_of_birth(born, today=ctx.today).isoformat() if born else None
        if field == "insurance":
            return check_insurance(u.text.strip(" .¿?¡!"))
    except InvalidInput:
        return None
    return None
