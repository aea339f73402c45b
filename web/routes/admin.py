"""Administration: the audit log and API keys (accounts themselves live at the identity provider)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, Field

from mattran.auth.principal import Principal
from mattran.domain import api_keys, audit
from mattran.domain.api_keys import ApiKey, NewApiKey
from mattran.domain.permissions import Operation
from mattran.scope import Scope
from web.auth import CurrentPrincipal, authorize, requires
from web.deps import ServicesDep
from web.render import render

router = APIRouter()


def _iso_day(value: object) -> object:
    """Only a day written YYYY-MM-DD (pydantic alone would also read a number as a timestamp)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("phải là ngày dạng YYYY-MM-DD")
    return value


def _form_day(value: object) -> object:
    """A date field of the filter form: empty is no filter."""
    return None if value == "" else _iso_day(value)


Day = Annotated[date | None, BeforeValidator(_iso_day)]
FormDay = Annotated[date | None, BeforeValidator(_form_day)]


@router.get("/quan-tri", response_class=HTMLResponse, include_in_schema=False)
async def admin_home(
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, requires(Operation.ACCOUNT_ADMIN)],
    nguoi: Annotated[str | None, Query(max_length=200)] = None,
    khach: bool = False,
    thao_tac: Annotated[str | None, Query(max_length=100)] = None,
    tu: Annotated[FormDay, Query()] = None,
    den: Annotated[FormDay, Query()] = None,
    trang: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Trang quản trị: nhật ký kiểm toán, lọc theo người thực hiện, thao tác và khoảng ngày, từng trang."""
    query = audit.AuditQuery(actor=nguoi, anonymous=khach, action=thao_tac, since=tu, until=den)
    async with services.db.transaction(Scope.public()) as conn:
        found = await audit.page(conn, query, trang)
    filters = {
        "nguoi": nguoi or "",
        "khach": "1" if khach else "",
        "thao_tac": thao_tac or "",
        "tu": tu.isoformat() if tu else "",
        "den": den.isoformat() if den else "",
    }
    return render(
        request,
        "admin.html",
        principal,
        found=found,
        filters=filters,
        link=lambda number: "/quan-tri?" + urlencode({**{k: v for k, v in filters.items() if v}, "trang": number}),
    )


@router.get("/api/audit", tags=["admin"])
async def audit_log(
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, requires(Operation.AUDIT_READ)],
    actor: Annotated[str | None, Query(max_length=200, description="Người thực hiện (subject).")] = None,
    anonymous: Annotated[bool, Query(description="Chỉ khách chưa đăng nhập.")] = False,
    action: Annotated[str | None, Query(max_length=100, description="Thao tác hoặc phần đầu (ví dụ member.).")] = None,
    since: Annotated[Day, Query(description="Từ ngày (YYYY-MM-DD, giờ Việt Nam).")] = None,
    until: Annotated[Day, Query(description="Đến hết ngày (YYYY-MM-DD).")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict]:
    """Nhật ký kiểm toán (mới nhất trước), lọc và phân trang; `count` là số lần của một dòng gộp (khách)."""
    query = audit.AuditQuery(actor=actor, anonymous=anonymous, action=action, since=since, until=until)
    async with services.db.transaction(Scope.public()) as conn:
        return (await audit.page(conn, query, page, per_page)).entries


@router.get("/api/me", tags=["auth"])
async def me(principal: CurrentPrincipal) -> dict:
    """Người đang gọi: vai trò và đơn vị."""
    return {
        "subject": principal.subject,
        "name": principal.name,
        "roles": sorted(principal.roles),
        "unit": principal.unit_code,
        "unit_name": principal.unit_name,
        "authenticated": principal.authenticated,
    }


class ApiKeyIn(BaseModel):
    """A new API key for an outside application."""

    name: str = Field(min_length=1, max_length=100, description="Ứng dụng hoặc tổ chức dùng khóa.")


@router.post("/api/admin/api-keys", tags=["admin"], status_code=201, response_model=NewApiKey)
async def create_api_key(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, body: ApiKeyIn
) -> NewApiKey:
    """Tạo khóa API (cổng Open311). Khóa chỉ hiện một lần: nền tảng chỉ giữ giá trị băm."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    return await api_keys.create(services.db, principal, body.name)


@router.get("/api/admin/api-keys", tags=["admin"], response_model=list[ApiKey])
async def list_api_keys(request: Request, services: ServicesDep, principal: CurrentPrincipal) -> list[ApiKey]:
    """Các khóa API (tiền tố, tên, người tạo, ngày thu hồi), mới nhất trước."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    return await api_keys.all_keys(services.db)


@router.delete("/api/admin/api-keys/{prefix}", tags=["admin"], response_model=ApiKey)
async def revoke_api_key(request: Request, services: ServicesDep, principal: CurrentPrincipal, prefix: str) -> ApiKey:
    """Thu hồi khóa API theo tiền tố (ví dụ mtk_AbCd1234)."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    return await api_keys.revoke(services.db, principal, prefix)
