"""The site's own pages: the personal-data notice, the terms of use, the display switch (text size, contrast)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from web.auth import CurrentPrincipal
from web.render import DISPLAY_COOKIES, render

router = APIRouter(include_in_schema=False)

TEXT_SIZE_COOKIE, CONTRAST_COOKIE = DISPLAY_COOKIES
_KEPT_SECONDS = 365 * 24 * 3600  # a preference, not personal data: kept a year


def _back_to(path: str) -> str:
    """Only a path of this site (never another site's address) to return to after the switch."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


@router.get("/quyen-rieng-tu", response_class=HTMLResponse)
async def privacy_notice(request: Request, principal: CurrentPrincipal) -> HTMLResponse:
    """Thông báo xử lý dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP)."""
    return render(request, "privacy.html", principal)


@router.get("/dieu-khoan", response_class=HTMLResponse)
async def terms(request: Request, principal: CurrentPrincipal) -> HTMLResponse:
    """Điều khoản sử dụng."""
    return render(request, "terms.html", principal)


@router.get("/hien-thi")
async def display(
    request: Request,
    co_chu: Annotated[Literal["thuong", "lon", "rat-lon"] | None, Query()] = None,
    tuong_phan: Annotated[Literal["cao", "thuong"] | None, Query()] = None,
    tiep: Annotated[str, Query(max_length=500)] = "/",
) -> RedirectResponse:
    """Cỡ chữ và độ tương phản, nhớ trong cookie để trang hiển thị đúng ngay cả khi không có JavaScript."""
    response = RedirectResponse(_back_to(tiep), status_code=303)
    secure = request.url.scheme == "https"
    for name, value in ((TEXT_SIZE_COOKIE, co_chu), (CONTRAST_COOKIE, tuong_phan)):
        if value:
            response.set_cookie(name, value, max_age=_KEPT_SECONDS, httponly=True, samesite="lax", secure=secure)
    return response
