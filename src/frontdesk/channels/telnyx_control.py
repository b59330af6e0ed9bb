"""The app's one Telnyx Call Control client, shared by the voice webhook and the media
stream (which hangs up through it: closing a Telnyx stream does not end the call)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

from frontdesk.config import Settings
from frontdesk.errors import NotConfigured
from frontdesk.telephony.base import CallControl
from frontdesk.telephony.telnyx_call_control import TelnyxCallControl
from frontdesk.web.deps import SettingsDep

log = logging.getLogger(__name__)


def call_control_for(state: State, settings: Settings) -> CallControl:
    """One Call Control client per app and API key, built on first use.

    Kept on the app (not rebuilt per event) so its HTTP connection pool is reused; keyed
    by the settings it was built from, so settings given through the dependency (tests,
    a reconfigured app) never meet a client built for other ones.
    """
    if not settings.telnyx_api_key:
        # A signed event we cannot act on: refused in words (Telnyx retries it later,
        # by when the operator may have set the key), not a crash.
        log.error("telnyx call event refused: FRONTDESK_TELNYX_API_KEY is not set")
        raise NotConfigured(
            "This server has no Telnyx API key (FRONTDESK_TELNYX_API_KEY), so it cannot "
            "answer Telnyx calls."
        )
    wanted = (settings.telnyx_api_key, settings.telnyx_api_base)
    cached: tuple[tuple[str, str], CallControl] | None = getattr(
        state, "telnyx_call_control", None)
    if cached is None or cached[0] != wanted:
        cached = (wanted, TelnyxCallControl(settings.telnyx_api_key,
                                            api_base=settings.telnyx_api_base))
        state.telnyx_call_control = cached
    return cached[1]


def get_call_control(request: Request, settings: SettingsDep) -> CallControl:
    return call_control_for(request.app.state, settings)


CallControlDep = Annotated[CallControl, Depends(get_call_control)]
