"""``GET /widget.js``: the chat widget a business puts on its website (ADR 0038).

One small vanilla script, served by this app (no CDN, no build step). The page includes
it with its publishable widget key::

    <script src="https://desk.example/widget.js" data-key="fd_pub_..." async></script>

and it talks to the agent through the chat door, ``POST /api/v1/chat``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Response

router = APIRouter(tags=["widget"])

CACHE_SECONDS = 300  # a fix reaches every site within minutes


@cache
def widget_source() -> bytes:
    return files("frontdesk.channels").joinpath("static/widget.js").read_bytes()


@router.get("/widget.js", include_in_schema=False)
async def widget_js() -> Response:
    return Response(
        widget_source(), media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}",
                 "X-Content-Type-Options": "nosniff"},
    )
