"""The simulated caller, and how it reads the agent's words when no state is available."""

from __future__ import annotations

import string
import warnings
from datetime import date

import pytest

from frontdesk.conversation.personas import PERSONAS
from frontdesk.conversation.phrases import PHRASES
from frontdesk.evals import textrules
from frontdesk.evals.scenario import Scenario, parse_scenario
from frontdesk.evals.simulator import AgentTurn, Caller

# What the agent awaits after saying each of its phrases (policy.py, booking_flow.py, manage.py).
EXPECTED_AWAITING: dict[str, str | None] = {
    "how_can_i_help": None, "greet_back": None, "next_appointment": None,
    "outbound_about": None,
    "ask_service": "service", "ask_time": "time",
    "offer_exact": "choice", "offer_many": "choice", "offer_near": "choice",
    "offer_near_one": "choice", "which_offer": "choice",
    "fully_booked": "confirm_transfer", "past_time": "time",
    "ask_name": "name", "ask_name_again": "name",
    "ask_phone": "phone", "ask_phone_again": "phone", "ask_phone_lookup": "phone",
    "confirm_booking": "confirm", "confirm_reschedule": "confirm",
    "confirm_cancel": "confirm", "confirm_cancel_private": "confirm",
    "booked": "anything_else", "rescheduled": "anything_else", "cancelled": "anything_else",
    "kept": "anything_else", "welcome": "anything_else", "anything_else": "anything_else",
    "your_appointments": "anything_else", "no_appointments": "anything_else",
    "private": "anything_else", "no_longer_open": "anything_else",
    "booking_failed": "time", "too_far": "time", "what_to_change": "time",
    "not_understood_time": "time",
    "ask_new_time": "time", "ask_new_time_private": "time",
    "which_appointment": "which_appointment",
    "goodbye": None, "transfer": None, "transfer_misunderstood": None, "opted_out": None,
    "what_else": None, "hours_closed": None, "hours": None, "slot_gone": None,
    "not_understood": textrules.REPEAT,
    "code_sent": "code", "ask_code_again": "code", "wrong_code": "code",
    "wrong_code_last": "code", "code_expired": "resend_code", "code_dead": "resend_code",
    "code_limit": "confirm_transfer", "cannot_text": "confirm_transfer", "code_ok": None,
    "no_new_code": "anything_else",
    # Questions about the business (conversation/questions.py): an answer is followed by
    # "anything else?" or by the booking's own question; a person is offered outright.
    "price_one": None, "price_list": None, "price_unknown": None, "info_unknown": None,
    "services_list": None, "not_offered": None, "offer_person": "confirm_transfer",
}

SAMPLE = {
    "service": "haircut", "when": "Thursday, December 3rd at 3 PM", "resource": "Ana",
    "options": "tomorrow at 10 AM, tomorrow at noon or Friday, December 4th at 5 PM",
    "wanted": "tomorrow at 3 PM", "days": 14, "name": "Jordan", "business": "Bella Salon",
    "hours": "Tuesday to Saturday from 9 AM to 7 PM", "reason": "it has already started.",
    "ending": "0199", "tries": 3, "price": "$45", "prices": "haircut, $45",
}


def fill(template: str) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    return template.format(**{f: SAMPLE[f] for f in fields})


CASES = [(key, lang) for key in PHRASES for lang in ("en", "es") if key in EXPECTED_AWAITING]


@pytest.mark.parametrize(("key", "lang"), CASES)
def test_every_agent_phrase_is_read_as_what_the_agent_awaits(key: str, lang: str) -> None:
    text = fill(PHRASES[key][lang])
    assert textrules.infer_awaiting(text) == EXPECTED_AWAITING[key], text


def test_phrases_not_yet_mapped_are_reported() -> None:
    unmapped = sorted(set(PHRASES) - set(EXPECTED_AWAITING))
    if unmapped:  # a new phrase: server-mode inference may not know it yet
        warnings.warn(f"phrases without an expected 'awaiting' here: {unmapped}", stacklevel=1)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_greetings_ask_nothing_and_compose(lang: str) -> None:
    for persona in PERSONAS.values():
        assert textrules.infer_awaiting(fill(persona.greeting[lang])) is None
        assert textrules.infer_awaiting(fill(persona.greeting_known[lang])) is None
    combined = fill(PHRASES["slot_gone"][lang]) + " " + fill(PHRASES["offer_many"][lang])
    assert textrules.infer_awaiting(combined) == "choice"
    hours = fill(PHRASES["hours"][lang]) + " " + fill(PHRASES["anything_else"][lang])
    assert textrules.infer_awaiting(hours) == "anything_else"


@pytest.mark.parametrize(("key", "outcome"), [
    ("booked", "booked"), ("rescheduled", "rescheduled"), ("cancelled", "cancelled"),
    ("transfer", "transferred"), ("transfer_misunderstood", "transferred"),
    ("opted_out", "opted_out"), ("offer_many", None), ("confirm_booking", None),
    ("fully_booked", None), ("private", None),
])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_outcomes_are_read_from_the_words(key: str, outcome: str | None, lang: str) -> None:
    assert textrules.infer_outcome(fill(PHRASES[key][lang])) == outcome


@pytest.mark.parametrize("lang", ["en", "es"])
def test_single_and_multiple_offers_are_told_apart(lang: str) -> None:
    assert textrules.offers_one(fill(PHRASES["offer_exact"][lang]))
    assert textrules.offers_one(fill(PHRASES["offer_near_one"][lang]))
    assert not textrules.offers_one(fill(PHRASES["offer_many"][lang]))
    assert not textrules.offers_one(fill(PHRASES["offer_near"][lang]))


@pytest.mark.parametrize("key", ["goodbye", "transfer", "transfer_misunderstood", "opted_out"])
def test_the_end_of_a_call_is_recognised(key: str) -> None:
    for lang in ("en", "es"):
        assert textrules.ends_call(fill(PHRASES[key][lang]))
    assert not textrules.ends_call(fill(PHRASES["fully_booked"]["en"]))


# --- the caller ----------------------------------------------------------------------------


def scenario(script: list[object], answers: dict[str, object] | None = None,
             outcome: str = "booked", lang: str = "en") -> Scenario:
    return parse_scenario({"id": "t", "lang": lang, "tenant": "salon", "script": script,
                           "answers": answers or {}, "expect": {"outcome": outcome}})


MONDAY = date(2026, 11, 30)


def test_the_caller_says_the_script_then_answers_what_is_asked() -> None:
    caller = Caller(scenario(["a haircut {day+1} at 3", {"when": "confirm", "say": "no, 4pm"}],
                             {"name": ["uh", "Jo Lee"]}), MONDAY)
    assert caller.next_line(AgentTurn("Hi!", state_known=True)) == \
        "a haircut on Tuesday, December 1st at 3"
    # the next line waits for "confirm": meanwhile the caller answers from `answers`
    assert caller.next_line(AgentTurn("Name?", awaiting="name", state_known=True)) == "uh"
    assert caller.next_line(AgentTurn("Name?", awaiting="name", state_known=True)) == "Jo Lee"
    assert caller.next_line(AgentTurn("Name?", awaiting="name", state_known=True)) == "Jo Lee"
    assert caller.next_line(AgentTurn("Ok?", awaiting="confirm", state_known=True)) == "no, 4pm"
    # script spent: default answers for confirm and anything_else
    assert caller.next_line(AgentTurn("Ok?", awaiting="confirm", state_known=True)) == \
        "yes, that's right"


def test_a_single_offer_is_answered_like_a_yes_no_question() -> None:
    caller = Caller(scenario(["hi"], {"choice": "the second one"}), MONDAY)
    caller.next_line(AgentTurn("Hello", state_known=True))
    one = AgentTurn("I have 3 PM with Ana. Shall I book that?", awaiting="choice",
                    state_known=True, offers=1)
    many = AgentTurn("I have 3 PM or 4 PM. Which works best?", awaiting="choice",
                     state_known=True, offers=2)
    assert caller.next_line(many) == "the second one"
    assert caller.next_line(one) == "the second one"  # the scenario's own choice answer first
    plain = Caller(scenario(["hi"]), MONDAY)
    plain.next_line(AgentTurn("Hello", state_known=True))
    assert plain.next_line(one) == "yes, that's right"


def test_the_caller_hangs_up_when_it_has_nothing_to_say_and_says_why() -> None:
    caller = Caller(scenario(["hi", {"when": "choice", "say": "the first"}]), MONDAY)
    caller.next_line(AgentTurn("Hello", state_known=True))
    assert caller.next_line(AgentTurn("Which service?", awaiting="service",
                                      state_known=True)) is None
    assert caller.stuck is not None and "'service'" in caller.stuck


def test_the_caller_stops_once_the_outcome_is_reached() -> None:
    caller = Caller(scenario(["hi"], outcome="info"), MONDAY)
    caller.next_line(AgentTurn("Hello", state_known=True))
    assert caller.next_line(AgentTurn("We're open. Anything else?", awaiting="anything_else",
                                      state_known=True, outcome="info")) == \
        "no, that's all, thanks"
    assert caller.next_line(AgentTurn("Bye!", state_known=True, outcome="info", end=True)) is None


def test_without_state_the_caller_reads_the_words() -> None:
    caller = Caller(scenario(["quiero un corte {day+2}"], {"name": "Ana Ruiz", "phone": "646"},
                             lang="es"), MONDAY)
    assert caller.next_line(AgentTurn("")) == "quiero un corte el miércoles 2 de diciembre"
    assert caller.next_line(AgentTurn(fill(PHRASES["ask_name"]["es"]))) == "Ana Ruiz"
    # "didn't understand": still awaiting the name
    assert caller.next_line(AgentTurn(fill(PHRASES["not_understood"]["es"]))) == "Ana Ruiz"
    assert caller.next_line(AgentTurn(fill(PHRASES["confirm_booking"]["es"]))) == "sí, correcto"
    assert caller.next_line(AgentTurn(fill(PHRASES["booked"]["es"]))) == "no, nada más, gracias"
    assert caller.outcome == "booked"


def test_asked_for_a_texted_code_the_caller_reads_their_phone() -> None:
    texts = iter(["482913", "551200"])
    caller = Caller(scenario(["cancel my appointment"], outcome="cancelled"), MONDAY,
                    inbox=lambda: next(texts))
    caller.next_line(AgentTurn("Hello", state_known=True))
    assert caller.next_line(AgentTurn(fill(PHRASES["code_sent"]["en"]))) == "482913"
    # a new code after an expired one: say yes, then read the newest text
    assert caller.next_line(AgentTurn(fill(PHRASES["code_expired"]["en"]))) == \
        "yes, send me a new one"
    assert caller.next_line(AgentTurn(fill(PHRASES["code_sent"]["en"]))) == "551200"


def test_a_caller_without_that_phone_says_so() -> None:
    caller = Caller(scenario(["¿cuándo es la cita de mi madre?"], {"code": "no tengo su móvil"},
                             outcome="info", lang="es"), MONDAY, inbox=lambda: "482913")
    caller.next_line(AgentTurn("Hola", state_known=True))
    assert caller.next_line(AgentTurn(fill(PHRASES["code_sent"]["es"]))) == "no tengo su móvil"
