from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent, Reply
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant
from tests.conftest import Business, next_weekday


@dataclass
class Chat:
    """One conversation with the agent, as a door would hold it."""

    agent: Agent
    tenant: Tenant
    conversation_id: object
    replies: list[Reply] = field(default_factory=list)

    def say(self, text: str, *, key: str | None = None) -> Reply:
        reply = self.agent.turn(
            self.tenant,
            self.conversation_id,
            text,  # type: ignore[arg-type]
            request_key=key,
        )
        self.replies.append(reply)
        return reply

    @property
    def last(self) -> Reply:
        return self.replies[-1]


@pytest.fixture
def monday(make_business: Callable[..., Business]) -> Callable[..., tuple[Business, datetime]]:
    """A business plus a fixed 'now': Monday 08:00 local, a week or more ahead."""

    def build(**kwargs: object) -> tuple[Business, datetime]:
        biz = make_business(**kwargs)
        return biz, datetime.combine(next_weekday(biz.tz, 0), time(8), tzinfo=biz.tz)

    return build


@pytest.fixture
def start_chat(factory: sessionmaker[Session]) -> Callable[..., Chat]:
    counter = iter(range(10_000))

    def start(
        biz: Business,
        now: datetime,
        *,
        caller_phone: str | None = None,
        caller_verified: bool | None = None,
        persona: str | None = None,
        channel: str = "chat",
        greet: bool = False,
    ) -> Chat:
        tenant = biz.tenant
        if persona:
            with write_session(factory) as session:
                row = session.get_one(Tenant, tenant.id)
                row.persona = persona
            tenant.persona = persona
        agent = Agent(factory, clock=lambda: now)
        # A caller_phone is a caller ID the door vouches for (as on a phone line) unless
        # the test says it is only a claim (caller_verified=False, as from a web chat).
        verified = caller_phone is not None if caller_verified is None else caller_verified
        conversation = agent.open(
            tenant,
            channel,
            f"test-{next(counter)}",
            caller_phone=caller_phone,
            caller_verified=verified,
        )
        chat = Chat(agent, tenant, conversation.id)
        if greet:
            chat.replies.append(agent.greet(tenant, conversation.id))
        return chat

    return start


def day_after(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)
