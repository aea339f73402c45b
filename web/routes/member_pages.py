"""Cadre pages of the members app: the list with import and export, and the statistics with charts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from mattran.auth.principal import Principal
from mattran.domain import member_io, unit_lists
from mattran.domain.consent import MEMBER_IMPORT_REQUIRED, record_member_import
from mattran.domain.member_stats import DIMENSIONS, member_stats
from mattran.domain.members import member_page
from mattran.domain.permissions import Operation
from mattran.domain.sectors import SECTOR_LABELS, Sector
from mattran.domain.unit import Unit
from web import csrf
from web.auth import CadrePage, authorize, authorized
from web.deps import ServicesDep, get_services
from web.render import render
from web.routes.members import UPLOAD_BODY_LIMIT, protector, read_sheet

router = APIRouter(include_in_schema=False)
UnitQuery = Annotated[str | None, Query(max_length=10)]


async def _choices(request: Request, principal: Principal) -> list[Unit]:
    """The principal's unit and the units directly below it, for a unit selector."""
    async with get_services(request).db.transaction(principal.scope()) as conn:
        return await unit_lists.own_and_below(conn, principal.unit_code or "")


@router.get("/can-bo/thanh-vien", response_class=HTMLResponse)
async def members_page(
    request: Request,
    principal: CadrePage,
    unit: UnitQuery = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sector: Annotated[Sector | Literal[""], Query()] = "",
    trang: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> HTMLResponse:
    """Danh sách thành viên (50 mỗi trang; lọc theo họ tên, thành phần đại diện), nhập và xuất tệp."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        page = await member_page(conn, principal, protector(request), unit, q or None, trang, sector=sector or None)
    return render(
        request,
        "members.html",
        principal,
        page=page,
        unit=unit or "",
        q=q or "",
        sector=sector,
        sectors=SECTOR_LABELS,
        choices=await _choices(request, principal),
    )


@router.post("/can-bo/thanh-vien/nhap", response_class=HTMLResponse, max_body_size=UPLOAD_BODY_LIMIT)
async def import_page(
    request: Request,
    services: ServicesDep,
    principal: CadrePage,
    file: Annotated[UploadFile, File()],
    mode: Annotated[Literal["all", "skip"], Form()] = "all",
    csrf_token: Annotated[str | None, Form()] = None,
    consent: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    """Nhập tệp từ biểu mẫu; hiện báo cáo từng dòng."""
    csrf.verify(request, csrf_token)
    await authorize(request, principal, Operation.MEMBER_WRITE)
    try:
        sheet = await read_sheet(file)
    except member_io.UnreadableFile as exc:
        return render(
            request,
            "member_import.html",
            principal,
            status_code=400,
            report=None,
            problem=str(exc),
            filename=file.filename,
        )
    if not consent:
        return render(
            request,
            "member_import.html",
            principal,
            status_code=422,
            report=None,
            problem=MEMBER_IMPORT_REQUIRED,
            filename=file.filename,
        )
    async with services.db.transaction(principal.scope()) as conn:
        report = await member_io.import_members(conn, principal, services.resolver, protector(request), sheet, mode)
        await record_member_import(conn, principal, report.total, report.imported)
    return render(request, "member_import.html", principal, report=report, problem=None, filename=file.filename)


@router.get("/can-bo/thanh-vien/thong-ke", response_class=HTMLResponse)
async def stats_page(
    request: Request, services: ServicesDep, principal: CadrePage, unit: UnitQuery = None
) -> HTMLResponse:
    """Thống kê thành viên bằng biểu đồ và bảng."""
    await authorize(request, principal, Operation.MEMBER_READ, unit)
    choices = await _choices(request, principal)
    async with services.db.read(principal.scope()) as conn:
        first = await member_stats(conn, principal, unit, "gender")
        target = services.resolver.units[first.unit_code]
        wanted = [d for d in DIMENSIONS if d not in ("unit", "level") or not target.is_commune]
        stats = [first, *[await member_stats(conn, principal, unit, d) for d in wanted if d != "gender"]]
    return render(
        request,
        "member_stats.html",
        principal,
        stats=stats,
        total=first.total,
        target=target,
        unit=unit or "",
        choices=choices,
    )
