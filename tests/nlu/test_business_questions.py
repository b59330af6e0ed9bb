"""Questions about the business (topics, question shape), services callers may ask for,
and dates of birth, in English and Spanish."""

from __future__ import annotations

from datetime import date

import pytest

from frontdesk.nlu.birth_dates import parse_birth_date
from frontdesk.nlu.business_questions import asked_topics, looks_like_question
from frontdesk.nlu.service_words import named_services
from frontdesk.nlu.types import Lang


@pytest.mark.parametrize(("text", "lang", "topic"), [
    ("how much is a haircut?", "en", "price"),
    ("what do you charge for highlights?", "en", "price"),
    ("¿cuánto cuesta un corte de pelo?", "es", "price"),
    ("¿qué precio tiene la manicura?", "es", "price"),
    ("¿cuánto cobran por el tinte?", "es", "price"),
    ("where are you located?", "en", "address"),
    ("what's your address", "en", "address"),
    ("¿dónde están ubicados?", "es", "address"),
    ("how do I get there by subway?", "en", "directions"),
    ("¿cómo llego en metro?", "es", "directions"),
    ("is there somewhere to park near you?", "en", "parking"),
    ("¿tienen aparcamiento?", "es", "parking"),
    ("do you accept credit cards?", "en", "payment"),
    ("¿aceptan tarjeta?", "es", "payment"),
    ("what is your cancellation policy?", "en", "cancellation"),
    ("¿y si tengo que cancelar con poca antelación?", "es", "cancellation"),
    ("what services do you offer?", "en", "services"),
    ("¿qué servicios tienen?", "es", "services"),
])
def test_topics_are_found_in_both_languages(text: str, lang: Lang, topic: str) -> None:
    assert topic in asked_topics(text, lang)


@pytest.mark.parametrize(("text", "lang"), [
    ("I'd like a haircut tomorrow at 3", "en"),
    ("I need to cancel my appointment", "en"),
    ("can I pay a visit on Friday", "en"),
    ("¿venden tarjetas de regalo?", "es"),  # a gift card is no way of paying
    ("quiero cancelar mi cita", "es"),
    ("Jordan Lee", "en"),
])
def test_booking_turns_ask_about_no_topic(text: str, lang: Lang) -> None:
    assert asked_topics(text, lang) == ()


def test_question_shape() -> None:
    assert looks_like_question("do you have wifi")
    assert looks_like_question("¿tienen wifi?")
    assert looks_like_question("hola, hay wifi")
    assert not looks_like_question("I want a haircut")
    assert not looks_like_question("quiero una cita")


def test_service_words_in_either_language() -> None:
    assert named_services("I'd like to book a massage", "en") == ["massage"]
    assert named_services("quería una limpieza dental", "es") == ["limpieza dental"]
    assert named_services("do you do pedicures?", "en") == ["pedicure"]
    assert named_services("I'd like a haircut", "en") == []
    assert named_services("an appointment please", "en") == []


@pytest.mark.parametrize(("text", "day_first", "born"), [
    ("March 3rd, 1985", False, date(1985, 3, 3)),
    ("the 3rd of March 1985", False, date(1985, 3, 3)),
    ("3 de marzo de 1985", True, date(1985, 3, 3)),
    ("el 12 de octubre del 1970", True, date(1970, 10, 12)),
    ("03/04/1985", False, date(1985, 3, 4)),
    ("03/04/1985", True, date(1985, 4, 3)),
    ("1985-03-03", True, date(1985, 3, 3)),
])
def test_birth_dates(text: str, day_first: bool, born: date) -> None:
    assert parse_birth_date(text, day_first=day_first) == born


@pytest.mark.parametrize("text", ["February 30 1990", "March 3rd", "no sé", "31/13/1990"])
def test_no_birth_date_without_a_real_whole_date(text: str) -> None:
    assert parse_birth_date(text, day_first=True) is None
