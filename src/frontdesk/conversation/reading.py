"""Reading a caller's turn: their words, understood against what the agent just asked.

The same reading serves a live turn (``Agent.turn``) and a past one being caught up
(``catch_up``), so both leave the dialogue state alike.
"""

from __future__ import annotations

from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.state import DialogueState
from frontdesk.nlu.types import Understanding
from frontdesk.nlu.understand import understand

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
    "availability": "time",
}


def read_turn(text: str, state: DialogueState, ctx: TurnContext) -> Understanding:
    """What the caller said, read against what the agent just asked."""
    return understand(
        (text or "").strip()[:MAX_INPUT_CHARS],
        now=ctx.now,
        services=[s.as_nlu() for s in ctx.services],
        region=ctx.tenant.country,
        lang_hint=state.lang,  # type: ignore[arg-type]
        expecting=_EXPECTING.get(state.awaiting or ""),
    )
