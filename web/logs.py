"""Structured logs: one JSON object a line (``MATTRAN_LOG_FORMAT=json``) carrying the request's id, for the app's
loggers and uvicorn's (its access lines already masked by :mod:`web.access_log`).

A request's id is the balancer's ``X-Request-Id`` when it looks like one (nginx's ``$request_id``), else a new one;
it is sent back in the answer's ``X-Request-Id``. What is logged is what the code writes to its loggers, which never
holds personal data (the project's rule): the formatter adds only time, level, logger and the id.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")  # nothing else reaches a log line from the header


class RequestIds:
    """Gives every HTTP request an id (the balancer's, or a new one), for its log lines and its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            REQUEST_ID.reset(token)


class JsonLines(logging.Formatter):
    """A log record as one JSON object: time (UTC), level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := REQUEST_ID.get()) is not None:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str, fmt: Literal["text", "json"]) -> dict[str, Any]:
    """uvicorn's ``log_config``: ``text`` is uvicorn's own; ``json`` sends every logger (uvicorn's, the app's, the
    libraries') through :class:`JsonLines` on stderr."""
    if fmt == "text":
        return LOGGING_CONFIG
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "level": level.upper(), "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
