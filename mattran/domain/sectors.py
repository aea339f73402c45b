"""The sectors (thành phần) a committee member represents: a member organisation, a religion, an ethnic group,
typical individuals, business people, overseas Vietnamese…; written in one cell as ``Tôn giáo: Công giáo``."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from mattran.domain.labelled import labels
from mattran.domain.member_vocab import RELIGIONS, canonical_ethnicity, canonical_religion, clean_text
from mattran.domain.text import fold, fold_key


class Sector(StrEnum):
    """The kind of sector a seat represents (``organisation``: the member's organisation record)."""

    ORGANISATION = "organisation"
    RELIGION = "religion"
    ETHNICITY = "ethnicity"
    INDIVIDUAL = "individual"
    BUSINESS = "business"
    OVERSEAS = "overseas"
    ARMED_FORCES = "armed_forces"
    OTHER = "other"


SECTOR_LABELS = labels(
    Sector,
    "Tổ chức thành viên",
    "Tôn giáo",
    "Dân tộc",
    "Cá nhân tiêu biểu",
    "Doanh nhân",
    "Người Việt Nam ở nước ngoài",
    "Lực lượng vũ trang",
    "Khác",
)
_ALIASES = {
    Sector.ORGANISATION: ["to chuc", "dai dien to chuc", "to chuc thanh vien mttq"],
    Sector.RELIGION: ["chuc sac ton giao", "dai dien ton giao"],
    Sector.ETHNICITY: ["dan toc thieu so", "nguoi dan toc"],
    Sector.INDIVIDUAL: ["ca nhan", "ca nhan tieu bieu", "nhan si tieu bieu", "nguoi tieu bieu"],
    Sector.BUSINESS: ["doanh nghiep", "doanh nhan tieu bieu", "gioi doanh nhan"],
    Sector.OVERSEAS: ["kieu bao", "viet kieu", "nguoi viet nam o nuoc ngoai", "nguoi viet o nuoc ngoai"],
    Sector.ARMED_FORCES: ["quan doi", "cong an", "luc luong vu trang"],
    Sector.OTHER: [],
}
_INDEX = {fold_key(v): kind for kind, label in SECTOR_LABELS.items() for v in (label, *_ALIASES[kind])}
_DETAILED = (Sector.RELIGION, Sector.ETHNICITY)  # a sector named by its detail alone: "Công giáo", "Khmer"


class SectorError(ValueError):
    """A sector cell not understood (the Vietnamese reason)."""


def sector_text(kind: str | None, detail: str | None) -> str | None:
    """The cell as written on export and shown on the sheet: ``Tôn giáo: Công giáo``, ``Doanh nhân``."""
    if kind is None:
        return None
    label = SECTOR_LABELS[Sector(kind)]
    return f"{label}: {detail}" if detail else label


def _detail(kind: Sector, text: str) -> str | None:
    if not text:
        return None
    if kind == Sector.RELIGION:
        return canonical_religion(text)
    if kind == Sector.ETHNICITY:
        found = canonical_ethnicity(text)
        if found is None:
            raise SectorError(f"Dân tộc “{text}” không có trong danh mục 54 dân tộc Việt Nam.")
        return found
    if len(text) > 200:
        raise SectorError("Chi tiết thành phần đại diện dài quá 200 ký tự.")
    return text


@lru_cache(maxsize=1024)
def parse_sector(value: str) -> tuple[Sector, str | None]:
    """``Tôn giáo: Công giáo``, ``dan toc Khmer``, ``doanh nhan``, ``religion`` → (kind, detail)."""
    text = clean_text(value)
    head, colon, tail = text.partition(":")
    if colon and (kind := _INDEX.get(fold_key(head))) is not None:
        return kind, _detail(kind, clean_text(tail))
    if text in set(Sector):
        return Sector(text), None
    if (kind := _INDEX.get(fold_key(text))) is not None:
        return kind, None
    folded = fold(text)
    for kind in _DETAILED:
        prefix = fold(SECTOR_LABELS[kind]) + " "
        if folded.startswith(prefix):
            return kind, _detail(kind, " ".join(text.split()[len(prefix.split()) :]))
    if canonical_ethnicity(text) is not None:
        return Sector.ETHNICITY, canonical_ethnicity(text)
    if canonical_religion(text) in RELIGIONS[1:]:  # a religion named alone ("Không" is none)
        return Sector.RELIGION, canonical_religion(text)
    kinds = ", ".join(SECTOR_LABELS.values())
    raise SectorError(
        f"Thành phần đại diện “{text}” không hợp lệ: ghi một trong {kinds} (ví dụ “Tôn giáo: Phật giáo”)."
    )
