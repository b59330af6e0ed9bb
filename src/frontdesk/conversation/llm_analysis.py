"""The LLM's side of a conversation's analysis (issue 17, ADR 0065).

The model is shown the rules' analysis and the transcript and asked for one JSON object:
a summary, the caller's intent, whether they got what they came for and why, and the
transfer reason in plain words. What it says is only a proposal: the service
(``services.conversation_analysis``) validates it and keeps the rules' facts whatever it
says. Failures are typed: a server that is down or slow is worth another try, an answer
that is not a JSON object is not.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import openai

from frontdesk.circuit import breaker
from frontdesk.conversation.llm_constraints import _unfenced
from frontdesk.services.conversation_analysis import RefinementFailed, RefinementRequest
from frontdesk.services.conversation_analysis_rules import INTENTS

if TYPE_CHECKING:
    from frontdesk.config import Settings

__all__ = ["LLMAnalyst", "analyst_from_settings"]

log = logging.getLogger(__name__)

# The transcript shown is bounded: a long call is summarised from its start and its end.
MAX_MESSAGES = 60

SYSTEM_PROMPT = (
    "You review a finished conversation between a business's AI front desk and a caller. "
    "You get the business's name, the facts already established (JSON: outcome, "
    "appointments written, requested times, transfer reason) and the transcript. Answer "
    "with ONE JSON object and nothing else, with exactly these keys: "
    '"summary" (one to three sentences for the business\'s staff, in the language named '
    'by summary_language), "intent" (one of: ' + ", ".join(INTENTS) + '), "success" '
    "(true if the caller got what they came for: booked, moved or cancelled as asked, or "
    'their question answered), "success_rationale" (one sentence, same language), '
    '"transfer_reason" (why they were put through to a person, in plain words, or null). '
    "Never contradict the established facts: do not invent bookings, times or names."
)


class LLMAnalyst:
    """Asks an OpenAI-compatible Chat Completions model for a conversation's analysis."""

    def __init__(self, *, base_url: str, model: str, api_key: str = "",
                 timeout_s: float = 8.0, client: openai.OpenAI | None = None) -> None:
        # Local servers (Ollama, vLLM) take no key, but the SDK insists on one.
        self.client = client or openai.OpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout_s, max_retries=0)
        self.model, self.base_url = model, base_url

    def refine(self, request: RefinementRequest) -> dict[str, Any]:
        said = request.transcript
        if len(said) > MAX_MESSAGES:
            half = MAX_MESSAGES // 2
            said = said[:half] + [("note", "(middle of the conversation left out)")] + \
                said[-half:]
        facts = request.analysis.model_dump(mode="json", include={
            "outcome", "intent", "success", "service", "requested_times", "appointments",
            "transfer_reason", "refusals", "language", "channel", "summary_language"})
        question = json.dumps({"business": request.business, "facts": facts,
                               "transcript": [{"role": r, "text": t} for r, t in said]},
                              ensure_ascii=False)
        # The same breaker as the conversation turns' (one per LLM host): a model known
        # to be down is not asked, and the rules' analysis is final at once, so the
        # conversation.ended event does not wait out retries against it.
        guard = breaker("llm", self.base_url)
        if not guard.allow():
            raise RefinementFailed(f"circuit open for {guard.endpoint}")
        try:
            # json_object, not json_schema: the mode most OpenAI-compatible servers
            # (vLLM, Ollama, llama.cpp) accept; the shape is checked on our side anyway.
            reply = self.client.chat.completions.create(
                model=self.model, temperature=0, response_format={"type": "json_object"},
                messages=[{"role": "system", "content": SYSTEM_PROMPT},
                          {"role": "user", "content": question}])
            text = reply.choices[0].message.content or ""
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            guard.failed()
            raise RefinementFailed(f"unavailable: {type(exc).__name__}", transient=True) \
                from exc
        except openai.APIStatusError as exc:
            transient = exc.status_code == 429 or exc.status_code >= 500
            if exc.status_code >= 500:
                guard.failed()
            else:
                guard.succeeded()  # it answered: our request or our quota was at fault
            raise RefinementFailed(f"http {exc.status_code}", transient=transient) from exc
        except (openai.OpenAIError, IndexError, AttributeError) as exc:
            guard.succeeded()  # it answered; the answer was no use
            raise RefinementFailed(f"malformed reply: {type(exc).__name__}") from exc
        guard.succeeded()
        try:
            found = json.loads(_unfenced(text))
        except json.JSONDecodeError as exc:
            log.info("conversation analysis from the LLM was not JSON")
            raise RefinementFailed("not json") from exc
        if not isinstance(found, dict):
            raise RefinementFailed("not a json object")
        return found


def analyst_from_settings(settings: Settings) -> LLMAnalyst | None:
    """The analyst when ``FRONTDESK_LLM_BASE_URL`` is set and
    ``FRONTDESK_ANALYSIS_LLM`` is on; None means the rules' analysis alone."""
    if not settings.llm_base_url or not settings.analysis_llm:
        return None
    return LLMAnalyst(base_url=settings.llm_base_url, model=settings.llm_model,
                      api_key=settings.llm_api_key, timeout_s=settings.llm_timeout_s)
