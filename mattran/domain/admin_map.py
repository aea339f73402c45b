"""The country's administrative map, read from the ``vietnamadminunits`` package (July 2025 map)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from importlib.metadata import version
from typing import Any, TypedDict

from mattran.domain.text import fold
from mattran.domain.unit import Level, UnitRecord

CENTRAL_CODE = "TW"
ROOT_PATH = "vn"

_COMMUNE_TYPES = {"Xã": "xa", "Phường": "phuong", "Đặc khu": "dac_khu"}

TYPE_LABELS = {
    "trung_uong": "trung ương",
    "tinh": "tỉnh",
    "thanh_pho": "thành phố",
    "xa": "xã",
    "phuong": "phường",
    "dac_khu": "đặc khu",
}


@dataclass(frozen=True)
class LegacyRecord:
    """One pre-2025 commune (or ward-less island district) and the current unit that replaced it."""

    code: str
    name: str | None
    type: str | None
    district_name: str
    district_type: str
    province_name: str
    province_code: str
    new_code: str

    @property
    def name_key(self) -> str | None:
        """Folded short name of the former commune, for typo-tolerant matching."""
        return fold(short_name(self.name, LEGACY_COMMUNE_PREFIXES)) if self.name else None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LegacyRecord:
        """A former commune from a row of ``legacy_units`` (its stored ``name_key`` is computed again)."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})


LEGACY_COMMUNE_PREFIXES = ("Xã", "Phường", "Thị trấn")
LEGACY_DISTRICT_PREFIXES = ("Quận", "Huyện", "Thị xã", "Thành phố")


class _WardRow(TypedDict):
    """One commune of the map's ``admin_units`` table, with its province (the fields read, in that order)."""

    province: str
    provinceShort: str
    provinceCode: str
    provinceLat: float | None
    provinceLon: float | None
    ward: str
    wardShort: str
    wardType: str
    wardCode: str
    wardLat: float | None
    wardLon: float | None
    wardAreaKm2: float | None


class _LegacyRow(TypedDict):
    """One pre-2025 commune of the map's ``admin_units_legacy`` table (the fields read, in that order)."""

    province: str
    provinceCode: str
    district: str
    districtType: str
    districtCode: str
    ward: str | None
    wardType: str | None
    wardCode: str | None


def short_name(full: str, prefixes: tuple[str, ...]) -> str:
    """A unit's name without its type word: ``Huyện Thanh Sơn`` → ``Thanh Sơn``."""
    for prefix in prefixes:
        if full.startswith(prefix + " "):
            return full[len(prefix) + 1 :]
    return full


def source_version() -> str:
    """Version of the map's source package, stored to know when to reload."""
    return f"vietnamadminunits-{version('vietnamadminunits')}/r1"


def current_units() -> list[UnitRecord]:
    """The central unit, the 34 provinces and the 3,321 communes of the current map."""
    from vietnamadminunits.database import get_data

    rows: list[_WardRow] = get_data(fields=list(_WardRow.__annotations__), table="admin_units")
    units = [
        UnitRecord(
            CENTRAL_CODE,
            "Trung ương",
            "Trung ương",
            "trung_uong",
            Level.CENTRAL,
            None,
            None,
            ROOT_PATH,
            None,
            None,
            None,
        )
    ]
    first: dict[str, _WardRow] = {}
    area: dict[str, float] = {}
    for r in rows:
        first.setdefault(r["provinceCode"], r)
        area[r["provinceCode"]] = area.get(r["provinceCode"], 0.0) + float(r["wardAreaKm2"] or 0)
    for code, r in sorted(first.items()):
        kind = "thanh_pho" if r["province"].startswith("Thành phố") else "tinh"
        units.append(
            UnitRecord(
                code,
                r["province"],
                r["provinceShort"],
                kind,
                Level.PROVINCE,
                CENTRAL_CODE,
                code,
                f"{ROOT_PATH}.{code}",
                r["provinceLat"],
                r["provinceLon"],
                round(area[code], 2),
            )
        )
    for r in sorted(rows, key=lambda r: r["wardCode"]):
        units.append(
            UnitRecord(
                r["wardCode"],
                r["ward"],
                r["wardShort"],
                _COMMUNE_TYPES[r["wardType"]],
                Level.COMMUNE,
                r["provinceCode"],
                r["provinceCode"],
                f"{ROOT_PATH}.{r['provinceCode']}.{r['wardCode']}",
                r["wardLat"],
                r["wardLon"],
                r["wardAreaKm2"],
            )
        )
    return units


def legacy_units(progress: Callable[[int, int], None] | None = None) -> Iterator[LegacyRecord]:
    """Every pre-2025 commune with its current unit, through the package's own ``convert_address``."""
    from vietnamadminunits import convert_address
    from vietnamadminunits.database import get_data

    rows: list[_LegacyRow] = get_data(fields=list(_LegacyRow.__annotations__), table="admin_units_legacy")
    for i, r in enumerate(rows, 1):
        parts = [r["ward"], r["district"], r["province"]]
        new = convert_address(", ".join(p for p in parts if p))
        if progress and (i % 500 == 0 or i == len(rows)):
            progress(i, len(rows))
        if not new.ward_code:
            continue
        yield LegacyRecord(
            code=r["wardCode"] or f"D{r['districtCode']}",
            name=r["ward"],
            type=r["wardType"],
            district_name=r["district"],
            district_type=r["districtType"],
            province_name=r["province"],
            province_code=r["provinceCode"],
            new_code=new.ward_code,
        )
