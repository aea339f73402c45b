"""Statistics of committee members (gender, ethnicity, religion, age, organisation, position, unit, level)
and the counting function behind the assistant's ``query_members`` tool."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain import member_vocab as vocab
from mattran.domain.access import target_unit
from mattran.domain.members import FieldError, parse_term
from mattran.domain.permissions import Operation
from mattran.domain.sectors import Sector
from mattran.domain.unit import LEVEL_LABELS, Level
from mattran.store import members as store
from mattran.store import units as units_store
from mattran.store.db import Conn

Dimension = Literal["gender", "ethnicity", "religion", "age", "organisation", "position", "unit", "level"]
DIMENSIONS: dict[Dimension, str] = {
    "gender": "Giới tính",
    "age": "Độ tuổi",
    "ethnicity": "Dân tộc",
    "religion": "Tôn giáo",
    "organisation": "Tổ chức thành viên",
    "position": "Chức vụ",
    "unit": "Đơn vị",
    "level": "Cấp",
}
NOT_RECORDED = "Chưa ghi"
_AGE_LABELS = {"<30": "Dưới 30", "30–39": "30–39", "40–49": "40–49", "50–59": "50–59", "≥60": "Từ 60 trở lên"}


class Bucket(BaseModel):
    """One bar: a value of the dimension, how many members have it and their share of the total (0–1)."""

    key: str | None
    label: str
    count: int
    share: float


class MemberStats(BaseModel):
    """Members of a unit's subtree counted by one dimension."""

    unit_code: str
    unit_name: str
    by: Dimension
    by_label: str
    total: int
    buckets: list[Bucket]


class MemberFilters(BaseModel):
    """Conditions for :func:`count_members`; text values are matched like the import spells them."""

    gender: str | None = Field(default=None, description="nam, nữ, khác")
    position: str | None = Field(default=None, description="Chủ tịch, Phó Chủ tịch, Ủy viên Ban Thường trực, Ủy viên…")
    organisation: str | None = Field(default=None, description="Hội Liên hiệp Phụ nữ, Hội Nông dân, Công đoàn…")
    ethnicity: str | None = None
    religion: str | None = None
    term: str | None = Field(default=None, description="2024–2029")
    sector: Sector | None = Field(default=None, description="Thành phần đại diện: organisation, religion, ethnicity…")
    min_age: int | None = Field(default=None, ge=0, le=150)
    max_age: int | None = Field(default=None, ge=0, le=150)
    level: int | None = Field(default=None, ge=0, le=2, description="0 Trung ương, 1 cấp tỉnh, 2 cấp xã")
    minority: bool | None = Field(default=None, description="Chỉ người dân tộc thiểu số (không phải dân tộc Kinh).")
    standing: bool | None = Field(default=None, description="Chỉ Ban Thường trực (Chủ tịch, Phó Chủ tịch, UV BTT).")
    believer: bool | None = Field(default=None, description="Chỉ người theo một tôn giáo (bất kỳ).")

    def canonical(self) -> dict[str, object]:
        """The filters as stored values (``nữ`` → ``nu``, ``uv btt`` → ``Ủy viên Ban Thường trực``)."""
        values = self.model_dump()
        if self.gender is not None:
            values["gender"] = vocab.gender_code(self.gender)
            if values["gender"] is None:
                raise FieldError(f"Giới tính “{self.gender}” không hợp lệ: ghi nam, nữ hoặc khác.")
        if self.position is not None:
            values["position"] = vocab.canonical_position(self.position)
        if self.organisation is not None:
            values["organisation"] = vocab.canonical_organisation(self.organisation)
        if self.ethnicity is not None:
            values["ethnicity"] = vocab.canonical_ethnicity(self.ethnicity) or vocab.clean_text(self.ethnicity)
        if self.religion is not None:
            values["religion"] = vocab.canonical_religion(self.religion)
        if self.term is not None:
            values["term"] = parse_term(self.term)
        return values


async def count_members(
    conn: Conn, principal: Principal, unit_code: str | None, filters: MemberFilters | None = None
) -> int:
    """How many members of a unit (and the units below it) match ``filters``, within the principal's scope.

    E.g. female ordinary committee members of Xã Văn Miếu:
    ``count_members(conn, p, "08611", MemberFilters(gender="nữ", position="Ủy viên"))``.
    A position filter matches that position only; no position filter counts the whole committee.
    """
    return (await member_figures(conn, principal, unit_code, filters)).count


def _order(by: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fixed orders for the small dimensions, counts (largest first) for the others, "not recorded" last."""
    fixed = {"gender": list(vocab.GENDERS), "age": list(_AGE_LABELS), "level": ["0", "1", "2"]}.get(by)
    if fixed is None:
        return sorted(rows, key=lambda r: (r["key"] is None, -r["n"]))
    counts = {r["key"]: r["n"] for r in rows}
    ordered = [{"key": k, "n": counts.get(k, 0)} for k in fixed if k in counts or by != "level"]
    return ordered + ([{"key": None, "n": counts[None]}] if None in counts else [])


async def member_stats(conn: Conn, principal: Principal, unit_code: str | None, by: Dimension) -> MemberStats:
    """Members of the principal's scope (or of one unit within it) counted by ``by``."""
    if by not in DIMENSIONS:
        raise FieldError(f"Không thống kê được theo “{by}”.")
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    rows = _order(by, await store.group_counts(conn, unit.code, by))
    total = sum(r["n"] for r in rows)
    names: dict[str, str] = {}
    if by == "unit":
        found = await units_store.units_by_code(conn, [r["key"] for r in rows])
        names = {code: u.name for code, u in found.items()}
        names[unit.code] = f"{unit.name} ({LEVEL_LABELS[unit.level].lower()})"

    def label(key: str | None) -> str:
        if key is None:
            return NOT_RECORDED
        if by == "gender":
            return vocab.GENDERS[key]
        if by == "age":
            return _AGE_LABELS[key]
        if by == "level":
            return LEVEL_LABELS[Level(int(key))]
        return names.get(key, key)

    buckets = [
        Bucket(key=r["key"], label=label(r["key"]), count=r["n"], share=r["n"] / total if total else 0.0) for r in rows
    ]
    return MemberStats(
        unit_code=unit.code, unit_name=unit.name, by=by, by_label=DIMENSIONS[by], total=total, buckets=buckets
    )


# Filters that pick members out of a group (a share's numerator); the others say which group (its denominator).
TRAITS = frozenset({"gender", "ethnicity", "minority", "religion", "believer", "min_age", "max_age"})


class UnitFigure(BaseModel):
    """One unit directly below the one asked about (or that unit's own committee): matching members among its
    group, and their share of it (0–1)."""

    code: str
    name: str
    count: int
    total: int
    share: float
    average_age: float | None = None


class MemberFigures(BaseModel):
    """Members of a unit's subtree matching the filters: how many, among how many of their group (the filters
    that are not traits: position, organisation, term, level), the share, their average age, and the same per unit
    directly below (largest count first)."""

    unit_code: str
    unit_name: str
    count: int
    total: int
    share: float
    average_age: float | None
    by_unit: list[UnitFigure]


async def member_figures(
    conn: Conn, principal: Principal, unit_code: str | None, filters: MemberFilters | None = None
) -> MemberFigures:
    """Counts, share and average age of the members of a unit (and the units below it) matching ``filters``,
    within the principal's scope; e.g. the share of women among the Vice-Chairs of Phú Thọ's communes:
    ``member_figures(conn, p, "25", MemberFilters(gender="nữ", position="Phó Chủ tịch", level=2))``."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    values = {k: v for k, v in (filters or MemberFilters()).canonical().items() if v is not None}
    traits = {k: v for k, v in values.items() if k in TRAITS}
    rows = await store.figures_by_unit(conn, unit.code, {k: v for k, v in values.items() if k not in TRAITS}, traits)
    names = {code: u.name for code, u in (await units_store.units_by_code(conn, [r["key"] for r in rows])).items()}
    names[unit.code] = f"Ủy ban {unit.name}"
    count, total = sum(r["n"] for r in rows), sum(r["total"] for r in rows)
    aged = sum(r["aged"] for r in rows)
    by_unit = [
        UnitFigure(
            code=r["key"],
            name=names.get(r["key"], r["key"]),
            count=r["n"],
            total=r["total"],
            share=r["n"] / r["total"] if r["total"] else 0.0,
            average_age=r["age_sum"] / r["aged"] if r["aged"] else None,
        )
        for r in rows
    ]
    return MemberFigures(
        unit_code=unit.code,
        unit_name=unit.name,
        count=count,
        total=total,
        share=count / total if total else 0.0,
        average_age=sum(r["age_sum"] for r in rows) / aged if aged else None,
        by_unit=by_unit,
    )
