"""A caller's rule for when they can come ("any weekday morning except Wednesday") holds
for every time the agent offers, in English and Spanish (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]
WEDNESDAY = 2


def _offered(reply_state: dict[str, object], biz: Business) -> list[datetime]:
    starts = reply_state["offered"]
    assert isinstance(starts, list)
    return [datetime.fromisoformat(s).astimezone(biz.tz) for s in starts]


@pytest.mark.parametrize("text", [
    "Hi, I'd like a haircut, any weekday morning except Wednesday",
    "Hola, quiero cortarme el pelo, cualquier día entre semana por la mañana menos el "
    "miércoles",
])
def test_a_stated_rule_is_kept_by_every_offer(
    monday: Monday, start_chat: StartChat, text: str
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    offer = chat.say(text)
    assert offer.state["awaiting"] == "choice", offer.text
    offered = _offered(offer.state, biz)
    # Without the rule the agent heard "Wednesday" and offered only Wednesdays; with it,
    # three different days, none a Wednesday or a weekend, all in the morning.
    assert len(offered) == 3
    assert all(o.weekday() not in (WEDNESDAY, 5, 6) for o in offered), offered
    assert all(o.hour < 12 for o in offered), offered


@pytest.mark.parametrize("text", [
    "I need a haircut, any weekday except Wednesday, preferably mornings",
    "Necesito cortarme el pelo, cualquier día entre semana menos el miércoles, mejor por la "
    "mañana",
])
def test_a_preferred_part_of_day_ranks_first_and_the_rule_still_holds(
    monday: Monday, start_chat: StartChat, text: str
) -> None:
    biz, monday_morning = monday()
    now = monday_morning.replace(hour=13)  # today only the afternoon is left
    chat = start_chat(biz, now)
    offer = chat.say(text)
    offered = _offered(offer.state, biz)
    assert len(offered) == 3, offer.text
    assert all(o.weekday() != WEDNESDAY for o in offered), offered
    # Earliest first would start with this afternoon; mornings rank first instead, so
    # the three offers are the next three allowed mornings: Tuesday, Thursday, Friday.
    assert all(o.hour < 12 for o in offered), offered
    assert [o.weekday() for o in offered] == [1, 3, 4]


def test_a_particular_time_said_later_replaces_the_rule(
    monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    chat.say("I'd like a haircut, any weekday morning except Wednesday")
    moved = chat.say("actually, Wednesday at 3pm")
    offered = _offered(moved.state, biz)
    assert offered and offered[0].weekday() == WEDNESDAY and offered[0].hour == 15
