"""Settings: how the agent sounds — its persona, its own first words in English and
Spanish, and the business's instructions for the LLM driver. "Preview" shows exactly
what a new caller would hear first, in both languages, from the form as it stands
(``personas.greeting_line``, the code the agent greets with) without saving it.
Owners and admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from frontdesk.conversation.personas import PERSONAS, greeting_line, persona_for
from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import (
    FormError,
    Posted,
    PostedForm,
    settings_page,
    why_not,
)
from frontdesk.errors import FrontdeskError
from frontdesk.services.record_updates import update_tenant
from frontdesk.services.records import Tenant, write_session
from frontdesk.services.tenant_wording import (
    LANGUAGES,
    VOICE_MODES,
    check_greeting,
    check_instructions,
    check_persona,
    check_voice_mode,
)
from frontdesk.services.tenants import TenantFields
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
VOICE = HOME + "/settings/voice"


def first_words(business: str, persona: str, greeting: dict[str, str]) -> dict[str, str]:
    """What a new caller hears first, per language."""
    return {lang: greeting_line(persona_for(persona), business, greeting, lang)
            for lang in LANGUAGES}


def _stored(tenant: Tenant) -> dict[str, Any]:
    own = tenant.greeting or {}
    return {"persona": tenant.persona, "instructions": tenant.instructions or "",
            "voice_mode": tenant.voice_mode or "turns",
            **{f"greeting_{lang}": own.get(lang, "") for lang in LANGUAGES}}


def _page(request: Request, who: Viewer, session: Session, *, values: dict[str, Any],
          preview: dict[str, str], previewing: bool = False, status_code: int = 200,
          error: str | None = None, saved: bool = False) -> Response:
    tenant = business_of(session, who)
    defaults = {lang: persona_for(values.get("persona")).greeting[lang] for lang in LANGUAGES}
    return settings_page(request, who, "settings_voice.html", status_code=status_code,
                         values=values, preview=preview, previewing=previewing,
                         personas=list(PERSONAS), voice_modes=VOICE_MODES,
                         defaults=defaults, business=tenant.name,
                         error=error, saved=saved)


@router.get(VOICE, response_class=HTMLResponse)
def voice_page(request: Request, who: AdminDep, session: SessionDep,
               saved: int = Query(0, ge=0, le=1)) -> Response:
    tenant = business_of(session, who)
    return _page(request, who, session, values=_stored(tenant), saved=bool(saved),
                 preview=first_words(tenant.name, tenant.persona, tenant.greeting or {}))


def _fields(form: Posted) -> TenantFields:
    """The form as the service's fields, checked as the service checks them (so a
    preview refuses what saving would)."""
    persona = check_persona(form.get("persona") or "default")
    greeting = check_greeting({lang: form.get(f"greeting_{lang}") for lang in LANGUAGES})
    instructions = check_instructions(form.get("instructions")) or ""
    voice_mode = check_voice_mode(form.get("voice_mode") or "turns")
    return TenantFields(persona=persona, greeting=greeting, instructions=instructions,
                        voice_mode=voice_mode)


@router.post(VOICE, response_class=HTMLResponse)
def save_voice(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
               session: SessionDep, factory: FactoryDep) -> Response:
    try:
        fields = _fields(form)
        if form.get("action") == "preview":
            assert fields.persona is not None and fields.greeting is not None
            words = first_words(business_of(session, who).name, fields.persona,
                                fields.greeting)
            return _page(request, who, session, values=form.as_values(), preview=words,
                         previewing=True)
        with write_session(factory) as writing:
            update_tenant(writing, who.tenant_id, fields)
    except (FormError, FrontdeskError) as exc:
        text, status = why_not(request, who, exc)
        return _page(request, who, session, values=form.as_values(), preview={},
                     status_code=status, error=text)
    return RedirectResponse(VOICE + "?saved=1", status_code=303)
