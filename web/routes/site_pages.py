"""The site's own pages: the personal-data notice, the terms of use, the display switch (text size, contrast)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from web.auth import CurrentPrincipal
from web.render import DISPLAY_COOKIES, display_of, render

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


@router.get("/hien-thi", response_model=None)
async def display(
    request: Request,
    principal: CurrentPrincipal,
    co_chu: Annotated[Literal["thuong", "lon", "rat-lon"] | None, Query()] = None,
    tuong_phan: Annotated[Literal["cao", "thuong"] | None, Query()] = None,
    tiep: Annotated[str, Query(max_length=500)] = "/",
) -> HTMLResponse | RedirectResponse:
    """Cỡ chữ và độ tương phản, nhớ trong cookie để trang hiển thị đúng ngay cả khi không có JavaScript; không chọn
    gì thì là trang chọn (từ trợ lý, nơi không có thanh chọn của trang web)."""
    if co_chu is None and tuong_phan is None:
        return render(request, "display.html", principal, back=_back_to(tiep))
    response = RedirectResponse(_back_to(tiep), status_code=303)
    secure = request.url.scheme == "https"
    for name, value in ((TEXT_SIZE_COOKIE, co_chu), (CONTRAST_COOKIE, tuong_phan)):
        if value:
            response.set_cookie(name, value, max_age=_KEPT_SECONDS, httponly=True, samesite="lax", secure=secure)
    return response


# The chat's own rules for the same choices (Chainlit sizes everything in rem and colours through its variables).
_CHAT_SIZES = {"lon": "html { font-size: 112.5%; }\n", "rat-lon": "html { font-size: 125%; }\n"}
_CHAT_HIGH_CONTRAST = """:root, .dark {
  --background: 0 0% 100%; --foreground: 0 0% 0%; --card: 0 0% 100%; --card-foreground: 0 0% 0%;
  --muted-foreground: 0 0% 0%; --accent-foreground: 0 0% 0%; --border: 0 0% 0%; --input: 0 0% 0%;
}
a { text-decoration: underline; }
"""


@router.get("/hien-thi.css")
async def chat_display(request: Request) -> Response:
    """Cỡ chữ và độ tương phản của trợ lý, theo lựa chọn của người đọc (trang trợ lý nạp tệp này)."""
    chosen = display_of(request)
    css = _CHAT_SIZES.get(chosen.size, "") + (_CHAT_HIGH_CONTRAST if chosen.high_contrast else "")
    return Response(css, media_type="text/css", headers={"Cache-Control": "private, no-cache", "Vary": "Cookie"})
