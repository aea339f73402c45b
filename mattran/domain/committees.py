"""A unit's committee (Ủy ban MTTQ) for a term, standing board first, and the residential-area work committees
(Ban công tác Mặt trận ở khu dân cư) below each commune."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain.access import target_unit
from mattran.domain.congress import DEFAULT_TERM, HELD
from mattran.domain.errors import Conflict, Invalid, NotFound
from mattran.domain.member_vocab import POSITIONS, clean_text
from mattran.domain.members import FieldError, parse_term
from mattran.domain.permissions import Operation
from mattran.domain.sectors import Sector, sector_text
from mattran.domain.terms import open_roster
from mattran.domain.text import fold
from mattran.domain.unit import Level
from mattran.store import committees as store
from mattran.store import congress as congress_store
from mattran.store.db import Conn

STANDING_BOARD = POSITIONS[:3]  # Chủ tịch, Phó Chủ tịch, Ủy viên Ban Thường trực


class Seat(BaseModel):
    """A member's seat on the committee: position as cadres write it, the sector represented."""

    member_id: int
    full_name: str
    position: str | None
    sector: str | None = Field(
        description="Thành phần đại diện: tên tổ chức thành viên, hoặc “Tôn giáo: Công giáo”, “Doanh nhân”…"
    )
    sector_kind: Sector | None = Field(description="Loại thành phần đại diện.")
    organisation: str | None = Field(description="Tổ chức thành viên của ủy viên (nếu có).")
    standing: bool = Field(description="Thuộc Ban Thường trực.")
    started_on: date | None
    ended_on: date | None


class Committee(BaseModel):
    """A unit's committee for one term."""

    unit_code: str
    unit_name: str
    term: str
    terms: list[str]
    started_on: date | None = Field(description="Ngày nhiệm kỳ bắt đầu (ngày đại hội).")
    ended_on: date | None = Field(description="Ngày nhiệm kỳ kết thúc (ngày đại hội nhiệm kỳ sau).")
    congress_id: int | None = Field(description="Đại hội đã bầu Ủy ban nhiệm kỳ này.")
    seats: list[Seat]
    standing_board: int
    size: int


def _rank(position: str | None) -> int:
    return POSITIONS.index(position) if position in POSITIONS else len(POSITIONS)


def _seat(row: Mapping[str, Any]) -> Seat:
    kind = row["sector"]
    named = row["organisation"] if kind == Sector.ORGANISATION else sector_text(kind, row["sector_detail"])
    return Seat(
        member_id=row["member_id"],
        full_name=row["full_name"],
        position=row["position"],
        sector=named or row["organisation"],
        sector_kind=kind,
        organisation=row["organisation"],
        standing=row["position"] in STANDING_BOARD,
        started_on=row["started_on"],
        ended_on=row["ended_on"],
    )


def _sector_rank(seat: Seat) -> tuple[int, str]:
    """Members by sector: organisations first, then the other kinds in their order, those without one last."""
    kinds = list(Sector)
    return (kinds.index(seat.sector_kind) if seat.sector_kind else len(kinds), fold(seat.sector or "~"))


async def committee(conn: Conn, principal: Principal, unit_code: str, term: str | None = None) -> Committee:
    """The unit's committee for ``term`` (default: the newest its members are recorded for)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    recorded = sorted({*await store.terms(conn, unit.code), *await store.recorded_terms(conn, unit.code)}, reverse=True)
    try:
        chosen = parse_term(term) if term else (recorded[0] if recorded else DEFAULT_TERM)
    except FieldError as exc:
        raise Invalid(str(exc), "term") from None
    seats = sorted(
        (_seat(r) for r in await store.seats(conn, unit.code, chosen)),
        key=lambda s: (_rank(s.position), *_sector_rank(s), fold(s.full_name)),
    )
    dates = await store.term_record(conn, unit.code, chosen)
    return Committee(
        unit_code=unit.code,
        unit_name=unit.name,
        term=chosen,
        terms=sorted({*recorded, chosen}, reverse=True),
        started_on=dates["started_on"] if dates else None,
        ended_on=dates["ended_on"] if dates else None,
        congress_id=dates["congress_id"] if dates else None,
        seats=seats,
        standing_board=sum(s.standing for s in seats),
        size=len(seats),
    )


class WorkCommitteeIn(BaseModel):
    """A residential-area work committee to add below a commune (``unit_code`` default: the caller's unit)."""

    unit_code: str | None = Field(default=None, min_length=2, max_length=10)
    area: str = Field(min_length=1, max_length=200, description="Khu dân cư: thôn, tổ dân phố, bản, ấp…")
    head: str | None = Field(default=None, max_length=200, description="Trưởng ban (họ tên).")
    head_member_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Hoặc: mã thành viên làm trưởng ban."
    )
    members: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)
    households: int | None = Field(default=None, ge=0, le=100000)


class WorkCommitteeChange(BaseModel):
    """Fields to change; those left out stay, ``null`` clears one (the area excepted)."""

    area: str | None = Field(default=None, min_length=1, max_length=200)
    head: str | None = Field(default=None, max_length=200)
    head_member_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    members: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=100)
    households: int | None = Field(default=None, ge=0, le=100000)


class WorkCommittee(BaseModel):
    """A residential-area work committee."""

    id: int
    unit_code: str
    unit_name: str
    area: str
    head: str | None = Field(description="Trưởng ban: tên thành viên được chọn, hoặc tên đã ghi.")
    head_member_id: int | None
    members: list[str]
    households: int | None
    has_head: bool
    synthetic: bool = Field(description="Dữ liệu mẫu (không có thật).")
    updated_at: datetime


class UnknownWorkCommittee(NotFound):
    """No work committee with that id in the caller's scope."""

    def __init__(self, committee_id: int) -> None:
        super().__init__(f"Không tìm thấy ban công tác Mặt trận số {committee_id} trong phạm vi của bạn.")


def _view(row: Mapping[str, Any]) -> WorkCommittee:
    head = row["head_member_name"] or row["head_name"]
    return WorkCommittee(
        id=row["id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        area=row["area"],
        head=head,
        head_member_id=row["head_member_id"],
        members=row["member_names"] or [],
        households=row["households"],
        has_head=head is not None,
        synthetic=row["synthetic"],
        updated_at=row["updated_at"],
    )


async def _values(conn: Conn, unit_code: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values of the fields given (names cleaned; a head member checked to be on the commune's register)."""
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "area":
            values["area"] = clean_text(value or "")
            if not values["area"]:
                raise Invalid("Tên khu dân cư không được để trống.", "area")
        elif name == "head":
            values["head_name"] = clean_text(value) or None if value else None
        elif name == "head_member_id":
            if value is not None and await store.member_unit(conn, value) != unit_code:
                raise Invalid(
                    f"Thành viên số {value} không thuộc danh sách đang sinh hoạt của xã này.", "head_member_id"
                )
            values["head_member_id"] = value
        elif name == "members":
            values["member_names"] = [n for n in (clean_text(v) for v in value or []) if n]
        elif name == "households":
            values["households"] = value
    return values


async def list_work_committees(
    conn: Conn,
    principal: Principal,
    unit_code: str | None = None,
    *,
    without_head: bool = False,
    search: str | None = None,
) -> list[WorkCommittee]:
    """The work committees of a unit's subtree (default: the caller's scope), optionally only those without a head."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    found = [_view(r) for r in await store.list_work(conn, unit.code, search)]
    return [w for w in found if not w.has_head] if without_head else found


async def add_work_committee(
    conn: Conn, principal: Principal, new: WorkCommitteeIn, *, synthetic: bool = False
) -> WorkCommittee:
    """Add a work committee to a commune within scope (409 when the commune has one for that area)."""
    unit = await target_unit(conn, principal, Operation.MEMBER_WRITE, new.unit_code)
    if unit.level != Level.COMMUNE:
        raise Invalid("Ban công tác Mặt trận ở khu dân cư thuộc một xã, phường hoặc đặc khu: hãy chọn đơn vị cấp xã.")
    values = await _values(conn, unit.code, new.model_dump(exclude={"unit_code"}))
    if await store.work_by_area(conn, unit.code, values["area"]):
        raise Conflict(f"{unit.name} đã có ban công tác Mặt trận ở “{values['area']}”.", "area")
    committee_id = await store.add_work(conn, unit.code, values, synthetic=synthetic)
    row = await store.get_work(conn, committee_id)
    assert row is not None
    return _view(row)


async def update_work_committee(
    conn: Conn, principal: Principal, committee_id: int, change: WorkCommitteeChange
) -> WorkCommittee:
    """Change a work committee's area, head, members or households."""
    row = await store.get_work(conn, committee_id)
    if row is None:
        raise UnknownWorkCommittee(committee_id)
    await target_unit(conn, principal, Operation.MEMBER_WRITE, row["unit_code"])
    values = await _values(conn, row["unit_code"], {k: getattr(change, k) for k in change.model_fields_set})
    if "area" in values:
        same = await store.work_by_area(conn, row["unit_code"], values["area"])
        if same and same["id"] != committee_id:
            raise Conflict(f"Xã đã có ban công tác Mặt trận ở “{values['area']}”.", "area")
    await store.update_work(conn, committee_id, values)
    updated = await store.get_work(conn, committee_id)
    assert updated is not None
    return _view(updated)


class NewTerm(BaseModel):
    """The committee elected by a held congress: the new term, and the previous term's members re-elected."""

    term: str = Field(max_length=20, description="Nhiệm kỳ mới, ví dụ 2029–2034.")
    re_elected: list[int] = Field(default_factory=list, max_length=500, description="Mã các thành viên tái cử.")


class TermOpened(BaseModel):
    """What opening a term did: who carried over, who ended with the old term, and the new committee."""

    previous_term: str
    carried_over: list[int]
    ended: list[int]
    committee: Committee


async def open_term(conn: Conn, principal: Principal, unit_code: str, new: NewTerm) -> TermOpened:
    """Open a term's roster from its held congress (as recording the congress held does): re-elected members of
    the previous term carry over, the others end with the term on the congress's date."""
    unit = await target_unit(conn, principal, Operation.MEMBER_WRITE, unit_code)
    try:
        term = parse_term(new.term)
    except FieldError as exc:
        raise Invalid(str(exc), "term") from None
    congress = await congress_store.get(conn, unit.code, term)
    if congress is None or congress["status"] not in HELD or congress["held_date"] is None:
        raise Conflict(f"Đại hội {unit.name} nhiệm kỳ {term} chưa được ghi là đã tổ chức: chưa mở được nhiệm kỳ mới.")
    change = await open_roster(conn, principal, unit.code, term, congress, new.re_elected)
    return TermOpened(
        previous_term=change.previous_term,
        carried_over=change.carried_over,
        ended=change.ended,
        committee=await committee(conn, principal, unit.code, term),
    )
