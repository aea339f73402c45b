"""Vocabularies of the members database: genders, positions, member organisations, ethnic groups, religions.

Matching is diacritics- and case-insensitive (:func:`mattran.domain.text.fold_key`) and knows the usual
abbreviations, so "uv btt", "Hội LHPN" or "H'Mông" land on one canonical spelling.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from mattran.domain.text import fold, fold_key, nfc

GENDERS = {"nam": "Nam", "nu": "Nữ", "khac": "Khác"}
_GENDER_WORDS = {"nam": "nam", "male": "nam", "m": "nam", "nu": "nu", "female": "nu", "f": "nu", "khac": "khac"}

POSITIONS = ("Chủ tịch", "Phó Chủ tịch", "Ủy viên Ban Thường trực", "Ủy viên")
_POSITION_ALIASES = {
    "Chủ tịch": ["ct"],
    "Phó Chủ tịch": ["pct", "pho ct"],
    "Ủy viên Ban Thường trực": ["uv btt", "uvbtt", "uy vien thuong truc", "uy vien btt", "uv ban thuong truc"],
    "Ủy viên": ["uv", "uy vien uy ban", "uy vien uy ban mttq"],
}

ORGANISATIONS = ("Công đoàn", "Hội Nông dân", "Đoàn TNCS Hồ Chí Minh", "Hội Liên hiệp Phụ nữ", "Hội Cựu chiến binh")
_ORGANISATION_ALIASES = {
    "Công đoàn": ["lien doan lao dong", "ldld", "cong doan co so"],
    "Hội Nông dân": ["hnd", "hoi nd", "nong dan"],
    "Đoàn TNCS Hồ Chí Minh": [
        "doan thanh nien",
        "doan tn",
        "doan tncs hcm",
        "doan thanh nien cong san ho chi minh",
        "thanh nien",
        "doan tncs",
    ],
    "Hội Liên hiệp Phụ nữ": ["hoi lhpn", "hlhpn", "lhpn", "hoi phu nu", "phu nu", "hoi lien hiep phu nu viet nam"],
    "Hội Cựu chiến binh": ["hoi ccb", "ccb", "cuu chien binh"],
}

# The 54 ethnic groups of Viet Nam (General Statistics Office list), with common other spellings.
ETHNICITIES = (
    "Kinh",
    "Tày",
    "Thái",
    "Hoa",
    "Khmer",
    "Mường",
    "Nùng",
    "Mông",
    "Dao",
    "Gia Rai",
    "Ngái",
    "Ê Đê",
    "Ba Na",
    "Xơ Đăng",
    "Sán Chay",
    "Cơ Ho",
    "Chăm",
    "Sán Dìu",
    "Hrê",
    "Mnông",
    "Raglai",
    "Xtiêng",
    "Bru - Vân Kiều",
    "Thổ",
    "Giáy",
    "Cơ Tu",
    "Gié Triêng",
    "Mạ",
    "Khơ Mú",
    "Co",
    "Tà Ôi",
    "Chơ Ro",
    "Kháng",
    "Xinh Mun",
    "Hà Nhì",
    "Chu Ru",
    "Lào",
    "La Chí",
    "La Ha",
    "Phù Lá",
    "La Hủ",
    "Lự",
    "Lô Lô",
    "Chứt",
    "Mảng",
    "Pà Thẻn",
    "Cơ Lao",
    "Cống",
    "Bố Y",
    "Si La",
    "Pu Péo",
    "Brâu",
    "Ơ Đu",
    "Rơ Măm",
)
_ETHNICITY_ALIASES = {
    "Kinh": ["viet", "nguoi kinh"],
    "Mông": ["hmong", "h mong", "meo"],
    "Ê Đê": ["rhade"],
    "Khmer": ["kho me", "khome"],
    "Gia Rai": ["jrai", "jarai"],
    "Ba Na": ["bahnar"],
    "Xơ Đăng": ["sedang"],
    "Cơ Ho": ["koho", "k ho"],
    "Hrê": ["h re"],
    "Mnông": ["m nong"],
    "Raglai": ["ra glai"],
    "Xtiêng": ["stieng"],
    "Bru - Vân Kiều": ["van kieu", "bru"],
    "Cơ Tu": ["katu"],
    "Khơ Mú": ["khmu"],
    "Sán Chay": ["cao lan"],
    "Tà Ôi": ["pa co"],
    "Chăm": ["champa"],
    "Hoa": ["nguoi hoa"],
}

NO_RELIGION = "Không"
RELIGIONS = (NO_RELIGION, "Phật giáo", "Công giáo", "Tin Lành", "Cao Đài", "Phật giáo Hòa Hảo", "Hồi giáo")
_RELIGION_ALIASES = {
    NO_RELIGION: ["khong ton giao", "khong co", "khong theo ton giao", "0"],
    "Phật giáo": ["dao phat", "phat"],
    "Công giáo": ["thien chua giao", "dao thien chua", "catholic"],
    "Tin Lành": ["dao tin lanh", "protestant"],
    "Cao Đài": ["dao cao dai"],
    "Phật giáo Hòa Hảo": ["hoa hao"],
    "Hồi giáo": ["islam", "dao hoi"],
}


def _index(names: Iterable[str], aliases: dict[str, list[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for name in names:
        for variant in (name, *aliases.get(name, [])):
            key = fold_key(variant)
            if index.setdefault(key, name) != name:
                raise ValueError(f"ambiguous vocabulary key {key!r}")
    return index


_POSITIONS = _index(POSITIONS, _POSITION_ALIASES)
_ORGANISATIONS = _index(ORGANISATIONS, _ORGANISATION_ALIASES)
_ETHNICITIES = _index(ETHNICITIES, _ETHNICITY_ALIASES)
_RELIGIONS = _index(RELIGIONS, _RELIGION_ALIASES)


def clean_text(value: str) -> str:
    """NFC with inner runs of white space collapsed."""
    return " ".join(nfc(value).split())


@lru_cache(maxsize=4096)  # an import repeats the same few values in many rows
def gender_code(value: str) -> str | None:
    """``Nữ``, ``nu``, ``F`` → ``nu``; None when not recognised."""
    return _GENDER_WORDS.get(fold_key(value))


@lru_cache(maxsize=4096)
def canonical_position(value: str) -> str:
    """One of :data:`POSITIONS` when recognised, else the text as typed (cleaned)."""
    return _POSITIONS.get(fold_key(value), clean_text(value))


@lru_cache(maxsize=4096)
def canonical_organisation(value: str) -> str:
    """One of :data:`ORGANISATIONS` when recognised, else the text as typed (cleaned)."""
    return _ORGANISATIONS.get(fold_key(value), clean_text(value))


@lru_cache(maxsize=4096)
def canonical_ethnicity(value: str) -> str | None:
    """One of the 54 :data:`ETHNICITIES`, or None when not recognised."""
    key = fold_key(value)
    return _ETHNICITIES.get(key) or _ETHNICITIES.get(key.removeprefix("dantoc"))


@lru_cache(maxsize=4096)
def canonical_religion(value: str) -> str:
    """One of :data:`RELIGIONS` when recognised, else the text as typed (cleaned)."""
    key = fold_key(value)
    return _RELIGIONS.get(key) or _RELIGIONS.get(key.removeprefix("dao")) or clean_text(value)


def spellings() -> dict[str, list[tuple[str, str]]]:
    """Every spelling of the positions, organisations, ethnic groups and religions (folded words, longest first)
    with its canonical name: for finding them in a sentence."""
    tables = {
        "position": (POSITIONS, _POSITION_ALIASES),
        "organisation": (ORGANISATIONS, _ORGANISATION_ALIASES),
        "ethnicity": (ETHNICITIES, _ETHNICITY_ALIASES),
        "religion": (RELIGIONS, _RELIGION_ALIASES),
    }
    return {
        kind: sorted(
            ((fold(v), name) for name in names for v in (name, *aliases.get(name, []))),
            key=lambda pair: -len(pair[0]),
        )
        for kind, (names, aliases) in tables.items()
    }
