"""Members API: list, add, import, export, statistics and counts, checked here and by row-level security."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as FastApiPath
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mattran.domain import member_io
from mattran.domain.consent import MEMBER_IMPORT_LABEL, MEMBER_IMPORT_REQUIRED, record_member_import
from mattran.domain.member_changes import (
    DuplicatePair,
    HistoryEntry,
    MemberChange,
    MemberMove,
    MembershipEnd,
    delete_member,
    dismiss_duplicate,
    end_membership,
    get_member,
    member_history,
    move_member,
    possible_duplicates,
    update_member,
)
from mattran.domain.member_stats import MemberFilters, MemberStats, count_members, member_stats
from mattran.domain.members import MemberView, add_member, list_members
from mattran.domain.permissions import Operation
from mattran.domain.privacy import PersonalData, personal_data
from mattran.domain.sectors import Sector
from web.auth import CurrentPrincipal, authorize, authorized
from web.deps import ServicesDep, get_services

router = APIRouter(prefix="/api/members", tags=["members"])
MAX_UPLOAD_BYTES = 26 * 1024 * 1024  # 100,000 members as CSV, under the proxy's 27 MB body limit
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024  # the file, the other fields and the multipart boundaries


async def read_sheet(file: UploadFile) -> member_io.Sheet:
    """The uploaded spreadsheet's rows (413 when over the size limit; ``UnreadableFile`` when not a table)."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, "Tệp quá lớn (tối đa 26 MB).")
    return await run_in_threadpool(member_io.read_table, data)


UnitParam = Annotated[str | None, Query(max_length=10, description="Mã đơn vị trong phạm vi (mặc định: cả phạm vi).")]


def protector(request: Request) -> PersonalData:
    """The personal-data protector for this app's secret key."""
    return personal_data(get_services(request).settings)


class MemberIn(BaseModel):
    """A committee member to add (validated like an imported row)."""

    unit_code: str = Field(min_length=2, max_length=10)
    full_name: str = Field(min_length=1, max_length=200)
    gender: str | None = Field(default=None, max_length=10, description="nam, nu, khac (hoặc Nam, Nữ, Khác)")
    birth_year: int | None = None
    ethnicity: str | None = Field(default=None, max_length=100)
    religion: str | None = Field(default=None, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    term: str | None = Field(default=None, max_length=20, description="2024–2029")
    sector: str | None = Field(default=None, max_length=300, description="Thành phần đại diện: Tôn giáo: Công giáo…")
    started_on: date | None = Field(default=None, description="Ngày bắt đầu giữ ghế trong Ủy ban.")
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    national_id: str | None = Field(default=None, max_length=20, description="Số CCCD, 12 chữ số")


@router.get("", response_model=list[MemberView])
async def list_all(
    request: Request,
    principal: CurrentPrincipal,
    unit: UnitParam = None,
    q: Annotated[str | None, Query(max_length=100, description="Tìm theo họ tên.")] = None,
    sector: Annotated[Sector | None, Query(description="Thành phần đại diện (loại).")] = None,
    limit: Annotated[int | None, Query(ge=1, le=5000)] = None,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> list[MemberView]:
    """Thành viên trong phạm vi của cán bộ (hoặc của một đơn vị trong phạm vi đó)."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        return await list_members(
            conn, principal, protector(request), unit, limit=limit, offset=offset, search=q or None, sector=sector
        )


@router.post("", response_model=MemberView, status_code=201)
async def add(request: Request, principal: CurrentPrincipal, member: MemberIn) -> MemberView:
    """Thêm một thành viên vào một đơn vị trong phạm vi (409 khi trùng họ tên và năm sinh trong đơn vị)."""
    async with authorized(request, principal, Operation.MEMBER_WRITE, member.unit_code) as conn:
        return await add_member(
            conn, principal, protector(request), member.unit_code, member.model_dump(exclude={"unit_code"})
        )


@router.post("/import", response_model=member_io.ImportReport, max_body_size=UPLOAD_BODY_LIMIT)
async def import_file(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="Tệp CSV hoặc XLSX, dòng đầu là tiêu đề cột.")],
    mode: Annotated[
        Literal["all", "skip"], Form(description="all: lỗi một dòng thì không nhập dòng nào; skip: bỏ qua dòng lỗi.")
    ] = "all",
    consent: Annotated[bool, Form(description=MEMBER_IMPORT_LABEL)] = False,
) -> member_io.ImportReport:
    """Nhập danh sách thành viên; báo cáo lỗi theo dòng và cột. Cần `consent=true`: xác nhận các thành viên đã
    được thông báo và đồng ý xử lý dữ liệu cá nhân (được ghi lại cùng phiên bản thông báo)."""
    await authorize(request, principal, Operation.MEMBER_WRITE)
    try:
        sheet = await read_sheet(file)
    except member_io.UnreadableFile as exc:
        raise HTTPException(400, str(exc)) from exc
    if not consent:
        raise HTTPException(422, {"message": MEMBER_IMPORT_REQUIRED, "errors": {"consent": MEMBER_IMPORT_REQUIRED}})
    async with services.db.transaction(principal.scope()) as conn:
        report = await member_io.import_members(conn, principal, services.resolver, protector(request), sheet, mode)
        await record_member_import(conn, principal, report.total, report.imported)
        return report


@router.get("/export", response_class=Response)
async def export_file(
    request: Request,
    principal: CurrentPrincipal,
    unit: UnitParam = None,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "xlsx",
) -> Response:
    """Xuất thành viên trong phạm vi (CSV hoặc XLSX); số CCCD chỉ hiện 3 số cuối."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        data = await member_io.export_members(conn, principal, protector(request), unit, format)
    media = member_io.XLSX_MIME if format == "xlsx" else "text/csv; charset=utf-8"
    name = member_io.export_filename(unit or principal.unit_code, format)
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/stats", response_model=MemberStats)
async def stats(
    request: Request,
    principal: CurrentPrincipal,
    unit: UnitParam = None,
    by: Annotated[
        Literal["gender", "ethnicity", "religion", "age", "organisation", "position", "unit", "level"], Query()
    ] = "gender",
) -> MemberStats:
    """Thống kê thành viên theo giới tính, dân tộc, tôn giáo, độ tuổi, tổ chức, chức vụ, đơn vị hoặc cấp."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        return await member_stats(conn, principal, unit, by)


@router.get("/count")
async def count(
    request: Request,
    principal: CurrentPrincipal,
    filters: Annotated[MemberFilters, Query()],
    unit: UnitParam = None,
) -> dict[str, int]:
    """Đếm thành viên theo điều kiện (ví dụ: gender=nữ&position=Ủy viên)."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        return {"count": await count_members(conn, principal, unit, filters)}


MemberId = Annotated[int, FastApiPath(ge=1, le=2**63 - 1, description="Mã thành viên.")]


class DeleteReason(BaseModel):
    """Why an administrator deletes a member (a correction of an entry made by mistake)."""

    reason: str = Field(min_length=1, max_length=500)


class DuplicateDismissal(BaseModel):
    """Two flagged members found to be different people."""

    first_id: int = Field(ge=1, le=2**63 - 1)
    second_id: int = Field(ge=1, le=2**63 - 1)


@router.get("/duplicates", response_model=list[DuplicatePair])
async def duplicates(request: Request, principal: CurrentPrincipal, unit: UnitParam = None) -> list[DuplicatePair]:
    """Thành viên ở các đơn vị khác nhau có thể là một người (cùng số CCCD, hoặc cùng họ tên, năm sinh và tổ chức)."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        return await possible_duplicates(conn, principal, protector(request), unit)


@router.post("/duplicates/dismiss", status_code=204)
async def dismiss(request: Request, principal: CurrentPrincipal, pair: DuplicateDismissal) -> Response:
    """Ghi nhận hai thành viên được cảnh báo trùng là hai người khác nhau."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        await dismiss_duplicate(conn, principal, pair.first_id, pair.second_id)
    return Response(status_code=204)


@router.get("/{member_id}", response_model=MemberView)
async def read(request: Request, principal: CurrentPrincipal, member_id: MemberId) -> MemberView:
    """Một thành viên trong phạm vi (kể cả đã thôi tham gia)."""
    async with authorized(request, principal, Operation.MEMBER_READ) as conn:
        return await get_member(conn, principal, protector(request), member_id)


@router.patch("/{member_id}", response_model=MemberView)
async def change(
    request: Request, principal: CurrentPrincipal, member_id: MemberId, change: MemberChange
) -> MemberView:
    """Sửa thông tin thành viên (chỉ các trường được gửi); mỗi lần sửa ghi một dòng lịch sử."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        return await update_member(conn, principal, protector(request), member_id, change)


@router.post("/{member_id}/end", response_model=MemberView)
async def end(request: Request, principal: CurrentPrincipal, member_id: MemberId, end: MembershipEnd) -> MemberView:
    """Ghi thôi tham gia (thôi, chuyển công tác, từ trần, hết nhiệm kỳ): thành viên vẫn được lưu, có lịch sử."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        return await end_membership(conn, principal, protector(request), member_id, end)


@router.post("/{member_id}/move", response_model=MemberView)
async def move(request: Request, principal: CurrentPrincipal, member_id: MemberId, move: MemberMove) -> MemberView:
    """Chuyển thành viên sang đơn vị khác trong phạm vi; cán bộ của cả hai đơn vị xem được lịch sử."""
    async with authorized(request, principal, Operation.MEMBER_WRITE, move.unit_code) as conn:
        return await move_member(conn, principal, protector(request), member_id, move)


@router.get("/{member_id}/history", response_model=list[HistoryEntry])
async def history(request: Request, principal: CurrentPrincipal, member_id: MemberId) -> list[HistoryEntry]:
    """Lịch sử thay đổi của thành viên: ai, khi nào, thay đổi gì, lý do thôi tham gia (mới nhất trước)."""
    async with authorized(request, principal, Operation.MEMBER_READ) as conn:
        return await member_history(conn, principal, member_id)


@router.delete("/{member_id}", status_code=204)
async def delete(request: Request, principal: CurrentPrincipal, member_id: MemberId, body: DeleteReason) -> Response:
    """Xóa thành viên nhập nhầm: chỉ quản trị hệ thống, ghi nhật ký; ngoài ra hãy dùng “thôi tham gia”."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        await delete_member(conn, principal, member_id, body.reason)
    return Response(status_code=204)
