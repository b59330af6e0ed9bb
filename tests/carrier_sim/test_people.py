"""Who the simulated people are: a fixed mix, dealt the same way for the same seed."""

from __future__ import annotations

from collections import Counter

from frontdesk.carrier_sim import Kind, cast, person_for

NUMBERS = [(f"+1312555{100 + i:04d}", "es" if i % 5 == 0 else "en") for i in range(20)]


def test_twenty_people_get_the_whole_mix_and_the_same_seed_the_same_people() -> None:
    people = cast(NUMBERS, seed=7)
    kinds = Counter(p.kind for p in people.values())
    assert kinds[Kind.STOP] == 1 and kinds[Kind.BOOKS] == 5 and kinds[Kind.MACHINE] == 4
    assert sum(kinds.values()) == 20 and set(kinds) == set(Kind)
    assert cast(NUMBERS, seed=7) == people
    assert cast(NUMBERS, seed=8) != people


def test_a_shorter_list_still_meets_every_kind() -> None:
    assert {p.kind for p in cast(NUMBERS[:7], seed=1).values()} == set(Kind)


def test_lines_follow_the_language_and_unanswered_people_say_nothing() -> None:
    people = cast(NUMBERS, seed=3)
    for (phone, lang), person in ((n, people[n[0]]) for n in NUMBERS):
        assert person.lang == lang
        if person.kind in (Kind.MACHINE, Kind.NO_ANSWER, Kind.BUSY):
            assert person.lines == ()
        else:
            assert person.lines and phone
    spanish_stop = person_for("+13125550199", 0, "es")
    assert person_for("+13125550199", 0, "es") == spanish_stop  # fixed by number and seed


def test_a_number_nobody_cast_still_gets_a_person() -> None:
    kinds = {person_for(f"+1415555{i:04d}", seed=1).kind for i in range(200)}
    assert kinds == set(Kind)
