"""Matching a caller's question to a business's own FAQ: loose enough for other words
and the other language's phrasing, strict enough that an unrelated question misses."""

from __future__ import annotations

import pytest

from frontdesk.nlu.faq_match import THRESHOLD, best_match, score

FAQ = [
    ["Do you take walk-ins?", "¿Atienden sin cita?"],
    ["Do you sell gift cards?", "¿Venden tarjetas regalo?"],
    ["Do I need a referral?", "¿Necesito un volante?"],
    ["What should I bring to my appointment?", "¿Qué tengo que traer a la consulta?"],
]


@pytest.mark.parametrize(("asked", "entry"), [
    ("can I just walk in without booking?", 0),
    ("¿puedo ir sin cita?", 0),
    ("hi, do you guys sell gift certificates?", 1),
    ("¿venden tarjetas de regalo?", 1),
    ("is a referral required?", 2),
    ("¿hace falta volante del médico de cabecera?", 2),
    ("¿qué tengo que llevar a la primera consulta?", 3),
])
def test_other_words_for_the_same_question_match(asked: str, entry: int) -> None:
    hit = best_match(asked, FAQ)
    assert hit is not None and hit.index == entry


@pytest.mark.parametrize("asked", [
    "do you have wifi for customers?",
    "¿los médicos hablan alemán?",
    "can I bring my dog?",  # shares only the common verb "bring"
    "I need a haircut tomorrow",  # shares only "need"
    "what do I need to bring?",  # half of a question made of common verbs only
])
def test_unrelated_questions_miss(asked: str) -> None:
    assert best_match(asked, FAQ) is None


def test_the_threshold_decides_both_ways() -> None:
    asked = "can I just walk in without booking?"  # says "walk", not "take": half of it
    assert score(asked, FAQ[0][0]) == pytest.approx(0.5)
    assert best_match(asked, FAQ, threshold=THRESHOLD) is not None
    assert best_match(asked, FAQ, threshold=0.51) is None
    assert best_match("do you take walk-ins?", FAQ, threshold=1.0) is not None


def test_the_best_of_several_entries_wins() -> None:
    faq = [["Do you sell gift cards?"], ["Do you sell gift cards online?"]]
    hit = best_match("do you sell gift cards online", faq)
    assert hit is not None and hit.index == 1 and hit.score == 1.0
