"""Who is calling (session cookie, bearer token or nobody) and what they may do, for every route."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from mattran.auth.oidc import ProviderError, TokenError
from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.audit import Outcome
from mattran.domain.permissions import Operation, is_allowed
from mattran.scope import Scope
from mattran.store.db import Conn
from web.deps import get_services, get_web

SESSION_COOKIE = "mattran_session"
_log = logging.getLogger(__name__)
_AUDITED_WHEN_ALLOWED = {Operation.MEMBER_READ, Operation.MEMBER_WRITE, Operation.AUDIT_READ, Operation.ACCOUNT_ADMIN}


def client_address(request: Request) -> str | None:
    """The caller's network address (uvicorn takes it from X-Forwarded-For when the proxy is trusted)."""
    return request.client.host if request.client else None


async def current_principal(request: Request) -> Principal:
    """The caller (see :func:`_identify`) with the address the request came from."""
    return replace(await _identify(request), address=client_address(request))


async def _identify(request: Request) -> Principal:
    """The caller: a valid bearer access token, else a live session, else an anonymous visitor."""
    web = get_web(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "Cần jeton truy cập dạng Bearer.", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = await web.oidc.verify_access_token(token.strip())
        except TokenError as exc:
            _log.warning("bearer token refused on %s %s: %s", request.method, request.url.path, exc)
            raise HTTPException(
                401,
                "Jeton truy cập không hợp lệ hoặc đã hết hạn.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc
        except ProviderError as exc:
            raise HTTPException(503, "Không kiểm tra được jeton: nhà cung cấp định danh không phản hồi.") from exc
        return web.sessions.principal(claims)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        loaded = await web.sessions.load(cookie)
        if loaded is not None:
            return loaded[0]
    return Principal.anonymous()


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def unit_path(request: Request, code: str) -> str:
    """The ltree path of a unit code (404 when no such unit)."""
    unit = get_services(request).resolver.units.get(code)
    if unit is None:
        raise HTTPException(404, f"Không tìm thấy đơn vị có mã “{code}”.")
    return unit.path


async def authorize(
    request: Request, principal: Principal, operation: Operation, target_unit: str | None = None
) -> None:
    """Allow or refuse ``operation`` (on ``target_unit``), recording privileged attempts in the audit log."""
    target_path = unit_path(request, target_unit) if target_unit else None
    allowed = is_allowed(principal, operation, target_path)
    if not allowed or operation in _AUDITED_WHEN_ALLOWED:
        outcome: Outcome = "allowed" if allowed else "denied"
        async with get_services(request).db.transaction(Scope.public()) as conn:
            if principal.authenticated:
                await audit.record(
                    conn, principal, operation.value, target_unit, outcome, path=request.url.path, method=request.method
                )
            else:  # counted per address, path and minute: anonymous refusals cannot flood the log
                await audit.record_anonymous(
                    conn,
                    operation.value,
                    outcome,
                    address=_address(request),
                    method=request.method,
                    path=request.url.path,
                )
    if not allowed:
        if not principal.authenticated:
            raise HTTPException(401, "Vui lòng đăng nhập để sử dụng chức năng này.")
        raise HTTPException(403, "Tài khoản của bạn không có quyền thực hiện thao tác này.")


@asynccontextmanager
async def authorized(
    request: Request, principal: Principal, operation: Operation, target_unit: str | None = None
) -> AsyncIterator[Conn]:
    """A transaction in ``principal``'s scope, once :func:`authorize` allows ``operation`` (on ``target_unit``)."""
    await authorize(request, principal, operation, target_unit)
    async with get_services(request).db.transaction(principal.scope()) as conn:
        yield conn


def _address(request: Request) -> str:
    return request.client.host if request.client else "không rõ"


def requires(operation: Operation) -> Any:
    """A dependency that allows ``operation`` on the caller's own scope, or refuses with 401/403."""

    async def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        await authorize(request, principal, operation)
        return principal

    return Depends(dependency)


CadrePage = Annotated[Principal, requires(Operation.CADRE_PAGES)]
"""A signed-in cadre, for the cadres' pages."""
