"""The redactor: personal data out, consistently, in English and Spanish; times kept."""

from __future__ import annotations

from datetime import date

import pytest

from frontdesk.nlu.redact import Redactor, Vocabulary

TODAY = date(2026, 5, 4)


def salon() -> Redactor:
    vocab = Vocabulary.build(names=["Jordan Lee", "María García", "Sam Patel"],
                             keep=["Ana", "Marco", "Lucia", "Haircut", "Bella Salon"])
    return Redactor(vocab, "US", TODAY)


@pytest.mark.parametrize("written", [
    "+12125550123", "212-555-0123", "(212) 555-0123", "2125550123", "+1 212 555 0123",
    "212.555.0123", "two one two five five five zero one two three",
    "two one two, five five five, oh one two three"])
def test_one_number_in_every_form_is_one_placeholder(written: str) -> None:
    r = salon()
    r.learn(phone="+12125550123")
    assert r.text(f"call me at {written} please") == "call me at <PHONE_1> please"


def test_names_emails_and_numbers_are_consistent_within_a_conversation() -> None:
    r = salon()
    first = r.text("Hi, I'm Jordan Lee, my email is Jordan.Lee@Example.com")
    later = r.text("Thanks Jordan! We'll write to jordan.lee@example.com")
    other = r.text("Book it for my friend sam patel, 347 555 0142")
    assert first == "Hi, I'm <NAME_1>, my email is <EMAIL_1>"
    assert later == "Thanks <NAME_1>! We'll write to <EMAIL_1>"
    assert other == "Book it for my friend <NAME_2>, <PHONE_1>"


def test_names_introduced_in_text_english_and_spanish() -> None:
    r = salon()
    assert r.text("my name is Olivia Stone") == "my name is <NAME_1>"
    assert r.text("me llamo Pedro Gómez, soy nuevo") == "me llamo <NAME_2>, soy nuevo"
    assert r.text("gracias Pedro") == "gracias <NAME_2>"
    assert r.text("Olivia here again") == "<NAME_1> here again"


def test_accents_and_case_do_not_hide_a_known_name() -> None:
    r = salon()
    assert r.text("soy maria garcia") == "soy <NAME_1>"
    assert r.text("MARÍA GARCÍA") == "<NAME_1>"


def test_staff_services_and_times_are_kept() -> None:
    r = salon()
    text = ("I have Wednesday, May 6th at 3:00 PM with Ana or 10:15 with Marco; "
            "haircut at 2026-05-06T15:00:00-04:00, code 123456")
    assert r.text(text) == text
    args = {"service_id": "0b5c6f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "start": "2026-05-06T15:00:00-04:00", "limit": 3}
    assert r.value(args) == args


def test_dates_of_birth_by_context_or_by_age() -> None:
    r = salon()
    assert r.text("I was born on March 3rd, 1985") == "I was born on <DOB_1>"
    assert r.text("DOB 03/03/1985") == "DOB <DOB_1>"
    assert r.text("date of birth: 1990-07-01") == "date of birth: <DOB_2>"
    assert r.text("can I come on May 6, 2026?") == "can I come on May 6, 2026?"
    es = Redactor(Vocabulary(), "ES", TODAY)
    assert es.text("nací el 3 de marzo de 1985") == "nací el <DOB_1>"
    assert es.text("fecha de nacimiento 12/05/2001") == "fecha de nacimiento <DOB_2>"


def test_spanish_numbers_written_and_spoken() -> None:
    r = Redactor(Vocabulary.build(names=["Lucía Fernández"]), "ES", TODAY)
    r.learn(phone="+34612345678")
    out = r.text("soy Lucia Fernandez, mi número es 612 34 56 78, o sea seiscientos doce "
                 "treinta y cuatro cincuenta y seis setenta y ocho")
    assert out == "soy <NAME_1>, mi número es <PHONE_1>, o sea <PHONE_1>"
    assert r.text("mi correo es lucia arroba gmail punto com") == "mi correo es <EMAIL_1>"


def test_tool_json_is_redacted_recursively_by_key_and_by_text() -> None:
    r = salon()
    args = {"customer_name": "Jordan Lee", "customer_phone": "+12125550123",
            "date_of_birth": "1985-03-03", "insurance": "Sanitas"}
    result = {"ok": True, "customer": {"id": "c1", "name": "Jordan Lee",
                                       "phone": "+12125550123"},
              "appointments": [{"service_name": "Haircut", "resource_name": "Ana"}],
              "phone_ending": "0123", "note": "texted Jordan at 212 555 0123"}
    assert r.value(args) == {"customer_name": "<NAME_1>", "customer_phone": "<PHONE_1>",
                             "date_of_birth": "<DOB_1>", "insurance": "Sanitas"}
    assert r.value(result) == {
        "ok": True, "customer": {"id": "c1", "name": "<NAME_1>", "phone": "<PHONE_1>"},
        "appointments": [{"service_name": "Haircut", "resource_name": "Ana"}],
        "phone_ending": "<PHONE_1>", "note": "texted <NAME_1> at <PHONE_1>"}
    assert r.text("I sent it to the number ending in 0123") == (
        "I sent it to the number ending in <PHONE_1>")


def test_learning_first_makes_early_mentions_consistent() -> None:
    r = salon()
    r.learn_from_value({"customer_name": "Kim Ode"})
    assert r.text("kim here") == "<NAME_1> here"
    assert r.placeholders[("NAME", "kim ode")] == "<NAME_1>"
