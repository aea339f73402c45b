"""The printable receipt of a petition: its code, what it is, where it went, and a QR code to its status page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from web.auth import CurrentPrincipal
from web.deps import ServicesDep, get_settings
from web.render import render

router = APIRouter(include_in_schema=False)


def status_link(base_url: str, code: str) -> str:
    """The status page of ``code`` at the platform's public address (``MATTRAN_PUBLIC_URL``)."""
    return f"{base_url}/tra-cuu?ma={quote(code)}"


def qr_svg(link: str) -> Markup:
    """``link`` as a QR code, an inline SVG image named for screen readers (no file, no script)."""
    code = segno.make(link, error="m")
    svg = code.svg_inline(scale=4, border=4, title="Mã QR dẫn đến trang tra cứu phản ánh", svgclass="qr")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # segno's own markup: no user text unescaped


@router.get("/tra-cuu/bien-nhan", response_class=HTMLResponse)
async def receipt(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    ma: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """Biên nhận để in: mã tra cứu, nơi nhận, ngày gửi, hạn trả lời và mã QR đến trang tra cứu (cùng quyền xem như
    trang tra cứu: mã đầy đủ, hoặc số phản ánh với chính người gửi đã đăng nhập)."""
    found = await services.petitions.views.status(ma, principal) if ma.strip() else None
    if found is None:
        return render(request, "receipt.html", principal, status_code=404, found=None, code=ma)
    link = status_link(get_settings(request).base_url, found.tracking_code)
    page = render(request, "receipt.html", principal, found=found, code=ma, link=link, qr=qr_svg(link))
    page.headers["Cache-Control"] = "no-store"  # the full code opens the petition's status
    return page
