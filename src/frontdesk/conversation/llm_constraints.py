"""The LLM's side of refining parsed booking constraints (issue 12).

The model is shown the instruction and the deterministic parser's answer and asked for
the same JSON, refined. What it says is only a proposal: ``services.constraint_refinement``
validates it against the API's schema and keeps it only where it narrows the parse.
Any failure here (the server, the time budget, text that is not a JSON object) proposes
nothing, and the deterministic answer stands.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import openai

if TYPE_CHECKING:
    from frontdesk.config import Settings

__all__ = ["LLMConstraintProposer", "proposer_from_settings"]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You refine booking constraints parsed from a business's instruction (English or "
    "Spanish). You get the instruction, its time zone, the current time and the parser's "
    "answer as JSON. Answer with ONE JSON object of exactly the same shape "
    '({"hard_constraints": {...}, "soft_constraints": {...}}) and nothing else. You may '
    "only fill a null field the instruction clearly states, or narrow a field: a later "
    "window_start, an earlier window_end, fewer days, a later earliest_time, an earlier "
    "latest_time, more exclude_dates. Never widen or remove a constraint, never change the "
    "timezone. Days are lowercase English weekday names, times HH:MM, dates YYYY-MM-DD, "
    "datetimes ISO 8601 with offset. If nothing needs refining, return the parser's answer."
)


class LLMConstraintProposer:
    """Asks an OpenAI-compatible Chat Completions model for refined constraints."""

    def __init__(self, *, base_url: str, model: str, api_key: str = "",
                 timeout_s: float = 8.0, client: openai.OpenAI | None = None) -> None:
        # Local servers (Ollama, vLLM) take no key, but the SDK insists on one.
        self.client = client or openai.OpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout_s, max_retries=0)
        self.model = model

    def propose(self, instruction: str, timezone: str, now: datetime,
                current: dict[str, Any]) -> dict[str, Any] | None:
        question = json.dumps({"instruction": instruction, "timezone": timezone,
                               "now": now.isoformat(), "parsed": current}, ensure_ascii=False)
        try:
            reply = self.client.chat.completions.create(
                model=self.model, temperature=0,
                messages=[{"role": "system", "content": SYSTEM_PROMPT},
                          {"role": "user", "content": question}])
            text = reply.choices[0].message.content or ""
        except (openai.OpenAIError, IndexError, AttributeError) as exc:
            log.info("constraint refinement unavailable: %s", type(exc).__name__)
            return None
        try:
            found = json.loads(_unfenced(text))
        except json.JSONDecodeError:
            log.info("constraint refinement was not JSON")
            return None
        return found if isinstance(found, dict) else None


def _unfenced(text: str) -> str:
    """Models often wrap JSON in a ```json fence despite being asked not to."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    return body


def proposer_from_settings(settings: Settings) -> LLMConstraintProposer | None:
    """The proposer when ``FRONTDESK_LLM_BASE_URL`` is set; None means the parser alone."""
    if not settings.llm_base_url:
        return None
    return LLMConstraintProposer(base_url=settings.llm_base_url, model=settings.llm_model,
                                 api_key=settings.llm_api_key, timeout_s=settings.llm_timeout_s)
