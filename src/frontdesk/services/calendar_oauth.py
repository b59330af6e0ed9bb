"""Connecting a Google or Microsoft calendar through OAuth consent.

``start`` gives the consent URL for the calendar's owner to open; the provider sends the
browser back with a code, which ``finish`` trades for tokens, checks that the calendar
can be read, and stores (encrypted) as the resource's connection.

The OAuth ``state`` is the pending request itself (tenant, resource, PKCE verifier,
return URL), sealed with the deployment's key and valid for 15 minutes: nothing is
stored until the owner consents, and a forged or stale state is refused.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars import oauth
from frontdesk.calendars.base import CalendarError, CalendarUnavailable
from frontdesk.calendars.oauth import OAuthTokens
from frontdesk.config import Settings
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.security import encrypt, seal, unseal
from frontdesk.services.calendar_checks import check_readable
from frontdesk.services.calendar_connections import ConnectionView, store_connection
from frontdesk.services.calendar_providers import (
    OAUTH_PROVIDERS,
    PROVIDER_NAMES,
    ListsCalendars,
    close_provider,
    oauth_config,
    oauth_provider,
)
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Resource, Tenant

STATE_MAX_AGE_S = 15 * 60


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """Where the owner consents, and until when that request is good."""

    authorize_url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PendingConsent:
    """What ``start`` sealed into the state: the request the callback completes."""

    tenant_id: uuid.UUID
    resource_id: uuid.UUID
    provider: str
    verifier: str
    calendar: str
    return_url: str
    redirect_uri: str


class ConsentFailed(Exception):
    """The owner's consent did not end in a connection: ``reason`` is a short code for a
    return URL, ``text`` says why in words, ``status`` is the page's HTTP status.

    Not a ``FrontdeskError``: the owner's browser gets a page or a redirect, never a
    problem+json document."""

    def __init__(self, reason: str, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.reason, self.text, self.status = reason, text, status


def start(
    session: Session,
    tenant: Tenant,
    resource_id: uuid.UUID,
    provider: str,
    settings: Settings,
    *,
    redirect_uri: str,
    calendar: str = "",
    return_url: str = "",
) -> ConsentRequest:
    """The consent URL for connecting the resource to ``provider``'s calendar."""
    if provider not in OAUTH_PROVIDERS:
        raise InvalidInput(
            f"{provider!r} does not connect through OAuth; use google or microsoft "
            "(CalDAV connects with PUT .../calendar).", field="provider",
        )
    if return_url and urlsplit(return_url).scheme not in ("http", "https"):
        raise InvalidInput("return_url must be an http(s) URL.", field="return_url")
    get_scoped(session, Resource, tenant.id, resource_id)
    config = oauth_config(provider, settings)
    verifier = oauth.new_code_verifier()
    state = seal(json.dumps({
        "t": str(tenant.id), "r": str(resource_id), "p": provider, "v": verifier,
        "c": calendar, "u": return_url, "ru": redirect_uri,
        "n": secrets.token_urlsafe(8),
    }), settings)
    consent = oauth.authorization_url(config, redirect_uri, state=state, code_verifier=verifier)
    return ConsentRequest(
        authorize_url=consent.url,
        expires_at=datetime.now(UTC) + timedelta(seconds=STATE_MAX_AGE_S),
    )


def open_state(state: str, provider: str, settings: Settings) -> PendingConsent | None:
    """The request ``state`` seals, if it is genuine, recent and for ``provider``."""
    try:
        pending = json.loads(unseal(state, STATE_MAX_AGE_S, settings))
        if pending["p"] != provider:
            return None
        return PendingConsent(
            tenant_id=uuid.UUID(pending["t"]),
            resource_id=uuid.UUID(pending["r"]),
            provider=provider,
            verifier=pending["v"],
            calendar=pending["c"],
            return_url=pending["u"],
            redirect_uri=pending["ru"],
        )
    except (ValueError, KeyError, TypeError):
        return None


def _primary_calendar(
    provider: str, tokens: OAuthTokens, timezone: str, settings: Settings
) -> str:
    """The account's primary (Google) or default (Microsoft) calendar's own id, so the
    connection names a concrete calendar ("" when the account will not list them)."""
    lister = oauth_provider(provider, tokens, "", timezone, settings=settings)
    try:
        found = cast(ListsCalendars, lister).list_calendars()
    except CalendarError:
        return ""
    finally:
        close_provider(lister)
    return next((cid for cid, _, primary in found if primary), "")


def finish(
    factory: sessionmaker[Session],
    pending: PendingConsent,
    settings: Settings,
    *,
    code: str,
    error: str = "",
    error_description: str = "",
) -> ConnectionView:
    """Trade the consent's code for tokens, read the calendar once, and store the
    connection; ``ConsentFailed`` says why not (``error``: the provider's refusal)."""
    provider = pending.provider
    name = PROVIDER_NAMES[provider]
    if error:
        detail = f" ({error_description})" if error_description else ""
        raise ConsentFailed(error, f"{name} did not grant access: {error}{detail}.")
    if not code:
        raise ConsentFailed("missing_code", f"{name} sent the browser back without a code.")
    try:
        config = oauth_config(provider, settings)
        tokens = oauth.exchange_code(config, pending.redirect_uri, code, pending.verifier)
        if not tokens.refresh_token:
            raise ConsentFailed(
                "no_refresh_token",
                f"{name} gave no refresh token, so the calendar could not be kept connected. "
                "Remove frontdesk's access in the account's security settings and connect again.",
            )
        with factory() as session:
            tenant = session.get(Tenant, pending.tenant_id)
            if tenant is None:
                raise ConsentFailed("unknown_business", "The business no longer exists.", 404)
            get_scoped(session, Resource, pending.tenant_id, pending.resource_id)
            timezone = tenant.timezone
        refreshed: list[OAuthTokens] = []
        calendar = pending.calendar or _primary_calendar(provider, tokens, timezone, settings)
        reader = oauth_provider(
            provider, tokens, calendar, timezone, refreshed.append, settings=settings
        )
        check_readable(reader, name)
        tokens = refreshed[-1] if refreshed else tokens
    except InvalidInput as exc:
        raise ConsentFailed("calendar_unreadable", exc.detail) from exc
    except NotFound as exc:
        raise ConsentFailed(
            "unknown_resource", "The staff member or room no longer exists.", 404
        ) from exc
    except CalendarUnavailable as exc:
        raise ConsentFailed(
            "provider_unavailable", f"{exc.detail}. Try again in a few minutes.", 503
        ) from exc
    except CalendarError as exc:
        raise ConsentFailed(exc.code, exc.detail) from exc
    return store_connection(
        factory, pending.tenant_id, pending.resource_id, provider=provider,
        url=config.api_base, username=tokens.account or name, calendar=calendar,
        secret=encrypt(tokens.to_json(), settings),
    )
