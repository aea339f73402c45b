"""Petition text: category suggestion, working-day due dates."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mattran.domain.text import fold
from mattran.domain.time import VIETNAM

CATEGORIES: dict[str, str] = {
    "dat_dai": "Đất đai",
    "moi_truong": "Môi trường",
    "ha_tang": "Hạ tầng",
    "an_sinh": "An sinh xã hội",
    "y_te": "Y tế",
    "giao_duc": "Giáo dục",
    "an_ninh": "An ninh trật tự",
    "hanh_chinh": "Hành chính",
    "khac": "Khác",
}
KINDS: dict[str, str] = {
    "phan_anh": "Phản ánh",
    "kien_nghi": "Kiến nghị",
    "khieu_nai": "Khiếu nại",
    "to_cao": "Tố cáo",
}

_KEYWORDS: dict[str, list[str]] = {
    "dat_dai": [
        "dat dai",
        "so do",
        "so hong",
        "quyen su dung dat",
        "thu hoi dat",
        "boi thuong",
        "giai phong mat bang",
        "lan chiem",
        "tranh chap dat",
        "quy hoach",
        "cap giay chung nhan",
        "dat o",
        "dat nong nghiep",
        "ranh gioi",
    ],
    "moi_truong": [
        "o nhiem",
        "rac",
        "nuoc thai",
        "khoi bui",
        "bui",
        "tieng on",
        "moi truong",
        "xa thai",
        "mui hoi",
        "hoi thoi",
        "chat thai",
        "ca chet",
        "song bi",
    ],
    "ha_tang": [
        "duong",
        "cau",
        "den duong",
        "chieu sang",
        "ngap",
        "thoat nuoc",
        "o ga",
        "xuong cap",
        "via he",
        "giao thong",
        "cong thoat",
        "duong dien",
        "nuoc sach",
        "mat duong",
        "sut lun",
    ],
    "an_sinh": [
        "ho ngheo",
        "can ngheo",
        "tro cap",
        "bao hiem xa hoi",
        "luong huu",
        "nguoi co cong",
        "tro giup",
        "chinh sach",
        "that nghiep",
        "nguoi cao tuoi",
        "khuyet tat",
        "nha dai doan ket",
        "vi nguoi ngheo",
    ],
    "y_te": [
        "benh vien",
        "tram y te",
        "bao hiem y te",
        "kham chua benh",
        "kham benh",
        "thuoc",
        "dich benh",
        "tiem chung",
        "bac si",
        "y te",
    ],
    "giao_duc": [
        "truong hoc",
        "hoc phi",
        "giao vien",
        "hoc sinh",
        "lop hoc",
        "sach giao khoa",
        "mam non",
        "day them",
        "nha truong",
    ],
    "an_ninh": [
        "trom",
        "cuop",
        "ma tuy",
        "danh bac",
        "co bac",
        "gay roi",
        "an ninh",
        "trat tu",
        "tin dung den",
        "lua dao",
        "danh nhau",
        "dua xe",
        "mat trat tu",
    ],
    "hanh_chinh": [
        "thu tuc",
        "giay to",
        "ho so",
        "chung thuc",
        "can cuoc",
        "cu tru",
        "mot cua",
        "nhung nhieu",
        "cham giai quyet",
        "hanh chinh",
        "dang ky khai sinh",
        "cong chung",
    ],
}
_PATTERNS = {cat: re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b") for cat, words in _KEYWORDS.items()}


def suggest_category(text: str) -> str:
    """The category whose keywords the text mentions most (``khac`` when none)."""
    folded = fold(text)
    scores = {cat: len(pattern.findall(folded)) for cat, pattern in _PATTERNS.items()}
    best = max(scores, key=lambda c: scores[c])
    return best if scores[best] > 0 else "khac"


def neutral_title(category: str, unit_name: str | None) -> str:
    """A title that quotes nothing of the petitioner's words: the category and the receiving unit."""
    about = f"Phản ánh về {CATEGORIES[category].lower()}" if category != "khac" else "Phản ánh của người dân"
    return f"{about} gửi {unit_name}" if unit_name else about


def add_working_days(start: datetime, days: int, holidays: Collection[date] = ()) -> datetime:
    """``start`` plus ``days`` working days: Monday to Friday in Vietnam's calendar, ``holidays`` skipped (the
    public holidays, see :mod:`mattran.domain.holidays`)."""
    current = start.astimezone(VIETNAM)
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current.date() not in holidays:
            left -= 1
    return current


@dataclass(frozen=True)
class Deadlines:
    """How many working days a unit has to answer: ``days``, or its category's own number."""

    days: int
    by_category: Mapping[str, int]

    def due(self, category: str, start: datetime, holidays: Collection[date] = ()) -> datetime:
        """When a petition of ``category`` received (or transferred) at ``start`` must be answered."""
        return add_working_days(start, self.by_category.get(category, self.days), holidays)
