"""Cadre pages of committees (no JavaScript needed): a unit's committee sheet for a term, printable, and the
residential-area work committees of a commune (list, add, edit: area, head, members, households)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from mattran.auth.principal import Principal
from mattran.domain import member_io, unit_lists
from mattran.domain.committees import (
    WorkCommitteeChange,
    WorkCommitteeIn,
    add_work_committee,
    committee,
    list_work_committees,
    update_work_committee,
)
from mattran.domain.errors import Conflict, Invalid
from mattran.domain.permissions import Operation
from mattran.domain.work_committee_io import HEADERS, import_work_committees
from web import csrf
from web.auth import CadrePage, authorize, authorized
from web.deps import ServicesDep
from web.render import render
from web.routes.members import UPLOAD_BODY_LIMIT, read_sheet

router = APIRouter(include_in_schema=False)
LABELS = {
    "area": "Khu dân cư",
    "head": "Trưởng ban",
    "head_member_id": "Trưởng ban (thành viên)",
    "members": "Thành viên ban",
    "households": "Số hộ",
    "unit_code": "Xã",
}


@router.get("/can-bo/uy-ban/{unit_code}", response_class=HTMLResponse)
async def committee_sheet(
    request: Request,
    principal: CadrePage,
    unit_code: Annotated[str, Path(max_length=10)],
    nhiem_ky: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Danh sách Ủy ban MTTQ theo nhiệm kỳ (in được): Ban Thường trực trước, rồi ủy viên theo thành phần đại diện."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit_code) as conn:
        sheet = await committee(conn, principal, unit_code, nhiem_ky or None)
    return render(request, "committee_sheet.html", principal, sheet=sheet)


async def _work_page(
    request: Request,
    principal: Principal,
    unit: str | None,
    *,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        committees = await list_work_committees(conn, principal, unit)
        choices = [u for u in await unit_lists.own_and_below(conn, principal.unit_code or "") if u.is_commune]
    return render(
        request,
        "work_committees.html",
        principal,
        status_code=status_code,
        committees=committees,
        choices=choices,
        unit=unit or "",
        errors=errors or {},
        submitted=submitted or {},
        saved=request.query_params.get("da_luu") == "1",
        import_headers=[variants[0] for variants in HEADERS.values()],
    )


@router.get("/can-bo/ban-cong-tac", response_class=HTMLResponse)
async def work_committees_page(
    request: Request, principal: CadrePage, unit: Annotated[str | None, Query(max_length=10)] = None
) -> HTMLResponse:
    """Ban công tác Mặt trận ở khu dân cư: danh sách, thêm, sửa trưởng ban."""
    return await _work_page(request, principal, unit or None)


def _form_values(form: dict[str, str]) -> dict[str, Any]:
    households = form.get("households", "").strip().replace(".", "")
    return {
        "area": form.get("area", "").strip() or None,
        "head": form.get("head", "").strip() or None,
        "members": [line for line in form.get("members", "").splitlines() if line.strip()],
        "households": households or None,
    }


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "area"
        found.setdefault(name, f"{LABELS.get(name, 'Giá trị')} không hợp lệ.")
    return found


@router.post("/can-bo/ban-cong-tac", response_class=HTMLResponse)
async def add_work_page(request: Request, principal: CadrePage) -> Response:
    """Thêm ban công tác Mặt trận ở một khu dân cư."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    unit = form.get("unit_code") or None
    try:
        new = WorkCommitteeIn(unit_code=unit, **{k: v for k, v in _form_values(form).items() if v is not None})
        async with authorized(request, principal, Operation.MEMBER_WRITE, new.unit_code) as conn:
            await add_work_committee(conn, principal, new)
    except ValidationError as exc:
        return await _work_page(request, principal, unit, errors=_errors(exc), submitted=form, status_code=422)
    except (Invalid, Conflict) as exc:
        errors = {exc.field or "area": exc.message}
        return await _work_page(request, principal, unit, errors=errors, submitted=form, status_code=422)
    return RedirectResponse(f"/can-bo/ban-cong-tac?unit={unit or ''}&da_luu=1", status_code=303)


@router.post("/can-bo/ban-cong-tac/{committee_id:int}", response_class=HTMLResponse)
async def edit_work_page(
    request: Request, principal: CadrePage, committee_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> Response:
    """Sửa ban công tác Mặt trận (ô để trống là xóa, trừ khu dân cư)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    csrf.verify(request, form.get("csrf_token"))
    unit = form.get("unit") or None
    try:
        change = WorkCommitteeChange(**_form_values(form))
        async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
            await update_work_committee(conn, principal, committee_id, change)
    except ValidationError as exc:
        return await _work_page(request, principal, unit, errors=_errors(exc), status_code=422)
    except (Invalid, Conflict) as exc:
        return await _work_page(request, principal, unit, errors={exc.field or "area": exc.message}, status_code=422)
    return RedirectResponse(f"/can-bo/ban-cong-tac?unit={unit or ''}&da_luu=1#ban-{committee_id}", status_code=303)


@router.post("/can-bo/ban-cong-tac/nhap", response_class=HTMLResponse, max_body_size=UPLOAD_BODY_LIMIT)
async def import_work_page(
    request: Request,
    services: ServicesDep,
    principal: CadrePage,
    file: Annotated[UploadFile, File()],
    mode: Annotated[Literal["all", "skip"], Form()] = "all",
    csrf_token: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Nhập ban công tác Mặt trận từ tệp .xlsx hoặc .csv; báo cáo từng dòng."""
    csrf.verify(request, csrf_token)
    await authorize(request, principal, Operation.MEMBER_WRITE)
    try:
        sheet = await read_sheet(file)
    except member_io.UnreadableFile as exc:
        return render(request, "work_committee_import.html", principal, status_code=400, report=None, problem=str(exc))
    async with services.db.transaction(principal.scope()) as conn:
        report = await import_work_committees(conn, principal, services.resolver, sheet, mode)
    status_code = 422 if report.errors and not (report.added or report.updated) else 200
    return render(
        request, "work_committee_import.html", principal, status_code=status_code, report=report, problem=None
    )
