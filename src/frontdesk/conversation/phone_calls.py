"""What every phone door does alike above its wire format: greet once, give up after
silences, and on a call a business placed, leave a voicemail on a machine.

A door tells these what happened on the line (the call was answered, nobody spoke, a
machine picked up) and speaks the ``Line`` it gets back in its own format: TwiML for
Twilio, Call Control commands for Telnyx.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.call_lines import line, spoken_lang
from frontdesk.services import calls
from frontdesk.services.conversations import Conversation
from frontdesk.services.tenants import Tenant

# Prompts in a row that got no answer (the greeting or a reply, then one re-prompt)
# before we say goodbye and hang up.
MAX_SILENT_PROMPTS = 2
VOICEMAIL_OUTCOME = "voicemail"


class Answerer(StrEnum):
    """Who picked up a call a business placed (a provider's answering-machine detection)."""

    PERSON = "person"  # or unknown: treated as a person
    MACHINE = "machine"
    FAX = "fax"


@dataclass(frozen=True, slots=True)
class Line:
    """What to say on the call, in which language, and whether to hang up after it (else
    listen for the caller). An empty text says nothing."""

    text: str
    lang: str
    hang_up: bool = False


def greeting(agent: Agent, factory: sessionmaker[Session], tenant: Tenant,
             conversation: Conversation, *, outbound: bool = False) -> Line:
    """The call's first words, said once: a provider that repeats the call's first
    webhook hears the agent's last words again, and nothing new is recorded."""
    text, lang = calls.last_said(factory, conversation.id)
    if text:
        return Line(text, lang)
    reply = agent.greet(tenant, conversation.id, outbound=outbound)
    return Line(reply.text, reply.lang)


def after_silence(agent: Agent, tenant: Tenant, conversation: Conversation,
                  silent_prompts: int) -> Line:
    """Nobody answered ``silent_prompts`` prompts in a row: ask again, or at the limit
    say goodbye and end the conversation."""
    lang = spoken_lang(conversation.language)
    if silent_prompts >= MAX_SILENT_PROMPTS:
        agent.end(tenant, conversation.id)
        return Line(line("silent_goodbye", lang), lang, hang_up=True)
    return Line(line("reprompt", lang), lang)


def answered_outbound(agent: Agent, factory: sessionmaker[Session], tenant: Tenant,
                      conversation: Conversation, answerer: Answerer,
                      business_number: str) -> Line:
    """A call the business placed was answered: a person hears the greeting and is
    listened to; a machine gets a short voicemail (the call's outcome); a fax, nothing."""
    if answerer is Answerer.MACHINE:
        calls.end_with(factory, tenant, conversation.id, VOICEMAIL_OUTCOME,
                       refine_analysis=agent.refine_analysis)
        lang = spoken_lang(conversation.language)
        return Line(voicemail_text(tenant, business_number, lang), lang, hang_up=True)
    if answerer is Answerer.FAX:
        agent.end(tenant, conversation.id)
        return Line("", spoken_lang(conversation.language), hang_up=True)
    return greeting(agent, factory, tenant, conversation, outbound=True)


def voicemail_text(tenant: Tenant, number: str, lang: str) -> str:
    """The message left on a machine: who called, and the number to call back, said the
    way the business's country writes it."""
    try:
        parsed = phonenumbers.parse(number, tenant.country or "US")
        spoken = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        spoken = number
    return line("voicemail", lang, business=tenant.name, number=spoken)
