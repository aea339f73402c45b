"""Petition pages: the public form (works without JavaScript), tracking by code, cadre handling."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile as StarletteUpload

from mattran.auth.principal import Principal
from mattran.domain import receipts
from mattran.domain.attachments import MAX_BYTES, MAX_FILES, Attachment
from mattran.domain.attachments import check_all as check_attachments
from mattran.domain.consent import CONSENT_REQUIRED_FORM
from mattran.domain.permissions import Operation
from mattran.domain.petition_status import ACTION_LABELS, PetitionAction, PetitionStatus
from mattran.domain.petition_text import CATEGORIES, KINDS
from mattran.domain.petitions import STATUS_LABELS, Action, Contact, InvalidPetition, PetitionError, PetitionIn, bulk
from mattran.domain.petitions.listing import MAX_PER_PAGE, PER_PAGE, SORT_LABELS, Filters, Sort
from mattran.domain.unit import Unit
from mattran.domain.units import UnitMatch
from web import csrf
from web.auth import CurrentPrincipal, authorize
from web.deps import ServicesDep
from web.errors import describe
from web.render import render
from web.routes.petition_bulk import result_message

router = APIRouter(include_in_schema=False)

Status = Annotated[str | None, Query(max_length=20)]  # list only the petitions at this status
_NAMES: dict[str, Any] = {  # for every page
    "statuses": STATUS_LABELS,
    "categories": CATEGORIES,
    "kinds": KINDS,
    "actions": ACTION_LABELS,
}
_CONFIRMED = ("decline", "transfer", "merge", "unmerge")  # asked to be confirmed on the page first
_FIELD_LABELS = {
    "kind": "Loại đơn",
    "title": "Tiêu đề",
    "content": "Nội dung",
    "unit_text": "Nơi nhận",
    "phone": "Số điện thoại",
    "email": "Email",
    "full_name": "Họ và tên",
    "unit_code": "Nơi nhận",
    "category": "Lĩnh vực",
    "notify": "Nhận thông báo qua",
    "latitude": "Vị trí",
    "longitude": "Vị trí",
}
_PLACE_MISSING = "Vui lòng ghi nơi nhận: xã/phường/đặc khu và tỉnh/thành phố, hoặc “Trung ương”."


def _place_unknown(text: str) -> str:
    return (
        f"Nơi nhận: không tìm thấy đơn vị nào tên “{text.strip()}”. Vui lòng ghi đúng tên xã/phường/đặc khu"
        " và tỉnh/thành phố (gõ không dấu cũng được), hoặc “Trung ương”."
    )


def _province(unit: Unit) -> str:
    """``, Tỉnh …`` after a commune's name (namesakes are told apart by their province)."""
    return f", {unit.province_name}" if unit.province_name and unit.province_code != unit.code else ""


def _coordinate(value: str) -> float | None:
    """A latitude or longitude as the page's location button wrote it; nothing when absent or unreadable."""
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def _form_page(
    request: Request,
    principal: Principal,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    choices: Sequence[UnitMatch] = (),
) -> HTMLResponse:
    """The petition form, with what was typed, what is wrong with it and the namesakes to choose among."""
    page = {"values": values, "errors": errors, "choices": choices, "max_bytes": MAX_BYTES, **_NAMES}
    return render(request, "petition_form.html", principal, status_code=status_code, **page)


@router.get("/phan-anh", response_class=HTMLResponse)
async def petition_form(request: Request, services: ServicesDep, principal: CurrentPrincipal) -> HTMLResponse:
    """Biểu mẫu gửi phản ánh, kiến nghị (người đăng nhập: họ tên và liên hệ lần trước được điền sẵn)."""
    known = await services.petitions.followup.known_contact(principal)
    return _form_page(request, principal, {"idempotency_key": uuid.uuid4().hex, **known}, {})


@router.post("/phan-anh", max_body_size=MAX_FILES * MAX_BYTES + 1024 * 1024)  # the files and the text fields
async def submit_petition(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    csrf_token: Annotated[str | None, Form()] = None,
    idempotency_key: Annotated[str | None, Form(max_length=64)] = None,
    title: Annotated[str, Form(max_length=1000)] = "",
    content: Annotated[str, Form(max_length=20000)] = "",
    unit_text: Annotated[str, Form(max_length=1000)] = "",
    unit_code: Annotated[str, Form(max_length=10)] = "",
    latitude: Annotated[str, Form(max_length=30)] = "",
    longitude: Annotated[str, Form(max_length=30)] = "",
    category: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[str, Form(max_length=20)] = "phan_anh",
    full_name: Annotated[str, Form(max_length=1000)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    consent: Annotated[str, Form(max_length=10)] = "",
    notify: Annotated[str, Form(max_length=10)] = "",
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """Nhận biểu mẫu; lỗi được báo ngay cạnh từng ô, nội dung đã nhập được giữ lại.

    Nơi nhận trùng tên với nhiều đơn vị: bước hai cho chọn một (``unit_code``); không tìm thấy: yêu cầu sửa. Không ghi
    nơi nhận mà có vị trí (nút "Dùng vị trí của tôi"): gửi đến xã/phường gần nhất.
    """
    csrf.verify(request, csrf_token)
    values = {
        "idempotency_key": idempotency_key or uuid.uuid4().hex,
        "title": title,
        "content": content,
        "unit_text": unit_text,
        "unit_code": unit_code,
        "latitude": latitude,
        "longitude": longitude,
        "category": category,
        "kind": kind,
        "full_name": full_name,
        "phone": phone,
        "email": email,
        "notify": notify,
    }
    values["consent"] = consent
    errors: dict[str, str] = {}
    if not consent and (full_name.strip() or phone.strip() or email.strip()):
        errors["consent"] = CONSENT_REQUIRED_FORM
    lat, lon = _coordinate(latitude), _coordinate(longitude)
    choices: list[UnitMatch] = []
    found = await services.petitions.intake.place(principal, unit_text) if unit_text.strip() else None
    if found and found.status == "ambiguous":
        choices = found.results  # shown again with the choice made, should another field be wrong
    if unit_code.strip():
        place: dict[str, Any] = {"unit_code": unit_code}  # a namesake chosen at the second step
    elif found:
        place = {"unit_text": unit_text}
        if found.status == "ambiguous":
            errors["unit_code"] = f"Nơi nhận: có {len(choices)} đơn vị tên “{unit_text.strip()}”, vui lòng chọn một."
        elif found.status == "not_found":
            errors["unit_text"] = _place_unknown(unit_text)
    elif lat is not None and lon is not None:
        place = {"latitude": lat, "longitude": lon}  # the nearest commune
    else:
        place = {}
        errors["unit_text"] = _PLACE_MISSING
    try:
        data = PetitionIn(
            title=title,
            content=content,
            **place,
            category=category or None,
            kind=kind or "phan_anh",
            contact=Contact(full_name=full_name or None, phone=phone or None, email=email or None),
            consent=bool(consent),
            notify=notify or None,
        )
    except ValidationError as exc:
        for e in exc.errors():
            field = str(e["loc"][-1]) if e["loc"] else ""
            errors.setdefault(field, f"{_FIELD_LABELS.get(field, field)}: {describe(e, bare=True)}")
    files: list[Attachment] = []
    uploads = [f for f in attachments or [] if f.filename][: MAX_FILES + 1]  # one too many is enough to refuse
    try:
        files = check_attachments([(u.filename or "", await u.read(MAX_BYTES + 1)) for u in uploads])
    except ValueError as exc:
        errors["attachments"] = str(exc)
    if errors:
        values["chosen_files"] = ", ".join(f"“{u.filename}”" for u in uploads[:MAX_FILES])  # to be chosen again
        return _form_page(request, principal, values, errors, 422, choices)
    try:
        filed = await services.petitions.intake.file(principal, data, "web", values["idempotency_key"], files)
    except InvalidPetition as exc:
        if exc.field not in ("email", "phone", "unit_code"):
            raise
        field = "unit_text" if exc.field == "unit_code" else exc.field  # a code that is no unit: type the name again
        return _form_page(request, principal, values | {"unit_code": ""}, {field: exc.message}, 422)
    return RedirectResponse(f"/tra-cuu?ma={filed.tracking_code}&moi=1", status_code=303)


@router.get("/tra-cuu", response_class=HTMLResponse)
async def track(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    ma: Annotated[str, Query(max_length=100)] = "",
    moi: bool = False,
) -> HTMLResponse:
    """Tra cứu tình trạng phản ánh theo mã tra cứu đầy đủ (xem PetitionViews.status)."""
    found = await services.petitions.views.status(ma, principal) if ma and ma.strip() else None
    similar = await services.petitions.views.similar_to(ma, principal) if found and moi else []
    sent = await services.petitions.views.as_sent(ma) if found and moi else None
    return render(
        request,
        "petition_status.html",
        principal,
        code=ma,
        found=found,
        new=moi,
        similar=similar,
        sent=sent,
        refusal=receipts.not_found(ma) if ma and not found else None,
    )


def _filters(
    status: Status = None,
    category: Annotated[str | None, Query(max_length=20)] = None,
    overdue: bool = False,
    due_soon: bool = False,
    assigned: bool = False,
    reply_overdue: bool = False,
    unit: Annotated[str | None, Query(max_length=10)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Sort = Sort.RECEIVED,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> Filters:
    """The list's filters, from the query string (empty fields ignored)."""
    return Filters(
        status=status or None,
        category=category or None,
        overdue=overdue,
        due_soon=due_soon,
        mine=assigned,
        reply_overdue=reply_overdue,
        unit_code=unit or None,
        query=q,
        sort=sort,
        page=page,
        per_page=per_page,
    )


ListFilters = Annotated[Filters, Depends(_filters)]


@router.get("/can-bo/phan-anh", response_class=HTMLResponse)
async def cadre_petitions(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    filters: ListFilters,
    da_chuyen: Annotated[str | None, Query(max_length=40)] = None,
    den: Annotated[str | None, Query(max_length=10)] = None,
    ket_qua: Annotated[str | None, Query(max_length=20_000)] = None,
    ky: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Danh sách phản ánh trong phạm vi của cán bộ: tìm không dấu, lọc, sắp xếp, phân trang, xuất Excel, chọn nhiều
    phản ánh để giao hoặc chuyển; sau khi chuyển, thông báo đã chuyển đến đâu."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    found = await services.petitions.workflow.listing(principal, filters)
    shown = ("page", "da_chuyen", "den", "ket_qua", "ky")
    query = {k: v for k, v in request.query_params.items() if k not in shown and v}
    target = services.resolver.units.get(den or "")
    done = f"Đã chuyển phản ánh {da_chuyen} đến {target.name}{_province(target)}." if da_chuyen and target else None
    done = result_message(request, ket_qua, ky) or done
    return render(
        request,
        "cadre_petitions.html",
        principal,
        found=found,
        f=filters,
        query=urlencode(query),
        sorts=SORT_LABELS,
        units=services.resolver.units,
        done=done,
        assignees=await bulk.assignees(services.petitions.workflow, principal),
        **_NAMES,
    )


@router.get("/can-bo/phan-anh.xlsx")
async def cadre_petitions_export(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, filters: ListFilters
) -> Response:
    """Xuất danh sách đã lọc ra tệp Excel (không có thông tin liên hệ của người gửi)."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    data = await services.petitions.workflow.export(principal, filters)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''phan-anh.xlsx"},
    )


@router.get("/can-bo/phan-anh/{code}", response_class=HTMLResponse)
async def cadre_petition(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    code: str,
    loi: Annotated[str | None, Query(max_length=300)] = None,
    xong: PetitionAction | None = None,
) -> HTMLResponse:
    """Chi tiết và xử lý một phản ánh."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    petitions = services.petitions.workflow
    found = await petitions.detail(principal, code)  # its history, submitter, contact, files and similar petitions
    p = found.pop("petition")
    draft = (
        await petitions.publication_draft(principal, code)
        if p["status"] in (PetitionStatus.ANSWERED, PetitionStatus.PUBLISHED) and not found["identity_hidden"]
        else None
    )
    return render(
        request,
        "cadre_petition.html",
        principal,
        p=p,
        **found,
        draft=draft,
        **_NAMES,
        error=loi,
        done=f"Đã thực hiện: {ACTION_LABELS[xong].lower()}." if xong else None,
    )


@router.get("/can-bo/phan-anh/{code}/in", response_class=HTMLResponse)
async def cadre_petition_print(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> HTMLResponse:
    """Bản in của một phản ánh kèm lịch sử xử lý (không có thông tin liên hệ của người gửi)."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    found = await services.petitions.workflow.detail(principal, code)
    return render(
        request,
        "cadre_petition_print.html",
        principal,
        p=found["petition"],
        events=found["events"],
        submitter=found["submitter"],
        names=found["names"],
        printed_at=datetime.now(UTC),
        **_NAMES,
    )


@router.get("/can-bo/phan-anh/{code}/so-sanh/{other}", response_class=HTMLResponse)
async def cadre_compare(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    code: str,
    other: str,
    loi: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """Hai phản ánh cạnh nhau, lý do giống hoặc khác nhau, và xác nhận trước khi gộp."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    pair = await services.petitions.workflow.compare(principal, code, other)
    return render(request, "cadre_compare.html", principal, **pair, **_NAMES, error=loi)


@router.get("/can-bo/phan-anh/{code}/tep/{attachment_id}")
async def cadre_attachment(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str, attachment_id: int
) -> Response:
    """Tải tệp đính kèm (chỉ cán bộ trong phạm vi)."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    row = await services.petitions.workflow.attachment(principal, code, attachment_id)
    return Response(
        bytes(row["data"]),
        media_type=row["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row['filename'])}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/can-bo/phan-anh/{code}", max_body_size=MAX_FILES * MAX_BYTES + 1024 * 1024)  # a reply's document
async def cadre_petition_action(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> Response:
    """Thao tác từ biểu mẫu của trang chi tiết. Chuyển đơn vị: tên đơn vị nhận được tra như ở biểu mẫu phản ánh;
    trùng tên thì trang chọn một trong các đơn vị cùng tên."""
    form = await request.form()
    csrf.verify(request, str(form.get("csrf_token") or ""))
    await authorize(request, principal, Operation.PETITION_HANDLE)
    fields = {k: str(v) for k, v in form.items() if k not in ("csrf_token", "document") and str(v).strip()}
    uploads = [f for f in form.getlist("document") if isinstance(f, StarletteUpload) and f.filename][: MAX_FILES + 1]
    if fields.get("action") in _CONFIRMED and fields.pop("confirmed", "") != "1":
        back = f"/can-bo/phan-anh/{code}" + (f"/so-sanh/{quote(fields.get('into', ''))}" if "into" in fields else "")
        message = "Hãy đánh dấu ô xác nhận trước khi thực hiện."
        return RedirectResponse(f"{back}?loi={quote(message)}", status_code=303)
    fields.pop("confirmed", None)
    unit_text = fields.pop("unit_text", "")
    if fields.get("action") == PetitionAction.TRANSFER and "unit_code" not in fields and unit_text:
        found = await services.petitions.intake.place(principal, unit_text)
        if found.status == "ambiguous":  # the namesakes to choose among: the second step, without JavaScript
            return render(request, "cadre_transfer.html", principal, code=code, found=found, fields=fields)
        if found.status == "not_found":
            return RedirectResponse(f"/can-bo/phan-anh/{code}?loi={quote(_place_unknown(unit_text))}", status_code=303)
        fields["unit_code"] = found.results[0].code
    try:
        action = Action.model_validate(fields)
        documents = check_attachments([(u.filename or "", await u.read(MAX_BYTES + 1)) for u in uploads])
        await services.petitions.workflow.act(principal, code, action, documents)
    except (PetitionError, ValueError) as exc:
        message = (
            exc.message
            if isinstance(exc, PetitionError)
            else describe(exc.errors()[0])
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        return RedirectResponse(f"/can-bo/phan-anh/{code}?loi={quote(message)}", status_code=303)
    if action.action == PetitionAction.TRANSFER:  # the petition may have left the cadre's scope: back to the list
        moved = urlencode({"da_chuyen": code, "den": action.unit_code or ""})
        return RedirectResponse(f"/can-bo/phan-anh?{moved}", status_code=303)
    return RedirectResponse(f"/can-bo/phan-anh/{code}?xong={action.action.value}", status_code=303)
