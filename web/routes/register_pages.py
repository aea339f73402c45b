"""Cadre pages for keeping the members register up to date (no JavaScript needed): a member's page with its edit,
end and move forms and its history, and a unit's member organisations (list, add, edit)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from mattran.auth.principal import ROLE_LABELS, Principal
from mattran.domain import unit_lists
from mattran.domain.congress import today_in_vietnam
from mattran.domain.errors import Conflict, Invalid
from mattran.domain.member_changes import (
    END_LABELS,
    FIELD_LABELS,
    EndReason,
    HistoryEntry,
    MemberChange,
    MemberMove,
    MembershipEnd,
    dismiss_duplicate,
    end_membership,
    get_member,
    member_history,
    move_member,
    possible_duplicates,
    update_member,
)
from mattran.domain.members import FIELDS, InvalidMember
from mattran.domain.organisations import (
    KIND_LABELS,
    STATUS_LABELS,
    Kind,
    OrganisationChange,
    OrganisationIn,
    Status,
    add_organisation,
    get_organisation,
    list_organisations,
    update_organisation,
)
from mattran.domain.permissions import Operation
from mattran.domain.sectors import SECTOR_LABELS, Sector
from web import csrf
from web.auth import CadrePage, authorized
from web.render import render
from web.routes.members import protector

router = APIRouter(include_in_schema=False)
MemberId = Annotated[int, Path(ge=1, le=2**63 - 1)]
EDITABLE = tuple(FIELDS)
_ORG_FIELDS = ("name", "kind", "contact_name", "phone", "email", "address", "status")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _errors(exc: ValidationError, labels: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(name, f"{labels.get(name, 'Giá trị')} không hợp lệ.")
    return found


def _history_lines(entry: HistoryEntry) -> list[str]:
    def shown(value: Any) -> str:
        if value in (None, ""):
            return "(trống)"
        return END_LABELS[EndReason(value)] if value in set(EndReason) else str(value)

    return [
        f"{FIELD_LABELS.get(name, name)}: {shown(before)} → {shown(after)}"
        for name, (before, after) in entry.changes.items()
    ]


async def _member_page(
    request: Request,
    principal: Principal,
    member_id: int,
    *,
    errors: dict[str, str] | None = None,
    form: str | None = None,
    submitted: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    async with authorized(request, principal, Operation.MEMBER_READ) as conn:
        member = await get_member(conn, principal, protector(request), member_id)
        history = await member_history(conn, principal, member_id)
        organisations = await list_organisations(conn, principal, protector(request), member.unit_code)
        units = await unit_lists.own_and_below(conn, principal.unit_code or "")
    roles = {r.value: label for r, label in ROLE_LABELS.items()}
    return render(
        request,
        "member_edit.html",
        principal,
        status_code=status_code,
        member=member,
        labels={name: label for name, (label, _parser) in FIELDS.items()},
        history=[(h, _history_lines(h), [roles.get(r, r) for r in h.roles]) for h in history],
        organisations=organisations,
        sectors=[SECTOR_LABELS[k] for k in Sector if k not in (Sector.RELIGION, Sector.ETHNICITY, Sector.OTHER)],
        units=[u for u in units if u.code != member.unit_code],
        reasons=END_LABELS,
        errors=errors or {},
        form=form,
        submitted=submitted,
        saved=request.query_params.get("da_luu"),
        today=today_in_vietnam().isoformat(),
    )


@router.get("/can-bo/thanh-vien/{member_id:int}", response_class=HTMLResponse)
async def member_page(request: Request, principal: CadrePage, member_id: MemberId) -> HTMLResponse:
    """Một thành viên: sửa thông tin, thôi tham gia, chuyển đơn vị, lịch sử."""
    return await _member_page(request, principal, member_id)


def _saved(member_id: int, what: str) -> Response:
    return RedirectResponse(f"/can-bo/thanh-vien/{member_id}?da_luu={what}", status_code=303)


@router.post("/can-bo/thanh-vien/{member_id:int}/sua", response_class=HTMLResponse)
async def edit_member(request: Request, principal: CadrePage, member_id: MemberId) -> Response:
    """Lưu thông tin thành viên (ô để trống là xóa giá trị đó)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    values: dict[str, Any] = {name: form.get(name, "").strip() or None for name in EDITABLE}
    labels = {name: label for name, (label, _parser) in FIELDS.items()}
    try:
        if values["birth_year"] is not None and not str(values["birth_year"]).isdigit():
            raise InvalidMember({"birth_year": f"Năm sinh “{values['birth_year']}” không hợp lệ: ghi năm, ví dụ 1975."})
        values["full_name"] = values["full_name"] or " "  # refused with the field's own message
        change = MemberChange(**values)
        async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
            await update_member(conn, principal, protector(request), member_id, change)
    except ValidationError as exc:
        return await _member_page(
            request, principal, member_id, errors=_errors(exc, labels), form="sua", submitted=form, status_code=422
        )
    except (InvalidMember, Conflict) as exc:
        errors = exc.errors if isinstance(exc, InvalidMember) else {"full_name": exc.message}
        return await _member_page(
            request, principal, member_id, errors=errors, form="sua", submitted=form, status_code=422
        )
    return _saved(member_id, "sua")


@router.post("/can-bo/thanh-vien/{member_id:int}/thoi", response_class=HTMLResponse)
async def end_member(request: Request, principal: CadrePage, member_id: MemberId) -> Response:
    """Ghi thôi tham gia: lý do, ngày, ghi chú."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    try:
        end = MembershipEnd(
            reason=form.get("reason", ""), date=_day(form.get("date", "")), note=form.get("note") or None
        )
        async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
            await end_membership(conn, principal, protector(request), member_id, end)
    except ValidationError as exc:
        labels = {"reason": "Lý do", "date": "Ngày thôi tham gia", "note": "Ghi chú"}
        return await _member_page(
            request, principal, member_id, errors=_errors(exc, labels), form="thoi", submitted=form, status_code=422
        )
    except (Invalid, Conflict) as exc:
        return await _member_page(
            request, principal, member_id, errors={"date": exc.message}, form="thoi", submitted=form, status_code=422
        )
    return _saved(member_id, "thoi")


@router.post("/can-bo/thanh-vien/{member_id:int}/chuyen", response_class=HTMLResponse)
async def move_page(request: Request, principal: CadrePage, member_id: MemberId) -> Response:
    """Chuyển thành viên sang đơn vị khác trong phạm vi."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    try:
        move = MemberMove(unit_code=form.get("unit_code", ""), date=_day(form.get("date", "")))
        async with authorized(request, principal, Operation.MEMBER_WRITE, move.unit_code) as conn:
            await move_member(conn, principal, protector(request), member_id, move)
    except ValidationError as exc:
        labels = {"unit_code": "Đơn vị chuyển đến", "date": "Ngày chuyển"}
        return await _member_page(
            request, principal, member_id, errors=_errors(exc, labels), form="chuyen", submitted=form, status_code=422
        )
    except (Invalid, Conflict) as exc:
        return await _member_page(
            request, principal, member_id, errors={"unit_code": exc.message}, form="chuyen", status_code=422
        )
    return _saved(member_id, "chuyen")


async def _organisations_page(
    request: Request,
    principal: Principal,
    unit: str | None,
    *,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        organisations = await list_organisations(conn, principal, protector(request), unit)
        choices = await unit_lists.own_and_below(conn, principal.unit_code or "")
    return render(
        request,
        "organisations.html",
        principal,
        status_code=status_code,
        organisations=organisations,
        unit=unit or principal.unit_code,
        choices=choices,
        kinds=KIND_LABELS,
        errors=errors or {},
        submitted=submitted or {},
        saved=request.query_params.get("da_luu") == "1",
    )


@router.get("/can-bo/to-chuc", response_class=HTMLResponse)
async def organisations_page(
    request: Request, principal: CadrePage, unit: Annotated[str | None, Query(max_length=10)] = None
) -> HTMLResponse:
    """Tổ chức thành viên của đơn vị: danh sách và thêm mới."""
    return await _organisations_page(request, principal, unit or None)


def _org_labels() -> dict[str, str]:
    return {
        "name": "Tên tổ chức",
        "kind": "Loại",
        "contact_name": "Người liên hệ",
        "phone": "Số điện thoại",
        "email": "Email",
        "address": "Địa chỉ",
        "status": "Trạng thái",
        "unit_code": "Đơn vị",
    }


@router.post("/can-bo/to-chuc", response_class=HTMLResponse)
async def add_organisation_page(request: Request, principal: CadrePage) -> Response:
    """Thêm tổ chức thành viên."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    unit = form.get("unit_code") or principal.unit_code
    values = {name: form.get(name, "").strip() or None for name in _ORG_FIELDS}
    try:
        new = OrganisationIn(unit_code=unit, **{k: v for k, v in values.items() if v is not None})
        async with authorized(request, principal, Operation.MEMBER_WRITE, new.unit_code) as conn:
            await add_organisation(conn, principal, protector(request), new)
    except ValidationError as exc:
        return await _organisations_page(
            request, principal, unit, errors=_errors(exc, _org_labels()), submitted=form, status_code=422
        )
    except (Invalid, Conflict) as exc:
        errors = getattr(exc, "errors", None) or {exc.field or "name": exc.message}
        return await _organisations_page(request, principal, unit, errors=errors, submitted=form, status_code=422)
    return RedirectResponse(f"/can-bo/to-chuc?unit={new.unit_code}&da_luu=1", status_code=303)


async def _organisation_form(
    request: Request,
    principal: Principal,
    organisation_id: int,
    *,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    async with authorized(request, principal, Operation.MEMBER_READ) as conn:
        organisation = await get_organisation(
            conn, principal, protector(request), organisation_id, Operation.MEMBER_READ
        )
    return render(
        request,
        "organisation_form.html",
        principal,
        status_code=status_code,
        organisation=organisation,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        errors=errors or {},
        submitted=submitted,
        saved=request.query_params.get("da_luu") == "1",
    )


@router.get("/can-bo/to-chuc/{organisation_id:int}", response_class=HTMLResponse)
async def organisation_page(request: Request, principal: CadrePage, organisation_id: MemberId) -> HTMLResponse:
    """Sửa một tổ chức thành viên."""
    return await _organisation_form(request, principal, organisation_id)


@router.post("/can-bo/to-chuc/{organisation_id:int}", response_class=HTMLResponse)
async def edit_organisation_page(request: Request, principal: CadrePage, organisation_id: MemberId) -> Response:
    """Lưu tổ chức thành viên (ô liên hệ để trống là xóa)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    values: dict[str, Any] = {name: form.get(name, "").strip() or None for name in _ORG_FIELDS}
    values["kind"] = values["kind"] or Kind.OTHER
    values["status"] = values["status"] or Status.ACTIVE
    try:
        change = OrganisationChange(**values)
        async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
            await update_organisation(conn, principal, protector(request), organisation_id, change)
    except ValidationError as exc:
        return await _organisation_form(
            request, principal, organisation_id, errors=_errors(exc, _org_labels()), submitted=form, status_code=422
        )
    except (Invalid, Conflict) as exc:
        errors = getattr(exc, "errors", None) or {exc.field or "name": exc.message}
        return await _organisation_form(
            request, principal, organisation_id, errors=errors, submitted=form, status_code=422
        )
    return RedirectResponse(f"/can-bo/to-chuc/{organisation_id}?da_luu=1", status_code=303)


@router.get("/can-bo/thanh-vien/trung-lap", response_class=HTMLResponse)
async def duplicates_page(
    request: Request, principal: CadrePage, unit: Annotated[str | None, Query(max_length=10)] = None
) -> HTMLResponse:
    """Thành viên có thể trùng giữa các đơn vị: gộp (ghi thôi tham gia người thứ hai) hoặc đánh dấu khác người."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        pairs = await possible_duplicates(conn, principal, protector(request), unit)
    return render(
        request,
        "member_duplicates.html",
        principal,
        pairs=pairs,
        unit=unit or "",
        done=request.query_params.get("da_xu_ly"),
        today=today_in_vietnam().isoformat(),
    )


@router.post("/can-bo/thanh-vien/trung-lap", response_class=HTMLResponse)
async def resolve_duplicate(request: Request, principal: CadrePage) -> Response:
    """Gộp: người thứ hai được ghi thôi tham gia (lý do “trùng, đã gộp”); hoặc: hai người khác nhau."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    first, second = (int(form.get(k, "0")) if form.get(k, "").isdigit() else 0 for k in ("first_id", "second_id"))
    if not first or not second or form.get("action") not in ("merge", "dismiss"):
        raise Invalid("Biểu mẫu không hợp lệ.")
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        if form["action"] == "dismiss":
            await dismiss_duplicate(conn, principal, first, second)
        else:
            end = MembershipEnd(
                reason=EndReason.DUPLICATE, date=today_in_vietnam(), note=f"Trùng với thành viên số {first}"
            )
            await end_membership(conn, principal, protector(request), second, end)
    return RedirectResponse(f"/can-bo/thanh-vien/trung-lap?unit={form.get('unit', '')}&da_xu_ly={form['action']}", 303)
