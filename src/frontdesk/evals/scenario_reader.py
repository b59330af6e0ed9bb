"""Typed, validated reading of a scenario file's mappings: every error names the file
and the path of keys, so a person can fix the YAML (the format: ``docs/EVAL.md``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

MAX_DAY = 60  # the salon books 60 days ahead at most
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ScenarioError(ValueError):
    """A scenario file that cannot be run; the message names the file and the field."""

    def __init__(self, path: Path | str, where: str, problem: str) -> None:
        self.path = str(path)
        self.where = where
        self.problem = problem
        super().__init__(f"{self.path}: {where}: {problem}" if where else f"{self.path}: {problem}")


T = TypeVar("T")


class Reader:
    """Typed access to one mapping of the file, with the path of keys for errors."""

    def __init__(self, path: Path | str, where: str, data: object, known: Sequence[str]) -> None:
        self.path, self.where = path, where
        if not isinstance(data, Mapping):
            raise ScenarioError(path, where, f"must be a mapping (key: value), got {kind_of(data)}")
        self.data: Mapping[str, Any] = data
        unknown = [str(k) for k in data if k not in known]
        if unknown:
            self.fail(f"unknown key {unknown[0]!r} (known keys: {', '.join(known)})")

    def at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, problem: str, key: str | None = None) -> Any:
        raise ScenarioError(self.path, self.at(key) if key else self.where, problem)

    def get(self, key: str, check: Callable[[str, object], T], default: T | None = None,
            *, required: bool = False) -> T:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail("is required", key)
            return default  # type: ignore[return-value]
        return check(self.at(key), self.data[key])

    def text(self, key: str, *, required: bool = False, default: str | None = None) -> str:
        return self.get(key, self._text, default, required=required)

    def choice(self, key: str, options: Sequence[str], *, required: bool = False,
               default: str | None = None) -> str:
        value = self.text(key, required=required, default=default)
        if value is not None and value not in options:
            self.fail(f"{value!r} is not one of {', '.join(options)}", key)
        return value

    def _text(self, where: str, value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ScenarioError(self.path, where, f"must be text, got {kind_of(value)}")
        return str(value)

    def day(self, key: str, *, required: bool = True) -> int:
        return self.get(key, self._day, required=required)

    def _day(self, where: str, value: object) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\+?\d{1,2}", value.strip()):
            number = int(value.strip())
        if number is None or not 0 <= number <= MAX_DAY:
            raise ScenarioError(self.path, where, f"must be a day offset from +0 to +{MAX_DAY} "
                                f"(days after the run's today), got {value!r}")
        return number

    def day_range(self, where: str, value: object) -> tuple[int, int | None]:
        """A day offset, or a range of them written "+3..+6"."""
        if isinstance(value, str) and ".." in value:
            first, _, last = value.partition("..")
            low, high = self._day(where, first), self._day(where, last)
            if high < low:
                raise ScenarioError(self.path, where, f"the range {value!r} ends before it starts")
            return low, high
        return self._day(where, value), None

    def clock(self, key: str, *, required: bool = True) -> str:
        return self.get(key, self._clock, required=required)

    def _clock(self, where: str, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ScenarioError(self.path, where, "write times in quotes, like \"10:30\" (YAML "
                                f"reads an unquoted 10:30 as the number {value})")
        if not isinstance(value, str) or not CLOCK.match(value.strip()):
            raise ScenarioError(self.path, where,
                                f"must be a 24-hour \"HH:MM\" time, got {value!r}")
        return value.strip()

    def items(self, key: str) -> list[tuple[str, object]]:
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, Mapping):  # a single item where a list is expected
            value = [value]
        if not isinstance(value, list):
            self.fail(f"must be a list, got {kind_of(value)}", key)
        return [(f"{self.at(key)}[{i}]", item) for i, item in enumerate(value)]


def kind_of(value: object) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
