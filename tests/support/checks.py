"""Typed checks for what a test reads back: a value that must be there, a pattern that must match."""

from __future__ import annotations

import re
from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """``value``, asserted not to be None (a row fetched, a header set)."""
    assert value is not None
    return value


def found(pattern: str, text: str, group: int = 1) -> str:
    """Group ``group`` of the first match of ``pattern`` in ``text``, asserted to match."""
    match = re.search(pattern, text)
    assert match, text[:500]
    return match.group(group)


def csrf_token(page: str) -> str:
    """The CSRF token of the page's forms."""
    return found(r'name="csrf_token" value="([^"]+)"', page)
