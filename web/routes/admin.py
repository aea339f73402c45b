"""Administration: the audit log and API keys (accounts themselves live at the identity provider)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain import api_keys
from mattran.domain.api_keys import ApiKey, ApiKeyError, NewApiKey
from mattran.domain.permissions import Operation
from mattran.scope import Scope
from mattran.store import audit as audit_store
from web.auth import CurrentPrincipal, authorize, requires
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


class ApiKeyIn(BaseModel):
    """A new API key for an outside application."""

    name: str = Field(min_length=1, max_length=100, description="Ứng dụng hoặc tổ chức dùng khóa.")


@router.post("/api/admin/api-keys", tags=["admin"], status_code=201, response_model=NewApiKey)
async def create_api_key(request: Request, principal: CurrentPrincipal, body: ApiKeyIn) -> NewApiKey:
    """Tạo khóa API (cổng Open311). Khóa chỉ hiện một lần: nền tảng chỉ giữ giá trị băm."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    try:
        return await api_keys.create(request.app.state.db, principal, body.name)
    except ApiKeyError as exc:
        raise HTTPException(exc.status, exc.message) from exc


@router.get("/api/admin/api-keys", tags=["admin"], response_model=list[ApiKey])
async def list_api_keys(request: Request, principal: CurrentPrincipal) -> list[ApiKey]:
    """Các khóa API (tiền tố, tên, người tạo, ngày thu hồi), mới nhất trước."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    return await api_keys.all_keys(request.app.state.db)


@router.delete("/api/admin/api-keys/{prefix}", tags=["admin"], response_model=ApiKey)
async def revoke_api_key(request: Request, principal: CurrentPrincipal, prefix: str) -> ApiKey:
    """Thu hồi khóa API theo tiền tố (ví dụ mtk_AbCd1234)."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    try:
        return await api_keys.revoke(request.app.state.db, principal, prefix)
    except ApiKeyError as exc:
        raise HTTPException(exc.status, exc.message) from exc
