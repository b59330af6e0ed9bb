"""Request and response models of ``/api/v1/api-keys``: never the key itself, except
once, in the answer to the request that created it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from frontdesk.web.types import Strict

Scope = Literal["admin", "read", "widget"]


class ApiKeyIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100,
                               description="A label, e.g. 'website widget'")]
    scope: Annotated[Scope, Field(description="admin: everything; read: GET only; widget: "
                                              "publishable, chat only, from its origins")]
    allowed_origins: Annotated[
        list[Annotated[str, Field(max_length=300)]] | None,
        Field(max_length=20, description="Required for a widget key: the sites it is put "
                                         "on, each https://host[:port] (or "
                                         "http://localhost[:port])."),
    ] = None


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    scope: Scope
    allowed_origins: list[str] | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, never again")
