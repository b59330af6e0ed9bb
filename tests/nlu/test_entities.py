"""Services, phone numbers, email addresses and names in caller turns."""

from __future__ import annotations

import pytest

from frontdesk.nlu.entities import (
    MIN_SERVICE_SCORE,
    extract_email,
    extract_phone,
    match_services,
)
from frontdesk.nlu.names import extract_name
from frontdesk.nlu.types import Lang, ServiceName

SALON = [
    ServiceName("cut", "Haircut", {"es": ["Corte de pelo"]}),
    ServiceName("mens", "Men's haircut", {"es": ["Corte de caballero"]}),
    ServiceName("colour", "Colouring", {"en": ["hair colour"], "es": ["Tinte"]}),
    ServiceName("highlights", "Highlights", {"es": ["Mechas"]}),
    ServiceName("blowdry", "Blow-dry", {"es": ["Peinado"]}),
    ServiceName("mani", "Manicure", {"es": ["Manicura"]}),
    ServiceName("pedi", "Pedicure", {"es": ["Pedicura"]}),
    ServiceName("beard", "Beard trim", {"es": ["Arreglo de barba"]}),
]
CLINIC = [
    ServiceName("gp", "General consultation", {"es": ["Consulta general"]}),
    ServiceName("physio", "Physiotherapy", {"es": ["Fisioterapia"]}),
    ServiceName("clean", "Dental cleaning", {"es": ["Limpieza dental"]}),
    ServiceName("flu", "Flu vaccination", {"es": ["Vacuna de la gripe"]}),
    ServiceName("blood", "Blood test", {"es": ["Análisis de sangre"]}),
    ServiceName("massage", "Massage therapy 60 min", {"es": ["Masaje"]}),
    ServiceName("checkup", "Check-up", {"es": ["Revisión"]}),
]


@pytest.mark.parametrize(
    ("text", "lang", "services", "best"),
    [
        ("I'd like a haircut", "en", SALON, "cut"),
        ("I'd like a hair cut", "en", SALON, "cut"),
        ("two haircuts please", "en", SALON, "cut"),
        ("just a trim", "en", SALON, "cut"),
        ("a haricut tomorrow", "en", SALON, "cut"),  # typo
        ("a men's haircut", "en", SALON, "mens"),
        ("a beard trim", "en", SALON, "beard"),
        ("can I get some coloring done", "en", SALON, "colour"),  # US spelling
        ("hair color", "en", SALON, "colour"),
        ("I want highlights", "en", SALON, "highlights"),
        ("a blow dry", "en", SALON, "blowdry"),
        ("a blowdry", "en", SALON, "blowdry"),
        ("a manicure", "en", SALON, "mani"),
        ("I'd like my nails done", "en", SALON, "mani"),
        ("quiero una manicura", "es", SALON, "mani"),
        ("quiero cortarme el pelo", "es", SALON, "cut"),
        ("un corte de pelo", "es", SALON, "cut"),
        ("corte de caballero", "es", SALON, "mens"),
        ("unas mechas", "es", SALON, "highlights"),
        ("uñas", "es", SALON, "mani"),
        ("un tinte", "es", SALON, "colour"),
        ("pedicura", "en", SALON, "pedi"),  # other language's synonym still counts
        ("I need to see the physio", "en", CLINIC, "physio"),
        ("necesito fisio", "es", CLINIC, "physio"),
        ("physical therapy", "en", CLINIC, "physio"),
        ("I need a cleaning", "en", CLINIC, "clean"),
        ("una limpieza", "es", CLINIC, "clean"),
        ("a flu shot", "en", CLINIC, "flu"),
        ("la vacuna", "es", CLINIC, "flu"),
        ("análisis de sangre", "es", CLINIC, "blood"),
        ("analisis de sangre", "es", CLINIC, "blood"),  # no accents
        ("a blood test", "en", CLINIC, "blood"),
        ("a massage", "en", CLINIC, "massage"),
        ("un masaje", "es", CLINIC, "massage"),
        ("a check up", "en", CLINIC, "checkup"),
        ("a checkup", "en", CLINIC, "checkup"),
        ("una revisión", "es", CLINIC, "checkup"),
        ("a consultation with the doctor", "en", CLINIC, "gp"),
    ],
)
def test_best_service(text: str, lang: Lang, services: list[ServiceName], best: str) -> None:
    matches = match_services(text, services, lang)
    assert matches, text
    assert matches[0].service_id == best
    assert MIN_SERVICE_SCORE <= matches[0].score <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I want to book an appointment", "en"),
        ("book me for tomorrow morning", "en"),
        ("can you check if you have anything", "en"),
        ("leave a message", "en"),  # "message" is not "massage"
        ("I need a test", "en"),  # a fragment of "Blood test" is too weak
        ("quiero una cita", "es"),
        ("para el jueves por la tarde", "es"),
        ("the", "en"),
        ("", "en"),
    ],
)
def test_no_service_from_chatter_or_stop_words(text: str, lang: Lang) -> None:
    assert match_services(text, SALON + CLINIC, lang) == []


def test_matches_are_best_first_with_the_matched_words() -> None:
    matches = match_services("a beard trim and a manicure", SALON, "en")
    ids = [m.service_id for m in matches]
    assert ids[:2] == ["beard", "mani"] or ids[:2] == ["mani", "beard"]
    assert matches[0].score == 1.0
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    by_id = {m.service_id: m for m in matches}
    assert by_id["beard"].matched == "beard trim"
    # "trim" alone is a haircut, but inside "beard trim" only a weaker reading.
    assert by_id["cut"].score < by_id["beard"].score


def test_exact_name_beats_a_longer_name_containing_it() -> None:
    matches = match_services("haircut", SALON, "en")
    assert [m.service_id for m in matches][:2] == ["cut", "mens"]
    assert matches[0].score > matches[1].score


def test_tenant_synonyms_in_the_callers_language_rank_first() -> None:
    services = [ServiceName("a", "Deluxe package", {"es": ["Paquete deluxe"]})]
    [match] = match_services("el paquete deluxe", services, "es")
    assert match.service_id == "a" and match.score == 1.0


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("call me at (415) 555-0132", "US", "+14155550132"),
        ("my number is 415-555-0132", "US", "+14155550132"),
        ("555-123-4567", "US", "+15551234567"),
        ("+1 202 555 0143", "ES", "+12025550143"),
        ("mi número es 612 34 56 78", "ES", "+34612345678"),
        ("612345678", "ES", "+34612345678"),
        ("+34 612 345 678", "US", "+34612345678"),
        ("five five five one two three four five six seven", "US", "+15551234567"),
        ("it's four one five, five five five, oh one three two", "US", "+14155550132"),
        ("eight hundred five five five oh one nine nine", "US", "+18005550199"),
        ("double five five one two three four five six seven", "US", "+15551234567"),
        ("cinco cinco cinco uno dos tres cuatro cinco seis siete", "US", "+15551234567"),
        ("seis uno dos, treinta y cuatro, cincuenta y seis, setenta y ocho", "ES", "+34612345678"),
        ("seiscientos doce trescientos cuarenta y cinco seiscientos setenta y ocho", "ES",
         "+34612345678"),
        ("plus three four six one two three four five six seven eight", "US", "+34612345678"),
        ("más tres cuatro seis uno dos tres cuatro cinco seis siete ocho", "ES", "+34612345678"),
    ],
)
def test_extract_phone(text: str, region: str, e164: str) -> None:
    assert extract_phone(text, region) == e164


@pytest.mark.parametrize(
    "text",
    [
        "I need two appointments at three",
        "on 10/30/2024 at 10:30",
        "the 5th at 4 pm",
        "room 12",
        "my zip is 94110",
        "",
    ],
)
def test_no_phone(text: str) -> None:
    assert extract_phone(text, "US") is None


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is Ana.Garcia@Example.com.", "ana.garcia@example.com"),
        ("send it to bob+salon@mail.co.uk please", "bob+salon@mail.co.uk"),
        ("john at example dot com", "john@example.com"),
        ("it's john dot smith at gmail dot com thanks", "john.smith@gmail.com"),
        ("j o h n at gmail dot com", "john@gmail.com"),
        ("ana underscore lopez at outlook dot es", "ana_lopez@outlook.es"),
        ("ana arroba gmail punto com", "ana@gmail.com"),
        ("mi correo es lucia punto perez arroba hotmail punto es", "lucia.perez@hotmail.es"),
        ("john at gmail.com", "john@gmail.com"),
    ],
)
def test_extract_email(text: str, email: str) -> None:
    assert extract_email(text) == email


@pytest.mark.parametrize(
    "text", ["I'll be there at noon.", "see you at five", "look at the dot", "no email", ""]
)
def test_no_email(text: str) -> None:
    assert extract_email(text) is None


@pytest.mark.parametrize(
    ("text", "lang", "name"),
    [
        ("my name is Ana García", "en", "Ana García"),
        ("My name's John Smith and I need a trim", "en", "John Smith"),
        ("my name is john and I need a trim", "en", "John"),
        ("this is John", "en", "John"),
        ("Hi, this is Maria from 5B", "en", "Maria"),
        ("it's Maria", "en", "Maria"),
        ("I'm Sam Lee", "en", "Sam Lee"),
        ("Hi, I'm Sam, I'd like to book", "en", "Sam"),
        ("this is Dr. Smith", "en", "Smith"),
        ("me llamo Lucía", "es", "Lucía"),
        ("Hola, me llamo Lucía Pérez y quería una cita", "es", "Lucía Pérez"),
        ("soy Pedro", "es", "Pedro"),
        ("mi nombre es maría de la cruz", "es", "María de la Cruz"),
        ("Buenas, soy José Luis", "es", "José Luis"),
        ("I'm Seán O'Brien", "en", "Seán O'Brien"),
        ("me llamo Juan Carlos Fuente Pérez", "es", "Juan Carlos Fuente Pérez"),
    ],
)
def test_extract_name(text: str, lang: Lang, name: str) -> None:
    assert extract_name(text, lang) == name


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I'm looking for a haircut", "en"),
        ("I'm free on Friday", "en"),
        ("I'm calling to book", "en"),
        ("it's fine", "en"),
        ("It's Monday I need", "en"),
        ("this is great", "en"),
        ("I am not sure", "en"),
        ("soy nuevo", "es"),
        ("soy alérgica al tinte", "es"),
        ("Lucía", "es"),  # a bare word is a name only when one was asked for
        ("I need a trim", "en"),
    ],
)
def test_no_name(text: str, lang: Lang) -> None:
    assert extract_name(text, lang) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Lucía", "Lucía"),
        ("lucía", "Lucía"),
        ("Ana García López", "Ana García López"),
        ("uh, it's Maria", "Maria"),
        ("Sam Lee, please", "Sam Lee"),
        ("sí, Pedro", "Pedro"),
        ("ana garcía please", "Ana García"),
    ],
)
def test_bare_name_when_expected(text: str, name: str) -> None:
    assert extract_name(text, "en", expecting_name=True) == name


@pytest.mark.parametrize(
    "text",
    ["yes", "no", "tomorrow at 3", "I don't know", "why do you need it", "one two three four",
     "what?", "555 1234", "Maria Jose Ana Luisa Perez"],
)
def test_no_bare_name_when_expected(text: str) -> None:
    assert extract_name(text, "en", expecting_name=True) is None
