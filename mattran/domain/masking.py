"""Personal data in free text: found as typed spans, then masked for the public, reports and language models.

One detector for every place text leaves the cadres' view: publication (pre-filled for a cadre's review),
Open311, reports and everything sent to a language model. ``known`` carries the petitioner's own name and
contacts, matched as exact strings wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class PersonalKind(StrEnum):
    """The kinds of personal data the detector finds."""

    PHONE = "phone"
    ID_NUMBER = "id_number"
    EMAIL = "email"
    BANK_ACCOUNT = "bank_account"
    PERSON = "person"
    ADDRESS = "address"
    BIRTH = "birth"


PLACEHOLDERS: dict[PersonalKind, str] = {
    PersonalKind.PHONE: "[số điện thoại đã ẩn]",
    PersonalKind.ID_NUMBER: "[số giấy tờ đã ẩn]",
    PersonalKind.EMAIL: "[email đã ẩn]",
    PersonalKind.BANK_ACCOUNT: "[số tài khoản đã ẩn]",
    PersonalKind.PERSON: "[họ tên đã ẩn]",
    PersonalKind.ADDRESS: "[địa chỉ đã ẩn]",
    PersonalKind.BIRTH: "[năm sinh đã ẩn]",
}


@dataclass(frozen=True, order=True)
class Found:
    """A span of personal data: ``text[start:end]`` is of ``kind``."""

    start: int
    end: int
    kind: PersonalKind


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_NUMBER = re.compile(r"(?<![\d.,])(?:\d{12}|\d{9})(?!\d|[.,]\d)")
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_PATTERNS: tuple[tuple[PersonalKind, re.Pattern[str]], ...] = (
    (PersonalKind.EMAIL, _EMAIL), (PersonalKind.PHONE, _PHONE), (PersonalKind.ID_NUMBER, _ID_NUMBER))


def _known_spans(text: str, known: Iterable[str | None]) -> list[Found]:
    """The petitioner's own name and contacts, wherever they appear verbatim (case-insensitive)."""
    found = []
    for value in known:
        if value and len(value.strip()) >= 3:
            for m in re.finditer(re.escape(value.strip()), text, re.IGNORECASE):
                kind = PersonalKind.EMAIL if "@" in value else (
                    PersonalKind.PHONE if any(c.isdigit() for c in value) else PersonalKind.PERSON)
                found.append(Found(m.start(), m.end(), kind))
    return found


def _merged(spans: Iterable[Found]) -> list[Found]:
    """Spans sorted, overlapping ones joined (the first-starting span's kind wins)."""
    result: list[Found] = []
    for span in sorted(spans):
        if result and span.start < result[-1].end:
            last = result[-1]
            result[-1] = Found(last.start, max(last.end, span.end), last.kind)
        else:
            result.append(span)
    return result


def find_personal_data(text: str, known: Iterable[str | None] = ()) -> list[Found]:
    """Every span of personal data in ``text``, in order, not overlapping."""
    spans = _known_spans(text, known)
    for kind, pattern in _PATTERNS:
        spans += [Found(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    return _merged(spans)


def mask_spans(text: str, spans: Iterable[Found]) -> str:
    """``text`` with each span replaced by its kind's placeholder."""
    parts, at = [], 0
    for span in _merged(spans):
        parts += [text[at:span.start], PLACEHOLDERS[span.kind]]
        at = span.end
    return "".join(parts) + text[at:]


def mask_personal_data(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with every personal data span found replaced by a notice of its kind."""
    return mask_spans(text, find_personal_data(text, known))
