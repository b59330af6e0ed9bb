"""The outbox's ``call`` channel: place one queued call through a ``CallPlacer``.

At most one call per outbox row, whatever the retries (``services.call_dials``): the
dial is taken before the provider is asked; a try that finds it taken reuses the call an
earlier try recorded, or asks the provider for it, and dials only when the provider has
none. The number is checked once more at the instant of dialling: a lead who opted out
after the call was queued is not called.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.services import call_dials, campaign_outcomes
from frontdesk.telephony.base import (
    CallPlacer,
    CallProviderDown,
    CallRefused,
    CallsNotConfigured,
)


class CallSender:
    channel = "call"

    def __init__(self, factory: sessionmaker[Session], placer: CallPlacer) -> None:
        self.factory, self.placer = factory, placer
        self.name = placer.name
        # The carrier's API (a breaker shared with its texts); placers without one are
        # not guarded here.
        self.endpoint = str(getattr(placer, "api_base", "") or "")

    def send(self, message: OutgoingMessage) -> str:
        payload = message.payload
        outbox_id = uuid.UUID(message.id)
        to, from_ = str(payload["to"]), str(payload["from"])
        dial = call_dials.begin_dial(self.factory, outbox_id, uuid.UUID(payload["tenant_id"]),
                                     to, from_)
        if dial.call_id is not None:  # placed and recorded by an earlier try
            return self._placed(outbox_id, dial.call_id)
        if not dial.owned:
            # An earlier try took the dial and never recorded a call: it died mid-request
            # (its lease is over, so it is no longer running). Did the provider dial?
            try:
                found = self.placer.find_placed(to, from_, dial.started_at)
            except CallProviderDown as exc:
                raise TransientSendError(f"cannot tell whether a call was placed: {exc}") \
                    from exc
            if found is not None:
                return self._placed(outbox_id, found)
        blocked = call_dials.blocked_now(self.factory, outbox_id)
        if blocked is not None:
            call_dials.release_dial(self.factory, outbox_id)
            campaign_outcomes.dial_failed(self.factory, outbox_id, blocked)
            raise PermanentSendError(f"not called: {blocked}")
        try:
            call_id = self.placer.place(to, from_, reference=str(outbox_id))
        except CallRefused as exc:
            campaign_outcomes.dial_failed(self.factory, outbox_id, exc.detail)
            raise PermanentSendError(exc.detail) from exc
        except CallProviderDown as exc:
            if not exc.maybe_placed:
                call_dials.release_dial(self.factory, outbox_id)
            raise TransientSendError(exc.detail) from exc
        except CallsNotConfigured as exc:
            call_dials.release_dial(self.factory, outbox_id)
            raise TransientSendError(exc.detail) from exc
        return self._placed(outbox_id, call_id)

    def _placed(self, outbox_id: uuid.UUID, call_id: str) -> str:
        call_dials.record_placed(self.factory, outbox_id, call_id, self.name)
        return call_id
