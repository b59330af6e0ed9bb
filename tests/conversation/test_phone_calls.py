"""What every phone door shares above its wire: greet once, silences, voicemail."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation import phone_calls
from frontdesk.conversation.agent import Agent
from frontdesk.conversation.call_lines import LINES, line
from frontdesk.conversation.phone_calls import Answerer
from frontdesk.services.conversations import Conversation
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation as ConversationRow
from frontdesk.store.models import Tenant
from tests.conftest import Business


def _call(factory: sessionmaker[Session], biz: Business, sid: str = "CA1") -> Conversation:
    return Agent(factory).open(biz.tenant, "phone", sid, caller_phone="+12125550142",
                               caller_verified=True)


def _row(factory: sessionmaker[Session], conversation: Conversation) -> ConversationRow:
    with factory() as session:
        return session.get_one(ConversationRow, conversation.id)


def test_every_line_is_said_in_english_and_spanish() -> None:
    for key, texts in LINES.items():
        assert set(texts) == {"en", "es"}, key
    assert line("reprompt", "fr") == LINES["reprompt"]["en"]


def test_the_greeting_is_said_once(factory: sessionmaker[Session], biz: Business) -> None:
    agent = Agent(factory)
    call = _call(factory, biz)
    first = phone_calls.greeting(agent, factory, biz.tenant, call)
    again = phone_calls.greeting(agent, factory, biz.tenant, _call(factory, biz))
    assert first.text and again == first and not first.hang_up
    assert _row(factory, call).turn_count == 0


def test_silences_reprompt_then_end_the_call(factory: sessionmaker[Session],
                                             biz: Business) -> None:
    agent = Agent(factory)
    call = _call(factory, biz)
    reprompt = phone_calls.after_silence(agent, biz.tenant, call, 1)
    assert reprompt.text == line("reprompt", "en") and not reprompt.hang_up
    assert _row(factory, call).ended_at is None
    goodbye = phone_calls.after_silence(agent, biz.tenant, call, phone_calls.MAX_SILENT_PROMPTS)
    assert goodbye.text == line("silent_goodbye", "en") and goodbye.hang_up
    row = _row(factory, call)
    assert row.ended_at is not None and row.outcome == "abandoned"


def test_a_machine_gets_a_voicemail_in_the_business_language(
        factory: sessionmaker[Session], biz: Business) -> None:
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).languages = ["es"]
    biz.tenant.languages = ["es"]
    call = _call(factory, biz)
    said = phone_calls.answered_outbound(Agent(factory), factory, biz.tenant, call,
                                         Answerer.MACHINE, "+12125550100")
    assert said.hang_up and said.lang == "es"
    assert said.text == ("Hola, le llamamos de Salon. Por favor, devuélvanos la llamada al "
                         "(212) 555-0100. Gracias.")
    assert _row(factory, call).outcome == phone_calls.VOICEMAIL_OUTCOME


def test_a_fax_hears_nothing_and_a_person_the_outbound_greeting(
        factory: sessionmaker[Session], biz: Business) -> None:
    agent = Agent(factory)
    fax = _call(factory, biz, "CA-fax")
    said = phone_calls.answered_outbound(agent, factory, biz.tenant, fax, Answerer.FAX,
                                         "+12125550100")
    assert said.text == "" and said.hang_up
    assert _row(factory, fax).ended_at is not None
    person = phone_calls.answered_outbound(agent, factory, biz.tenant,
                                           _call(factory, biz, "CA-person"), Answerer.PERSON,
                                           "+12125550100")
    assert "automated assistant" in person.text and not person.hang_up


def test_a_number_that_is_not_one_is_read_out_as_given(biz: Business) -> None:
    assert phone_calls.voicemail_text(biz.tenant, "front desk", "en") == (
        "Hi, this is Salon. Please call us back at front desk. Thank you.")
