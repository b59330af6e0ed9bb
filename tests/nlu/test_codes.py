"""A one-time code read back: written or spoken, English or Spanish, and only when asked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.codes import extract_code
from frontdesk.nlu.understand import understand

NOW = datetime(2024, 3, 1, 9, 30, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(("text", "code"), [
    ("482913", "482913"),
    ("it's 482 913", "482913"),
    ("the code is 48-29-13, thanks", "482913"),
    ("4 8 2 9 1 3", "482913"),
    ("four eight two nine one three", "482913"),
    ("forty-eight twenty-nine thirteen", "482913"),
    ("oh four two nine one three", "042913"),
    ("zero four two, nine one three", "042913"),
    ("cuatro ocho dos nueve uno tres", "482913"),
    ("el código es cero cuatro dos, nueve uno tres", "042913"),
])
def test_codes_written_or_spoken(text: str, code: str) -> None:
    assert extract_code(text) == code


@pytest.mark.parametrize("text", [
    "48291",  # five digits: ask again rather than spend a try on a mishearing
    "4829134",
    "212 555 0199",
    "I don't have it",
    "oh, I didn't get it",
])
def test_not_a_code(text: str) -> None:
    assert extract_code(text) is None


def test_understand_reads_a_code_only_when_one_was_asked_for() -> None:
    assert understand("one two three four five six", now=NOW, expecting="code").code == "123456"
    assert understand("one two three four five six", now=NOW).code is None
    said = understand("el código es cuatro ocho dos nueve uno tres", now=NOW, lang_hint="es",
                      expecting="code")
    assert said.code == "482913" and said.lang == "es"
