"""The outbox's "analysis" channel: an LLM rewords a finished conversation's analysis.

The recipient is the conversation's id; the payload names the business and the ending
(``services.conversation_analysis``). The model's answer, or why there is none, goes to
``finish_refinement``, which keeps the rules' facts and makes the analysis final. A model
that is down is retried by the worker while the row has tries left (a few: the
``conversation.ended`` event waits for this); after the last, or on an answer that is no
use (not JSON, the wrong shape), the rules' analysis stands, with the reason recorded.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.services import conversation_analysis as analyses
from frontdesk.services.conversation_analysis import AnalysisRefiner, RefinementFailed

log = logging.getLogger(__name__)


class AnalysisSender:
    name = "llm-analysis"
    channel = analyses.CHANNEL

    def __init__(self, factory: sessionmaker[Session], refiner: AnalysisRefiner) -> None:
        self.factory, self.refiner = factory, refiner

    def send(self, message: OutgoingMessage) -> str:
        try:
            conversation_id = uuid.UUID(message.recipient)
            tenant_id = uuid.UUID(str(message.payload["tenant_id"]))
            ending = int(message.payload["ending"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentSendError(f"not an analysis request: {exc}") from exc
        request = analyses.refinement_request(self.factory, tenant_id, conversation_id, ending)
        if request is None:
            return "superseded"  # resumed, gone, or already final (a redelivery)
        try:
            proposal = self.refiner.refine(request)
        except RefinementFailed as exc:
            if exc.transient and not analyses.is_last_attempt(self.factory,
                                                              uuid.UUID(message.id)):
                raise TransientSendError(exc.reason) from exc
            log.info("conversation %s analysed by the rules: %s", conversation_id, exc.reason)
            return analyses.finish_refinement(self.factory, tenant_id, conversation_id,
                                              ending, proposal=None, error=exc.reason)
        return analyses.finish_refinement(self.factory, tenant_id, conversation_id, ending,
                                          proposal=proposal, error=None)
