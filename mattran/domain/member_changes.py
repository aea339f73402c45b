"""Keeping members up to date: edit, end a membership, move to another unit, delete as an administrator's
correction, each written with its history row in the same transaction; the history; possible duplicates.

Personal data enters the history masked (phone, e-mail, national ID); the history is readable by the cadres of
every unit the member has belonged to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal, Role
from mattran.domain import audit
from mattran.domain.access import PermissionDenied, target_unit
from mattran.domain.errors import Conflict, Invalid, NotFound
from mattran.domain.labelled import labels
from mattran.domain.members import (
    FIELDS,
    ORGANISATION_MISSING,
    DuplicateMember,
    FieldError,
    InvalidMember,
    MemberView,
    NationalId,
    blank,
    parse_national_id,
    view,
)
from mattran.domain.permissions import Operation
from mattran.domain.privacy import PersonalData, mask_email, mask_national_id, mask_phone
from mattran.domain.sectors import Sector, sector_text
from mattran.domain.text import fold
from mattran.domain.time import today_in_vietnam
from mattran.store import member_history as history_store
from mattran.store import members as store
from mattran.store import organisations as organisations_store
from mattran.store.db import Conn, Row


class EndReason(StrEnum):
    """Why a membership ended."""

    LEFT = "left"
    MOVED = "moved"
    DECEASED = "deceased"
    TERM_ENDED = "term_ended"
    DUPLICATE = "duplicate"


END_LABELS = labels(EndReason, "Thôi tham gia", "Chuyển công tác", "Từ trần", "Hết nhiệm kỳ", "Trùng, đã gộp")
ACTION_LABELS = {"edit": "Sửa thông tin", "end": "Thôi tham gia", "move": "Chuyển đơn vị", "delete": "Xóa (hiệu chỉnh)"}
FIELD_LABELS = {
    **{name: label for name, (label, _parser) in FIELDS.items()},
    "organisation_id": "Tổ chức thành viên (mã)",
    "unit_code": "Đơn vị",
    "ended_on": "Ngày thôi tham gia",
    "end_reason": "Lý do thôi tham gia",
    "moved_on": "Ngày chuyển",
}


class MemberChange(BaseModel):
    """Member fields to change (those left out stay; ``null`` clears one, except the full name)."""

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    gender: str | None = Field(default=None, max_length=10)
    birth_year: int | None = None
    ethnicity: str | None = Field(default=None, max_length=100)
    religion: str | None = Field(default=None, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    organisation_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Mã tổ chức thành viên của đơn vị."
    )
    term: str | None = Field(default=None, max_length=20)
    sector: str | None = Field(default=None, max_length=300, description="Thành phần đại diện: Tôn giáo: Công giáo…")
    started_on: date | None = Field(default=None, description="Ngày bắt đầu giữ ghế trong Ủy ban.")
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    national_id: str | None = Field(default=None, max_length=20)


class MembershipEnd(BaseModel):
    """The end of a membership: why and when (ISO date), with an optional note."""

    reason: EndReason
    date: date
    note: str | None = Field(default=None, max_length=500)


class MemberMove(BaseModel):
    """A move to another unit within scope, on a date."""

    unit_code: str = Field(min_length=2, max_length=10)
    date: date


class HistoryEntry(BaseModel):
    """One recorded change: who, when, what (field → [before, after]) and the end's reason."""

    at: datetime
    actor: str | None
    actor_name: str | None
    roles: list[str]
    action: str
    action_label: str
    unit_code: str
    unit_name: str
    changes: dict[str, list[Any]]
    reason: str | None


class DuplicatePair(BaseModel):
    """Two members on the register, in different units, that may be one person."""

    reason: str = Field(description="national_id: cùng số CCCD; name: cùng họ tên, năm sinh và tổ chức.")
    first: MemberView
    second: MemberView


class UnknownMember(NotFound):
    """No member with that id in the caller's scope."""

    def __init__(self, member_id: int) -> None:
        super().__init__(f"Không tìm thấy thành viên số {member_id} trong phạm vi của bạn.")


def _masked(name: str, value: Any) -> Any:
    """A value as the history keeps it: contacts and national IDs masked."""
    if name == "phone":
        return mask_phone(value) or None
    if name == "email":
        return mask_email(value) or None
    if name == "national_id":
        return mask_national_id(value) or None
    return value.isoformat() if isinstance(value, date) else value


async def _member(conn: Conn, principal: Principal, member_id: int, operation: Operation) -> Row:
    """The member's row (locked for a write), once ``operation`` is allowed on its unit."""
    row = await store.get_member(conn, member_id, for_update=operation == Operation.MEMBER_WRITE)
    if row is None:
        raise UnknownMember(member_id)
    await target_unit(conn, principal, operation, row["unit_code"])
    return row


async def record_change(
    conn: Conn,
    principal: Principal,
    member_id: int,
    unit_code: str,
    action: str,
    changes: Mapping[str, Any],
    reason: str | None = None,
) -> None:
    """Append one change to the member's history (the unit recorded among those that read it)."""
    await history_store.belongs(conn, member_id, unit_code)
    await history_store.append(
        conn,
        member_id,
        unit_code,
        actor=principal.subject,
        actor_name=principal.name,
        roles=sorted(principal.roles),
        action=action,
        changes=changes,
        reason=reason,
    )


async def _reread(conn: Conn, member_id: int, protector: PersonalData) -> MemberView:
    row = await store.get_member(conn, member_id)
    assert row is not None
    return view(row, protector)


async def get_member(conn: Conn, principal: Principal, protector: PersonalData, member_id: int) -> MemberView:
    """One member (ended ones too) within scope."""
    return view(await _member(conn, principal, member_id, Operation.MEMBER_READ), protector)


def _national_id(
    columns: dict[str, Any],
    changes: dict[str, list[Any]],
    parsed: NationalId | None,
    current: Row,
    protector: PersonalData,
) -> None:
    """The columns of a new national ID (a masked value sent back unchanged keeps the stored one)."""
    before = current["national_id_last3"]
    if parsed is not None and parsed.digits is None and parsed.last3 == before:
        return
    columns["national_id_hmac"] = protector.national_id_hash(parsed.digits) if parsed and parsed.digits else None
    columns["national_id_last3"] = parsed.last3 if parsed else None
    changes["national_id"] = [_masked("national_id", before), _masked("national_id", columns["national_id_last3"])]


def _parse_changes(
    change: MemberChange, current: Row, protector: PersonalData
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Stored column values and history entries for the fields set; raises :class:`InvalidMember`."""
    columns: dict[str, Any] = {}
    changes: dict[str, list[Any]] = {}
    errors: dict[str, str] = {}
    wanted = {name: getattr(change, name) for name in change.model_fields_set}
    shown = view(current, protector).model_dump()
    birth_year = current["birth_year"]
    for name in ("birth_year", *(n for n in FIELDS if n != "birth_year")):  # the year first: the ID is checked on it
        if name not in wanted:
            continue
        value = wanted[name]
        try:
            if blank(value) and name == "full_name":
                raise FieldError("Họ và tên không được để trống.")
            if name == "national_id":
                _national_id(
                    columns, changes, None if blank(value) else parse_national_id(value, birth_year), current, protector
                )
                continue
            parsed: Any = None if blank(value) else FIELDS[name][1](value)
        except FieldError as exc:
            errors[name] = str(exc)
            continue
        if name == "birth_year":
            birth_year = parsed
        if name == "phone":
            columns["phone_enc"] = protector.encrypt("phone", parsed)
        elif name == "email":
            columns["email_enc"] = protector.encrypt("email", parsed)
        elif name == "sector":
            columns["sector"], columns["sector_detail"] = parsed or (None, None)
            parsed = sector_text(*parsed) if parsed else None
            shown["sector"] = shown["sector_text"]
        else:
            columns[name] = parsed
            if name == "organisation":
                columns["organisation_id"] = None  # the text is found or created among the unit's organisations
        if parsed != shown.get(name):
            changes[name] = [_masked(name, shown.get(name)), _masked(name, parsed)]
    organisation = columns.get("organisation", current["organisation"])
    if organisation and "sector" not in columns and current["sector"] is None:
        columns["sector"] = Sector.ORGANISATION  # as on adding: a member named with an organisation represents it
    if columns.get("sector", current["sector"]) == Sector.ORGANISATION and not organisation and "sector" not in errors:
        errors["sector"] = ORGANISATION_MISSING
    if errors:
        raise InvalidMember(errors)
    return columns, changes


async def update_member(
    conn: Conn, principal: Principal, protector: PersonalData, member_id: int, change: MemberChange
) -> MemberView:
    """Change a member's fields and append who changed what to its history."""
    current = await _member(conn, principal, member_id, Operation.MEMBER_WRITE)
    columns, changes = _parse_changes(change, current, protector)
    if "organisation_id" in change.model_fields_set and change.organisation_id is not None:
        org = await organisations_store.get(conn, change.organisation_id)
        if org is None or org["unit_code"] != current["unit_code"]:
            raise InvalidMember({"organisation_id": "Tổ chức thành viên phải là một tổ chức của đơn vị thành viên."})
        columns.pop("organisation", None)
        columns["organisation_id"] = org["id"]
        if org["id"] != current["organisation_id"]:
            changes["organisation"] = [current["organisation"], org["name"]]
    if {"full_name", "birth_year"} & columns.keys():
        name = str(columns.get("full_name") or current["full_name"])
        year = columns.get("birth_year", current["birth_year"])
        others = await store.member_keys(conn, [current["unit_code"]])
        if any(r["id"] != member_id and (fold(r["full_name"]), r["birth_year"]) == (fold(name), year) for r in others):
            raise DuplicateMember(f"Đơn vị đã có thành viên “{name}”{f' sinh năm {year}' if year else ''}.")
    if changes:
        await store.update_member(conn, member_id, columns)
        await record_change(conn, principal, member_id, current["unit_code"], "edit", changes)
    return await _reread(conn, member_id, protector)


def _check_date(day: date, what: str, today: date) -> None:
    if day > today:
        raise Invalid(f"{what} {day:%d/%m/%Y} không thể sau hôm nay.", "date")
    if day.year < 1955:
        raise Invalid(f"{what} {day:%d/%m/%Y} không hợp lệ.", "date")


async def end_membership(
    conn: Conn,
    principal: Principal,
    protector: PersonalData,
    member_id: int,
    end: MembershipEnd,
    today: date | None = None,
) -> MemberView:
    """Mark a membership ended (the member is kept, off the register) with the date and reason."""
    current = await _member(conn, principal, member_id, Operation.MEMBER_WRITE)
    if current["ended_on"] is not None:
        raise Conflict(f"Thành viên “{current['full_name']}” đã thôi tham gia từ {current['ended_on']:%d/%m/%Y}.")
    _check_date(end.date, "Ngày thôi tham gia", today or today_in_vietnam())
    note = " ".join(end.note.split()) if end.note else None
    await store.update_member(conn, member_id, {"ended_on": end.date, "end_reason": end.reason.value, "end_note": note})
    reason = END_LABELS[end.reason] + (f": {note}" if note else "")
    changes = {"ended_on": [None, end.date.isoformat()], "end_reason": [None, end.reason.value]}
    await record_change(conn, principal, member_id, current["unit_code"], "end", changes, reason)
    return await _reread(conn, member_id, protector)


async def move_member(
    conn: Conn,
    principal: Principal,
    protector: PersonalData,
    member_id: int,
    move: MemberMove,
    today: date | None = None,
) -> MemberView:
    """Move a member to another unit within scope; the cadres of both units read its whole history."""
    current = await _member(conn, principal, member_id, Operation.MEMBER_WRITE)
    target = await target_unit(conn, principal, Operation.MEMBER_WRITE, move.unit_code)
    if current["ended_on"] is not None:
        raise Conflict(f"Thành viên “{current['full_name']}” đã thôi tham gia: không thể chuyển đơn vị.")
    if target.code == current["unit_code"]:
        raise Invalid(f"Thành viên đã thuộc {target.name}.", "unit_code")
    _check_date(move.date, "Ngày chuyển", today or today_in_vietnam())
    key = (fold(current["full_name"]), current["birth_year"])
    if any((fold(r["full_name"]), r["birth_year"]) == key for r in await store.member_keys(conn, [target.code])):
        raise DuplicateMember(f"{target.name} đã có thành viên “{current['full_name']}” cùng năm sinh.")
    await history_store.belongs(conn, member_id, current["unit_code"])
    await store.update_member(conn, member_id, {"unit_code": target.code})
    moved = await store.get_member(conn, member_id)
    assert moved is not None
    changes: dict[str, list[Any]] = {
        "unit_code": [current["unit_code"], target.code],
        "moved_on": [None, move.date.isoformat()],
    }
    if moved["organisation_id"] != current["organisation_id"]:
        changes["organisation_id"] = [current["organisation_id"], moved["organisation_id"]]
    await history_store.belongs(conn, member_id, target.code)
    await record_change(conn, principal, member_id, current["unit_code"], "move", changes, f"Chuyển đến {target.name}")
    return view(moved, protector)


async def delete_member(conn: Conn, principal: Principal, member_id: int, reason: str) -> None:
    """An administrator's correction: delete a member entered by mistake, audited, its history kept."""
    if Role.ADMIN not in principal.roles:
        raise PermissionDenied("Chỉ quản trị hệ thống được xóa thành viên (để sửa sai); hãy dùng “thôi tham gia”.")
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid("Cần ghi lý do xóa.", "reason")
    current = await _member(conn, principal, member_id, Operation.MEMBER_WRITE)
    await audit.record(conn, principal, "member.delete", str(member_id), "allowed", unit=current["unit_code"])
    snapshot = {"full_name": [current["full_name"], None], "birth_year": [current["birth_year"], None]}
    await record_change(conn, principal, member_id, current["unit_code"], "delete", snapshot, reason[:500])
    await store.delete_member(conn, member_id)


async def member_history(conn: Conn, principal: Principal, member_id: int) -> list[HistoryEntry]:
    """The member's changes, newest first: those recorded in any unit it belonged to within the caller's scope."""
    await target_unit(conn, principal, Operation.MEMBER_READ, None)
    rows = await history_store.history(conn, member_id)
    if not rows and await store.get_member(conn, member_id) is None:
        raise UnknownMember(member_id)
    return [HistoryEntry(**{**r, "action_label": ACTION_LABELS[r["action"]]}) for r in rows]


async def possible_duplicates(
    conn: Conn, principal: Principal, protector: PersonalData, unit_code: str | None = None
) -> list[DuplicatePair]:
    """Members in different units of the scope (or of a unit's subtree) that may be one person."""
    unit = await target_unit(conn, principal, Operation.MEMBER_READ, unit_code)
    pairs = await history_store.possible_duplicates(conn, unit.code)
    found: list[DuplicatePair] = []
    for pair in pairs:
        first = await store.get_member(conn, pair["first_id"])
        second = await store.get_member(conn, pair["second_id"])
        if first and second:
            found.append(
                DuplicatePair(reason=pair["reason"], first=view(first, protector), second=view(second, protector))
            )
    return found


async def dismiss_duplicate(conn: Conn, principal: Principal, first_id: int, second_id: int) -> None:
    """Record that two flagged members are different people (not flagged again)."""
    first = await _member(conn, principal, first_id, Operation.MEMBER_WRITE)
    await _member(conn, principal, second_id, Operation.MEMBER_WRITE)
    await history_store.dismiss_duplicate(
        conn, first_id, second_id, principal.unit_code or first["unit_code"], principal.subject
    )
