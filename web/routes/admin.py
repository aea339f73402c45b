"""Administration: the audit log and API keys (accounts themselves live at the identity provider)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, Field

from mattran.auth.principal import Principal
from mattran.domain import api_keys, audit
from mattran.domain.api_keys import SCOPE_LABELS, ApiKey, ApiKeyScope, NewApiKey
from mattran.domain.audit_labels import ACTION_LABELS, OUTCOME_LABELS, action_label, roles_label
from mattran.domain.errors import DomainError
from mattran.domain.permissions import Operation
from mattran.scope import Scope
from web import csrf
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
Admin = Annotated[Principal, requires(Operation.ACCOUNT_ADMIN)]
_ACTION_GROUPS = {  # prefixes the audit view may filter on, besides each action
    "petition.": "Mọi thao tác về phản ánh",
    "member.": "Mọi thao tác về hội viên",
    "congress.": "Mọi thao tác về đại hội",
    "report.": "Mọi thao tác về báo cáo",
    "library.": "Mọi thao tác về thư viện",
    "api_key.": "Mọi thao tác về khóa API",
    "auth.": "Đăng nhập, đăng xuất",
    "data_subject.": "Người dân thực hiện quyền về dữ liệu",
}


@dataclass(frozen=True)
class _AuditFilters:
    """The audit view's filters as the page's form sends them (empty fields: no filter)."""

    query: audit.AuditQuery
    fields: dict[str, str]


def _audit_filters(
    nguoi: Annotated[str | None, Query(max_length=200)] = None,
    khach: bool = False,
    thao_tac: Annotated[str | None, Query(max_length=100)] = None,
    don_vi: Annotated[str | None, Query(max_length=10)] = None,
    ket_qua: Annotated[Literal["allowed", "denied", "error", ""] | None, Query()] = None,
    tu: Annotated[FormDay, Query()] = None,
    den: Annotated[FormDay, Query()] = None,
) -> _AuditFilters:
    query = audit.AuditQuery(
        actor=(nguoi or "").strip() or None,
        anonymous=khach,
        action=thao_tac or None,
        unit=(don_vi or "").strip() or None,
        outcome=ket_qua or None,
        since=tu,
        until=den,
    )
    fields = {
        "nguoi": query.actor or "",
        "khach": "1" if khach else "",
        "thao_tac": thao_tac or "",
        "don_vi": query.unit or "",
        "ket_qua": ket_qua or "",
        "tu": tu.isoformat() if tu else "",
        "den": den.isoformat() if den else "",
    }
    return _AuditFilters(query, fields)


AuditFilters = Annotated[_AuditFilters, Depends(_audit_filters)]


@router.get("/quan-tri", response_class=HTMLResponse, include_in_schema=False)
async def admin_home(
    request: Request,
    services: ServicesDep,
    principal: Admin,
    filters: AuditFilters,
    trang: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Trang quản trị: nhật ký kiểm toán, lọc theo người thực hiện, đơn vị, thao tác, kết quả và khoảng ngày, từng
    trang, xuất Excel."""
    async with services.db.transaction(Scope.public()) as conn:
        found = await audit.page(conn, filters.query, trang)
    chosen = {k: v for k, v in filters.fields.items() if v}
    return render(
        request,
        "admin.html",
        principal,
        found=found,
        filters=filters.fields,
        action_groups=_ACTION_GROUPS,
        action_labels=dict(sorted(ACTION_LABELS.items(), key=lambda item: item[1])),
        action_label=action_label,
        roles_label=roles_label,
        units=services.resolver.units,
        outcomes=OUTCOME_LABELS,
        export_link="/quan-tri/nhat-ky.xlsx" + ("?" + urlencode(chosen) if chosen else ""),
        link=lambda number: "/quan-tri?" + urlencode({**chosen, "trang": number}),
    )


@router.get("/quan-tri/nhat-ky.xlsx", include_in_schema=False)
async def admin_audit_export(services: ServicesDep, principal: Admin, filters: AuditFilters) -> Response:
    """Xuất nhật ký kiểm toán đã lọc ra tệp Excel (tên thao tác bằng tiếng Việt)."""
    async with services.db.transaction(Scope.public()) as conn:
        data = await audit.export(conn, filters.query)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''nhat-ky-kiem-toan.xlsx"},
    )


def _keys_page(
    request: Request,
    principal: Principal,
    keys: list[ApiKey],
    *,
    created: NewApiKey | None = None,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "api_keys.html",
        principal,
        keys=keys,
        created=created,
        done=done,
        error=error,
        scopes=SCOPE_LABELS,
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # a new key is on the page once
    return response


@router.get("/quan-tri/khoa-api", response_class=HTMLResponse, include_in_schema=False)
async def api_keys_page(
    request: Request,
    services: ServicesDep,
    principal: Admin,
    xong: Annotated[str | None, Query(max_length=20)] = None,
    loi: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """Khóa API cho ứng dụng bên ngoài: tạo (hiện một lần), danh sách với lần dùng gần nhất, thu hồi."""
    done = f"Đã thu hồi khóa {xong}." if xong else None
    return _keys_page(request, principal, await api_keys.all_keys(services.db), done=done, error=loi)


@router.post("/quan-tri/khoa-api", response_class=HTMLResponse, include_in_schema=False)
async def api_keys_create(
    request: Request,
    services: ServicesDep,
    principal: Admin,
    csrf_token: Annotated[str | None, Form()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[ApiKeyScope, Form()] = ApiKeyScope.OPEN311_SUBMIT,
) -> HTMLResponse:
    """Tạo khóa: khóa hiện đúng một lần trên trang trả về, kèm nút sao chép."""
    csrf.verify(request, csrf_token)
    try:
        created = await api_keys.create(services.db, principal, name, scope)
    except DomainError as exc:
        keys = await api_keys.all_keys(services.db)
        return _keys_page(request, principal, keys, error=exc.message, status_code=422)
    keys = await api_keys.all_keys(services.db)
    return _keys_page(request, principal, keys, created=created, done=f"Đã tạo khóa “{created.name}”.")


@router.post("/quan-tri/khoa-api/thu-hoi", include_in_schema=False)
async def api_keys_revoke(
    request: Request,
    services: ServicesDep,
    principal: Admin,
    csrf_token: Annotated[str | None, Form()] = None,
    prefix: Annotated[str, Form(max_length=100)] = "",
    confirmed: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """Thu hồi một khóa, sau khi người quản trị xác nhận."""
    csrf.verify(request, csrf_token)
    if confirmed != "1":
        message = "Hãy đánh dấu ô xác nhận trước khi thu hồi khóa."
        return RedirectResponse("/quan-tri/khoa-api?" + urlencode({"loi": message}), status_code=303)
    try:
        revoked = await api_keys.revoke(services.db, principal, prefix)
    except DomainError as exc:
        return RedirectResponse("/quan-tri/khoa-api?" + urlencode({"loi": exc.message}), status_code=303)
    return RedirectResponse("/quan-tri/khoa-api?" + urlencode({"xong": revoked.prefix}), status_code=303)


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
    scope: ApiKeyScope = Field(ApiKeyScope.OPEN311_SUBMIT, description="Khóa được dùng để làm gì.")


@router.post("/api/admin/api-keys", tags=["admin"], status_code=201, response_model=NewApiKey)
async def create_api_key(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, body: ApiKeyIn
) -> NewApiKey:
    """Tạo khóa API (cổng Open311). Khóa chỉ hiện một lần: nền tảng chỉ giữ giá trị băm."""
    await authorize(request, principal, Operation.ACCOUNT_ADMIN)
    return await api_keys.create(services.db, principal, body.name, body.scope)


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
