"""The SMS desk: one inbound text to (at most) one answer, carrier keywords first.

A text from a customer to a business's number becomes a turn of the conversation on
channel "sms" between those two numbers. Carrier keywords are honoured before anything
else: STOP (and its synonyms, Spanish too) opts the customer out of every text and call,
and we never text them again until START; HELP answers a short help text. A bare C / X /
R answers a reminder: confirm, cancel the next appointment, or start moving it. The
cancel goes through the agent's own ``cancel`` tool, so it obeys the same rules as a
cancel asked for in words. Everything else is an ordinary turn of the agent.

Each message is acted on once: the provider's message id is the turn's request key, so
a retried delivery gets the first answer again and changes nothing.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.refusals import say_refusal
from frontdesk.conversation.tool_results import Cancelled, CustomerFound, Refused, wire
from frontdesk.conversation.tools import ToolContext, Tools
from frontdesk.errors import RefusalCode
from frontdesk.services import request_keys
from frontdesk.services.conversations import Conversation
from frontdesk.services.customers import Customer, find_by_phone
from frontdesk.services.phone_numbers import as_e164, tenant_for_number
from frontdesk.services.sms_records import (
    Consent,
    record_keyword_turn,
    texted_since_last_reply,
)
from frontdesk.services.tenants import Tenant

log = logging.getLogger(__name__)

CHANNEL = "sms"
KEY_PREFIX = "sms"
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BAJA", "ALTO", "PARAR"}
)
START_WORDS = frozenset({"START", "UNSTOP", "ALTA"})
HELP_WORDS = frozenset({"HELP", "AYUDA"})
REMINDER_WORDS = frozenset({"C", "X", "R"})  # confirm, cancel, reschedule
# A question the agent texted is answered within this, or it lapses: a "yes" the next
# day is no answer to yesterday's "Shall I book it?" (ADR 0048).
QUESTION_TTL = timedelta(hours=2)
_SPANISH = frozenset({"BAJA", "ALTO", "PARAR", "ALTA", "AYUDA"})

_TEXTS = {
    "help": {
        "en": "{business}: text us to book, move or cancel an appointment. "
        "Reply STOP to opt out.{call}",
        "es": "{business}: escríbanos para reservar, cambiar o cancelar una cita. "
        "Responda BAJA para no recibir más mensajes.{call}",
    },
    "call": {"en": " Or call {phone}.", "es": " O llame al {phone}."},
    "start": {
        "en": "{business}: you will get our texts again. Reply HELP for help, STOP to opt out.",
        "es": "{business}: volverá a recibir nuestros mensajes. Responda AYUDA para ayuda, "
        "BAJA para darse de baja.",
    },
    # Carriers expect a STOP to be answered once, saying it worked and how to undo it.
    "stopped": {
        "en": "{business}: you have been unsubscribed and will get no more messages from us. "
        "Reply START to resubscribe.",
        "es": "{business}: se ha dado de baja y no recibirá más mensajes nuestros. "
        "Responda ALTA para volver a recibirlos.",
    },
    "confirmed": {"en": "Thanks, see you then!", "es": "¡Gracias, le esperamos!"},
    # What an "R" means, said to the agent as the customer would say it.
    "reschedule": {"en": "I'd like to reschedule my appointment", "es": "Quiero cambiar mi cita"},
}


@dataclass(frozen=True, slots=True)
class InboundSms:
    message_id: str  # Twilio MessageSid / Telnyx event id: the de-duplication key
    from_number: str
    to_number: str
    text: str


@dataclass(frozen=True, slots=True)
class SmsAnswer:
    """What to text back (None: nothing) and to whom, for the business it reached."""

    text: str | None
    tenant_id: uuid.UUID | None = None
    customer_phone: str | None = None
    customer_id: uuid.UUID | None = None


def keyword(text: str) -> str | None:
    """A one-word message in capitals without punctuation ("Stop." -> "STOP")."""
    words = text.split()
    if len(words) != 1:
        return None
    return re.sub(r"[^\w]", "", words[0]).upper() or None


class SmsDesk:
    """Answers inbound texts for every business, once per provider message."""

    def __init__(self, factory: sessionmaker[Session], agent: Agent) -> None:
        self.factory, self.agent = factory, agent

    def handle(self, sms: InboundSms) -> SmsAnswer:
        tenant = tenant_for_number(self.factory, sms.to_number)
        if tenant is None:
            log.warning("text to %s, which no business owns: ignored", sms.to_number)
            return SmsAnswer(None)
        # A short code or an alphanumeric sender is kept as given.
        phone = as_e164(sms.from_number, tenant.country) or sms.from_number
        # From is the sender's number on a signed webhook: the texter holds that phone.
        conversation = self.agent.open(
            tenant, CHANNEL, f"{phone}|{sms.to_number}", caller_phone=phone, caller_verified=True
        )
        key = request_keys.fit(KEY_PREFIX, sms.message_id)
        with self.factory() as session:
            customer = find_by_phone(session, tenant, phone)
            if request_keys.seen(session, conversation.id, key):
                answer = request_keys.reply_to(session, conversation.id, key)
                return _answer((answer.text or None) if answer else None, tenant, phone, customer)
        text = _Turn(self, tenant, conversation, customer, phone, key).respond(sms.text)
        return _answer(text, tenant, phone, customer)


def _answer(text: str | None, tenant: Tenant, phone: str,
            customer: Customer | None) -> SmsAnswer:
    return SmsAnswer(text, tenant.id, phone, customer.id if customer else None)


@dataclass
class _Turn:
    """One new message from one texter."""

    desk: SmsDesk
    tenant: Tenant
    conversation: Conversation
    customer: Customer | None
    phone: str
    key: str

    def respond(self, text: str) -> str | None:
        word = keyword(text)
        lang = "es" if word in _SPANISH else self._lang()
        if word in STOP_WORDS:
            reply = _TEXTS["stopped"][lang].format(business=self.tenant.name)
            self._record(text, reply, consent=Consent.OPT_OUT)
            return reply
        if self.customer is not None and self.customer.do_not_call and word not in START_WORDS:
            return None  # opted out: we never answer, whatever they write
        if word in START_WORDS:
            reply = _TEXTS["start"][lang].format(business=self.tenant.name)
            self._record(text, reply, consent=Consent.OPT_IN)
            return reply
        if word in HELP_WORDS:
            reply = self._help(lang)
            self._record(text, reply)
            return reply
        if word in REMINDER_WORDS:
            tools = self._tools(lang)
            upcoming = _next_appointment(tools, self.phone)
            if upcoming is not None and word == "C":
                reply = _TEXTS["confirmed"][lang]
                self._record(text, reply, confirm=uuid.UUID(upcoming))
                return reply
            if upcoming is not None and word == "X":
                refusal = _cancel(tools, upcoming, self.tenant, lang)  # else the outbox answers
                self._record(text, refusal, tools=tools)
                return refusal
            if upcoming is not None and word == "R":
                # A new request: nothing of an earlier one (its time, its offers) carries.
                return self._agent_turn(_TEXTS["reschedule"][lang], fresh=True)
        return self._agent_turn(text)

    def _agent_turn(self, text: str, *, fresh: bool = False) -> str | None:
        stale = not fresh and texted_since_last_reply(
            self.desk.factory, self.tenant, self.conversation.id, self.phone)
        answer = self.desk.agent.turn(self.tenant, self.conversation.id, text,
                                      request_key=self.key, fresh=fresh, stale=stale,
                                      question_ttl=QUESTION_TTL)
        return answer.text or None

    def _help(self, lang: str) -> str:
        phone = self.tenant.fallback_phone
        call = _TEXTS["call"][lang].format(phone=phone) if phone else ""
        return _TEXTS["help"][lang].format(business=self.tenant.name, call=call)

    def _lang(self) -> str:
        lang = (self.customer.language if self.customer else None) or self.tenant.languages[0]
        return lang if lang in ("en", "es") else "en"

    def _tools(self, lang: str) -> Tools:
        """The agent's tools, for this conversation (the texter's number is vouched for)."""
        return Tools(ToolContext(
            self.desk.factory, self.tenant, self.conversation.id, self.conversation.channel,
            self.conversation.caller_phone, self.desk.agent.clock, lang=lang,
        ))

    def _record(self, text: str, reply: str | None, *, consent: Consent | None = None,
                tools: Tools | None = None, confirm: uuid.UUID | None = None) -> None:
        rows: list[dict[str, Any]] = [{"role": "user", "text": text, "request_key": self.key}]
        rows += [{"role": "tool", "tool_name": c.name, "tool_args": c.args,
                  "tool_result": wire(c.result)} for c in (tools.calls if tools else [])]
        rows.append({"role": "assistant", "text": reply or "", "engine": "rules"})
        record_keyword_turn(self.desk.factory, self.tenant, self.conversation.id, rows,
                            consent=consent, phone=self.phone, confirm=confirm,
                            now=self.desk.agent.clock())


def _next_appointment(tools: Tools, phone: str) -> str | None:
    """The id of the texter's next appointment, asked of the lookup tool (bookkeeping, so
    not kept among the turn's tool calls)."""
    found = tools.call("lookup_customer", {"phone": phone})
    tools.calls.clear()
    if not isinstance(found, CustomerFound) or not found.appointments:
        return None
    return str(found.appointments[0].id)


def _cancel(tools: Tools, appointment_id: str, tenant: Tenant, lang: str) -> str | None:
    """Cancel through the tool; None when done (the outbox texts the cancellation), else
    why not, in the texter's language (never the service's own words)."""
    result = tools.call("cancel", {"appointment_id": appointment_id})
    if isinstance(result, Cancelled):
        return None
    code = result.code if isinstance(result, Refused) else RefusalCode.UNAVAILABLE
    return say_refusal(code, lang, notice_minutes=tenant.min_notice_minutes,
                       days_ahead=tenant.max_days_ahead)
