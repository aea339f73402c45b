"""The cadres' petition list at scale: its filters, one page of it with a true count, and its export to Excel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from mattran.domain.petition_status import STATUS_LABELS
from mattran.domain.petition_text import CATEGORIES
from mattran.domain.time import VIETNAM

PER_PAGE = 50  # the page's default size
MAX_PER_PAGE = 500
EXPORT_LIMIT = 20000  # rows in one export
DUE_SOON = timedelta(days=7)  # "due this week"


class Sort(StrEnum):
    """How the list is ordered."""

    RECEIVED = "received"  # newest first
    RECEIVED_ASC = "received_asc"
    DUE = "due"  # the nearest due date first
    DUE_DESC = "due_desc"


SORT_LABELS = {
    Sort.RECEIVED: "Mới nhận trước",
    Sort.RECEIVED_ASC: "Nhận sớm nhất trước",
    Sort.DUE: "Hạn gần nhất trước",
    Sort.DUE_DESC: "Hạn xa nhất trước",
}


@dataclass(frozen=True)
class Filters:
    """What the cadre asked the list for (every filter optional)."""

    status: str | None = None
    category: str | None = None
    overdue: bool = False
    due_soon: bool = False  # open and due within DUE_SOON
    mine: bool = False  # assigned to the cadre
    reply_overdue: bool = False  # forwarded to a state body whose reply is past due
    unit_code: str | None = None  # this unit and those below it
    query: str | None = None  # in the title and text, without diacritics
    sort: Sort = Sort.RECEIVED
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class PetitionPage:
    """One page of the list, with how many petitions match in all."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def first(self) -> int:
        """The position of the page's first row (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The position of the page's last row."""
        return (self.page - 1) * self.per_page + len(self.rows)

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return max(1, -(-self.total // self.per_page))


_EXPORTED = (  # header, column: no petitioner's contact, no account
    ("Mã phản ánh", "tracking_code"),
    ("Ngày nhận", "created_at"),
    ("Tiêu đề", "title"),
    ("Đơn vị", "unit_name"),
    ("Lĩnh vực", "category"),
    ("Tình trạng", "status"),
    ("Hạn xử lý", "due_at"),
    ("Cán bộ được giao", "assigned_name"),
)


def _cell(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(VIETNAM).strftime("%d/%m/%Y")
    if column == "category":
        return CATEGORIES.get(value, value) if value else ""
    if column == "status":
        return STATUS_LABELS.get(value, value)
    return value if value is not None else ""


def to_excel(rows: list[dict[str, Any]]) -> bytes:
    """The listed petitions as an .xlsx workbook, in Vietnamese, dates in Vietnam's time."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Phản ánh, kiến nghị"
    sheet.append([header for header, _ in _EXPORTED])
    for r in rows:
        sheet.append([_cell(column, r.get(column)) for _, column in _EXPORTED])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class QueueItem:
    """One line of a cadre's work queue: how many petitions, the first few, and the filtered list they link to."""

    label: str
    count: int
    rows: list[dict[str, Any]]
    link: str


QUEUE = (  # label, filters, the list's query string
    ("Phản ánh mới", Filters(status="received", per_page=5), "status=received"),
    ("Đến hạn trong tuần", Filters(due_soon=True, sort=Sort.DUE, per_page=5), "due_soon=true&sort=due"),
    ("Quá hạn xử lý", Filters(overdue=True, sort=Sort.DUE, per_page=5), "overdue=true&sort=due"),
    ("Cơ quan nhà nước quá hạn trả lời", Filters(reply_overdue=True, per_page=5), "reply_overdue=true"),
    ("Giao cho tôi", Filters(mine=True, status=None, sort=Sort.DUE, per_page=5), "assigned=true&sort=due"),
)


@dataclass(frozen=True)
class OverdueUnits:
    """A unit's petitions past their due date, counted per unit directly below it, most first (a commune: its own)."""

    unit_code: str
    unit_name: str
    overdue: int
    units: list[tuple[str, str, int]]  # code, name, overdue petitions
