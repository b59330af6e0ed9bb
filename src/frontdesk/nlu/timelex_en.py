"""English time vocabulary: numbers as words, weekdays, months, parts of day, holidays."""

from __future__ import annotations

from frontdesk.nlu.timelex import Lexicon, PartOfDay


def _names(groups: list[tuple[str, ...]]) -> dict[str, int]:
    return {word: index for index, words in enumerate(groups) for word in words}


_WEEKDAYS = _names(
    [
        ("monday", "mon", "mondays"),
        ("tuesday", "tue", "tues", "tuesdays"),
        ("wednesday", "wed", "weds", "wednesdays"),
        ("thursday", "thu", "thur", "thurs", "thursdays"),
        ("friday", "fri", "fridays"),
        ("saturday", "sat", "saturdays"),
        ("sunday", "sun", "sundays"),
    ]
)

_MONTHS = {
    word: index + 1
    for index, words in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for word in words
}

_UNITS_0_19 = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60}
_NUMBERS = {w: i for i, w in enumerate(_UNITS_0_19)} | _TENS

_ORD_0_19 = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_ORDINALS = {w: i for i, w in enumerate(_ORD_0_19) if i} | {"twentieth": 20, "thirtieth": 30}

_UNITS = {
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour",
    "day": "day", "days": "day",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month", "mo": "month",
    "quarter": "quarter", "quarters": "quarter", "qtr": "quarter", "qtrs": "quarter",
    "year": "year", "years": "year", "yr": "year", "yrs": "year",
}  # fmt: skip

_MORNING = PartOfDay(0, 12, False)
_AFTERNOON = PartOfDay(12, 19, True)
_EVENING = PartOfDay(18, 24, True)
_PODS = {
    "morning": _MORNING, "mornings": _MORNING, "morningish": _MORNING,
    "afternoon": _AFTERNOON, "afternoons": _AFTERNOON, "afternoonish": _AFTERNOON,
    "evening": _EVENING, "evenings": _EVENING, "eveningish": _EVENING,
    "night": _EVENING, "nights": _EVENING,
    "lunch": PartOfDay(12, 14, True), "lunchtime": PartOfDay(12, 14, True),
}  # fmt: skip

_SEASONS = {
    "spring": ((3, 20), (6, 21)),
    "summer": ((6, 21), (9, 24)),
    "fall": ((9, 23), (12, 21)),
    "autumn": ((9, 23), (12, 21)),
    "winter": ((12, 21), (3, 21)),
}

_HOLIDAYS = {
    "christmas": "christmas", "christmas day": "christmas", "xmas": "christmas",
    "xmas day": "christmas", "christmas eve": "christmas_eve", "xmas eve": "christmas_eve",
    "new years eve": "new_years_eve", "new year eve": "new_years_eve",
    "new years day": "new_year", "new year day": "new_year", "new years": "new_year",
    "valentines day": "valentine", "valentine day": "valentine", "valentines": "valentine",
    "halloween": "halloween", "independence day": "independence",
    "thanksgiving": "thanksgiving", "thanksgiving day": "thanksgiving",
    "black friday": "black_friday",
    "mlk day": "mlk", "mlk jr day": "mlk", "martin luther king day": "mlk",
    "martin luther kings day": "mlk", "martin luther king jr day": "mlk",
    "civil rights day": "mlk",
    "memorial day": "memorial", "labor day": "labor", "labour day": "labor",
    "mothers day": "mothers", "fathers day": "fathers",
    "presidents day": "presidents", "columbus day": "columbus",
    "bosss day": "boss", "bosses day": "boss", "boss day": "boss", "bosss": "boss",
    "st patricks day": "st_patrick", "st paddys day": "st_patrick",
    "saint patricks day": "st_patrick", "saint paddys day": "st_patrick",
    "st patricks": "st_patrick", "world vegan day": "vegan",
    "ides of march": "ides",
    "easter": "easter", "easter sunday": "easter", "easter mon": "easter_monday",
    "easter monday": "easter_monday", "good friday": "good_friday",
    "maundy thursday": "maundy", "covenant thu": "maundy", "covenant thursday": "maundy",
    "thu of mysteries": "maundy", "thursday of mysteries": "maundy",
    "pentecost": "pentecost", "white sunday": "pentecost", "whit sunday": "pentecost",
    "whit monday": "whit_monday", "monday of the holy spirit": "whit_monday",
    "palm sunday": "palm_sunday", "branch sunday": "palm_sunday",
    "trinity sunday": "trinity", "ascension day": "ascension",
    "pancake day": "shrove", "mardi gras": "shrove", "shrove tuesday": "shrove",
    "ash wednesday": "ash_wednesday", "lent": "lent",
    "orthodox easter": "orthodox_easter", "orthodox good friday": "orthodox_good_friday",
    "orthodox great friday": "orthodox_good_friday", "clean monday": "clean_monday",
    "orthodox shrove monday": "clean_monday", "lazarus saturday": "lazarus",
    "great fast": "great_lent", "great lent": "great_lent",
    "koningsdag": "kings_day", "kings day": "kings_day",
}  # fmt: skip

LEXICON = Lexicon(
    lang="en",
    weekdays=_WEEKDAYS,
    weak_weekdays=frozenset({"sat", "sun", "wed"}),
    months=_MONTHS,
    weak_months=frozenset({"may", "mar", "jan", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}),
    numbers=_NUMBERS,
    ordinals=_ORDINALS,
    weak_ordinals=frozenset({"first", "second"}),
    units=_UNITS,
    pods=_PODS,
    rel_days={"today": 0, "tomorrow": 1, "tomorrows": 1, "tmrw": 1, "tmr": 1, "yesterday": -1},
    next_words=frozenset({"next", "coming", "upcoming", "following"}),
    last_words=frozenset({"last", "past", "previous", "prior"}),
    this_words=frozenset({"this", "current", "present"}),
    am=frozenset({"am", "a"}),
    pm=frozenset({"pm", "p"}),
    noon=frozenset({"noon", "midday", "middday"}),
    midnight=frozenset({"midnight"}),
    now_words=frozenset({"now", "asap"}),
    seasons=_SEASONS,
    holidays=_HOLIDAYS,
    extra={
        "from": frozenset({"from", "starting", "beginning"}),
        "after": frozenset({"after", "since", "later"}),
        "before": frozenset({"before", "until", "till", "til", "untill", "prior", "through"}),
        "to": frozenset({"to", "till", "til", "until", "untill", "thru", "through", "-", "–", "—"}),
        "approx": frozenset({"around", "about", "approximately", "approx", "roughly", "circa"}),
        "glue": frozenset({",", "of", "the", "for", "on", "at", "@", "like", "um", "uh", "say"}),
        "lead": frozenset({"at", "@", "on", "around", "about", "approximately", "approx"}),
    },
)
