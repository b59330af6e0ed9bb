"""Request and response models of the chat API and the conversation records."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from frontdesk.web.types import Language, Strict

MAX_MESSAGE_CHARS = 4000


class ChatIn(Strict):
    session_id: Annotated[
        str | None,
        Field(min_length=1, max_length=190,
              description="Your id for this chat; omit it on the first message and send "
                          "back the one we return."),
    ] = None
    message: Annotated[
        str,
        Field(max_length=MAX_MESSAGE_CHARS, description="What the customer wrote."),
    ]
    caller_phone: Annotated[
        str | None,
        Field(max_length=40, description="The customer's number, when you know it. Used "
                                         "for bookings; before its appointments are read "
                                         "or changed the customer proves it with a code "
                                         "we text to it, unless caller_phone_verified."),
    ] = None
    caller_phone_verified: Annotated[
        bool,
        Field(description="Set true only when your site has itself verified that this "
                          "customer holds caller_phone (a signed-in account whose number "
                          "was confirmed). A known customer is then recognised, and may "
                          "read and change their appointments with no code."),
    ] = False
    lang: Language | None = None

    @field_validator("message")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is empty; send what the customer wrote")
        return value


class ChatOut(BaseModel):
    session_id: str
    conversation_id: uuid.UUID
    reply: str
    language: str
    outcome: str | None
    end: bool
    transfer: bool
    state: dict[str, Any]
