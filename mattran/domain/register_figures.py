"""Figures of the Front's register beyond members, as the assistant answers them: member organisations (how many,
of which kinds, members per organisation), residential-area work committees (how many, the areas without a head,
households covered), a unit's committee for a term and a member's history, each with the units directly below
ranked; within the caller's scope."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain.access import target_unit
from mattran.domain.committees import committee
from mattran.domain.member_changes import END_LABELS, FIELD_LABELS, EndReason, member_history
from mattran.domain.organisations import KIND_LABELS, Kind
from mattran.domain.permissions import Operation
from mattran.store import register_figures as store
from mattran.store import units as units_store
from mattran.store.db import Conn, Row

LISTED = 12  # organisations, areas or units listed in one answer
_HISTORY_PEOPLE = 3  # members of one name whose history is told


class Counted(BaseModel):
    """A label and how many."""

    label: str
    count: int


class OrganisationFigure(BaseModel):
    """An organisation of the unit: its members on the register, and with those of the same name below."""

    name: str
    kind_label: str
    members: int
    rolled_up: int


class UnitRow(BaseModel):
    """A unit directly below the one asked about (or that unit itself), with its figures."""

    code: str
    name: str
    count: int
    members: int = 0
    without_head: int = 0
    households: int = 0


class OrganisationFigures(BaseModel):
    """The unit's own member organisations (by kind, members per organisation), and those of its subtree."""

    unit_code: str
    unit_name: str
    count: int
    by_kind: list[Counted]
    organisations: list[OrganisationFigure]
    subtree_count: int
    by_unit: list[UnitRow]


async def _names(conn: Conn, rows: list[Row], unit_code: str, unit_name: str) -> dict[str, str]:
    names = {code: u.name for code, u in (await units_store.units_by_code(conn, [r["key"] for r in rows])).items()}
    return names | {unit_code: f"Riêng {unit_name}"}


async def organisation_figures(conn: Conn, principal: Principal, unit_code: str | None) -> OrganisationFigures:
    """How many member organisations the unit has and of which kinds, members per organisation, and the
    organisations of the units below it (most first)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    kinds = await store.organisation_kinds(conn, unit.code)
    own = await store.organisation_members(conn, unit.code)
    rows = await store.organisations_by_unit(conn, unit.code)
    names = await _names(conn, rows, unit.code, unit.name)
    return OrganisationFigures(
        unit_code=unit.code,
        unit_name=unit.name,
        count=sum(r["n"] for r in kinds),
        by_kind=[Counted(label=KIND_LABELS[Kind(r["kind"])], count=r["n"]) for r in kinds],
        organisations=[
            OrganisationFigure(
                name=r["name"],
                kind_label=KIND_LABELS[Kind(r["kind"])],
                members=r["members"],
                rolled_up=r["rolled_up"],
            )
            for r in own
        ],
        subtree_count=sum(r["n"] for r in rows),
        by_unit=[
            UnitRow(code=r["key"], name=names.get(r["key"], r["key"]), count=r["n"], members=r["members"]) for r in rows
        ],
    )


class Area(BaseModel):
    """A residential area and its commune."""

    area: str
    unit_name: str


class WorkFigures(BaseModel):
    """The work committees of a unit's subtree: how many, without a head, households covered, per unit below."""

    unit_code: str
    unit_name: str
    count: int
    without_head: int
    households: int
    with_households: int
    people: int
    areas_without_head: list[Area]
    by_unit: list[UnitRow]


async def work_figures(conn: Conn, principal: Principal, unit_code: str | None) -> WorkFigures:
    """The residential-area work committees below a unit: how many, how many have no head (and where), the
    households they cover, and the same per unit directly below (most without a head first)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    rows = await store.work_by_unit(conn, unit.code)
    names = await _names(conn, rows, unit.code, unit.name)
    headless = await store.areas_without_head(conn, unit.code, LISTED)
    return WorkFigures(
        unit_code=unit.code,
        unit_name=unit.name,
        count=sum(r["n"] for r in rows),
        without_head=sum(r["without_head"] for r in rows),
        households=sum(r["households"] for r in rows),
        with_households=sum(r["with_households"] for r in rows),
        people=sum(r["people"] for r in rows),
        areas_without_head=[Area(area=r["area"], unit_name=r["unit_name"]) for r in headless],
        by_unit=[
            UnitRow(
                code=r["key"],
                name=names.get(r["key"], r["key"]),
                count=r["n"],
                without_head=r["without_head"],
                households=r["households"],
            )
            for r in rows
        ],
    )


class SeatFigure(BaseModel):
    """A seat of the standing board: position and holder."""

    position: str
    full_name: str


class CommitteeFigures(BaseModel):
    """A unit's committee for a term: its size, the standing board by name, seats by position and by sector."""

    unit_code: str
    unit_name: str
    term: str
    size: int
    standing_board: list[SeatFigure]
    by_position: list[Counted]
    by_sector: list[Counted]


def _tally(values: list[str]) -> list[Counted]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return [Counted(label=k, count=n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


async def committee_figures(
    conn: Conn, principal: Principal, unit_code: str | None, term: str | None
) -> CommitteeFigures:
    """The committee sitting for ``term`` (default: the newest recorded): the standing board first."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    sheet = await committee(conn, principal, unit.code, term)
    sitting = [s for s in sheet.seats if s.ended_on is None]
    return CommitteeFigures(
        unit_code=sheet.unit_code,
        unit_name=sheet.unit_name,
        term=sheet.term,
        size=len(sitting),
        standing_board=[SeatFigure(position=s.position or "", full_name=s.full_name) for s in sitting if s.standing],
        by_position=_tally([s.position or "Chưa ghi chức vụ" for s in sitting]),
        by_sector=_tally([s.sector or "Chưa ghi" for s in sitting]),
    )


class Change(BaseModel):
    """One change of a member's history, in words."""

    on: date
    action_label: str
    unit_name: str
    fields: list[str]
    reason: str | None


class MemberStory(BaseModel):
    """A member found by name in the caller's scope, and their changes (newest first)."""

    member_id: int
    full_name: str
    unit_name: str
    position: str | None
    ended: str | None
    changes: list[Change]


class HistoryFigures(BaseModel):
    """The members of a name (at most three) and their history."""

    name: str
    found: int
    stories: list[MemberStory]


_SHOWN = frozenset({"position", "organisation", "term", "unit_code", "ended_on"})


def _field_text(name: str, values: list[object]) -> str:
    """A changed field as words: its new value for the fields of the seat, the field alone for personal data."""
    label = FIELD_LABELS.get(name, name)
    after = values[-1] if values else None
    if name == "end_reason" and after in set(EndReason):
        return f"{label}: {END_LABELS[EndReason(str(after))].lower()}"
    return f"{label}: {after}" if name in _SHOWN and after is not None else label


async def member_stories(conn: Conn, principal: Principal, unit_code: str | None, name: str) -> HistoryFigures:
    """The members of the caller's scope (or a unit's subtree) whose name holds ``name`` (diacritics ignored),
    ended memberships included, each with their recorded changes."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    found = await store.members_named(conn, unit.code, name, _HISTORY_PEOPLE + 1)
    stories = []
    for row in found[:_HISTORY_PEOPLE]:
        entries = await member_history(conn, principal, row["id"])
        stories.append(
            MemberStory(
                member_id=row["id"],
                full_name=row["full_name"],
                unit_name=row["unit_name"],
                position=row["position"],
                ended=END_LABELS[EndReason(row["end_reason"])] if row["end_reason"] else None,
                changes=[
                    Change(
                        on=e.at.date(),
                        action_label=e.action_label,
                        unit_name=e.unit_name,
                        fields=[_field_text(k, v) for k, v in e.changes.items()],
                        reason=e.reason,
                    )
                    for e in entries
                ],
            )
        )
    return HistoryFigures(name=name, found=len(found), stories=stories)


class Shares(BaseModel):
    """Members of a unit (or of its subtree) and the shares of women, ethnic minorities and people under 40 (0–1,
    each among the members whose gender, ethnicity or birth year is recorded: gender always is)."""

    code: str
    name: str
    members: int
    women: float
    minority: float
    young: float


class Rollup(BaseModel):
    """A unit's subtree rolled up: its shares, its members by organisation, and the units directly below ranked."""

    unit_code: str
    unit_name: str
    level: int
    whole: Shares
    by_organisation: list[Counted]
    by_unit: list[Shares]
    rank_by: str


RANKINGS = {
    "members": "Số ủy viên",
    "women": "Tỷ lệ nữ",
    "minority": "Tỷ lệ dân tộc thiểu số",
    "young": "Tỷ lệ dưới 40",
}


def _shares(code: str, name: str, rows: list[Row]) -> Shares:
    n, aged, ethnic = (sum(r[k] for r in rows) for k in ("n", "aged", "ethnic"))
    return Shares(
        code=code,
        name=name,
        members=n,
        women=sum(r["women"] for r in rows) / n if n else 0.0,
        minority=sum(r["minority"] for r in rows) / ethnic if ethnic else 0.0,
        young=sum(r["young"] for r in rows) / aged if aged else 0.0,
    )


async def rollup(conn: Conn, principal: Principal, unit_code: str | None, rank_by: str = "members") -> Rollup:
    """The members of a unit's subtree (a province, the country) rolled up, the units directly below ranked by
    ``rank_by`` (one of :data:`RANKINGS`, largest first)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    rows = await store.rollup_by_unit(conn, unit.code)
    names = await _names(conn, rows, unit.code, unit.name)
    by_unit = [_shares(r["key"], str(names.get(r["key"], r["key"])), [r]) for r in rows]
    key = rank_by if rank_by in RANKINGS else "members"
    by_unit.sort(key=lambda s: (-float(getattr(s, key)), -s.members, s.name))
    organisations = await store.members_by_organisation(conn, unit.code)
    return Rollup(
        unit_code=unit.code,
        unit_name=unit.name,
        level=int(unit.level),
        whole=_shares(unit.code, unit.name, rows),
        by_organisation=[Counted(label=r["key"] or "Chưa ghi", count=r["n"]) for r in organisations],
        by_unit=by_unit,
        rank_by=key,
    )
