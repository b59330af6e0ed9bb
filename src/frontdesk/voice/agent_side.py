"""The conversation behind a streaming call: ``CallSide`` bound to the agent.

The streaming door builds a ``StreamingCall`` with this as its side: the greeting is the
phone door's (said once, whatever retries), each recognised utterance is one
``Agent.turn`` (keyed by its place in the call, so a repeated turn is answered from the
record), silence prompts and goodbyes are the phone door's, and what the caller actually
heard of a reply replaces what was planned in the transcript.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation import phone_calls
from frontdesk.conversation.agent import Agent
from frontdesk.services.conversation_turns import Conversation, record_heard, record_voice_timings
from frontdesk.services.records import Tenant
from frontdesk.voice.pipeline import Said


@dataclass
class AgentSide:
    agent: Agent
    factory: sessionmaker[Session]
    tenant: Tenant
    conversation: Conversation
    turns: int = 0
    handed_over: list[str] = field(default_factory=list)  # numbers a transfer asked for

    def greeting(self) -> Said:
        line = phone_calls.greeting(self.agent, self.factory, self.tenant, self.conversation)
        return Said(line.text, line.lang, line.hang_up)

    def answer(self, text: str) -> Said:
        self.turns += 1
        reply = self.agent.turn(self.tenant, self.conversation.id, text,
                                request_key=f"{self.conversation.external_id}:{self.turns}")
        if reply.transfer and reply.transfer_to:
            self.handed_over.append(reply.transfer_to)
        # A transfer closes the stream too: Twilio then asks where to put the caller.
        return Said(reply.text, reply.lang, hang_up=reply.end or reply.transfer)

    def silence(self, prompts: int) -> Said:
        line = phone_calls.after_silence(self.agent, self.tenant, self.conversation, prompts)
        return Said(line.text, line.lang, line.hang_up)

    def closing(self, lang: str) -> Said:
        """The server is shutting down: apologise and hang up, or put the caller through
        to the business when it has a number for that (the stream's end then transfers:
        Twilio's stream-ended webhook dials it, Telnyx's door sends the transfer)."""
        text, said_in, transfer = self.agent.close_call(
            self.tenant, self.conversation.id, hand_over=bool(self.tenant.fallback_phone))
        if transfer and self.tenant.fallback_phone:
            self.handed_over.append(self.tenant.fallback_phone)
        return Said(text, said_in or lang, hang_up=True)

    def heard(self, planned: str, spoken: str) -> None:
        record_heard(self.factory, self.conversation.id, planned, spoken)

    def hung_up(self) -> None:
        self.agent.end(self.tenant, self.conversation.id)

    def timings(self, latencies_ms: list[float]) -> None:
        """The call is over: keep its voice-to-voice figures on the conversation."""
        record_voice_timings(self.factory, self.conversation.id, latencies_ms)
