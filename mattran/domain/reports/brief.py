"""What a prose writer gets for one section of a report, and how the report names units in running text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from mattran.domain.reports.figures import Figure
from mattran.domain.reports.request import ReportKind
from mattran.domain.unit import Level

TITLES = {
    "tiep_nhan": "Tình hình tiếp nhận phản ánh, kiến nghị",
    "ket_qua": "Kết quả xử lý, giải quyết",
    "danh_gia": "Đánh giá chung",
    "han_che": "Tồn tại, hạn chế",
    "phuong_huong": "Phương hướng, nhiệm vụ thời gian tới",
    "kien_nghi": "Kiến nghị, đề xuất",
    "khai_quat": "Khái quát tình hình",
    "y_kien": "Ý kiến, kiến nghị của cử tri và Nhân dân",
    "tinh_hinh": "Tình hình chung",
    "theo_cap": "Kết quả theo cấp",
    "ton_tai": "Đơn vị chậm tiến độ",
    "so_luong": "Số lượng, cơ cấu ủy viên",
    "to_chuc": "Theo tổ chức thành viên và chức vụ",
}
OUTLINES = {
    ReportKind.PETITIONS: ("tiep_nhan", "ket_qua", "danh_gia", "han_che", "phuong_huong"),
    ReportKind.VOTER_OPINIONS: ("khai_quat", "y_kien", "han_che", "kien_nghi"),
    ReportKind.CONGRESS: ("tinh_hinh", "theo_cap", "ton_tai", "han_che", "phuong_huong"),
    ReportKind.MEMBERS: ("so_luong", "to_chuc", "theo_cap", "han_che", "phuong_huong"),
}


class SectionBrief(BaseModel):
    """What a writer gets for one section: its title, the figures it may cite by key, the quotable texts."""

    key: str
    title: str
    kind: ReportKind
    unit_name: str
    unit_level: int
    period_label: str
    as_of: str
    term: str | None
    recipient: str | None
    figures: list[Figure]
    facts: dict[str, list[str]]

    @property
    def committee(self) -> str:
        """The unit's Front committee as named in running text (``Ủy ban MTTQ Việt Nam tỉnh Phú Thọ``)."""
        return committee(self.unit_name, self.unit_level)

    def has(self, key: str) -> bool:
        """Whether the figure was gathered."""
        return any(f.key == key for f in self.figures)

    def value(self, key: str) -> float:
        """A gathered figure's value (0 when it was not gathered)."""
        return next((f.value for f in self.figures if f.key == key), 0)

    def starting(self, prefix: str) -> list[Figure]:
        """The figures whose key starts with ``prefix``, in gathered order."""
        return [f for f in self.figures if f.key.startswith(prefix)]


SectionWriter = Callable[[SectionBrief], Awaitable[str]]


def in_text(name: str) -> str:
    """A unit's name inside a sentence: ``Tỉnh Phú Thọ`` → ``tỉnh Phú Thọ``."""
    return name[:1].lower() + name[1:]


def committee(unit_name: str, level: int) -> str:
    """``Ủy ban MTTQ Việt Nam xã Văn Miếu``; ``Ủy ban Trung ương MTTQ Việt Nam`` for the central level."""
    return "Ủy ban Trung ương MTTQ Việt Nam" if level == Level.CENTRAL else f"Ủy ban MTTQ Việt Nam {in_text(unit_name)}"
