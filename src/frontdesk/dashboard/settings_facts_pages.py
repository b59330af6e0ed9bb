"""Settings: what callers can ask — the business's address, directions, parking, how to
pay and its cancellation policy, its own questions and answers, and the details a caller
must give before a booking is confirmed (ADR 0047), in English and Spanish. Saved through
``tenants.apply_tenant_fields`` (``business_info``'s checks, the API's too); the agent
reads them on every turn. Owners and admins.

The API replaces the whole FAQ list at once; here each entry has its own small form (no
JavaScript), so an edit or removal names the entry's place in the list and a digest of
what the page showed there: if the list changed meanwhile, nothing is saved (409)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import (
    FormError,
    Posted,
    PostedForm,
    saved_or_refused,
    settings_page,
)
from frontdesk.services.business_info import (
    LANGUAGES,
    MAX_ANSWER,
    MAX_QUESTION,
    MAX_TOPIC_TEXT,
    REQUIRED_FIELDS,
    TOPICS,
    FaqEntry,
    business_info,
)
from frontdesk.services.record_updates import update_tenant
from frontdesk.services.records import Tenant, write_session
from frontdesk.services.tenants import TenantFields
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
FACTS = HOME + "/settings/facts"
FaqList = list[dict[str, dict[str, str]]]


def _faq(tenant: Tenant) -> list[FaqEntry]:
    return business_info(tenant.info, tenant.faq, tenant.required_fields).faq


def _digest(entry: FaqEntry) -> str:
    """What the page showed for an entry, to tell that it is still the one there."""
    seen = json.dumps([entry.question, entry.answer], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def _stored(tenant: Tenant) -> dict[str, Any]:
    facts = business_info(tenant.info, tenant.faq, tenant.required_fields)
    values: dict[str, Any] = {"required": facts.required_fields}
    for topic in TOPICS:
        for lang in LANGUAGES:
            values[f"info_{topic}_{lang}"] = facts.info.get(topic, {}).get(lang, "")
    for i, entry in enumerate(facts.faq):
        for lang in LANGUAGES:
            values[f"faq{i}_q_{lang}"] = entry.question.get(lang, "")
            values[f"faq{i}_a_{lang}"] = entry.answer.get(lang, "")
    return values


def _page(request: Request, who: Viewer, session: Session, *,
          values: dict[str, Any] | None = None, status_code: int = 200,
          error: str | None = None, saved: bool = False) -> Response:
    tenant = business_of(session, who)
    faq = _faq(tenant)
    return settings_page(
        request, who, "settings_facts.html", status_code=status_code,
        values={**_stored(tenant), **(values or {})}, topics=TOPICS, languages=LANGUAGES,
        entries=[(i, _digest(e), e) for i, e in enumerate(faq)],
        required_fields=REQUIRED_FIELDS, error=error, saved=saved,
        limits={"topic": MAX_TOPIC_TEXT, "question": MAX_QUESTION, "answer": MAX_ANSWER})


@router.get(FACTS, response_class=HTMLResponse)
def facts_page(request: Request, who: AdminDep, session: SessionDep,
               saved: int = Query(0, ge=0, le=1)) -> Response:
    return _page(request, who, session, saved=bool(saved))


def _entry(form: Posted, prefix: str) -> dict[str, dict[str, str]]:
    """One question and answer as the API takes it (``business_info.check_faq`` decides
    what is missing or too long)."""
    return {"question": {lang: form.get(f"{prefix}_q_{lang}") for lang in LANGUAGES},
            "answer": {lang: form.get(f"{prefix}_a_{lang}") for lang in LANGUAGES}}


def _as_stored(faq: list[FaqEntry]) -> FaqList:
    return [{"question": e.question, "answer": e.answer} for e in faq]


def _place(form: Posted, faq: list[FaqEntry]) -> int:
    """The entry a form is about: its place, still holding what the page showed."""
    place = form.get("entry")
    if not (place.isascii() and place.isdigit()) or len(place) > 3:
        raise FormError("bad_choice")
    i = int(place)
    if i >= len(faq) or _digest(faq[i]) != form.get("shown"):
        raise FormError("faq_changed", status=409)
    return i


def _save(factory: FactoryDep, who: Viewer, change: Callable[[Tenant], TenantFields]) -> None:
    # The stored list is read in the write transaction, so an edit applies to it as is.
    with write_session(factory) as writing:
        update_tenant(writing, who.tenant_id, change(business_of(writing, who)))


def _saved_or_refused(request: Request, who: Viewer, session: Session, factory: FactoryDep,
                      form: Posted, change: Callable[[Tenant], TenantFields],
                      keep_input: bool = True, boxes: bool = False) -> Response:
    def refused(status: int, text: str) -> Response:
        # A form about an entry that moved shows the list as it now is, not the input.
        values = form.as_values() if keep_input and status != 409 else {}
        if boxes:  # no box ticked is a choice too: none
            values["required"] = form.getlist("required")
        return _page(request, who, session, values=values, status_code=status, error=text)

    return saved_or_refused(request, who, lambda: _save(factory, who, change), refused,
                            FACTS + "?saved=1")


@router.post(FACTS, response_class=HTMLResponse)
def save_info(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
              session: SessionDep, factory: FactoryDep) -> Response:
    def change(_: Tenant) -> TenantFields:
        return TenantFields(info={topic: {lang: form.get(f"info_{topic}_{lang}")
                                          for lang in LANGUAGES} for topic in TOPICS})
    return _saved_or_refused(request, who, session, factory, form, change)


@router.post(FACTS + "/faq", response_class=HTMLResponse)
def add_faq(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
            session: SessionDep, factory: FactoryDep) -> Response:
    def change(tenant: Tenant) -> TenantFields:
        return TenantFields(faq=[*_as_stored(_faq(tenant)), _entry(form, "new")])
    return _saved_or_refused(request, who, session, factory, form, change)


@router.post(FACTS + "/faq/edit", response_class=HTMLResponse)
def edit_faq(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
             session: SessionDep, factory: FactoryDep) -> Response:
    def change(tenant: Tenant) -> TenantFields:
        faq = _faq(tenant)
        i = _place(form, faq)
        entries = _as_stored(faq)
        entries[i] = _entry(form, f"faq{i}")
        return TenantFields(faq=entries)
    return _saved_or_refused(request, who, session, factory, form, change)


@router.post(FACTS + "/faq/remove", response_class=HTMLResponse)
def remove_faq(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
               session: SessionDep, factory: FactoryDep) -> Response:
    def change(tenant: Tenant) -> TenantFields:
        faq = _faq(tenant)
        i = _place(form, faq)
        return TenantFields(faq=_as_stored(faq[:i] + faq[i + 1:]))
    # A refused removal shows the entry as stored, not the edits typed into its boxes.
    return _saved_or_refused(request, who, session, factory, form, change, keep_input=False)


@router.post(FACTS + "/required", response_class=HTMLResponse)
def save_required(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                  session: SessionDep, factory: FactoryDep) -> Response:
    def change(_: Tenant) -> TenantFields:
        return TenantFields(required_fields=form.getlist("required"))
    return _saved_or_refused(request, who, session, factory, form, change, boxes=True)
