"""Administration: the audit log (accounts themselves live at the identity provider)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mattran.auth.principal import Principal
from mattran.domain.permissions import Operation
from mattran.scope import Scope
from mattran.store import audit as audit_store
from web.auth import CurrentPrincipal, requires
from web.render import render

router = APIRouter()


@router.get("/quan-tri", response_class=HTMLResponse, include_in_schema=False)
async def admin_home(request: Request,
                     principal: Annotated[Principal, requires(Operation.ACCOUNT_ADMIN)]) -> HTMLResponse:
    """Trang quản trị: nhật ký kiểm toán."""
    async with request.app.state.db.transaction(Scope.public()) as conn:
        entries = await audit_store.recent(conn, 200)
    return render(request, "admin.html", principal, entries=entries)


@router.get("/api/audit", tags=["admin"])
async def audit_log(request: Request,
                    principal: Annotated[Principal, requires(Operation.AUDIT_READ)]) -> list[dict]:
    """Nhật ký kiểm toán (mới nhất trước)."""
    async with request.app.state.db.transaction(Scope.public()) as conn:
        return await audit_store.recent(conn, 200)


@router.get("/api/me", tags=["auth"])
async def me(principal: CurrentPrincipal) -> dict:
    """Người đang gọi: vai trò và đơn vị."""
    return {"subject": principal.subject, "name": principal.name, "roles": sorted(principal.roles),
            "unit": principal.unit_code, "unit_name": principal.unit_name, "authenticated": principal.authenticated}
