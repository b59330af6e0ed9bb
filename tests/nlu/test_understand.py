"""understand(): one caller turn to everything the dialogue policy needs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.types import Intent, ServiceName
from frontdesk.nlu.understand import understand

NOW = datetime(2024, 3, 1, 9, 30, tzinfo=ZoneInfo("America/New_York"))
SALON = [
    ServiceName("cut", "Haircut", {"es": ["Corte de pelo"]}),
    ServiceName("mani", "Manicure", {"es": ["Manicura"]}),
    ServiceName("colour", "Colouring", {"es": ["Tinte"]}),
]


def test_english_booking_turn_with_everything() -> None:
    u = understand(
        "Hi, this is Ana García, I'd like a haircut tomorrow at 3, my number is 415 555 0132",
        now=NOW,
        services=SALON,
    )
    assert u.lang == "en"
    assert u.intent is Intent.BOOK
    assert u.has(Intent.GREETING)
    assert u.person_name == "Ana García"
    assert u.phone == "+14155550132"
    assert [s.service_id for s in u.services] == ["cut"]
    assert u.email is None
    assert u.choice is None


def test_spanish_booking_turn_with_everything() -> None:
    u = understand(
        "Hola, soy Pedro, quiero una manicura el viernes. "
        "Mi correo es pedro arroba gmail punto com",
        now=NOW,
        services=SALON,
        region="ES",
    )
    assert u.lang == "es"
    assert u.intents[0] is Intent.BOOK
    assert u.person_name == "Pedro"
    assert u.email == "pedro@gmail.com"
    assert [s.service_id for s in u.services] == ["mani"]


def test_spanish_phone_with_spanish_region() -> None:
    u = understand("mi número es 612 34 56 78", now=NOW, region="ES", lang_hint="es")
    assert u.phone == "+34612345678"
    assert u.lang == "es"


def test_short_turn_keeps_the_conversation_language() -> None:
    assert understand("ok", now=NOW, lang_hint="es").lang == "es"
    assert understand("ok", now=NOW, lang_hint="en").lang == "en"
    assert understand("vale", now=NOW, lang_hint="en").lang == "es"


def test_bare_name_only_when_a_name_was_asked_for() -> None:
    assert understand("Lucía", now=NOW, lang_hint="es").person_name is None
    u = understand("Lucía", now=NOW, lang_hint="es", expecting="name")
    assert u.person_name == "Lucía"
    assert u.lang == "es"


@pytest.mark.parametrize(
    ("text", "index"), [("2", 1), ("two", 1), ("dos", 1), ("the 2nd", 1), ("4, please", 3)]
)
def test_bare_number_is_a_choice_only_when_options_were_offered(text: str, index: int) -> None:
    offered = understand(text, now=NOW, expecting="choice")
    assert offered.choice == index
    assert offered.intent is Intent.CHOICE
    assert understand(text, now=NOW).choice is None


def test_explicit_choice_needs_no_expectation() -> None:
    u = understand("the second one please", now=NOW)
    assert u.choice == 1
    assert understand("number 3", now=NOW).choice == 2
    assert u.intent is Intent.CHOICE
    assert understand("la última", now=NOW, lang_hint="es").choice == -1


def test_confirmation_answer_outranks_thanks() -> None:
    assert understand("perfect, thank you", now=NOW).intent is Intent.THANKS
    confirm = understand("perfect, thank you", now=NOW, expecting="confirm")
    assert confirm.intents == (Intent.YES, Intent.THANKS)
    assert understand("vale, gracias", now=NOW, expecting="confirm").intent is Intent.YES


def test_correction_stays_first_when_confirming() -> None:
    u = understand("no, actually make it Thursday", now=NOW, expecting="confirm")
    assert u.intents[:2] == (Intent.CORRECTION, Intent.NO)


def test_spoken_phone_when_asked() -> None:
    u = understand("five five five, one two three, four five six seven", now=NOW,
                   expecting="phone")
    assert u.phone == "+15551234567"


def test_nothing_found() -> None:
    u = understand("hmm", now=NOW, services=SALON)
    assert u.intents == (Intent.UNKNOWN,)
    assert (u.services, u.person_name, u.phone, u.email, u.choice) == ((), None, None, None, None)


def test_unknown_expectation_is_refused() -> None:
    with pytest.raises(ValueError, match="expecting"):
        understand("yes", now=NOW, expecting="mood")


def test_times_are_understood() -> None:
    u = understand("can I come in tomorrow at 3 pm?", now=NOW)
    assert u.intent is Intent.BOOK
    assert u.times, "the time parser found nothing in 'tomorrow at 3 pm'"
    mention = u.times[0]
    start = mention.value if mention.kind == "instant" else mention.start_at
    assert start is not None and start.date() == datetime(2024, 3, 2).date()


def test_bare_hours_are_business_hours() -> None:
    """At a front desk "tomorrow at 3" is 3 PM, not 3 AM as Duckling's default would say."""
    (mention,) = understand("tomorrow at 3", now=NOW).times
    assert mention.value is not None and mention.value.hour == 15
    (morning,) = understand("tomorrow at 9", now=NOW).times
    assert morning.value is not None and morning.value.hour == 9
