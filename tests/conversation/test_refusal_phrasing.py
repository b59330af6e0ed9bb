"""Every refusal a tool can hand the brain has words in English and Spanish, and no reply
ever tells a caller about the API.

The codes come from their source of truth, ``RefusalCode``; the tests below also check
that every code a service the tools call can refuse with is one of them (the domain
errors those modules define, and the scheduling core's verdicts), so a new refusal
cannot reach a caller without its words.
"""

from __future__ import annotations

import importlib
import inspect
import uuid
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from frontdesk.conversation.booking_flow import write_failed
from frontdesk.conversation.context import ServiceInfo, TurnContext
from frontdesk.conversation.manage import cancel
from frontdesk.conversation.personas import persona_for
from frontdesk.conversation.refusals import LANGUAGES, REFUSALS, say_duration, say_refusal
from frontdesk.conversation.state import DialogueState, KnownAppointment, OfferedSlot
from frontdesk.conversation.tool_results import Refused, ToolResult, wire
from frontdesk.conversation.tools import ToolContext, Tools
from frontdesk.errors import FrontdeskError, RefusalCode, SlotTaken
from frontdesk.nlu.understand import understand
from frontdesk.scheduling import Refusal
from frontdesk.store.models import Tenant

# Every module whose errors the tools can meet: the ones they call, and what those call.
TOOL_REACH = [
    "frontdesk.errors",
    "frontdesk.services.availability",
    "frontdesk.services.booking",
    "frontdesk.services.caller_access",
    "frontdesk.services.customers",
    "frontdesk.services.lookup",
    "frontdesk.services.phone_verification",
    "frontdesk.services.agent_context",
    "frontdesk.services.conversation_turns",
]
ZONE = ZoneInfo("America/New_York")


def _errors_defined_in(module_name: str) -> list[type[FrontdeskError]]:
    module = importlib.import_module(module_name)
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, FrontdeskError) and cls.__module__ == module_name
    ]


def test_every_error_the_tools_can_meet_has_a_refusal_code() -> None:
    errors = [e for name in TOOL_REACH for e in _errors_defined_in(name)]
    assert len(errors) > 10
    for error in errors:
        if error.code == FrontdeskError.code:
            continue  # the base class, and BookingRefused: its code is per instance, typed
        assert error.code in set(RefusalCode), f"{error.__name__}.code = {error.code!r}"


def test_the_scheduling_cores_verdicts_are_refusal_codes() -> None:
    assert {r.value for r in Refusal} <= {c.value for c in RefusalCode}


@pytest.mark.parametrize("code", list(RefusalCode))
def test_every_refusal_code_has_english_and_spanish_words(code: RefusalCode) -> None:
    assert set(REFUSALS[code]) >= set(LANGUAGES)
    said = {lang: say_refusal(code, lang, notice_minutes=120, days_ahead=30) for lang in LANGUAGES}
    for lang, text in said.items():
        assert text.strip() and text[0].isupper() and text.endswith("."), (lang, text)
        assert "{" not in text and "/api/" not in text and "_" not in text, (lang, text)
    assert said["en"] != said["es"]


def test_the_business_rules_fill_in_the_numbers() -> None:
    assert say_refusal(RefusalCode.TOO_SOON, "en", notice_minutes=120) == (
        "That time is too soon: bookings need to be made at least 2 hours in advance."
    )
    assert "al menos 1 día de antelación" in say_refusal(
        RefusalCode.TOO_SOON, "es", notice_minutes=1440
    )
    assert "30 días" in say_refusal(RefusalCode.TOO_FAR_AHEAD, "es", days_ahead=30)
    assert [say_duration(m, "en") for m in (0, 1, 90, 60, 2880)] == [
        "0 minutes", "1 minute", "90 minutes", "1 hour", "2 days"]


class RefusingTools(Tools):
    """Tools whose every call is refused with one result, as a service would refuse."""

    def __init__(self, ctx: ToolContext, refused: Refused) -> None:
        super().__init__(ctx)
        self.refused_with = refused

    def call(self, name: str, raw_args: dict[str, Any], *, key: str | None = None) -> ToolResult:
        return self.refused_with


def _context(refused: Refused | None = None) -> TurnContext:
    tenant = Tenant(name="Salon", timezone="America/New_York", persona="default", country="US",
                    min_notice_minutes=60, max_days_ahead=30)
    tool_ctx = ToolContext(cast(Any, None), tenant, uuid.uuid4(), "chat")
    tools = Tools(tool_ctx) if refused is None else RefusingTools(tool_ctx, refused)
    return TurnContext(
        tenant=tenant, persona=persona_for("default"),
        services=[ServiceInfo("svc-1", "Haircut", {"es": ["corte"]}, 30)],
        tools=tools, now=datetime(2030, 6, 3, 8, 0, tzinfo=ZONE), caller_phone=None)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", list(RefusalCode))
def test_a_refused_write_is_phrased_never_read_out(code: RefusalCode, lang: str) -> None:
    """Whatever code a booking or a cancellation is refused with, the caller hears its
    words in their language, never the note for the model or a service's text."""
    refused = Refused(code, "A note for the model. Ask GET /api/v1/availability.")
    words = say_refusal(code, lang, notice_minutes=60, days_ahead=30)
    ctx = _context(refused)
    chosen = OfferedSlot("2030-06-20T10:00:00-04:00", "2030-06-20T10:30:00-04:00", "r-1", "Ana")
    state = DialogueState(lang=lang, goal="book", service_id="svc-1", chosen=chosen)

    booking = write_failed(state, ctx, lang, refused)

    target = KnownAppointment(str(uuid.uuid4()), "svc-1", "Haircut", chosen.start, "Ana")
    state = DialogueState(lang=lang, goal="cancel", awaiting="confirm", target=target,
                          appointments=[target])
    yes = understand("sí" if lang == "es" else "yes", now=ctx.now, lang_hint=lang)  # type: ignore[arg-type]
    cancelling = cancel(state, yes, ctx)

    assert cancelling is not None
    for reply in (booking.text, cancelling.text):
        assert words in reply
        assert "/api/" not in reply and "note for the model" not in reply


def test_the_model_never_reads_an_api_path_either() -> None:
    """The API's detail for a taken slot points at the availability endpoint; the tool
    result the LLM reads (and could repeat) points at the tool instead."""
    ctx = _context()
    exc = SlotTaken("That time is already taken. Ask GET /api/v1/availability for free times.")

    result = wire(ctx.tools.refused(exc))

    assert result == {"ok": False, "error": "slot_taken",
                      "detail": "That time is already taken. Call find_open_slots for free "
                                "times."}


def test_an_error_the_brain_does_not_know_is_said_as_not_working() -> None:
    class Odd(FrontdeskError):
        code = "calendar_exploded"

    refused = _context().tools.refused(Odd("The calendar exploded at /api/v1/x"))

    assert refused.code is RefusalCode.UNAVAILABLE and "/api/" not in refused.note
