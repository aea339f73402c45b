"""Vietnamese number and date formats for pages: ``1.234``, ``12,5%``, ``15/08/2025``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any


def vn_number(value: int | float | None, decimals: int = 0) -> str:
    """``1234`` → ``1.234``; ``12.5`` with one decimal → ``12,5``."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_percent(share: float | None, decimals: int = 1) -> str:
    """A share 0–1 as a percentage: ``0.125`` → ``12,5%``, ``0.5`` → ``50%``."""
    if share is None:
        return ""
    text = vn_number(share * 100, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text + "%"


def vn_day(value: date | None) -> str:
    """A calendar date: ``15/08/2025`` (empty when none)."""
    return value.strftime("%d/%m/%Y") if value else ""


FILTERS: dict[str, Callable[..., Any]] = {"vn_number": vn_number, "vn_percent": vn_percent, "vn_day": vn_day}
