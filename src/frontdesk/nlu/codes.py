"""One-time codes read back by a caller: "482913", "482 913", "four eight two nine one
three", "cuatro ocho dos, nueve uno tres", "forty-eight twenty-nine thirteen"."""

from __future__ import annotations

import re

from frontdesk.nlu.entities import spoken_digit_runs

CODE_DIGITS = 6
# "oh" before digit words is a zero ("oh four two..."); the phone reader skips a run's
# leading "oh" because "oh, it's five five five..." is an interjection there.
_OH_DIGIT = re.compile(
    r"\boh\b(?=[\s,.-]+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)\b)",
    re.IGNORECASE,
)


def extract_code(text: str, digits: int = CODE_DIGITS) -> str | None:
    """The first run of exactly ``digits`` digits, written or spoken (EN/ES), or None.

    A run of another length is not a code: asking again costs the caller nothing, while
    checking it would spend one of their tries on a mishearing.
    """
    for candidate in (text, _OH_DIGIT.sub("zero", text)):
        for run in spoken_digit_runs(candidate, min_digits=1):
            run = run.lstrip("+")
            if len(run) == digits:
                return run
    return None
