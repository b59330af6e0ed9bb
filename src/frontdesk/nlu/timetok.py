"""Tokens for the time grammar: words, digit runs and single punctuation marks.

Each token keeps its character offsets in the input and a normal form for lookups:
lower case, accents and apostrophes removed ("Miércoles" -> "miercoles",
"o'clock" -> "oclock", "New Year's" -> "new", "years").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

_TOKEN = re.compile(r"\d+|[^\W\d_]+(?:['’\"][^\W\d_]+)?|\S")


class Token(NamedTuple):  # a tuple: a sentence makes dozens, and they are read in hot loops
    norm: str  # normal form for lookups
    raw: str
    start: int
    end: int
    num: int | None  # the value of a digit run
    glued: bool  # no space between this token and the one before


@lru_cache(maxsize=4096)
def normal(word: str) -> str:
    folded = unicodedata.normalize("NFD", word.lower())
    kept = "".join(c for c in folded if not unicodedata.combining(c) and c not in "'’\"")
    return kept or word


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    prev_end = -1
    for m in _TOKEN.finditer(text):
        raw = m.group()
        num = int(raw) if raw.isdigit() and raw.isascii() else None
        out.append(Token(normal(raw), raw, m.start(), m.end(), num, m.start() == prev_end))
        prev_end = m.end()
    return out
