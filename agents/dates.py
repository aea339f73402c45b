"""Dates as people write them in a message: "12/5/2026", "14/5", "ngày 3 tháng 6", "sáng nay", "hôm qua", "tuần sau"
(Vietnamese dates: today is today in Asia/Ho_Chi_Minh)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from mattran.domain.text import fold
from mattran.domain.time import VIETNAM

_NUMERIC = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}|\d{2}))?\b")
_WORDS = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?\b")
_RELATIVE = (
    (re.compile(r"\b(?:hom nay|sang nay|trua nay|chieu nay|toi nay|bua nay)\b"), 0),
    (re.compile(r"\b(?:hom qua|toi qua|chieu qua|sang qua)\b"), -1),
    (re.compile(r"\bhom kia\b"), -2),
    (re.compile(r"\b(?:ngay mai|sang mai|chieu mai)\b"), 1),
    (re.compile(r"\b(?:tuan sau|tuan toi)\b"), 7),
)


def today() -> date:
    """Today in Vietnam."""
    return datetime.now(VIETNAM).date()


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def dates_in(text: str, on: date | None = None) -> list[date]:
    """The dates the text names, in the order written (a day and month without a year: this year)."""
    now = on or today()
    found: list[tuple[int, date]] = []
    for match in _NUMERIC.finditer(text):
        year = match.group(3)
        full = int(year) + (2000 if year and len(year) == 2 else 0) if year else now.year
        if day := _day(full, int(match.group(2)), int(match.group(1))):
            found.append((match.start(), day))
    folded = fold(text)
    for match in _WORDS.finditer(folded):
        year = int(match.group(3)) if match.group(3) else now.year
        if day := _day(year, int(match.group(2)), int(match.group(1))):
            found.append((len(text) + match.start(), day))  # positions in the folded text come after
    for pattern, offset in _RELATIVE:
        if said := pattern.search(folded):
            found.append((len(text) + said.start(), now + timedelta(days=offset)))
    return [d for _position, d in sorted(found, key=lambda f: f[0])]
