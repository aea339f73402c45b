"""Data subjects' rights: "Dữ liệu của tôi" (page, no JavaScript) and its API (see, erase contacts)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mattran.domain import data_rights
from mattran.domain.petitions import PetitionError
from web import csrf
from web.auth import CurrentPrincipal
from web.render import render

router = APIRouter(tags=["personal data"])


def _retention(request: Request) -> dict[str, int]:
    settings = request.app.state.settings
    return {"petition_private": settings.petition_private_retention_days, "audit_log": settings.audit_retention_days}


@router.get("/api/me/data")
async def my_data(request: Request, principal: CurrentPrincipal) -> Response:
    """Mọi dữ liệu nền tảng đang giữ về người đăng nhập: tài khoản, phiên, phản ánh (kèm liên hệ, tệp, lịch sử),
    cuộc trò chuyện với trợ lý, thao tác của chính mình trong nhật ký kiểm toán."""
    found = await data_rights.my_data(request.app.state.db, principal, _retention(request))
    return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})


@router.delete("/api/petitions/{code}/contact")
async def erase_contact(request: Request, principal: CurrentPrincipal, code: str) -> dict[str, Any]:
    """Xóa thông tin liên hệ của phản ánh do chính mình gửi, khi phản ánh đã đóng (409 khi còn đang xử lý)."""
    return await data_rights.erase_contact(request.app.state.db, principal, code)


@router.get("/du-lieu-cua-toi", response_class=HTMLResponse, include_in_schema=False)
async def my_data_page(request: Request, principal: CurrentPrincipal,
                       xong: Annotated[str | None, Query(max_length=300)] = None,
                       loi: Annotated[str | None, Query(max_length=300)] = None) -> HTMLResponse:
    """Trang "Dữ liệu của tôi"."""
    if not principal.authenticated:
        raise HTTPException(401, "Vui lòng đăng nhập để xem dữ liệu của mình.")
    found = await data_rights.my_data(request.app.state.db, principal, _retention(request))
    response = render(request, "my_data.html", principal, data=found, done=xong, error=loi)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/du-lieu-cua-toi/xoa-lien-he", include_in_schema=False)
async def erase_contact_form(request: Request, principal: CurrentPrincipal,
                             code: Annotated[str, Form(max_length=60)] = "",
                             csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Xóa thông tin liên hệ từ biểu mẫu của trang "Dữ liệu của tôi"."""
    csrf.verify(request, csrf_token)
    if not principal.authenticated:
        raise HTTPException(401, "Vui lòng đăng nhập để xem dữ liệu của mình.")
    try:
        done = await data_rights.erase_contact(request.app.state.db, principal, code)
    except PetitionError as exc:
        return RedirectResponse(f"/du-lieu-cua-toi?loi={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"/du-lieu-cua-toi?xong={quote(done['message'] + ' (' + done['tracking_code'] + ')')}",
                            status_code=303)
