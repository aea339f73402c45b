"""One administrative unit of the July 2025 map and its level (the centre, a province, a commune)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from mattran.domain.text import fold


class Level(IntEnum):
    """A unit's level; the values are those stored in ``units.level`` and shown in JSON."""

    CENTRAL = 0
    PROVINCE = 1
    COMMUNE = 2


LEVEL_LABELS = {Level.CENTRAL: "Trung ương", Level.PROVINCE: "Cấp tỉnh", Level.COMMUNE: "Cấp xã"}
"""How a level is named to people."""


@dataclass(frozen=True)
class UnitRecord:
    """One unit of the current map, as its source gives it and the store keeps it."""

    code: str
    name: str
    short_name: str
    type: str
    level: Level
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

    @property
    def is_commune(self) -> bool:
        """True for a commune, ward or special zone (the lowest level)."""
        return self.level == Level.COMMUNE


@dataclass(frozen=True)
class Unit(UnitRecord):
    """A unit as the store reads it, with its province's name."""

    province_name: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Unit:
        """A unit from a row of ``units`` joined with its province's name."""
        return cls(
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            type=row["type"],
            level=Level(row["level"]),
            parent_code=row["parent_code"],
            province_code=row["province_code"],
            path=str(row["path"]),
            latitude=row["latitude"],
            longitude=row["longitude"],
            area_km2=row["area_km2"],
            province_name=row["province_name"],
        )
