"""The LLM driver's prompt after the history stopped being read: the model is sent the
same messages as before (the last 24 of everything said), and its writes keep their
idempotency keys (numbered by every message said, not by the window)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.llm import MAX_HISTORY_MESSAGES
from frontdesk.services.conversation_turns import RECENT_MESSAGES, history
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn
from tests.conversation.test_llm import appointments, book_args, make_agent, open_chat


def test_a_long_chat_sends_the_model_the_tail_of_the_whole_history(
        factory: sessionmaker[Session], biz: Business, standin: StandIn) -> None:
    assert MAX_HISTORY_MESSAGES <= RECENT_MESSAGES  # a brain never wants more than kept
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    for i in range(16):  # 32 messages: more than the window
        standin.reply(f"Noted, thing number {i}. Anything else?")
        assert agent.turn(biz.tenant, cid, f"I have a question about thing {i}").engine == "llm"
    said = history(factory, cid)
    assert len(said) == 32

    standin.call_tools(("book", book_args(biz)))
    standin.reply("You're booked for a haircut on Tuesday at 10 AM with Ana. Anything else?")
    reply = agent.turn(biz.tenant, cid, "Please book me a haircut Tuesday at 10")

    assert reply.outcome == "booked"
    sent = standin.requests[-2]["messages"]  # the first request of that turn
    assert sent[1:-1] == [{"role": r, "content": t} for r, t in said[-MAX_HISTORY_MESSAGES:]]
    assert sent[-1] == {"role": "user", "content": "Please book me a haircut Tuesday at 10"}
    [appointment] = appointments(factory, biz)
    assert appointment.idempotency_key == f"{cid}:llm:32:1"  # as len(history) numbered it
