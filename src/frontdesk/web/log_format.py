"""How log lines are written: for people (text) or for a log pipeline (JSON).

``FRONTDESK_LOG_FORMAT=json`` makes every line, uvicorn's own included, one JSON object:
``time``, ``level``, ``logger``, ``message``, the ids the line's scope knows
(``request_id``, ``tenant``, ``conversation_id``, ``call_id``; see
``observability.context``), and ``exc`` for a traceback. Phone numbers, email addresses
and API keys are masked in every message (the access log masks its targets already).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from frontdesk.observability import context
from frontdesk.web.access_log import MASK, uvicorn_log_config

_PHONE = re.compile(r"(?<![\w%])(?:\+|%2[Bb])\d[\d\s().\-]{5,18}\d(?!\d)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_API_KEY = re.compile(r"\bfd_[A-Za-z0-9_\-]+")


def mask(text: str) -> str:
    """``text`` with E.164 phone numbers, email addresses and API keys masked."""
    text = _API_KEY.sub("fd_" + MASK, text)
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, text))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, masked, with the scope's ids."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
            "process": record.process,
        }
        line.update(context.current())
        if record.exc_info:
            line["exc"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc"] = mask(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config(level: str, log_format: str, *, show_process: bool = False) -> dict[str, Any]:
    """The logging setup ``frontdesk serve`` (and ``worker``) hand uvicorn / dictConfig:
    uvicorn's, with our loggers written the same way; in JSON every handler, the root
    logger's included (libraries' warnings), writes JSON."""
    config = uvicorn_log_config(level)
    if log_format == "json":
        for formatter in config["formatters"].values():
            formatter.clear()
            formatter["()"] = JsonFormatter
        config["root"] = {"handlers": ["default"], "level": "WARNING"}
    elif show_process:  # which of several processes said it
        for formatter in config["formatters"].values():
            formatter["fmt"] = "[%(process)d] " + formatter["fmt"]
    return config
