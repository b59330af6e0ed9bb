"""The words that turn a time expression into a booking constraint, in English and Spanish.

Only what the time grammar does not already know lives here: the words that make a
statement a preference, a prohibition or a restriction, "as soon as possible", and the
names of classes of days ("weekdays", "entre semana"). Weekday, month, part-of-day,
holiday and relative-date words come from the time lexicons (``timelex_en/es``), and
"after/before/until/desde/hasta" from the interval grammar (``timeinterval``). Phrases
are written in the tokens' normal form: lower case, accents and apostrophes removed.
"""

from __future__ import annotations

from typing import Literal

Marker = Literal["soft", "not", "only", "asap", "end"]

# Longest phrase first within a language, so "if possible" wins over a shorter reading.
MARKERS: dict[str, tuple[tuple[str, Marker], ...]] = {
    "en": (
        ("would be nice", "soft"), ("if at all possible", "soft"), ("if possible", "soft"),
        ("if you can", "soft"), ("if we can", "soft"), ("if it works", "soft"),
        ("preferably", "soft"), ("preferable", "soft"), ("preferred", "soft"),
        ("preference", "soft"), ("prefer", "soft"), ("prefers", "soft"),
        ("ideally", "soft"), ("ideal", "soft"), ("hopefully", "soft"), ("rather", "soft"),
        ("better", "soft"), ("best", "soft"),
        ("as soon as possible", "asap"), ("earliest possible", "asap"), ("asap", "asap"),
        ("soonest", "asap"), ("right away", "asap"), ("urgently", "asap"),
        ("other than", "not"), ("apart from", "not"), ("but not", "not"),
        ("not", "not"), ("never", "not"), ("no", "not"), ("except", "not"),
        ("excluding", "not"), ("exclude", "not"), ("avoid", "not"), ("avoiding", "not"),
        ("dont", "not"), ("cant", "not"), ("cannot", "not"), ("without", "not"),
        ("nor", "not"), ("neither", "not"),
        ("only", "only"), ("just", "only"), ("exclusively", "only"), ("strictly", "only"),
        ("must be", "only"), ("has to be", "only"), ("have to be", "only"),
        ("any day but", "not"), ("every day but", "not"), ("anything but", "not"),
        ("anytime but", "not"), ("all but", "not"), ("days but", "not"), ("day but", "not"),
        ("but", "end"), ("however", "end"), ("though", "end"), ("although", "end"),
    ),
    "es": (
        ("lo mas pronto posible", "asap"), ("lo antes posible", "asap"),
        ("lo antes que se pueda", "asap"), ("cuanto antes", "asap"),
        ("de inmediato", "asap"), ("urgente", "asap"), ("urgentemente", "asap"),
        ("a ser posible", "soft"), ("de ser posible", "soft"), ("si es posible", "soft"),
        ("si se puede", "soft"), ("en lo posible", "soft"), ("de preferencia", "soft"),
        ("preferiblemente", "soft"), ("preferentemente", "soft"), ("preferible", "soft"),
        ("idealmente", "soft"), ("ideal", "soft"), ("mejor", "soft"), ("ojala", "soft"),
        ("prefiero", "soft"), ("preferimos", "soft"), ("prefiere", "soft"),
        ("preferencia", "soft"),
        ("a excepcion de", "not"), ("nada de", "not"), ("ningun", "not"), ("ninguno", "not"),
        ("excepto", "not"), ("menos", "not"), ("salvo", "not"),
        ("nunca", "not"), ("jamas", "not"), ("no", "not"), ("ni", "not"), ("sin", "not"),
        ("evitar", "not"), ("evitando", "not"), ("excluyendo", "not"), ("tampoco", "not"),
        ("solamente", "only"), ("unicamente", "only"), ("exclusivamente", "only"),
        ("solo", "only"), ("tiene que ser", "only"),
        ("pero", "end"), ("aunque", "end"), ("sino", "end"),
    ),
}  # fmt: skip

# Classes of days: Monday-Friday and the weekend. ("weekend" alone is also read by the
# period rules, as one particular weekend; in a constraint it means every weekend.)
_WORKDAYS = frozenset(range(5))
_WEEKEND = frozenset({5, 6})
DAY_CLASSES: dict[str, tuple[tuple[str, frozenset[int]], ...]] = {
    "en": (
        ("business days", _WORKDAYS), ("business day", _WORKDAYS),
        ("working days", _WORKDAYS), ("working day", _WORKDAYS), ("workdays", _WORKDAYS),
        ("workday", _WORKDAYS), ("weekdays", _WORKDAYS), ("weekday", _WORKDAYS),
        ("week days", _WORKDAYS), ("week day", _WORKDAYS),
        ("week - ends", _WEEKEND), ("week - end", _WEEKEND), ("weekends", _WEEKEND),
        ("weekend", _WEEKEND), ("saturdays or sundays", _WEEKEND),
    ),
    "es": (
        ("dias laborables", _WORKDAYS), ("dias laborales", _WORKDAYS),
        ("dias habiles", _WORKDAYS), ("dias de semana", _WORKDAYS),
        ("dias entre semana", _WORKDAYS), ("entre semana", _WORKDAYS),
        ("laborables", _WORKDAYS), ("habiles", _WORKDAYS),
        ("fines de semana", _WEEKEND), ("fin de semana", _WEEKEND), ("findes", _WEEKEND),
        ("finde", _WEEKEND),
    ),
}  # fmt: skip

# Words that mean one particular occurrence ("this Friday", "next weekend"), not every one.
PARTICULAR = frozenset({"this", "next", "coming", "upcoming", "last", "este", "esta", "proximo",
                        "proxima", "pasado", "pasada"})  # fmt: skip

# "except the first week" / "excepto la primera semana": weeks of the window itself.
WINDOW_WEEKS: dict[str, tuple[tuple[str, int], ...]] = {
    "en": (("the first week", 0), ("first week", 0), ("the last week", -1),
           ("last week", -1), ("the final week", -1)),
    "es": (("la primera semana", 0), ("primera semana", 0), ("la ultima semana", -1),
           ("ultima semana", -1)),
}  # fmt: skip

# Words that may sit between the items of one list ("not Monday, Tuesday or Friday").
LIST_GLUE = frozenset({",", "or", "and", "y", "o", "ni", "nor", "&", "/", "on", "the",
                       "el", "los", "las", "la"})  # fmt: skip
# Tokens that close a clause: a marker's reach ends there.
CLAUSE_END = frozenset({",", ";", ".", "!", "?", "(", ")"})
