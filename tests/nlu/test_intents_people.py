"""Asking for a person in other words, and asking about someone else's appointment,
English and Spanish — and the traps next to them (names, "no, that's all", booking for
a child)."""

from __future__ import annotations

import pytest

from frontdesk.nlu.intents import classify
from frontdesk.nlu.types import Intent, Lang

I = Intent  # noqa: E741

ASKS_FOR_A_PERSON: list[tuple[Lang, str]] = [
    ("en", "ugh just get me a human"),
    ("en", "get me a real person please"),
    ("en", "can I talk to someone real"),
    ("en", "I need to talk to the doctor's assistant"),
    ("en", "is there anybody there I could actually speak to"),
    ("en", "I want a person, not a machine"),
    ("en", "are you a robot? I want a human"),
    ("en", "let me speak to the nurse"),
    ("en", "can I speak with somebody who works there"),
    ("en", "could you put me on with the office"),
    ("es", "¿me puede atender alguien?"),
    ("es", "quiero hablar con una persona"),
    ("es", "pásame con recepción"),
    ("es", "¿hay alguien de verdad con quien pueda hablar?"),
    ("es", "¿me atiende una persona, por favor?"),
    ("es", "prefiero que me atienda alguien"),
    ("es", "póngame con la enfermera"),
    ("es", "quiero hablar con la secretaria"),
    ("es", "no quiero hablar con una máquina"),
    ("es", "con una persona, por favor"),
    ("es", "¿me pasa con alguien de carne y hueso?"),
]


@pytest.mark.parametrize(("lang", "text"), ASKS_FOR_A_PERSON)
def test_a_person_asked_for_in_other_words_comes_first(lang: Lang, text: str) -> None:
    assert classify(text, lang)[0] is I.HUMAN


NOT_A_PERSON: list[tuple[Lang, str]] = [
    ("en", "no, that's all"),
    ("en", "no that's all thanks"),
    ("en", "Tom Human"),
    ("en", "my name is Tom Human"),
    ("en", "I'd like to see the doctor on Tuesday"),
    ("en", "is anyone free on Tuesday"),
    ("es", "no, nada más"),
    ("es", "Carmen Real"),
    ("es", "me llamo Carmen Real"),
    ("es", "¿me puede atender la doctora Ruiz el martes?"),
    ("es", "me pueden atender el martes"),
]


@pytest.mark.parametrize(("lang", "text"), NOT_A_PERSON)
def test_names_goodbyes_and_bookings_are_not_a_request_for_a_person(
        lang: Lang, text: str) -> None:
    assert I.HUMAN not in classify(text, lang)


SOMEONE_ELSES: list[tuple[Lang, str]] = [
    ("en", "when is my wife's appointment?"),
    ("en", "what time is my son Daniel's appointment on Wednesday"),
    ("en", "I'm calling about my mother's appointment, could you tell me which day it is"),
    ("en", "can you tell me when her next appointment is"),
    ("en", "what time does my husband have his appointment"),
    ("en", "does my daughter have an appointment this week"),
    ("es", "¿a qué hora tiene cita mi madre?"),
    ("es", "hola, quería saber cuándo tiene la cita mi marido"),
    ("es", "¿me podría decir qué día le toca la cita a mi hija?"),
    ("es", "¿cuándo es la cita de mi padre?"),
    ("es", "mi mujer tiene cita esta semana, ¿a qué hora es?"),
    ("es", "¿tiene mi hijo alguna cita?"),
]


@pytest.mark.parametrize(("lang", "text"), SOMEONE_ELSES)
def test_asking_about_someone_elses_appointment(lang: Lang, text: str) -> None:
    assert I.THIRD_PARTY in classify(text, lang)


OWN_OR_BOOKING: list[tuple[Lang, str]] = [
    ("en", "when is my appointment?"),
    ("en", "I'd like to book an appointment for my son"),
    ("en", "can I make an appointment for my mother on Friday"),
    ("es", "¿cuándo es mi cita?"),
    ("es", "quería pedir cita para mi hija"),
    ("es", "quiero reservar una consulta para mi madre el martes"),
]


@pytest.mark.parametrize(("lang", "text"), OWN_OR_BOOKING)
def test_ones_own_appointment_or_booking_for_a_relative_is_not_someone_elses(
        lang: Lang, text: str) -> None:
    assert I.THIRD_PARTY not in classify(text, lang)


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "oh ok never mind then, thanks"),
    ("en", "ok, forget it, thanks"),
    ("es", "ah vale, entonces nada, gracias"),
    ("es", "vale, pues nada, gracias"),
])
def test_an_acknowledged_never_mind_is_a_no(lang: Lang, text: str) -> None:
    intents = classify(text, lang)
    assert I.NO in intents
    assert I.YES not in intents or intents.index(I.NO) < intents.index(I.YES)
