"""``GET /metrics``: the Prometheus series (observability/metrics.py; ADR 0055).

Open unless ``FRONTDESK_METRICS_TOKEN`` is set; then it takes that token as a bearer
(what Prometheus's ``authorization`` scrape setting sends), compared in constant time.
"""

from __future__ import annotations

import hmac

import anyio
from fastapi import APIRouter, Request, Response

from frontdesk.errors import FrontdeskError
from frontdesk.observability.metrics import CONTENT_TYPE, DatabaseGauges, exposition
from frontdesk.observability.process_gauges import CircuitGauges
from frontdesk.web.deps import SettingsDep

router = APIRouter(tags=["health"])


class MetricsTokenRequired(FrontdeskError):
    code = "metrics_token_required"
    status = 401
    title = "The metrics need their token"


def _authorized(request: Request, token: str) -> bool:
    if not token:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                token.encode())


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    if not _authorized(request, settings.metrics_token):
        raise MetricsTokenRequired("Send FRONTDESK_METRICS_TOKEN as 'Authorization: Bearer'.")
    state = request.app.state
    gauges: DatabaseGauges | None = getattr(state, "database_gauges", None)
    breakers: CircuitGauges | None = getattr(state, "circuit_gauges", None)
    body = await anyio.to_thread.run_sync(exposition, settings.metrics_multiproc_dir,
                                          gauges, breakers)
    return Response(body, media_type=CONTENT_TYPE)
