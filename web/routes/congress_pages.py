"""Cadre pages of the congress app: the progress dashboard and a unit's congress form with its history."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from mattran.auth.principal import ROLE_LABELS, Principal, Role
from mattran.domain import unit_lists
from mattran.domain.congress import (
    FIELD_LABELS,
    STATUS_LABELS,
    CongressChange,
    HistoryEntry,
    InvalidCongress,
    Status,
    congress_progress,
    get_congress,
    update_congress,
)
from mattran.domain.permissions import Operation
from web import csrf
from web.auth import CadrePage, authorize, authorized
from web.deps import ServicesDep, get_services
from web.formats import vn_day
from web.render import render

router = APIRouter(include_in_schema=False)
TermQuery = Annotated[str | None, Query(max_length=20)]
UnitPath = Annotated[str, Path(max_length=10)]
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@router.get("/can-bo/dai-hoi", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    principal: CadrePage,
    tinh: Annotated[str | None, Query(max_length=10)] = None,
    nhiem_ky: TermQuery = None,
) -> HTMLResponse:
    """Tiến độ đại hội: toàn quốc (lọc theo tỉnh), một tỉnh, hoặc một xã."""
    async with authorized(request, principal, Operation.CONGRESS_READ, tinh or None) as conn:
        progress = await congress_progress(conn, principal, tinh or None, nhiem_ky or None)
        provinces = await unit_lists.provinces(conn) if principal.cadre_role == Role.CENTRAL_CADRE else []
    return render(
        request, "congress_dashboard.html", principal, progress=progress, provinces=provinces, tinh=tinh or ""
    )


def _day(value: str, label: str, errors: dict[str, str], name: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    match = _DMY.match(text)
    try:
        return date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label} “{text}” không phải là ngày hợp lệ (ngày/tháng/năm)."
        return None


def _number(value: str, label: str, errors: dict[str, str], name: str) -> int | None:
    text = value.strip().replace(".", "")
    if not text:
        return None
    if not text.isdigit():
        errors[name] = f"{label} phải là số nguyên không âm."
        return None
    return int(text)


def change_from_form(form: dict[str, str]) -> tuple[CongressChange | None, dict[str, str]]:
    """The congress form's fields (every field set: an empty one clears the value) → a change, or errors."""
    errors: dict[str, str] = {}
    documents = []
    for i, line in enumerate(form.get("documents", "").splitlines(), 1):
        if line.strip():
            title, _, url = line.partition("|")
            if not title.strip():
                errors["documents"] = f"Dòng {i} của danh sách tài liệu thiếu tiêu đề."
            documents.append({"title": title.strip(), "url": url.strip() or None})
    values: dict[str, Any] = {
        "term": form.get("term") or None,
        "status": form.get("status") or None,
        "planned_date": _day(form.get("planned_date", ""), FIELD_LABELS["planned_date"], errors, "planned_date"),
        "held_date": _day(form.get("held_date", ""), FIELD_LABELS["held_date"], errors, "held_date"),
        "chair_name": form.get("chair_name", "").strip() or None,
        "vice_chairs": form.get("vice_chairs", "").splitlines(),
        "documents": documents,
        "notes": form.get("notes", "").strip() or None,
    }
    for name in ("delegates_planned", "delegates_attending", "committee_size"):
        values[name] = _number(form.get(name, ""), FIELD_LABELS[name], errors, name)
    if errors:
        return None, errors
    try:
        return CongressChange(**values), {}
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0])
            reason = str(error.get("ctx", {}).get("error", "")) or "không hợp lệ"
            errors.setdefault(name, f"{FIELD_LABELS.get(name, 'Giá trị')}: {reason}.")
        return None, errors


def _shown(name: str, value: Any) -> str:
    """A history value in words."""
    if value in (None, "", []):
        return "(trống)"
    if name == "status":
        return STATUS_LABELS[Status(value)]
    if name in ("planned_date", "held_date"):
        return vn_day(date.fromisoformat(value))
    if name == "documents":
        return "; ".join(d["title"] for d in value)
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def history_lines(entry: HistoryEntry) -> list[str]:
    """``Trạng thái: Chưa triển khai → Đang chuẩn bị`` for each field a change touched."""
    order = list(FIELD_LABELS)
    return [
        f"{FIELD_LABELS.get(name, name)}: {_shown(name, before)} → {_shown(name, after)}"
        for name, (before, after) in sorted(
            entry.changes.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
        )
    ]


async def _form_page(
    request: Request,
    principal: Principal,
    unit_code: str,
    term: str | None,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    async with get_services(request).db.transaction(principal.scope()) as conn:
        record = await get_congress(conn, principal, unit_code, term)
    roles = {r.value: label for r, label in ROLE_LABELS.items()}
    documents = record.congress.documents if record.congress else []
    return render(
        request,
        "congress_form.html",
        principal,
        status_code=status_code,
        record=record,
        document_lines="\n".join(f"{d.title} | {d.url}" if d.url else d.title for d in documents),
        errors=errors or {},
        submitted=submitted,
        statuses=STATUS_LABELS,
        labels=FIELD_LABELS,
        history=[(h, history_lines(h), [roles.get(r, r) for r in h.roles]) for h in record.history],
        saved=request.query_params.get("da_luu") == "1",
    )


@router.get("/can-bo/dai-hoi/{unit_code}", response_class=HTMLResponse)
async def congress_page(
    request: Request, principal: CadrePage, unit_code: UnitPath, nhiem_ky: TermQuery = None
) -> HTMLResponse:
    """Đại hội của một đơn vị: tình trạng, biểu mẫu cập nhật, lịch sử."""
    await authorize(request, principal, Operation.CONGRESS_READ, unit_code)
    return await _form_page(request, principal, unit_code, nhiem_ky)


@router.post("/can-bo/dai-hoi/{unit_code}", response_class=HTMLResponse)
async def congress_submit(
    request: Request, services: ServicesDep, principal: CadrePage, unit_code: UnitPath
) -> Response:
    """Lưu biểu mẫu (chống CSRF); lỗi hiện ngay bên cạnh từng ô."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    csrf.verify(request, form.get(csrf.FIELD))
    await authorize(request, principal, Operation.CONGRESS_UPDATE, unit_code)
    change, errors = change_from_form(form)
    if change is not None:
        try:
            async with services.db.transaction(principal.scope()) as conn:
                saved = await update_congress(conn, principal, unit_code, change)
        except InvalidCongress as exc:
            errors = exc.errors
        else:
            query = urlencode({"nhiem_ky": saved.term, "da_luu": "1"})
            return RedirectResponse(f"/can-bo/dai-hoi/{saved.unit_code}?{query}", status_code=303)
    return await _form_page(request, principal, unit_code, form.get("term"), errors, form, status_code=422)
