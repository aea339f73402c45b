""" "Phản ánh của tôi": a signed-in petitioner's petitions with their timeline (page, no JavaScript) and the API to
withdraw one, add information to it and rate its answer; the claim link of a guest's receipt that puts the petition
there."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mattran.auth.principal import Principal
from mattran.domain.attachments import MAX_BYTES, MAX_FILES
from mattran.domain.claim_links import CLAIM_PATH
from mattran.domain.errors import Conflict, NotFound, Refused
from mattran.domain.petitions import PetitionError
from mattran.domain.petitions.claims import ExpiredClaimLink, Outcome
from mattran.domain.petitions.followup import SIGN_IN, Addition, Rating, Withdrawal
from web import csrf
from web.auth import CurrentPrincipal
from web.deps import ServicesDep
from web.render import render

router = APIRouter(tags=["petitions"])
PAGE = "/phan-anh-cua-toi"
_DONE = {
    "da-rut": "Đã rút phản ánh {code}.",
    "da-bo-sung": "Đã bổ sung thông tin cho phản ánh {code}.",
    "da-danh-gia": "Cảm ơn bạn đã đánh giá trả lời của phản ánh {code}.",
    "da-nhan": "Đã đưa phản ánh {code} vào Phản ánh của tôi.",
    "da-co": "Phản ánh {code} đã có trong Phản ánh của tôi.",
}
Done = Annotated[Literal["da-rut", "da-bo-sung", "da-danh-gia", "da-nhan", "da-co"] | None, Query()]
Token = Annotated[str, Query(max_length=200)]


@router.post("/api/petitions/{code}/withdraw")
async def withdraw(
    services: ServicesDep, principal: CurrentPrincipal, code: str, body: Withdrawal | None = None
) -> dict[str, Any]:
    """Người gửi (đã đăng nhập) rút phản ánh của chính mình khi còn đang xử lý (409 khi đã đóng)."""
    return await services.petitions.followup.withdraw(principal, code, body or Withdrawal())


@router.post("/api/petitions/{code}/additions", status_code=201)
async def add_information(
    services: ServicesDep, principal: CurrentPrincipal, code: str, body: Addition
) -> dict[str, Any]:
    """Người gửi bổ sung thông tin cho phản ánh của chính mình khi còn đang xử lý (ảnh, tài liệu: ``/additions/files``
    hoặc trang "Phản ánh của tôi")."""
    return await services.petitions.followup.add(principal, code, body.text)


@router.post("/api/petitions/{code}/additions/files", status_code=201, max_body_size=MAX_FILES * MAX_BYTES + 64 * 1024)
async def add_files(
    services: ServicesDep,
    principal: CurrentPrincipal,
    code: str,
    attachments: Annotated[list[UploadFile], File(description="Ảnh (JPEG, PNG, WebP) hoặc PDF, mỗi tệp ≤ 5 MB.")],
    text: Annotated[str, Form(max_length=5000)] = "",
) -> dict[str, Any]:
    """Người gửi bổ sung ảnh, tài liệu (và lời ghi, nếu có) cho phản ánh của chính mình khi còn đang xử lý
    (multipart/form-data; tối đa 5 tệp cho một phản ánh)."""
    uploads = [f for f in attachments if f.filename][: MAX_FILES + 1]
    files = [(u.filename or "", await u.read(MAX_BYTES + 1)) for u in uploads]
    return await services.petitions.followup.add(principal, code, text, files)


@router.post("/api/petitions/{code}/rating")
async def rate(services: ServicesDep, principal: CurrentPrincipal, code: str, body: Rating) -> dict[str, Any]:
    """Người gửi đánh giá trả lời (hài lòng / chưa hài lòng và lý do); đơn vị xử lý thấy đánh giá, thống kê đếm
    số hài lòng và chưa hài lòng."""
    return await services.petitions.followup.rate(principal, code, body)


def _signed_in(principal: Principal) -> Principal:
    if not principal.authenticated:
        raise HTTPException(401, SIGN_IN)
    return principal


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
async def my_petitions_page(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    ma: Annotated[str | None, Query(max_length=60)] = None,
    xong: Done = None,
) -> Response:
    """Trang "Phản ánh của tôi" (the outcome of an action is named by a fixed key, never by text from the URL)."""
    if not principal.authenticated:
        return RedirectResponse(f"/dang-nhap?next={quote(PAGE)}", status_code=303)
    return await _page(request, services, principal, _DONE[xong].format(code=ma or "") if xong else None)


async def _page(
    request: Request, services: ServicesDep, principal: Principal, done: str | None = None, error: str | None = None
) -> Response:
    """The page, with what was done or why it was refused (a refusal answered 409 or 422 on the page itself)."""
    petitions = await services.petitions.followup.mine(principal)
    status = 200 if error is None else 422
    page = render(request, "my_petitions.html", principal, status, petitions=petitions, done=done, error=error)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get(PAGE + "/{code}/rut", response_class=HTMLResponse, include_in_schema=False)
async def withdraw_confirmation(request: Request, principal: CurrentPrincipal, code: str) -> Response:
    """The confirmation step before withdrawing (a link never withdraws by itself)."""
    _signed_in(principal)
    return render(request, "my_petition_withdraw.html", principal, code=code)


async def _form_poster(
    request: Request, principal: CurrentPrincipal, csrf_token: Annotated[str | None, Form()] = None
) -> Principal:
    csrf.verify(request, csrf_token)
    return _signed_in(principal)


FormPoster = Annotated[Principal, Depends(_form_poster)]


def _back(code: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?xong={done}&ma={quote(code)}#p-{quote(code)}", status_code=303)


@router.post(PAGE + "/{code}/rut", include_in_schema=False)
async def withdraw_form(
    request: Request,
    services: ServicesDep,
    principal: FormPoster,
    code: str,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Rút phản ánh sau bước xác nhận."""
    try:
        await services.petitions.followup.withdraw(principal, code, Withdrawal(reason=reason or None))
    except PetitionError as exc:
        return await _page(request, services, principal, error=exc.message)
    return _back(code, "da-rut")


@router.post(PAGE + "/{code}/bo-sung", include_in_schema=False, max_body_size=MAX_FILES * MAX_BYTES + 64 * 1024)
async def add_form(
    request: Request,
    services: ServicesDep,
    principal: FormPoster,
    code: str,
    text: Annotated[str, Form(max_length=20000)] = "",
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """Bổ sung thông tin, ảnh cho phản ánh đang xử lý."""
    uploads = [f for f in attachments or [] if f.filename][: MAX_FILES + 1]
    files = [(u.filename or "", await u.read(MAX_BYTES + 1)) for u in uploads]
    try:
        await services.petitions.followup.add(principal, code, text, files)
    except PetitionError as exc:
        return await _page(request, services, principal, error=exc.message)
    return _back(code, "da-bo-sung")


@router.post(PAGE + "/{code}/danh-gia", include_in_schema=False)
async def rate_form(
    request: Request,
    services: ServicesDep,
    principal: FormPoster,
    code: str,
    satisfied: Annotated[Literal["1", "0"] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Đánh giá trả lời: hài lòng hay chưa, và lý do."""
    if satisfied is None:
        return await _page(request, services, principal, error="Vui lòng chọn hài lòng hoặc chưa hài lòng.")
    try:
        await services.petitions.followup.rate(
            principal, code, Rating(satisfied=satisfied == "1", reason=reason or None)
        )
    except PetitionError as exc:
        return await _page(request, services, principal, error=exc.message)
    return _back(code, "da-danh-gia")


@router.get(CLAIM_PATH, response_class=HTMLResponse, include_in_schema=False)
async def claim_confirmation(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, t: Token = ""
) -> Response:
    """The claim link of a guest's receipt: sign in first (back here after), then confirm (a link never attaches a
    petition by itself); a link that cannot be used says why at once."""
    if not principal.authenticated:
        return RedirectResponse(f"/dang-nhap?next={quote(f'{CLAIM_PATH}?t={t}', safe='')}", status_code=303)
    try:
        found = await services.petitions.claims.preview(principal, t)
    except PetitionError as exc:
        page = render(request, "my_petition_claim.html", principal, _claim_status(exc), error=exc.message)
    else:
        page = render(
            request,
            "my_petition_claim.html",
            principal,
            token=t,
            code=found.tracking_code,
            already=found.outcome is Outcome.ALREADY_YOURS,
        )
    page.headers["Cache-Control"] = "no-store"
    return page


def _claim_status(exc: PetitionError) -> int:
    if isinstance(exc, ExpiredClaimLink):
        return 410
    return next((s for kind, s in ((NotFound, 404), (Conflict, 409), (Refused, 403)) if isinstance(exc, kind)), 422)


@router.post(CLAIM_PATH, include_in_schema=False)
async def claim_form(
    request: Request, services: ServicesDep, principal: FormPoster, t: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Attach the guest's petition the link names to the signed-in citizen."""
    try:
        claimed = await services.petitions.claims.claim(principal, t)
    except PetitionError as exc:
        return render(request, "my_petition_claim.html", principal, _claim_status(exc), error=exc.message)
    return _back(claimed.tracking_code, "da-nhan" if claimed.outcome is Outcome.ATTACHED else "da-co")
