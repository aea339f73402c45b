"""Member organisations API: a unit's organisations, adding, changing and removing one (scope checked here, in the
domain and by row-level security)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from mattran.domain.organisations import (
    Organisation,
    OrganisationChange,
    OrganisationIn,
    add_organisation,
    delete_organisation,
    list_organisations,
    update_organisation,
)
from mattran.domain.permissions import Operation
from web.auth import CurrentPrincipal, authorized
from web.routes.members import UnitParam, protector

router = APIRouter(prefix="/api/organisations", tags=["organisations"])
OrganisationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Mã tổ chức thành viên.")]


@router.get("", response_model=list[Organisation])
async def list_all(
    request: Request,
    principal: CurrentPrincipal,
    unit: UnitParam = None,
    below: Annotated[bool, Query(description="Gồm cả tổ chức của các đơn vị cấp dưới.")] = False,
    q: Annotated[str | None, Query(max_length=100, description="Tìm theo tên (không cần dấu).")] = None,
) -> list[Organisation]:
    """Tổ chức thành viên của một đơn vị trong phạm vi (mặc định: đơn vị của cán bộ)."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit) as conn:
        return await list_organisations(conn, principal, protector(request), unit, subtree=below, search=q or None)


@router.post("", response_model=Organisation, status_code=201)
async def add(request: Request, principal: CurrentPrincipal, organisation: OrganisationIn) -> Organisation:
    """Thêm một tổ chức thành viên (409 khi đơn vị đã có tổ chức cùng tên)."""
    async with authorized(request, principal, Operation.MEMBER_WRITE, organisation.unit_code) as conn:
        return await add_organisation(conn, principal, protector(request), organisation)


@router.patch("/{organisation_id}", response_model=Organisation)
async def change(
    request: Request, principal: CurrentPrincipal, organisation_id: OrganisationId, change: OrganisationChange
) -> Organisation:
    """Sửa tổ chức thành viên (tên mới được ghi cho các thành viên của tổ chức)."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        return await update_organisation(conn, principal, protector(request), organisation_id, change)


@router.delete("/{organisation_id}", status_code=204)
async def remove(request: Request, principal: CurrentPrincipal, organisation_id: OrganisationId) -> Response:
    """Xóa tổ chức không còn thành viên nào (409 nếu còn: hãy chuyển sang “ngừng hoạt động”)."""
    async with authorized(request, principal, Operation.MEMBER_WRITE) as conn:
        await delete_organisation(conn, principal, protector(request), organisation_id)
    return Response(status_code=204)
