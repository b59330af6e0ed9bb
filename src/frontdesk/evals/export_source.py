"""Where exported conversations come from: the configured database, or a running server
(``--url``/``--key``, paging ``GET /api/v1/conversations/export``). Both give the same
redacted records (``services.conversation_export``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.evals.client import HttpApi, expect_ok

PAGE = 100


@dataclass(frozen=True, slots=True)
class Wanted:
    """The filters of ``frontdesk export conversations``; dates as typed (a date is the
    business's local day; ``until`` includes it)."""

    tenant: str | None = None  # slug; the database only (a key names its business)
    outcomes: tuple[str, ...] = ()
    language: str | None = None
    channel: str | None = None
    since: str | None = None
    until: str | None = None
    feedback: Literal["good", "bad"] | None = None


def from_database(factory: sessionmaker[Session], wanted: Wanted) -> Iterator[dict[str, Any]]:
    from frontdesk.api.timeparams import parse_bound
    from frontdesk.services.conversation_export import Exporter, ExportFilter, tenants_for

    with factory() as session:
        for tenant in tenants_for(session, wanted.tenant):
            where = ExportFilter(
                outcomes=wanted.outcomes, language=wanted.language, channel=wanted.channel,
                since=parse_bound(wanted.since, tenant, "since") if wanted.since else None,
                until=(parse_bound(wanted.until, tenant, "until", end=True)
                       if wanted.until else None),
                feedback=wanted.feedback)
            exporter = Exporter(session, tenant)
            offset = 0
            while True:
                page = exporter.page(where, limit=PAGE, offset=offset)
                yield from page
                if len(page) < PAGE:
                    break
                offset += PAGE


def from_server(url: str, key: str, wanted: Wanted) -> Iterator[dict[str, Any]]:
    api = HttpApi(url, key)
    params: dict[str, Any] = {"limit": PAGE}
    for name, value in (("outcome", ",".join(wanted.outcomes) or None),
                        ("language", wanted.language), ("channel", wanted.channel),
                        ("since", wanted.since), ("until", wanted.until),
                        ("feedback", wanted.feedback)):
        if value:
            params[name] = value
    offset: int | None = 0
    while offset is not None:
        page = expect_ok(api, "GET", "/api/v1/conversations/export",
                         params={**params, "offset": offset})
        yield from page["conversations"]
        offset = page["next_offset"]


def one_from_database(factory: sessionmaker[Session], conversation_id: uuid.UUID
                      ) -> dict[str, Any]:
    from frontdesk.services.conversation_export import Exporter, tenant_of

    with factory() as session:
        return Exporter(session, tenant_of(session, conversation_id)).one(conversation_id)


def one_from_server(url: str, key: str, conversation_id: uuid.UUID) -> dict[str, Any]:
    record: dict[str, Any] = expect_ok(HttpApi(url, key), "GET",
                                       f"/api/v1/conversations/{conversation_id}/export")
    return record
