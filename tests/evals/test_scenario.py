"""Scenario files: the shipped set is valid and broad; bad files fail with clear errors."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from frontdesk.evals.cli import REPO_ROOT
from frontdesk.evals.scenario import (
    OUTCOMES,
    expand,
    load_scenario,
    load_scenarios,
)
from frontdesk.evals.scenario_reader import ScenarioError

SHIPPED = REPO_ROOT / "scenarios"

GOOD = """\
id: en-ok
lang: en
tenant: salon
caller_phone: null
description: fine
setup:
  customers: [{phone: "+12125550123", name: "Jordan Lee"}]
  appointments:
    - {service: Haircut, resource: Ana, day: +2, time: "10:00", customer_phone: "+12125550123"}
  fill_day: {service: Haircut, day: +1}
script:
  - say: "Hi, a haircut {day+1} at 3 pm"
  - {when: confirm, say: "yes"}
answers:
  name: "Jordan Lee"
  phone: ["uh", "212 555 0199"]
expect:
  outcome: booked
  appointment: {service: Haircut, day: +1, time: "15:00"}
  max_turns: 10
  reply_contains: []
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_every_field(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD))
    assert scenario.setup.appointments[0].day == 2
    assert scenario.setup.fill_days[0].day == 1
    assert scenario.script[1].when == "confirm"
    assert scenario.answers["phone"] == ("uh", "212 555 0199")
    assert scenario.expect.appointment is not None
    assert scenario.expect.appointment.time == "15:00"
    assert scenario.expect.expected_changes() == 1


@pytest.mark.parametrize(("old", "new", "message"), [
    ("outcome: booked", "outcome: bookd", "expect.outcome: 'bookd' is not one of booked"),
    ("tenant: salon", "tenant: spa", "tenant: 'spa' is not one of salon, clinic"),
    ("max_turns: 10", "max_turns: 10\n  expected: 3", "expect: unknown key 'expected'"),
    ('time: "15:00"', "time: 15:00", 'expect.appointment.time: write times in quotes'),
    ('time: "15:00"', 'time: "3pm"', 'expect.appointment.time: must be a 24-hour "HH:MM"'),
    ("{when: confirm,", "{when: confrim,", "script[1].when: 'confrim' is not one of"),
    ('caller_phone: null', 'caller_phone: "212 555"', "caller_phone: '212 555' is not an E.164"),
    ("{day+1} at 3", "{tomorrow} at 3", "script[0].say: unknown placeholder '{tomorrow}'"),
    ("day: +2, time", "day: +99, time", "setup.appointments[0].day: must be a day offset"),
    ("lang: en", "lang: fr", "lang: 'fr' is not one of en, es"),
    ("  name: \"Jordan Lee\"\n  phone", "  nmae: x\n  phone", "answers: unknown key 'nmae'"),
    ("day: +1, time: \"15:00\"", "day: \"+3..+1\", time: \"15:00\"", "ends before it starts"),
])
def test_a_bad_field_is_named_with_the_problem(tmp_path: Path, old: str, new: str,
                                                message: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_required_parts(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="script: is required"):
        load_scenario(write(tmp_path, "id: x\nlang: en\ntenant: salon\nexpect: {outcome: info}\n"))
    with pytest.raises(ScenarioError, match="expect: is required"):
        load_scenario(write(tmp_path, "id: x\nlang: en\ntenant: salon\nscript: [hi]\n"))
    with pytest.raises(ScenarioError, match="id: is required"):
        load_scenario(write(tmp_path, "lang: en\ntenant: salon\nscript: [hi]\n"
                                      "expect: {outcome: info}\n"))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id: x\nscript:\n  - say: \"unclosed\n")
    with pytest.raises(ScenarioError, match=r"line \d+, column \d+: not valid YAML"):
        load_scenario(path)


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="must be a mapping"):
        load_scenario(write(tmp_path, "- just\n- a list\n"))


def test_repeated_ids_in_a_folder_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ScenarioError, match="'en-ok' is also the id of"):
        load_scenarios(tmp_path)


def test_only_selects_by_glob(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("id: en-ok", "id: es-ok"), "b.yaml")
    assert [s.id for s in load_scenarios(tmp_path, "es-*")] == ["es-ok"]


def test_day_placeholders_expand_in_the_scenario_language() -> None:
    monday = date(2026, 11, 30)
    assert expand("a cut {day+2} at 3", monday, "en") == "a cut on Wednesday, December 2nd at 3"
    assert expand("un corte {day+2}", monday, "es") == "un corte el miércoles 2 de diciembre"
    assert expand("{weekday+4} or {date+1}", monday, "en") == "Friday or December 1st"
    assert expand("el {weekday+1} {date+1}", monday, "es") == "el martes 1 de diciembre"


def test_the_shipped_scenarios_are_valid_and_cover_the_ground() -> None:
    scenarios = load_scenarios(SHIPPED)
    assert len(scenarios) >= 66
    langs = Counter(s.lang for s in scenarios)
    assert langs["es"] * 3 >= len(scenarios), langs
    assert set(OUTCOMES) <= {s.expect.outcome for s in scenarios}
    assert any(s.setup.fill_days for s in scenarios)
    assert any(s.tenant == "clinic" for s in scenarios)
    for scenario in scenarios:
        assert Path(scenario.path).stem == scenario.id, f"{scenario.path}: id and file name differ"
