"""The country's administrative map, read from the ``vietnamadminunits`` package (July 2025 map)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version

from mattran.domain.text import fold

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
class UnitRecord:
    """One unit of the current map, as stored."""

    code: str
    name: str
    short_name: str
    type: str
    level: int
    parent_code: str | None
    province_code: str | None
    path: str
    latitude: float | None
    longitude: float | None
    area_km2: float | None

    @property
    def name_key(self) -> str:
        """Folded short name used for matching."""
        return fold(self.short_name)


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


LEGACY_COMMUNE_PREFIXES = ("Xã", "Phường", "Thị trấn")
LEGACY_DISTRICT_PREFIXES = ("Quận", "Huyện", "Thị xã", "Thành phố")


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

    rows = get_data(
        fields=[
            "province",
            "provinceShort",
            "provinceCode",
            "provinceLat",
            "provinceLon",
            "ward",
            "wardShort",
            "wardType",
            "wardCode",
            "wardLat",
            "wardLon",
            "wardAreaKm2",
        ],
        table="admin_units",
    )
    units = [
        UnitRecord(CENTRAL_CODE, "Trung ương", "Trung ương", "trung_uong", 0, None, None, ROOT_PATH, None, None, None)
    ]
    provinces: dict[str, dict[str, object]] = {}
    for r in rows:
        p = provinces.setdefault(r["provinceCode"], {"row": r, "area": 0.0})
        p["area"] = float(p["area"]) + float(r["wardAreaKm2"] or 0)  # type: ignore[arg-type]
    for code, p in sorted(provinces.items()):
        r = p["row"]  # type: ignore[assignment]
        kind = "thanh_pho" if r["province"].startswith("Thành phố") else "tinh"  # type: ignore[index]
        units.append(
            UnitRecord(
                code,
                r["province"],
                r["provinceShort"],
                kind,
                1,
                CENTRAL_CODE,
                code,  # type: ignore[index]
                f"{ROOT_PATH}.{code}",
                r["provinceLat"],
                r["provinceLon"],  # type: ignore[index]
                round(float(p["area"]), 2),
            )
        )  # type: ignore[arg-type]
    for r in sorted(rows, key=lambda r: r["wardCode"]):
        units.append(
            UnitRecord(
                r["wardCode"],
                r["ward"],
                r["wardShort"],
                _COMMUNE_TYPES[r["wardType"]],
                2,
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

    rows = get_data(
        fields=["province", "provinceCode", "district", "districtType", "districtCode", "ward", "wardType", "wardCode"],
        table="admin_units_legacy",
    )
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
