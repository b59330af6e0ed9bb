"""Types every HTTP door's models share: strict input models (no unknown fields, no NUL
characters), languages, and the date, time and zone types with the API's bounds."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)

from frontdesk.web import bounds

Language = Literal["en", "es"]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
# A light check on purpose: full RFC 5322 validation rejects real addresses more often
# than it catches typos, and delivery is the real test.
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a UTC offset, e.g. 2026-12-01T10:00:00-05:00")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware), AfterValidator(bounds.check_year)]
ApiDate = Annotated[date, AfterValidator(bounds.check_year)]
Zone = Annotated[str, Field(min_length=1, max_length=64, examples=["America/New_York"])]


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a wall-clock time in the business's zone, without an offset")
    return value


# JSON Schema's ``format: time`` is RFC 3339's full-time, which requires an offset; ours
# are wall-clock times in the business's zone, so the document says exactly that.
WallTime = Annotated[
    time,
    AfterValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "Wall-clock time HH:MM[:SS] in the business's zone, no offset",
            "example": "09:00",
        }
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text; SQLite can, so refuse it on both alike.
        where = bounds.nul_path(value)
        if where is not None:
            inner = "" if where == "value" else f" (at {where})"
            raise ValueError(f"text must not contain NUL (\\u0000) characters{inner}")
        return value
