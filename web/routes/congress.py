"""Congresses API: a unit's congress (with its history), its update, and the progress of a scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from mattran.domain.congress import (
    Congress,
    CongressChange,
    CongressProgress,
    CongressRecord,
    congress_progress,
    get_congress,
    update_congress,
)
from mattran.domain.permissions import Operation
from web.auth import CurrentPrincipal, authorized

router = APIRouter(prefix="/api/congresses", tags=["congresses"])
TermParam = Annotated[str | None, Query(max_length=20, description="Nhiệm kỳ, ví dụ 2024–2029.")]
UnitPath = Annotated[str, Path(max_length=10, description="Mã đơn vị.")]
UnitQuery = Annotated[str | None, Query(max_length=10)]


@router.get("/progress", response_model=CongressProgress)
async def progress(
    request: Request,
    principal: CurrentPrincipal,
    unit: UnitQuery = None,
    term: TermParam = None,
) -> CongressProgress:
    """Tiến độ đại hội của phạm vi (hoặc một đơn vị trong phạm vi): tỷ lệ đã tổ chức, theo cấp, theo tỉnh."""
    async with authorized(request, principal, Operation.CONGRESS_READ, unit) as conn:
        return await congress_progress(conn, principal, unit, term)


@router.get("/{unit_code}", response_model=CongressRecord)
async def read(
    request: Request, principal: CurrentPrincipal, unit_code: UnitPath, term: TermParam = None
) -> CongressRecord:
    """Đại hội của một đơn vị và lịch sử cập nhật (mới nhất trước)."""
    async with authorized(request, principal, Operation.CONGRESS_READ, unit_code) as conn:
        return await get_congress(conn, principal, unit_code, term)


@router.put("/{unit_code}", response_model=Congress)
async def update(
    request: Request, principal: CurrentPrincipal, unit_code: UnitPath, change: CongressChange
) -> Congress:
    """Cập nhật đại hội của một đơn vị (chỉ các trường được gửi; ``null`` để xóa); mỗi lần ghi một dòng lịch sử."""
    async with authorized(request, principal, Operation.CONGRESS_UPDATE, unit_code) as conn:
        return await update_congress(conn, principal, unit_code, change)
