"""A change to a booking the caller did not call a reschedule: the one just made in this
call ("actually, can we make it 4?", "mejor el jueves"), or one counted from a booking
("push my manicure an hour later", "same time but Thursday").

Read as a new booking these leave the caller with two appointments, or search from today
for what was counted from the booking; both are a move of an existing appointment.
"""

from __future__ import annotations

import re

from frontdesk.conversation import relative, when
from frontdesk.conversation.state import DialogueState
from frontdesk.nlu.types import Intent, Understanding

# "Also a haircut for my son on Thursday", "y otra para mi hija": another booking.
_ANOTHER = re.compile(
    r"\b(also|another|too|as well|second|one more|for my|for her|for him|"
    r"tambi[eé]n|otra|otro|adem[aá]s|para mi|para su)\b",
    re.IGNORECASE,
)
_ELSEWHERE = (Intent.HOURS, Intent.MY_APPOINTMENTS, Intent.CANCEL, Intent.HUMAN)


def amending(state: DialogueState, u: Understanding) -> bool:
    """Right after a booking in this call, a new time for it is a move of that booking."""
    made = state.booked_here
    if made is None or state.awaiting != "anything_else" or state.goal is not None:
        return False
    if _ANOTHER.search(u.text) or any(u.has(i) for i in _ELSEWHERE):
        return False
    if any(m.service_id != made.service_id for m in u.services):
        return False  # another service is another booking
    changing = u.has(Intent.CORRECTION) or u.has(Intent.RESCHEDULE)
    if u.has(Intent.BOOK) and not changing:
        return False  # "can I book Thursday as well": a verb for a new one
    if not changing and (u.has(Intent.GOODBYE) or u.has(Intent.THANKS)):
        return False  # "thanks, see you Thursday"
    if u.times or relative.read(u.text) is not None:
        return True
    return changing and when.bare_hour(u.text) is not None  # "can we move it to 4?"


def start_amending(state: DialogueState) -> None:
    """Move the booking made in this call: from its own time, so "make it Thursday" keeps
    its clock and "4" its day."""
    made = state.booked_here
    assert made is not None
    state.goal, state.awaiting, state.target = "reschedule", None, made
    state.reset_booking()
    state.time = {"kind": "instant", "value": made.start, "grain": "minute", "text": None}


def moves_a_booking(state: DialogueState, u: Understanding) -> bool:
    """A fresh request counted from a booking ("an hour later", "the same time but
    Thursday") is about an appointment the caller holds, whatever verb it came with."""
    if state.goal not in (None, "book", "availability") or state.time or state.offered:
        return False
    if state.awaiting not in (None, "anything_else"):
        return False
    if relative.read(u.text) is not None:
        return True
    return relative.keeps_booking_clock(u.text) and any(when.has_day(m.text) for m in u.times)
