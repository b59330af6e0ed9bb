"""A CSV file sent as the request body: read as UTF-8 text whatever its content type."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from frontdesk.errors import InvalidInput


def csv_body_doc(example: str) -> dict[str, Any]:
    """``openapi_extra`` for a route whose body is a CSV file."""
    return {"requestBody": {"required": True, "content": {"text/csv": {"schema": {
        "type": "string", "example": example}}}}}


async def read_csv_body(request: Request) -> str:
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text; save it as UTF-8 CSV.",
                           field="body") from exc
    if "\x00" in text:
        raise InvalidInput("The file contains NUL characters; is it really a CSV?",
                           field="body")
    return text
