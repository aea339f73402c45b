"""Committees API: a unit's committee for a term (standing board first) and the residential-area work committees."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from mattran.domain.committees import (
    Committee,
    NewTerm,
    TermOpened,
    WorkCommittee,
    WorkCommitteeChange,
    WorkCommitteeIn,
    add_work_committee,
    committee,
    list_work_committees,
    open_term,
    update_work_committee,
)
from mattran.domain.permissions import Operation
from web.auth import CurrentPrincipal, authorized
from web.routes.members import UnitParam

router = APIRouter(tags=["committees"])


@router.get("/api/committees/{unit_code}", response_model=Committee)
async def read(
    request: Request,
    principal: CurrentPrincipal,
    unit_code: Annotated[str, Path(max_length=10, description="Mã đơn vị.")],
    term: Annotated[str | None, Query(max_length=20, description="Nhiệm kỳ, ví dụ 2024–2029.")] = None,
) -> Committee:
    """Ủy ban MTTQ của một đơn vị theo nhiệm kỳ: Ban Thường trực trước, rồi các ủy viên theo tổ chức đại diện."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit_code) as conn:
        return await committee(conn, principal, unit_code, term)


@router.post("/api/committees/{unit_code}/terms", response_model=TermOpened)
async def open_new_term(
    request: Request,
    principal: CurrentPrincipal,
    unit_code: Annotated[str, Path(max_length=10, description="Mã đơn vị.")],
    new: NewTerm,
) -> TermOpened:
    """Mở nhiệm kỳ mới từ đại hội đã tổ chức: ủy viên tái cử chuyển sang nhiệm kỳ mới, những người còn lại của nhiệm
    kỳ trước được ghi hết nhiệm kỳ (ngày đại hội); mỗi thay đổi ghi vào lịch sử thành viên."""
    async with authorized(request, principal, Operation.MEMBER_WRITE, unit_code) as conn:
        return await open_term(conn, principal, unit_code, new)


@router.get("/api/work-committees", response_model=list[WorkCommittee])
async def list_all(
    request: Request,
    principal: CurrentPrincipal,
    unit: UnitParam = None,
    without_head: Annotated[bool, Query(description="Chỉ các ban chưa có trưởng ban.")] = False,
    q: Annotated[str | None, Query(max_length=100, description="Tìm theo tên khu dân cư.")] = None,
) -> list[WorkCommittee]:
    """Ban công tác Mặt trận ở khu dân cư trong phạm vi (hoặc của một đơn vị trong phạm vi)."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        return await list_work_committees(conn, principal, unit, without_head=without_head, search=q or None)


@router.post("/api/work-committees", response_model=WorkCommittee, status_code=201)
async def add(request: Request, principal: CurrentPrincipal, new: WorkCommitteeIn) -> WorkCommittee:
    """Thêm ban công tác Mặt trận ở một khu dân cư của xã (trưởng ban: họ tên hoặc mã thành viên)."""
    async with authorized(request, principal, Operation.MEMBER_WRITE, new.unit_code) as conn:
        return await add_work_committee(conn, principal, new)


@router.patch("/api/work-committees/{committee_id}", response_model=WorkCommittee)
async def change(
    request: Request,
    principal: CurrentPrincipal,
    committee_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    change: WorkCommitteeChange,
) -> WorkCommittee:
    """Sửa ban công tác Mặt trận (khu dân cư, trưởng ban, thành viên, số hộ)."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        return await update_work_committee(conn, principal, committee_id, change)
