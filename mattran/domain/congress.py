"""Congresses (đại hội): one per unit and term, updated with an append-only history, and their progress.

``update_congress``, ``get_congress`` and ``congress_progress`` are what the web routes and the future
assistant tools call; each re-checks the principal's permission on the unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, Field, field_validator

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.access import target_unit
from mattran.domain.errors import Invalid
from mattran.domain.labelled import labels
from mattran.domain.member_vocab import clean_text
from mattran.domain.members import FieldError, parse_term
from mattran.domain.permissions import Operation
from mattran.domain.terms import TermChange, open_roster
from mattran.domain.time import today_in_vietnam
from mattran.domain.unit import LEVEL_LABELS, Level
from mattran.store import congress as store
from mattran.store.db import Conn

DEFAULT_TERM = "2024–2029"


class Status(StrEnum):
    """Where a congress stands."""

    NOT_STARTED = "chua_trien_khai"
    PREPARING = "dang_chuan_bi"
    HELD = "da_to_chuc"
    COMPLETED = "hoan_thanh"


STATUS_LABELS = labels(Status, "Chưa triển khai", "Đang chuẩn bị", "Đã tổ chức", "Hoàn thành")
HELD = {Status.HELD, Status.COMPLETED}
FIELD_LABELS = {
    "status": "Trạng thái",
    "planned_date": "Ngày dự kiến",
    "held_date": "Ngày tổ chức",
    "delegates_planned": "Số đại biểu được triệu tập",
    "delegates_attending": "Số đại biểu có mặt",
    "committee_size": "Số ủy viên Ủy ban được bầu",
    "chair_name": "Chủ tịch được bầu",
    "vice_chairs": "Các Phó Chủ tịch được bầu",
    "documents": "Văn kiện, tài liệu",
    "notes": "Ghi chú",
}
_RESULTS = ("delegates_attending", "committee_size", "chair_name", "vice_chairs")


class Document(BaseModel):
    """A congress document: a title and, optionally, a web link."""

    title: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=1000)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("Liên kết tài liệu phải bắt đầu bằng http:// hoặc https://")
        return value or None


class CongressChange(BaseModel):
    """Fields to set on a unit's congress; fields left out stay as they are, ``null`` clears one."""

    term: str | None = Field(default=None, description="Nhiệm kỳ, ví dụ 2024–2029 (mặc định: nhiệm kỳ gần nhất).")
    status: Status | None = None
    planned_date: date | None = None
    held_date: date | None = None
    delegates_planned: int | None = Field(default=None, ge=0, le=100000)
    delegates_attending: int | None = Field(default=None, ge=0, le=100000)
    committee_size: int | None = Field(default=None, ge=0, le=10000)
    chair_name: str | None = Field(default=None, max_length=200)
    vice_chairs: list[str] | None = Field(default=None, max_length=10)
    documents: list[Document] | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=5000)
    re_elected: list[int] | None = Field(
        default=None,
        max_length=500,
        description="Khi ghi đại hội đã tổ chức: mã các ủy viên nhiệm kỳ trước được tái cử (Chủ tịch, Phó Chủ tịch"
        " được bầu nhận ra theo tên).",
    )

    def changed_fields(self) -> dict[str, Any]:
        """The fields the caller set (names cleaned, blank names dropped), as stored values."""
        values: dict[str, Any] = {}
        for name in self.model_fields_set & set(store.FIELDS):
            value = getattr(self, name)
            if name == "chair_name" and value is not None:
                value = clean_text(value) or None
            elif name == "vice_chairs":
                value = [clean_text(v) for v in value or [] if clean_text(v)]
            elif name == "documents":
                value = [d.model_dump() for d in value or []]
            elif name == "notes" and value is not None:
                value = value.strip() or None
            elif isinstance(value, Status):
                value = value.value
            values[name] = value
        return values


class Schedule(BaseModel):
    """A congress's status and dates, with whether it is overdue or was held after its planned date: the fields a
    `Congress` and a `UnitProgress` share."""

    status: Status
    status_label: str
    planned_date: date | None
    held_date: date | None
    overdue: bool = Field(description="Quá ngày dự kiến mà chưa tổ chức.")
    held_late: bool = Field(description="Đã tổ chức sau ngày dự kiến.")

    @classmethod
    def scheduled(cls, status: Status, planned: date | None, held: date | None, today: date, /, **fields: Any) -> Self:
        """The model with its schedule worked out for ``today`` and its other ``fields``."""
        is_held = status in HELD
        return cls(
            status=status,
            status_label=STATUS_LABELS[status],
            planned_date=planned,
            held_date=held,
            overdue=not is_held and planned is not None and planned < today,
            held_late=is_held and planned is not None and held is not None and held > planned,
            **fields,
        )


class Congress(Schedule):
    """A unit's congress for one term."""

    unit_code: str
    unit_name: str
    level: int
    term: str
    delegates_planned: int | None
    delegates_attending: int | None
    committee_size: int | None
    chair_name: str | None
    vice_chairs: list[str]
    documents: list[Document]
    notes: str | None
    updated_at: datetime | None
    held: bool
    term_opened: TermChange | None = Field(
        default=None, description="Khi lần cập nhật này ghi đại hội đã tổ chức: nhiệm kỳ mới được mở ra sao."
    )


class HistoryEntry(BaseModel):
    """One change: who (with which role), when, and each field's value before and after."""

    at: datetime
    actor: str | None
    actor_name: str | None
    roles: list[str]
    changes: dict[str, list[Any]]


class CongressRecord(BaseModel):
    """A congress (None when nothing is recorded yet for the term) and its history."""

    unit_code: str
    unit_name: str
    term: str
    congress: Congress | None
    history: list[HistoryEntry]


class InvalidCongress(Invalid):
    """An update refused, with the errors by field (Vietnamese)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


_AS_STORED = (  # the fields of a `Congress` shown as its row holds them
    "unit_code",
    "unit_name",
    "level",
    "term",
    "delegates_planned",
    "delegates_attending",
    "committee_size",
    "chair_name",
    "notes",
    "updated_at",
)


def congress_view(row: Mapping[str, Any], today: date) -> Congress:
    """A stored row as shown."""
    status = Status(row["status"])
    return Congress.scheduled(
        status,
        row["planned_date"],
        row["held_date"],
        today,
        **{name: row[name] for name in _AS_STORED},
        vice_chairs=row["vice_chairs"] or [],
        documents=[Document(**d) for d in row["documents"] or []],
        held=status in HELD,
    )


def check(state: Mapping[str, Any], term: str, today: date) -> dict[str, str]:
    """Consistency of a congress as it would be after an update: errors by field (Vietnamese)."""
    errors: dict[str, str] = {}
    status = state["status"]
    held_statuses = "“đã tổ chức” hoặc “hoàn thành”"
    if status is None:
        errors["status"] = "Trạng thái không được để trống."
        return errors
    start, end = (int(y) for y in term.split("–"))
    for name in ("planned_date", "held_date"):
        day = state[name]
        if day is not None and not start - 1 <= day.year <= end:
            errors[name] = f"{FIELD_LABELS[name]} {day:%d/%m/%Y} nằm ngoài nhiệm kỳ {term}."
    if status in HELD:
        if state["held_date"] is None:
            errors["held_date"] = f"Cần ghi ngày tổ chức khi trạng thái là {held_statuses}."
        elif state["held_date"] > today:
            errors["held_date"] = f"Ngày tổ chức {state['held_date']:%d/%m/%Y} không thể sau hôm nay."
    else:
        if state["held_date"] is not None:
            errors["held_date"] = f"Chỉ ghi ngày tổ chức khi đại hội đã tổ chức (trạng thái {held_statuses})."
        for name in _RESULTS:
            if state[name]:
                errors[name] = f"Chỉ ghi “{FIELD_LABELS[name]}” khi đại hội đã tổ chức (trạng thái {held_statuses})."
    planned, attending = state["delegates_planned"], state["delegates_attending"]
    if planned is not None and attending is not None and attending > planned:
        errors["delegates_attending"] = (
            f"Số đại biểu có mặt ({attending}) không thể nhiều hơn số đại biểu được triệu tập ({planned})."
        )
    if status == Status.COMPLETED and (not state["chair_name"] or not state["committee_size"]):
        errors.setdefault(
            "chair_name", "Để chuyển sang “hoàn thành” cần ghi Chủ tịch được bầu và số ủy viên Ủy ban được bầu."
        )
    return errors


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def default_term(conn: Conn, unit_code: str) -> str:
    """The newest term recorded in a unit's subtree, else :data:`DEFAULT_TERM`."""
    recorded = await store.terms(conn, unit_code)
    return recorded[0] if recorded else DEFAULT_TERM


async def update_congress(
    conn: Conn, principal: Principal, unit_code: str, change: CongressChange, today: date | None = None
) -> Congress:
    """Set fields of a unit's congress (created when missing) and append who changed what to its history; recording it
    as held opens the new term's roster (:func:`mattran.domain.terms.open_roster`)."""
    unit = await target_unit(conn, principal, Operation.CONGRESS_UPDATE, unit_code)
    today = today or today_in_vietnam()
    try:
        term = parse_term(change.term) if change.term else await default_term(conn, principal.unit_code or unit.code)
    except FieldError as exc:
        raise InvalidCongress({"term": str(exc)}) from None
    await store.ensure(conn, unit.code, term)
    current = await store.get(conn, unit.code, term, for_update=True)
    assert current is not None
    wanted = change.changed_fields()
    state = {name: wanted.get(name, current[name]) for name in store.FIELDS}
    errors = check(state, term, today)
    if errors:
        raise InvalidCongress(errors)
    changes = {name: [_json(current[name]), _json(value)] for name, value in wanted.items() if value != current[name]}
    if changes:
        await store.update(conn, current["id"], {name: state[name] for name in changes})
        await store.append_history(
            conn,
            current["id"],
            unit.code,
            actor=principal.subject,
            actor_name=principal.name,
            roles=sorted(principal.roles),
            changes=changes,
        )
        await audit.record(conn, principal, "congress.update", unit.code, "allowed", term=term, fields=sorted(changes))
    row = await store.get(conn, unit.code, term)
    assert row is not None
    opened = None
    if row["status"] in HELD and (current["status"] not in HELD or change.re_elected):
        opened = await open_roster(conn, principal, unit.code, term, row, change.re_elected or [])
    elif change.re_elected:
        raise InvalidCongress({"re_elected": "Chỉ ghi ủy viên tái cử khi đại hội đã tổ chức."})
    return congress_view(row, today).model_copy(update={"term_opened": opened})


async def get_congress(
    conn: Conn, principal: Principal, unit_code: str, term: str | None = None, today: date | None = None
) -> CongressRecord:
    """A unit's congress for ``term`` (default: the newest recorded) with its history, newest change first."""
    unit = await target_unit(conn, principal, Operation.CONGRESS_READ, unit_code)
    term = parse_term(term) if term else await default_term(conn, principal.unit_code or unit.code)
    row = await store.get(conn, unit.code, term)
    history = [HistoryEntry(**h) for h in await store.history(conn, row["id"])] if row else []
    return CongressRecord(
        unit_code=unit.code,
        unit_name=unit.name,
        term=term,
        congress=congress_view(row, today or today_in_vietnam()) if row else None,
        history=history,
    )


class ProgressGroup(BaseModel):
    """Congress progress of a group of units (a province with its communes, a level, …)."""

    key: str
    label: str
    total: int
    held: int
    share: float = Field(description="Tỷ lệ đơn vị đã tổ chức đại hội (0–1).")
    preparing: int
    not_started: int
    overdue: int = Field(description="Quá ngày dự kiến mà chưa tổ chức.")
    held_late: int = Field(description="Đã tổ chức nhưng muộn hơn ngày dự kiến.")


class UnitProgress(Schedule):
    """One unit's congress in a progress table."""

    code: str
    name: str
    level: int


class StatusCount(BaseModel):
    """How many units are at one status."""

    status: Status
    label: str
    count: int
    share: float


class CongressProgress(BaseModel):
    """Progress of the congresses of a unit and every unit below it, for one term."""

    unit_code: str
    unit_name: str
    level: int
    term: str
    terms: list[str]
    today: date
    summary: ProgressGroup
    by_status: list[StatusCount]
    by_level: list[ProgressGroup]
    by_province: list[ProgressGroup] = Field(description="Từng tỉnh (cùng các xã của tỉnh); chỉ khi xem toàn quốc.")
    units: list[UnitProgress] = Field(description="Từng đơn vị; chỉ khi xem một tỉnh hoặc một xã.")


def _group(key: str, label: str, units: Iterable[UnitProgress]) -> ProgressGroup:
    items = list(units)
    held = sum(u.status in HELD for u in items)
    return ProgressGroup(
        key=key,
        label=label,
        total=len(items),
        held=held,
        share=held / len(items) if items else 0.0,
        preparing=sum(u.status == Status.PREPARING for u in items),
        not_started=sum(u.status == Status.NOT_STARTED for u in items),
        overdue=sum(u.overdue for u in items),
        held_late=sum(u.held_late for u in items),
    )


async def congress_progress(
    conn: Conn,
    principal: Principal,
    unit_code: str | None = None,
    term: str | None = None,
    today: date | None = None,
) -> CongressProgress:
    """How far the congresses of a unit's subtree (default: the principal's scope) have got.

    A unit without a congress record counts as not started; "overdue" means the planned date has passed
    without the congress being held, "held late" that it was held after the planned date.
    """
    unit = await target_unit(conn, principal, Operation.CONGRESS_READ, unit_code)
    today = today or today_in_vietnam()
    recorded = await store.terms(conn, unit.code)
    term = parse_term(term) if term else (recorded[0] if recorded else DEFAULT_TERM)
    rows = await store.progress_rows(conn, unit.code, term)
    units: list[UnitProgress] = []
    province_of: dict[str, str | None] = {}
    for r in rows:
        status = Status(r["status"] or Status.NOT_STARTED)
        units.append(
            UnitProgress.scheduled(
                status, r["planned_date"], r["held_date"], today, code=r["code"], name=r["name"], level=r["level"]
            )
        )
        province_of[r["code"]] = r["province_code"]
    counts = {s: sum(u.status == s for u in units) for s in STATUS_LABELS}
    by_status = [
        StatusCount(status=s, label=label, count=counts[s], share=counts[s] / len(units) if units else 0.0)
        for s, label in STATUS_LABELS.items()
    ]
    by_level = [
        _group(str(level), label, (u for u in units if u.level == level))
        for level, label in LEVEL_LABELS.items()
        if any(u.level == level for u in units)
    ]
    by_province: list[ProgressGroup] = []
    if unit.level == Level.CENTRAL:
        by_province = [
            _group(p.code, p.name, (u for u in units if province_of[u.code] == p.code))
            for p in units
            if p.level == Level.PROVINCE
        ]
    return CongressProgress(
        unit_code=unit.code,
        unit_name=unit.name,
        level=unit.level,
        term=term,
        terms=sorted({*recorded, term}, reverse=True),
        today=today,
        summary=_group(unit.code, unit.name, units),
        by_status=by_status,
        by_level=by_level,
        by_province=by_province,
        units=units if unit.level != Level.CENTRAL else [],
    )


class DelegateTotals(BaseModel):
    """Delegates and elected committee members over the congresses of one level (or all) that report them."""

    key: str
    label: str
    delegates_planned: int
    planned_reported: int = Field(description="Số đại hội có báo cáo số đại biểu được triệu tập.")
    delegates_attending: int
    attending_reported: int = Field(description="Số đại hội có báo cáo số đại biểu có mặt.")
    planned_of_attending: int = Field(description="Số đại biểu được triệu tập của các đại hội có báo cáo số có mặt.")
    committee_size: int
    elected_reported: int = Field(description="Số đại hội có báo cáo số ủy viên được bầu.")


async def delegate_totals(conn: Conn, principal: Principal, unit_code: str | None, term: str) -> list[DelegateTotals]:
    """Delegates summoned and present and members elected at the congresses of a unit's subtree for ``term``: the
    whole (key ``all``) first, then each level."""
    unit = await target_unit(conn, principal, Operation.CONGRESS_READ, unit_code)
    rows = await store.delegate_totals(conn, unit.code, parse_term(term))
    fields = (
        "delegates_planned",
        "planned_reported",
        "delegates_attending",
        "attending_reported",
        "planned_of_attending",
        "committee_size",
        "elected_reported",
    )
    whole = DelegateTotals(key="all", label=f"Toàn {unit.name}", **{f: sum(int(r[f]) for r in rows) for f in fields})
    levels = [
        DelegateTotals(key=str(r["level"]), label=LEVEL_LABELS[Level(r["level"])], **{f: int(r[f]) for f in fields})
        for r in rows
    ]
    return [whole, *levels]


async def statuses_by_level(
    conn: Conn, principal: Principal, unit_code: str | None, term: str
) -> dict[int, list[StatusCount]]:
    """For each level of a unit's subtree, how many units are at each status for ``term`` and their share."""
    unit = await target_unit(conn, principal, Operation.CONGRESS_READ, unit_code)
    counts: dict[int, dict[str, int]] = {}
    for r in await store.statuses_by_level(conn, unit.code, parse_term(term)):
        counts.setdefault(int(r["level"]), {})[r["status"]] = int(r["n"])
    return {
        level: [
            StatusCount(status=s, label=label, count=found.get(s, 0), share=found.get(s, 0) / sum(found.values()))
            for s, label in STATUS_LABELS.items()
        ]
        for level, found in counts.items()
    }


class MonthCounts(BaseModel):
    """Congresses of one level (or all, key ``all``) held in a month, and planned for it."""

    key: str
    label: str
    held: int = Field(description="Đã tổ chức trong tháng.")
    planned: int = Field(description="Dự kiến tổ chức trong tháng.")
    planned_waiting: int = Field(description="Dự kiến trong tháng mà chưa tổ chức.")


async def month_counts(
    conn: Conn, principal: Principal, unit_code: str | None, term: str, month: int, year: int | None
) -> list[MonthCounts]:
    """The congresses of a unit's subtree for ``term`` held in ``month`` (of ``year``, else of any year of the term)
    and planned for it: the whole (key ``all``) first, then each level."""
    unit = await target_unit(conn, principal, Operation.CONGRESS_READ, unit_code)
    rows = await store.month_counts(conn, unit.code, parse_term(term), month, year)
    fields = ("held", "planned", "planned_waiting")
    whole = MonthCounts(key="all", label=f"Toàn {unit.name}", **{f: sum(int(r[f]) for r in rows) for f in fields})
    levels = [
        MonthCounts(key=str(r["level"]), label=LEVEL_LABELS[Level(r["level"])], **{f: int(r[f]) for f in fields})
        for r in rows
    ]
    return [whole, *levels]
