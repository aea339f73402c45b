"""Sign-in and sign-out through the OpenID provider."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mattran.auth.oidc import ProviderError, TokenError
from mattran.auth.principal import Principal
from mattran.domain import audit, cadres
from mattran.domain.rate_limits import Limit, RateLimited, address_key
from mattran.scope import Scope
from web import csrf
from web.auth import SESSION_COOKIE, client_address
from web.chat.mount import CHAINLIT_COOKIE
from web.deps import ServicesDep, WebDep, get_services
from web.render import templates

_log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "mattran_login"  # binds a pending sign-in to the browser that started it (login CSRF)
LOGIN_COOKIE_SECONDS = 600


def _safe_next(value: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _https(request: Request) -> bool:
    """Whether the app is reached over https (cookies are then Secure)."""
    return request.url.scheme == "https" or get_services(request).settings.base_url.startswith("https://")


def _error(request: Request, message: str, status: int = 400) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"message": message}, status_code=status)


async def _failed(request: Request, message: str, status: int = 400) -> HTMLResponse:
    """A failed or forged sign-in: counted against the caller's address (``Limit.SIGN_IN_FAILURE``)."""
    await get_services(request).limits.count(Limit.SIGN_IN_FAILURE, address_key(client_address(request)))
    return _error(request, message, status)


@router.get("/dang-nhap")
async def sign_in(request: Request, web: WebDep, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """Send the browser to the provider's login page (authorization code + PKCE + state + nonce)."""
    binding = request.cookies.get(LOGIN_COOKIE) or ""
    if not 32 <= len(binding) <= 64:
        binding = secrets.token_urlsafe(32)  # kept while valid: sign-ins started in several tabs all finish
    try:
        url = await web.sessions.start_login(_safe_next(next), binding)
    except ProviderError:
        return _error(request, "Không kết nối được hệ thống đăng nhập. Vui lòng thử lại sau.", 503)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        LOGIN_COOKIE,
        binding,
        max_age=LOGIN_COOKIE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_https(request),
    )
    return response


@router.get("/auth/callback")
async def callback(
    request: Request,
    services: ServicesDep,
    web: WebDep,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The provider's answer: verify everything, then open one session for every app."""
    try:  # only failures are counted: successful sign-ins are never limited
        await services.limits.check(Limit.SIGN_IN_FAILURE, address_key(client_address(request)))
    except RateLimited as exc:
        refused = _error(request, exc.message, 429)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if error or not state or not code:
        return await _failed(request, "Đăng nhập không thành công hoặc đã bị hủy. Vui lòng thử lại.")
    binding = request.cookies.get(LOGIN_COOKIE)
    if not binding:
        _log.warning("sign-in callback refused: no login cookie (not started in this browser)")
        return await _failed(
            request,
            "Yêu cầu đăng nhập này không được bắt đầu từ trình duyệt của bạn. Vui lòng đăng "
            "nhập lại từ trang Mặt trận số.",
            403,
        )
    attempt = await web.sessions.take_login(state, binding)
    if attempt is None:
        _log.warning("sign-in callback refused: unknown or expired state, or started in another browser")
        return await _failed(
            request,
            "Phiên đăng nhập đã hết hạn, không hợp lệ hoặc không được bắt đầu từ trình "
            "duyệt của bạn. Vui lòng đăng nhập lại.",
        )
    try:
        tokens = await web.oidc.finish_login(code, attempt["code_verifier"], attempt["nonce"])
    except (TokenError, ProviderError):
        async with services.db.transaction(Scope.public()) as conn:
            await audit.record(conn, Principal.anonymous(), "auth.sign_in", None, "denied")
        return await _failed(request, "Không xác thực được thông tin đăng nhập. Vui lòng thử lại.", 401)
    value = await web.sessions.create(tokens)
    principal = web.sessions.principal(tokens.claims)
    async with services.db.transaction(Scope.public()) as conn:
        await audit.record(conn, principal, "auth.sign_in", principal.unit_code, "allowed")
    # the name pages show, the unit's list to assign from, the e-mail its reminders go to
    await cadres.seen(services.db, principal, tokens.claims.get("email"), services.personal)
    response: Response = RedirectResponse(attempt["return_to"], status_code=303)
    if principal.notices:  # a claim could not be read: the user is told, not left wondering where a role went
        response = templates.TemplateResponse(
            request,
            "signed_in_notice.html",
            {"notices": principal.notices, "roles": principal.role_labels, "next": attempt["return_to"]},
        )
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        max_age=services.settings.session_hours * 3600,
    )
    response.delete_cookie(CHAINLIT_COOKIE, path="/")
    return response


@router.post("/dang-xuat")
async def sign_out(
    request: Request, services: ServicesDep, web: WebDep, csrf_token: Annotated[str | None, Form()] = None
) -> Response:
    """End the session everywhere (pages, API, chat) and at the provider."""
    csrf.verify(request, csrf_token)
    target = "/"
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        loaded = await web.sessions.load(cookie)
        id_token = await web.sessions.end(cookie)
        if loaded:
            async with services.db.transaction(Scope.public()) as conn:
                await audit.record(conn, loaded[0], "auth.sign_out", loaded[0].unit_code, "allowed")
        if id_token:
            try:
                target = await web.oidc.logout_url(id_token, f"{services.settings.base_url}/") or "/"
            except ProviderError:
                target = "/"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CHAINLIT_COOKIE, path="/")
    return response
