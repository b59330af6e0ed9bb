"""Intent classification: every intent in English and Spanish, ordering, traps, choices."""

from __future__ import annotations

import pytest

from frontdesk.nlu.intents import classify, parse_choice
from frontdesk.nlu.types import Intent, Lang

I = Intent  # noqa: E741

ENGLISH: list[tuple[str, Intent]] = [
    # book
    ("I'd like to book an appointment", I.BOOK),
    ("I want to make an appointment for next week", I.BOOK),
    ("I'd like to get a haircut", I.BOOK),
    ("Can I come in tomorrow?", I.BOOK),
    ("can you fit me in on Saturday", I.BOOK),
    ("I need a cleaning", I.BOOK),
    ("Could you schedule me for Friday?", I.BOOK),
    ("I want to see a dentist", I.BOOK),
    ("um, I'd like to set up an appointment please", I.BOOK),
    # reschedule
    ("I need to move my appointment", I.RESCHEDULE),
    ("Can I change my appointment to Thursday?", I.RESCHEDULE),
    ("push back my appointment an hour", I.RESCHEDULE),
    ("I'd like to reschedule", I.RESCHEDULE),
    ("can we rebook that for next week", I.RESCHEDULE),
    # cancel
    ("I need to cancel", I.CANCEL),
    ("Please cancel my appointment", I.CANCEL),
    ("I won't be able to make my appointment", I.CANCEL),
    ("call it off", I.CANCEL),
    # my_appointments
    ("When is my appointment?", I.MY_APPOINTMENTS),
    ("what appointments do I have", I.MY_APPOINTMENTS),
    ("Do I have an appointment this week?", I.MY_APPOINTMENTS),
    ("can you check my booking", I.MY_APPOINTMENTS),
    ("when is my wife's appointment?", I.THIRD_PARTY),
    ("when's my next appointment", I.MY_APPOINTMENTS),
    # availability
    ("Do you have anything on Friday?", I.AVAILABILITY),
    ("Are you free tomorrow?", I.AVAILABILITY),
    ("What times are available next week?", I.AVAILABILITY),
    ("Is there an opening on Monday?", I.AVAILABILITY),
    ("anyone else?", I.AVAILABILITY),
    ("What are my other options?", I.AVAILABILITY),
    ("what's the earliest you have", I.AVAILABILITY),
    ("Can you find me a therapist in Oakland?", I.AVAILABILITY),
    # hours
    ("What time do you open?", I.HOURS),
    ("what time do you close on Saturday", I.HOURS),
    ("What are your hours?", I.HOURS),
    ("Are you open on Sundays?", I.HOURS),
    ("how late are you open today", I.HOURS),
    # human
    ("Can I talk to a person?", I.HUMAN),
    ("I want to speak to a human", I.HUMAN),
    ("let me talk to the receptionist", I.HUMAN),
    ("representative", I.HUMAN),
    ("operator please", I.HUMAN),
    ("transfer me to someone", I.HUMAN),
    # yes
    ("yes", I.YES),
    ("Yeah", I.YES),
    ("yep", I.YES),
    ("uh, yes please", I.YES),
    ("sure thing", I.YES),
    ("sounds good", I.YES),
    ("that works", I.YES),
    ("that works for me", I.YES),
    ("perfect", I.YES),
    ("absolutely", I.YES),
    ("go ahead", I.YES),
    ("that's right", I.YES),
    ("ok", I.YES),
    ("mhm", I.YES),
    # no
    ("no", I.NO),
    ("nope", I.NO),
    ("No thanks", I.NO),
    ("not right now", I.NO),
    ("maybe later", I.NO),
    ("I don't think so", I.NO),
    ("nah, that doesn't work for me", I.NO),
    ("um no", I.NO),
    # choice
    ("the second one", I.CHOICE),
    ("The first", I.CHOICE),
    ("the last one", I.CHOICE),
    ("the 10:30 one", I.CHOICE),
    ("option 2", I.CHOICE),
    ("the earlier one", I.CHOICE),
    # correction
    ("actually make it Thursday", I.CORRECTION),
    ("no, I meant Tuesday", I.CORRECTION),
    ("sorry, I said four, not five", I.CORRECTION),
    ("no, Thursday", I.CORRECTION),
    ("scratch that, the 3 pm one", I.CORRECTION),
    ("I changed my mind", I.CORRECTION),
    # opt_out
    ("stop", I.OPT_OUT),
    ("STOP", I.OPT_OUT),
    ("unsubscribe", I.OPT_OUT),
    ("don't call me again", I.OPT_OUT),
    ("take me off your list", I.OPT_OUT),
    ("please stop texting me", I.OPT_OUT),
    ("stop calling me", I.OPT_OUT),
    # answers to a call we placed
    ("I'm not interested", I.DECLINE),
    ("we are not interested, thanks", I.DECLINE),
    ("I don't want an appointment", I.DECLINE),
    ("call me back tomorrow at 3", I.CALLBACK),
    ("could you call me later?", I.CALLBACK),
    ("I'm driving right now, try me again tomorrow", I.CALLBACK),
    ("wrong number", I.WRONG_NUMBER),
    ("sorry, you've got the wrong number", I.WRONG_NUMBER),
    ("there's nobody here by that name", I.WRONG_NUMBER),
    # greeting
    ("hi", I.GREETING),
    ("Hello there", I.GREETING),
    ("good morning", I.GREETING),
    # goodbye
    ("bye", I.GOODBYE),
    ("goodbye", I.GOODBYE),
    ("have a nice day", I.GOODBYE),
    ("that's all", I.GOODBYE),
    # thanks
    ("thanks", I.THANKS),
    ("thank you so much", I.THANKS),
    ("I appreciate it", I.THANKS),
]

# Hand-written Spanish set (SGD is English only): every intent, several phrasings.
SPANISH: list[tuple[str, Intent]] = [
    ("Quiero una cita para mañana", I.BOOK),
    ("Hola, quiero reservar", I.BOOK),
    ("¿Puedo pedir hora para el viernes?", I.BOOK),
    ("Quisiera un corte de pelo", I.BOOK),
    ("Me gustaría cortarme el pelo el sábado", I.BOOK),
    ("Necesito una cita con el dentista", I.BOOK),
    ("¿Me pueden atender hoy?", I.BOOK),
    ("Quiero cambiar mi cita", I.RESCHEDULE),
    ("¿Puedo mover la cita al jueves?", I.RESCHEDULE),
    ("Necesito aplazar mi cita", I.RESCHEDULE),
    ("quiero cambiar la hora de mi cita", I.RESCHEDULE),
    ("Quiero cancelar mi cita", I.CANCEL),
    ("Anula la reserva, por favor", I.CANCEL),
    ("cancelar", I.CANCEL),
    ("No voy a poder ir mañana", I.CANCEL),
    ("¿Cuándo es mi cita?", I.MY_APPOINTMENTS),
    ("¿Qué citas tengo?", I.MY_APPOINTMENTS),
    ("¿Tengo alguna cita esta semana?", I.MY_APPOINTMENTS),
    ("¿A qué hora es mi cita?", I.MY_APPOINTMENTS),
    ("¿Tienen hueco el viernes?", I.AVAILABILITY),
    ("¿Hay disponibilidad mañana por la tarde?", I.AVAILABILITY),
    ("¿Tienen algo libre el lunes?", I.AVAILABILITY),
    ("¿No tienen nada el lunes?", I.AVAILABILITY),
    ("¿Tienen otro hueco?", I.AVAILABILITY),
    ("¿A qué hora abren?", I.HOURS),
    ("¿Cuál es el horario?", I.HOURS),
    ("¿Están abiertos los domingos?", I.HOURS),
    ("¿Hasta qué hora cierran hoy?", I.HOURS),
    ("¿a qué hora tiene cita mi madre?", I.THIRD_PARTY),
    ("Quiero hablar con una persona", I.HUMAN),
    ("Pásame con la recepcionista", I.HUMAN),
    ("¿Puedo hablar con alguien?", I.HUMAN),
    ("Sí", I.YES),
    ("sí, claro", I.YES),
    ("si", I.YES),
    ("Vale", I.YES),
    ("De acuerdo", I.YES),
    ("Perfecto", I.YES),
    ("Dale", I.YES),
    ("Está bien", I.YES),
    ("Claro que sí", I.YES),
    ("me parece bien", I.YES),
    ("No", I.NO),
    ("No, gracias", I.NO),
    ("Ahora no", I.NO),
    ("Todavía no", I.NO),
    ("no me viene bien", I.NO),
    ("La primera", I.CHOICE),
    ("La segunda, por favor", I.CHOICE),
    ("La última", I.CHOICE),
    ("La de las diez y media", I.CHOICE),
    ("Opción dos", I.CHOICE),
    ("Mejor el jueves", I.CORRECTION),
    ("Perdón, quise decir el martes", I.CORRECTION),
    ("No, el lunes", I.CORRECTION),
    ("Me equivoqué, es a las cinco", I.CORRECTION),
    ("No me llamen más", I.OPT_OUT),
    ("Quiero darme de baja", I.OPT_OUT),
    ("Baja", I.OPT_OUT),
    ("La verdad, no estoy interesada", I.DECLINE),
    ("Ya no nos interesa, gracias", I.DECLINE),
    ("Llámeme mañana a las 3", I.CALLBACK),
    ("¿Me puede llamar más tarde?", I.CALLBACK),
    ("Ahora no es buen momento, vuelva a llamar el lunes", I.CALLBACK),
    ("Número equivocado", I.WRONG_NUMBER),
    ("Se ha equivocado de número", I.WRONG_NUMBER),
    ("Aquí no vive nadie con ese nombre", I.WRONG_NUMBER),
    ("Hola", I.GREETING),
    ("Buenos días", I.GREETING),
    ("Buenas tardes", I.GREETING),
    ("Adiós", I.GOODBYE),
    ("Hasta luego", I.GOODBYE),
    ("Eso es todo", I.GOODBYE),
    ("Gracias", I.THANKS),
    ("Muchas gracias", I.THANKS),
    ("Se lo agradezco", I.THANKS),
]


@pytest.mark.parametrize(("text", "intent"), ENGLISH)
def test_english_top_intent(text: str, intent: Intent) -> None:
    assert classify(text, "en")[0] is intent


@pytest.mark.parametrize(("text", "intent"), SPANISH)
def test_spanish_top_intent(text: str, intent: Intent) -> None:
    assert classify(text, "es")[0] is intent


def test_spanish_set_covers_every_intent_and_is_large_enough() -> None:
    assert len(SPANISH) >= 60
    assert {intent for _, intent in SPANISH} == set(Intent) - {Intent.UNKNOWN}
    assert {intent for _, intent in ENGLISH} == set(Intent) - {Intent.UNKNOWN}


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("no, actually Thursday", "en", (I.CORRECTION, I.NO)),
        ("yes, book it", "en", (I.YES, I.BOOK)),
        ("No, that was all, thank you very much.", "en", (I.NO, I.GOODBYE, I.THANKS)),
        ("Hi, I'd like to book a haircut", "en", (I.BOOK, I.GREETING)),
        ("Perfect, thank you", "en", (I.THANKS, I.YES)),
        ("thanks, bye", "en", (I.GOODBYE, I.THANKS)),
        ("No, gracias", "es", (I.NO, I.THANKS)),
        ("No, el jueves", "es", (I.CORRECTION, I.NO)),
        ("Sí, resérvala", "es", (I.YES, I.BOOK)),
        ("Hola, quiero una cita", "es", (I.BOOK, I.GREETING)),
        ("stop calling me, thanks", "en", (I.OPT_OUT, I.THANKS)),
        ("no, wrong number", "en", (I.WRONG_NUMBER, I.NO)),
        ("No me interesa", "es", (I.NO, I.DECLINE)),
        ("not interested, thanks", "en", (I.NO, I.DECLINE, I.THANKS)),
    ],
)
def test_multiple_intents_in_order(text: str, lang: Lang, expected: tuple[Intent, ...]) -> None:
    assert classify(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "absent"),
    [
        ("I know", "en", I.NO),  # "no" inside "know"
        ("I'm not sure", "en", I.NO),
        ("not sure yet what time", "en", I.NO),
        ("no problem", "en", I.NO),
        ("Can I get there by bus?", "en", I.CANCEL),  # "can I" is not "cancel"
        ("I found you on Facebook", "en", I.BOOK),  # "book" inside "Facebook"
        ("I have a notebook", "en", I.BOOK),
        ("that doesn't work for me", "en", I.YES),
        ("please don't cancel it", "en", I.CANCEL),
        ("is there a bus stop nearby", "en", I.OPT_OUT),
        ("call me back tomorrow", "en", I.OPT_OUT),
        ("don't call me back", "en", I.CALLBACK),  # the caller will call; no callback asked
        ("I'll call you back", "en", I.CALLBACK),
        ("no me llamen más", "es", I.CALLBACK),
        ("stop calling me", "en", I.CALLBACK),
        ("no problem", "en", I.DECLINE),
        ("that doesn't work for me", "en", I.DECLINE),  # not those times: not a refusal
        ("no me viene bien", "es", I.DECLINE),
        ("the number is 555 0100", "en", I.WRONG_NUMBER),
        ("the second of March", "en", I.CHOICE),  # a date, not a pick
        ("the 2nd", "en", I.CHOICE),
        ("maybe later", "en", I.CHOICE),
        ("quiero cancelar mi cita", "es", I.BOOK),  # the specific task wins alone
        ("no sé", "es", I.NO),
        ("si tienen hueco el viernes", "es", I.YES),  # "si" = if
        ("no tengo cita", "es", I.YES),
        ("Eso es todo, gracias", "es", I.YES),
        ("¿hay algo más tarde?", "es", I.NO),
        ("¿qué tal el clima?", "es", I.AVAILABILITY),
        ("good morning", "en", I.YES),
    ],
)
def test_traps(text: str, lang: Lang, absent: Intent) -> None:
    assert absent not in classify(text, lang)


@pytest.mark.parametrize(
    "text", ["", "   ", "hmm", "the weather in Paris", "no problem", "42 Elm Street"]
)
def test_unknown_is_never_empty(text: str) -> None:
    assert classify(text, "en") == (I.UNKNOWN,)


def test_other_language_rules_are_a_fallback() -> None:
    # A Spanish call, an English word; an English call, a Spanish word.
    assert classify("ok, bye", "es")[0] is I.GOODBYE
    assert classify("gracias", "en") == (I.THANKS,)
    assert classify("hola", "en") == (I.GREETING,)


@pytest.mark.parametrize(
    ("text", "lang", "index"),
    [
        ("the first one", "en", 0),
        ("the second one", "en", 1),
        ("The third, please", "en", 2),
        ("second", "en", 1),
        ("I'll take the fourth one", "en", 3),
        ("the last one", "en", -1),
        ("the earlier one", "en", 0),
        ("the later one", "en", -1),
        ("number two", "en", 1),
        ("option 3", "en", 2),
        ("Option three works", "en", 2),
        ("the 2nd one", "en", 1),
        ("la primera", "es", 0),
        ("la segunda", "es", 1),
        ("el tercero", "es", 2),
        ("la última", "es", -1),
        ("la ultima por favor", "es", -1),
        ("opción 2", "es", 1),
        ("la número dos", "es", 1),
        ("la más temprano", "es", 0),
        ("la más tarde", "es", -1),
        ("the second of March", "en", None),
        ("the first week of May", "en", None),
        ("the 2nd", "en", None),
        ("la primera semana de mayo", "es", None),
        ("el primero de marzo", "es", None),
        ("maybe later", "en", None),
        ("my phone number is 5551234567", "en", None),
        ("first, I need to check my calendar", "en", None),
        ("the 10:30 one", "en", None),
        ("yes", "en", None),
    ],
)
def test_parse_choice(text: str, lang: Lang, index: int | None) -> None:
    assert parse_choice(text, lang) == index
