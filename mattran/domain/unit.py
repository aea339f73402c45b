"""One administrative unit of the July 2025 map and its level (the centre, a province, a commune)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class Level(IntEnum):
    """A unit's level; the values are those stored in ``units.level`` and shown in JSON."""

    CENTRAL = 0
    PROVINCE = 1
    COMMUNE = 2


@dataclass(frozen=True)
class Unit:
    """A unit as the store reads it, with its province's name."""

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
    name_key: str
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
            name_key=row["name_key"],
            province_name=row["province_name"],
        )

    @property
    def is_commune(self) -> bool:
        """True for a commune, ward or special zone (the lowest level)."""
        return self.level == Level.COMMUNE
