"""Properties of the constraint parser over random instructions, zones and moments."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.nlu.constraints import (
    WEEKDAYS,
    ConstraintConflict,
    Constraints,
    parse_constraints,
)

FRAGMENTS = {
    "en": [
        "in the next two weeks", "within 10 days", "this month", "next week",
        "before Christmas", "by the 20th", "after the 10th", "ASAP", "tomorrow",
        "preferably Tue–Thu mornings", "not Friday", "no weekends", "except the first week",
        "only Mondays and Wednesdays", "after 2pm", "before 11", "mornings",
        "ideally afternoons", "never Tuesdays", "weekdays only", "between 9 and 11",
        "except next week", "preferably not Monday", "evenings if possible",
        "not before 10am", "until Friday", "Saturday to Monday",
    ],
    "es": [
        "en las próximas dos semanas", "este mes", "la semana que viene", "antes de Navidad",
        "lo antes posible", "de martes a jueves", "nunca los lunes", "excepto los fines de semana",
        "mejor por la tarde", "a ser posible por la mañana", "solo martes y jueves",
        "después de las 3", "antes de las 11", "entre semana", "de preferencia los viernes",
        "excepto la primera semana", "hasta el viernes", "mañana", "no los miércoles",
    ],
}  # fmt: skip
# Hard exclusions each fragment states, whatever else is said.
NEVER = {
    "not Friday": {"friday"}, "never Tuesdays": {"tuesday"}, "no weekends": {"saturday", "sunday"},
    "nunca los lunes": {"monday"}, "excepto los fines de semana": {"saturday", "sunday"},
    "no los miércoles": {"wednesday"},
}  # fmt: skip
ZONES = ["America/New_York", "Europe/Madrid", "America/Mexico_City", "Australia/Sydney", "UTC",
         "Asia/Kolkata", "America/Santiago"]  # fmt: skip

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31))


@st.composite
def instructions(draw: st.DrawFn) -> tuple[str, list[str], str]:
    lang = draw(st.sampled_from(["en", "es"]))
    said = draw(st.lists(st.sampled_from(FRAGMENTS[lang]), min_size=1, max_size=4))
    return ". ".join(said), said, lang


def _check(out: Constraints, now: datetime, zone: str) -> None:
    hard, soft = out.hard, out.soft
    tz = ZoneInfo(zone)
    assert hard.window_start < hard.window_end
    assert hard.window_start >= now.replace(second=0, microsecond=0)
    for moment in (hard.window_start, hard.window_end):
        assert moment.utcoffset() == moment.astimezone(tz).utcoffset()
    first = hard.window_start.date()
    last = (hard.window_end - timedelta(microseconds=1)).date()
    excluded = hard.exclude_dates or ()
    assert list(excluded) == sorted(set(excluded))
    assert all(first <= d <= last for d in excluded)
    allowed = set(hard.days_of_week or WEEKDAYS)
    assert hard.days_of_week is None or len(hard.days_of_week) < 7
    assert set(soft.days_of_week or ()) <= allowed  # never preferred and excluded at once
    days = (first + timedelta(days=k) for k in range((last - first).days + 1))
    assert any(WEEKDAYS[d.weekday()] in allowed and d not in excluded for d in days)
    if hard.earliest_time is not None and hard.latest_time is not None:
        assert hard.earliest_time < hard.latest_time
    for clock in (hard.earliest_time, hard.latest_time):
        assert clock is None or (len(clock) == 5 and "00:00" <= clock <= "23:59")
    assert set(soft.parts_of_day or ()) <= {"morning", "afternoon", "evening"}


@settings(max_examples=300, deadline=None)
@given(said=instructions(), naive=moments, zone=st.sampled_from(ZONES))
def test_answers_are_consistent_or_refused(
    said: tuple[str, list[str], str], naive: datetime, zone: str
) -> None:
    text, fragments, lang = said
    now = naive.replace(tzinfo=ZoneInfo(zone))
    try:
        out = parse_constraints(text, timezone=zone, now=now, lang=lang)
    except ConstraintConflict:
        return
    _check(out, now.astimezone(ZoneInfo(zone)), zone)
    for fragment in fragments:
        for day in NEVER.get(fragment, ()):
            assert day not in (out.hard.days_of_week or ()), fragment
            assert day not in (out.soft.days_of_week or ()), fragment
            assert out.hard.days_of_week is not None
    assert parse_constraints(text, timezone=zone, now=now, lang=lang) == out  # deterministic


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), naive=moments, zone=st.sampled_from(ZONES))
def test_any_text_gives_constraints_or_a_conflict(text: str, naive: datetime, zone: str) -> None:
    now = naive.replace(tzinfo=ZoneInfo(zone))
    try:
        out = parse_constraints(text, timezone=zone, now=now)
    except ConstraintConflict:
        return
    _check(out, now.astimezone(ZoneInfo(zone)), zone)
