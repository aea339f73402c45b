"""Understanding a report request written in one Vietnamese sentence (with or without diacritics): the kind of
report, the period, the unit it is about and, for a voters' summary, the session it is for."""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel

from mattran.domain.errors import Invalid
from mattran.domain.labelled import labels
from mattran.domain.reports.recipient import canonical_recipient
from mattran.domain.text import fold, nfc, strip_marks


class ReportError(Invalid):
    """A report request that cannot be carried out; the message says why, in Vietnamese."""


class ReportKind(StrEnum):
    """The kinds of report the assistant drafts."""

    PETITIONS = "petitions"
    VOTER_OPINIONS = "voter_opinions"
    CONGRESS = "congress"
    MEMBERS = "members"


KIND_LABELS = labels(
    ReportKind,
    "Tình hình tiếp nhận, giải quyết phản ánh, kiến nghị",
    "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân",
    "Tiến độ đại hội Mặt trận Tổ quốc Việt Nam các cấp",
    "Tình hình ủy viên Ủy ban Mặt trận Tổ quốc Việt Nam",
)
EXAMPLES = (
    "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị của tỉnh Phú Thọ quý III/2026",
    "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân xã Văn Miếu gửi kỳ họp HĐND tỉnh",
    "Báo cáo tiến độ đại hội tỉnh Phú Thọ",
    "Báo cáo tình hình đoàn viên, hội viên, ủy viên Ủy ban MTTQ xã Văn Miếu",
)


class Period(BaseModel):
    """Dates received that a report covers (both days included) and how the report names them."""

    start: date
    end: date
    label: str


class ReportRequest(BaseModel):
    """What the sentence asks for; ``unit_text`` is the unit as written (None: the cadre's own unit), which must
    be found when ``unit_named`` (it starts with a type word: xã, tỉnh, …)."""

    text: str
    kind: ReportKind
    period: Period
    period_given: bool
    unit_text: str | None
    unit_named: bool
    recipient: str | None


_KINDS = [
    (ReportKind.VOTER_OPINIONS, re.compile(r"\b(?:cu tri|ky hop|tiep xuc)\b")),
    (ReportKind.CONGRESS, re.compile(r"\bdai hoi\b")),
    (ReportKind.MEMBERS, re.compile(r"\b(?:doan vien|hoi vien|uy vien|thanh vien|co cau uy ban|nhan su)\b")),
    (ReportKind.PETITIONS, re.compile(r"\b(?:phan anh|kien nghi|don thu|tiep nhan|giai quyet|pakn)\b")),
]
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ROMAN_LABEL = {1: "I", 2: "II", 3: "III", 4: "IV"}
_SEP = r"\s*[/.\-]\s*"
_DAY = rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})"
_YEAR = rf"(?:(?:{_SEP}|\s+(?:nam\s+)?)(\d{{4}}))?"
_PERIODS = [
    ("range", re.compile(rf"\btu\s+(?:ngay\s+)?{_DAY}\s+(?:den|toi)\s+(?:het\s+)?(?:ngay\s+)?{_DAY}")),
    ("half", re.compile(r"\b(6|sau|9|chin)\s+thang\s+(dau|cuoi)\s+nam(?:\s+(?:nay|(\d{4})))?")),
    ("quarter", re.compile(rf"\bquy\s+(iv|i{{1,3}}|[1-4])\b{_YEAR}")),
    ("this", re.compile(r"\b(quy|thang|nam)\s+(nay|truoc|ngoai)\b")),
    ("month", re.compile(rf"\bthang\s+(\d{{1,2}})\b{_YEAR}")),
    ("year", re.compile(r"\bnam\s+(\d{4})\b")),
]
# Where the unit stops being named (besides the period): the addressee, a purpose.
_TAIL = re.compile(
    r"[,.;:]?\s*\b(?:gui|trinh|phuc vu|de|nham|kinh gui|theo|trong|ve viec|giai doan|nhiem ky"
    r"|tinh den|den nay)\b"
)
_RECIPIENT = re.compile(
    r"\b(?:gui|trinh|phuc vu|tai|cho|truoc)\s+(?:(?:toi|den|len)\s+)?"
    r"((?:ky hop|hoi nghi|doan dai bieu|dai bieu|quoc hoi|hdnd|hoi dong nhan dan)\b[^,.;]*)"
)
_UNIT_TYPES_MARKED = re.compile(r"(?<!\w)(?:xã|phường|đặc khu|tỉnh|thành phố|tp|thủ đô)(?!\w)(?! hội)", re.IGNORECASE)
_UNIT_TYPES_FOLDED = re.compile(r"\b(?:xa|phuong|dac khu|tinh|thanh pho|tp|thu do)\b(?! (?:hoi|hinh|than|trang))")
_OF = re.compile(
    r"\b(?:cua|tai|o|tren dia ban|dia ban)\s+(?!(?:cu tri|nhan dan|nguoi dan|cong dan|cac|uy ban|mat tran"
    r"|mttq|ban|to chuc|doan vien|hoi vien|can bo|don vi|co so|minh|toi|chung toi)\b)(.+)$"
)
_COUNTRY = re.compile(r"\b(?:toan quoc|ca nuoc|trung uong)\b")


def _quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - timedelta(days=1)
    return Period(start=start, end=end, label=f"quý {_ROMAN_LABEL[q]}/{year}")


def _month(year: int, m: int) -> Period:
    if not 1 <= m <= 12:
        raise ReportError(f"Tháng {m} không hợp lệ.")
    end = date(year + (m == 12), 1 if m == 12 else m + 1, 1) - timedelta(days=1)
    return Period(start=date(year, m, 1), end=end, label=f"tháng {m}/{year}")


def _date(d: str, m: str, y: str) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise ReportError(f"Ngày {d}/{m}/{y} không tồn tại.") from None


def _period(found: re.Match[str], how: str, today: date) -> Period:
    g = found.groups()
    if how == "range":
        start, end = _date(*g[:3]), _date(*g[3:])
        if start > end:
            raise ReportError("Ngày bắt đầu kỳ báo cáo phải trước ngày kết thúc.")
        return Period(start=start, end=end, label=f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}")
    if how == "half":
        year = int(g[2]) if g[2] else today.year
        months = 6 if g[0] in ("6", "sau") else 9
        if g[1] == "dau":
            end = date(year, months + 1, 1) - timedelta(days=1)
            return Period(start=date(year, 1, 1), end=end, label=f"{months} tháng đầu năm {year}")
        return Period(start=date(year, 13 - months, 1), end=date(year, 12, 31), label=f"{months} tháng cuối năm {year}")
    if how == "quarter":
        return _quarter(int(g[1]) if g[1] else today.year, _ROMAN[g[0]])
    if how == "this":
        back = g[1] != "nay"
        if g[0] == "nam":
            year = today.year - back
            return Period(start=date(year, 1, 1), end=date(year, 12, 31), label=f"năm {year}")
        if g[0] == "quy":
            q = (today.month - 1) // 3 + 1 - back
            return _quarter(today.year - (q == 0), q or 4)
        m = today.month - back
        return _month(today.year - (m == 0), m or 12)
    if how == "month":
        return _month(int(g[1]) if g[1] else today.year, int(g[0]))
    year = int(g[0])
    return Period(start=date(year, 1, 1), end=date(year, 12, 31), label=f"năm {year}")


def year_to_date(today: date) -> Period:
    """From 1 January to today: the period when the request names none."""
    return Period(
        start=date(today.year, 1, 1), end=today, label=f"từ ngày 01/01/{today.year} đến ngày {today:%d/%m/%Y}"
    )


def _find_period(lowered: str, today: date) -> tuple[Period, int, int] | None:
    for how, pattern in _PERIODS:
        found = pattern.search(lowered)
        if found:
            period = _period(found, how, today)
            if not 2000 <= period.start.year <= 2100:
                raise ReportError(f"Năm {period.start.year} nằm ngoài khoảng dữ liệu của nền tảng.")
            return period, found.start(), found.end()
    return None


def find_period(text: str, today: date) -> Period | None:
    """The period named in ``text`` (quý III/2026, tháng 9/2026, năm 2026, 6 tháng đầu năm, từ ngày … đến ngày …)."""
    found = _find_period(strip_marks(nfc(text)).lower(), today)
    return found[0] if found else None


def _without_period(text: str, today: date) -> tuple[str, str]:
    """The text (NFC) and its lower-case form without marks, the period blanked out (same length)."""
    source = nfc(text)
    lowered = strip_marks(source).lower()
    period = _find_period(lowered, today)
    if period:
        _, start, end = period
        source, lowered = (f"{x[:start]}{' ' * (end - start)}{x[end:]}" for x in (source, lowered))
    return source, lowered


def _recipient(text: str, today: date) -> str | None:
    """The session or body a voters' summary is for, in canonical Vietnamese (``kỳ họp HĐND tỉnh``, also when
    typed ``ky hop hdnd tinh``)."""
    source, lowered = _without_period(text, today)
    found = _RECIPIENT.search(lowered)
    if not found:
        return None
    written = source[found.start(1) : found.end(1)]
    return canonical_recipient(written)


def unit_phrase(text: str, today: date) -> tuple[str | None, bool]:
    """The words that name the unit a report is about (``tỉnh Phú Thọ``, ``xa van mieu``, ``của Hà Nội``), and
    whether they start with a unit type word (a named unit that must be found) or not (a guess)."""
    source, lowered = _without_period(text, today)  # the period is no part of the name, wherever it is written
    marked = strip_marks(source) != source
    tail = _TAIL.search(lowered, pos=1)
    body, body_lowered = (source[: tail.start()], lowered[: tail.start()]) if tail else (source, lowered)
    if _COUNTRY.search(body_lowered):
        return "Trung ương", True
    typed = (_UNIT_TYPES_MARKED if marked else _UNIT_TYPES_FOLDED).search(body if marked else body_lowered)
    if typed and fold(body[typed.end() :]):
        return body[typed.start() :].strip(" ,.;:"), True
    of = _OF.search(body_lowered)
    return (body[of.start(1) :].strip(" ,.;:"), False) if of else (None, False)


def parse_request(text: str, today: date) -> ReportRequest:
    """Kind, period, unit text and addressee of a request; a request with no recognisable kind is refused."""
    folded = fold(text)
    kind = next((k for k, pattern in _KINDS if pattern.search(folded)), None)
    if kind is None:
        raise ReportError("Chưa rõ cần soạn báo cáo gì. Ví dụ: “" + "”, “".join(EXAMPLES[:3]) + "”.")
    period = find_period(text, today)
    unit_text, named = unit_phrase(text, today)
    return ReportRequest(
        text=nfc(text).strip(),
        kind=kind,
        period=period or year_to_date(today),
        period_given=period is not None,
        unit_text=unit_text,
        unit_named=named,
        recipient=_recipient(text, today) if kind == ReportKind.VOTER_OPINIONS else None,
    )
