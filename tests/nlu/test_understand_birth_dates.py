"""A date of birth said in a turn is not a requested appointment time."""

from datetime import datetime
from zoneinfo import ZoneInfo

from frontdesk.nlu.understand import understand

NOW = datetime(2026, 12, 7, 10, tzinfo=ZoneInfo("Europe/Madrid"))


def test_a_birth_date_is_not_a_requested_time() -> None:
    for text in ("nací el 3 de marzo de 1985", "I was born March 3rd, 1985",
                 "fecha de nacimiento: 12/05/1979"):
        assert understand(text, now=NOW).times == (), text


def test_an_appointment_time_beside_a_birth_date_is_kept() -> None:
    said = understand("my date of birth is 03/04/1990, can I come tomorrow at 3", now=NOW)
    assert [m.text for m in said.times] == ["tomorrow at 3"]
    assert [m.text for m in understand("el 3 de marzo a las 5", now=NOW).times] == [
        "el 3 de marzo a las 5"]
