"""The access log without secrets: values of sensitive query parameters are masked before a line is written."""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
# API keys, OpenID codes and states, tokens, and tracking codes (the receipt's secret part).
SENSITIVE = frozenset(
    {
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "id_token",
        "id_token_hint",
        "refresh_token",
        "code",
        "state",
        "session_state",
        "ma",
        "tiep",  # the page to return to after the display switch: it may hold a tracking code
        "password",
        "secret",
    }
)
MASK = "***"


def scrub(target: str) -> str:
    """A request target (path and query) with the values of sensitive parameters masked."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    kept = []
    for pair in query.split("&"):
        name, has_value, _ = pair.partition("=")
        kept.append(f"{name}={MASK}" if has_value and name.lower() in SENSITIVE else pair)
    return f"{path}?{'&'.join(kept)}"


class ScrubQueryStrings(logging.Filter):
    """Masks sensitive query parameters in uvicorn's access lines (client, method, target, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], scrub(record.args[2]), *record.args[3:])
        return True


def install() -> None:
    """Put the filter on the access logger (once per process)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, ScrubQueryStrings) for f in logger.filters):
        logger.addFilter(ScrubQueryStrings())
