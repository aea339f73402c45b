"""Data subjects' rights: "Dữ liệu của tôi" (page, no JavaScript) and its API (see, correct and erase contacts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from mattran.auth.principal import Principal
from mattran.domain import data_rights
from mattran.domain.errors import Conflict, NotFound
from mattran.domain.petitions import Contact, PetitionError
from web import csrf
from web.auth import CurrentPrincipal
from web.deps import ServicesDep, get_services
from web.render import render

router = APIRouter(tags=["personal data"])
SIGN_IN = "Vui lòng đăng nhập để xem dữ liệu của mình."
CodeField = Annotated[str, Form(max_length=60)]  # the petition's code, in the page's forms


def _retention(request: Request) -> dict[str, int]:
    settings = get_services(request).settings
    return {"petition_private": settings.petition_private_retention_days, "audit_log": settings.audit_retention_days}


@router.get("/api/me/data")
async def my_data(request: Request, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """Mọi dữ liệu nền tảng đang giữ về người đăng nhập: tài khoản, phiên, phản ánh (kèm liên hệ, tệp, lịch sử),
    cuộc trò chuyện với trợ lý, thao tác của chính mình trong nhật ký kiểm toán."""
    found = await data_rights.my_data(services.db, principal, services.personal, _retention(request))
    return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})


@router.delete("/api/petitions/{code}/contact")
async def erase_contact(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> dict[str, Any]:
    """Xóa thông tin liên hệ của phản ánh do chính mình gửi, khi phản ánh đã đóng (409 khi còn đang xử lý)."""
    return await data_rights.erase_contact(services.db, principal, code)


class ContactCorrection(BaseModel):
    """The petitioner's corrected contacts (all empty: the unit keeps no way to call back) and their consent."""

    contact: Contact
    consent: bool = False


@router.put("/api/petitions/{code}/contact")
async def correct_contact(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str, body: ContactCorrection
) -> dict[str, Any]:
    """Sửa thông tin liên hệ của phản ánh do chính mình gửi khi phản ánh còn đang xử lý (409 khi đã đóng)."""
    return await data_rights.correct_contact(
        services.db, principal, services.personal, code, body.contact, body.consent
    )


@router.get("/du-lieu-cua-toi", response_class=HTMLResponse, include_in_schema=False)
async def my_data_page(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    ma: Annotated[str | None, Query(max_length=60)] = None,
    xong: Annotated[Literal["da-xoa", "khong-co", "da-sua"] | None, Query()] = None,
    loi: Annotated[Literal["dang-xu-ly", "khong-thay", "da-dong", "khong-hop-le"] | None, Query()] = None,
) -> HTMLResponse:
    """Trang "Dữ liệu của tôi" (the outcome of an erasure is named by a fixed key, never by text from the URL)."""
    if not principal.authenticated:
        raise HTTPException(401, SIGN_IN)
    found = await data_rights.my_data(services.db, principal, services.personal, _retention(request))
    done = _DONE[xong].format(code=ma or "") if xong else None
    error = _REFUSED[loi].format(code=ma or "") if loi else None
    response = render(request, "my_data.html", principal, data=found, done=done, error=error)
    response.headers["Cache-Control"] = "no-store"
    return response


_DONE = {
    "da-xoa": "Đã xóa thông tin liên hệ của phản ánh {code}.",
    "da-sua": "Đã cập nhật thông tin liên hệ của phản ánh {code}.",
    "khong-co": "Phản ánh {code} không còn thông tin liên hệ nào.",
}
_REFUSED = {
    "dang-xu-ly": (
        "Phản ánh {code} đang được xử lý: đơn vị cần thông tin liên hệ để trả lời bạn. Chỉ xóa "
        f"được khi phản ánh {data_rights.CLOSED_LABELS}."
    ),
    "khong-thay": "Không tìm thấy phản ánh mã “{code}” do bạn gửi.",
    "da-dong": "Phản ánh {code} đã đóng: không cần sửa thông tin liên hệ nữa.",
    "khong-hop-le": "Thông tin liên hệ chưa hợp lệ hoặc chưa đánh dấu ô đồng ý: vui lòng kiểm tra lại.",
}


async def _form_poster(
    request: Request, principal: CurrentPrincipal, csrf_token: Annotated[str | None, Form()] = None
) -> Principal:
    """Who posts a form of "Dữ liệu của tôi": refused without this browser's token, or when nobody is signed in."""
    csrf.verify(request, csrf_token)
    if not principal.authenticated:
        raise HTTPException(401, SIGN_IN)
    return principal


FormPoster = Annotated[Principal, Depends(_form_poster)]


def _back(outcome: str, code: str) -> RedirectResponse:
    """Back to "Dữ liệu của tôi", with the outcome (a fixed key) and the petition's code."""
    return RedirectResponse(f"/du-lieu-cua-toi?{outcome}&ma={quote(code.strip())}", status_code=303)


@router.post("/du-lieu-cua-toi/xoa-lien-he", include_in_schema=False)
async def erase_contact_form(services: ServicesDep, principal: FormPoster, code: CodeField = "") -> Response:
    """Xóa thông tin liên hệ từ biểu mẫu của trang "Dữ liệu của tôi"."""
    try:
        done = await data_rights.erase_contact(services.db, principal, code)
    except PetitionError as exc:
        outcome = "loi=" + ("dang-xu-ly" if isinstance(exc, Conflict) else "khong-thay")
    else:
        outcome = "xong=" + ("da-xoa" if done["deleted"] else "khong-co")
    return _back(outcome, code)


@router.post("/du-lieu-cua-toi/sua-lien-he", include_in_schema=False)
async def correct_contact_form(
    services: ServicesDep,
    principal: FormPoster,
    code: CodeField = "",
    full_name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    consent: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    """Sửa thông tin liên hệ từ biểu mẫu của trang "Dữ liệu của tôi"."""
    try:
        contact = Contact(full_name=full_name.strip() or None, phone=phone.strip() or None, email=email.strip() or None)
        await data_rights.correct_contact(services.db, principal, services.personal, code, contact, bool(consent))
    except ValidationError:
        outcome = "loi=khong-hop-le"
    except PetitionError as exc:
        outcome = "loi=" + (
            "da-dong" if isinstance(exc, Conflict) else "khong-thay" if isinstance(exc, NotFound) else "khong-hop-le"
        )
    else:
        outcome = "xong=da-sua"
    return _back(outcome, code)
