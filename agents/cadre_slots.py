"""Offline understanding of cadres' requests about members and congresses: cues and slots."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from mattran.domain.text import fold

MEMBER_CUES = re.compile(
    r"\b(?:bao nhieu|so luong|dem|thong ke|co may)\b.*\b(?:uy vien|thanh vien|can bo|nguoi"
    r"|chu tich|pho chu tich)\b"
    r"|\b(?:uy vien|thanh vien)\b.*\b(?:bao nhieu|may nguoi|so luong)\b"
)
PROGRESS_CUES = re.compile(
    r"\b(?:tien do|tinh hinh|ty le|bao nhieu (?:xa|don vi|tinh)|da to chuc (?:duoc )?bao nhieu"
    r"|cham (?:to chuc|dai hoi)|chua to chuc)\b.*\bdai hoi\b|\bdai hoi\b.*\b(?:tien do|ty le)\b"
)
UPDATE_CUES = re.compile(
    r"\b(?:cap nhat|ghi nhan|bao cao ket qua|da to chuc xong|vua to chuc|da hoan thanh)\b"
    r".*\bdai hoi\b|\bdai hoi\b.*\b(?:da to chuc|hoan thanh|dang chuan bi|du kien)\b"
)

_ORGANISATIONS = {
    "phu nu": "Hội Liên hiệp Phụ nữ",
    "nong dan": "Hội Nông dân",
    "cuu chien binh": "Hội Cựu chiến binh",
    "doan thanh nien": "Đoàn TNCS Hồ Chí Minh",
    "cong doan": "Công đoàn",
}
_POSITIONS = [
    ("pho chu tich", "Phó Chủ tịch"),
    ("chu tich", "Chủ tịch"),
    ("ban thuong truc", "Ủy viên Ban Thường trực"),
    ("uy vien", "Ủy viên"),
]
_DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_STATUS = [
    ("hoan thanh", "hoan_thanh"),
    ("da to chuc", "da_to_chuc"),
    ("to chuc xong", "da_to_chuc"),
    ("vua to chuc", "da_to_chuc"),
    ("dang chuan bi", "dang_chuan_bi"),
    ("chua trien khai", "chua_trien_khai"),
]


def member_filters(text: str) -> dict[str, Any]:
    """Filters of a members question ("ủy viên nữ dưới 40 tuổi của Hội Nông dân")."""
    folded = fold(text)
    filters: dict[str, Any] = {}
    if re.search(r"\b(?:nu|phu nu)\b", folded) and not re.search(r"\bhoi (?:lien hiep )?phu nu\b", folded):
        filters["gender"] = "nữ"
    elif re.search(r"\bnam\b", folded):
        filters["gender"] = "nam"
    for key, name in _ORGANISATIONS.items():
        if re.search(rf"\b(?:hoi |doan |to chuc )?{key}\b", folded) and not (key == "phu nu" and "gender" in filters):
            filters["organisation"] = name
    for key, name in _POSITIONS:
        if re.search(rf"\b{key}\b", folded) and key != "uy vien":
            filters["position"] = name
            break
    if age := re.search(r"\b(?:duoi|it hon)\s*(\d{2})\s*tuoi\b", folded):
        filters["max_age"] = int(age.group(1)) - 1
    if age := re.search(r"\b(?:tren|hon|tu)\s*(\d{2})\s*tuoi\b", folded):
        filters["min_age"] = int(age.group(1))
    return filters


def _date(match: re.Match[str]) -> str | None:
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1))).isoformat()
    except ValueError:
        return None


def congress_change(text: str) -> dict[str, Any]:
    """Fields of a congress update ("đã tổ chức ngày 12/5/2026, 120 đại biểu dự, bầu 35 ủy viên")."""
    folded = fold(text)
    change: dict[str, Any] = {}
    for key, status in _STATUS:
        if key in folded:
            change["status"] = status
            break
    dates = [d for d in (_date(m) for m in _DATE.finditer(text)) if d]
    if dates:
        change[
            "planned_date" if change.get("status") in (None, "dang_chuan_bi", "chua_trien_khai") else "held_date"
        ] = dates[0]
    if n := re.search(r"\b(\d{1,5})\s*(?:dai bieu|nguoi)\s*(?:du|co mat|tham du)\b", folded):
        change["delegates_attending"] = int(n.group(1))
    if n := re.search(r"\b(?:trieu tap|du kien)\s*(\d{1,5})\s*dai bieu\b", folded):
        change["delegates_planned"] = int(n.group(1))
    if n := re.search(r"\bbau\s*(\d{1,4})\s*uy vien\b", folded):
        change["committee_size"] = int(n.group(1))
    if chair := re.search(
        r"(?:ông|bà|đồng chí)\s+([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,4})"
        r"\s+(?:làm|được bầu làm|giữ chức)\s+(?i:chủ tịch)",
        text,
    ):
        change["chair_name"] = chair.group(1)
    return change
