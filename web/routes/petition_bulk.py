"""Several petitions of the cadres' list at once (works without JavaScript): the ones ticked, or all on the page, are
assigned to a cadre of the unit or transferred through the unit picker; a page lists what will change, the cadre
confirms, and the list comes back with one message saying what was done and what was refused."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from mattran.domain.permissions import Operation
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions import Action, PetitionError, bulk
from web import csrf
from web.auth import CurrentPrincipal, authorize
from web.deps import ServicesDep, get_settings, signing_secret
from web.errors import describe
from web.render import render

router = APIRouter(include_in_schema=False)
LIST = "/can-bo/phan-anh"
_FIELDS = ("action", "assignee", "unit_code", "reason")


def _signature(request: Request, message: str) -> str:
    key = signing_secret(get_settings(request)).encode()
    return hmac.new(key, f"petition-bulk\0{message}".encode(), hashlib.sha256).hexdigest()


def result_message(request: Request, message: str | None, signature: str | None) -> str | None:
    """The outcome shown on the list, when the platform signed it (a link cannot make the page say anything)."""
    if not message or not signature:
        return None
    return message if hmac.compare_digest(signature, _signature(request, message)) else None


def _list_url(query: str, **more: str) -> str:
    """The list at the filters the cadre came from (a query string only, re-encoded), with ``more``."""
    pairs = [(k, v) for k, v in parse_qsl(query) if k not in ("ket_qua", "ky")] + list(more.items())
    return f"{LIST}?{urlencode(pairs)}" if pairs else LIST


@router.post("/can-bo/phan-anh-da-chon", response_class=HTMLResponse)
async def selected_petitions(request: Request, services: ServicesDep, principal: CurrentPrincipal) -> Response:
    """Giao cán bộ hoặc chuyển đơn vị nhiều phản ánh: trang xác nhận liệt kê thay đổi; xác nhận xong, mỗi phản ánh
    được xử lý như khi làm từng cái, phản ánh không xử lý được được báo kèm lý do."""
    form = await request.form()
    csrf.verify(request, str(form.get("csrf_token") or ""))
    await authorize(request, principal, Operation.PETITION_HANDLE)
    query = str(form.get("tiep") or "")
    codes = [str(c) for c in form.getlist("ma")]
    if form.get("tat_ca") == "1":  # "chọn tất cả trên trang": the page's petitions, as it listed them
        codes = [str(c) for c in form.getlist("trang")] + codes
    fields = {k: str(form.get(k) or "").strip() for k in _FIELDS}
    page: dict[str, Any] = {"back": _list_url(query), "query": query, "codes": codes, "fields": fields}
    workflow = services.petitions.workflow
    unit_text = str(form.get("unit_text") or "").strip()
    if fields["action"] == PetitionAction.TRANSFER and not fields["unit_code"] and unit_text:
        found = await services.petitions.intake.place(principal, unit_text)
        if found.status == "ambiguous":  # the namesakes to choose among: a step of its own, without JavaScript
            return render(request, "cadre_bulk.html", principal, **page, choices=found)
        if found.status == "not_found":
            error = (
                f"Không tìm thấy đơn vị nào tên “{unit_text}”: ghi tên xã/phường và tỉnh/thành phố, hoặc “Trung ương”."
            )
            return render(request, "cadre_bulk.html", principal, status_code=400, **page, error=error)
        fields["unit_code"] = found.results[0].code
    try:
        action = Action.model_validate({k: v for k, v in fields.items() if v})
        if form.get("confirmed") == "1":
            outcome = await bulk.carry_out(workflow, principal, codes, action)
            message = outcome.message
            return RedirectResponse(_list_url(query, ket_qua=message, ky=_signature(request, message)), status_code=303)
        plan = await bulk.plan(workflow, principal, codes, action)
    except (PetitionError, ValidationError) as exc:
        error = exc.message if isinstance(exc, PetitionError) else describe(exc.errors()[0])
        return render(request, "cadre_bulk.html", principal, status_code=400, **page, error=error)
    return render(request, "cadre_bulk.html", principal, **page, plan=plan)
