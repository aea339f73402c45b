"""Vietnamese error responses: JSON for the API, pages (or the sign-in redirect) for browsers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mattran.auth.principal import Principal
from mattran.domain.errors import DomainError
from mattran.domain.petitions import PetitionError
from mattran.domain.rate_limits import RateLimited
from web.auth import current_principal
from web.problems import detail_of, status_of
from web.render import render

_REASONS = {
    "missing": "bắt buộc phải có",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "int_parsing": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là đúng/sai",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "literal_error": "không thuộc các giá trị cho phép",
    "json_invalid": "JSON không hợp lệ",
}
_STATUS_MESSAGES = {404: "Không tìm thấy trang hoặc dữ liệu yêu cầu.", 405: "Phương thức không được hỗ trợ."}
# Refusals of Starlette itself (a body it cannot parse, one over a route's size limit): their details are English.
_FRAMEWORK_MESSAGES = {
    400: "Không đọc được nội dung gửi lên: JSON hoặc biểu mẫu không hợp lệ.",
    413: "Dữ liệu gửi lên quá lớn: tệp hoặc nội dung vượt giới hạn cho phép.",
}


def describe(error: Any, bare: bool = False) -> str:
    """A Vietnamese sentence for one pydantic validation error (``bare``: the reason alone)."""
    where = (
        ""
        if error.get("type") == "json_invalid"
        else ".".join(  # a JSON error's place is a character offset
            str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path")
        )
    )
    reason = _REASONS.get(error.get("type", ""), "không hợp lệ")
    if error.get("type") == "string_too_short" and "min_length" in (error.get("ctx") or {}):
        reason = f"quá ngắn (tối thiểu {error['ctx']['min_length']} ký tự)"
    elif error.get("type") == "string_too_long" and "max_length" in (error.get("ctx") or {}):
        reason = f"quá dài (tối đa {error['ctx']['max_length']} ký tự)"
    elif error.get("type") == "value_error":
        reason = str(error.get("msg", "")).removeprefix("Value error, ") or reason
    elif error.get("type") == "string_pattern_mismatch":
        reason = "không đúng định dạng"
    if bare:
        return reason[:1].upper() + reason[1:] + "."
    return f"Tham số “{where}” {reason}." if where else f"Dữ liệu {reason}."


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


async def _caller(request: Request) -> Principal:
    """Who is signed in, for the header of an error page (anonymous when that cannot be told)."""
    try:
        return await current_principal(request)
    except HTTPException:
        return Principal.anonymous()


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": describe(e)} for e in exc.errors()]
    message = " ".join(dict.fromkeys(e["msg"] for e in errors))
    return JSONResponse({"message": message, "detail": errors}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = (
        exc.detail
        if isinstance(exc, HTTPException) and exc.status_code not in _STATUS_MESSAGES
        else (_STATUS_MESSAGES.get(exc.status_code) or _FRAMEWORK_MESSAGES.get(exc.status_code, exc.detail))
    )
    if _wants_page(request):
        if exc.status_code == 401:
            return RedirectResponse(f"/dang-nhap?next={quote(request.url.path)}", status_code=303)
        return render(request, "error.html", await _caller(request), status_code=exc.status_code, message=detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _domain_error(request: Request, exc: Exception) -> Response:
    """A domain refusal with its kind's status: a petition's names the input at fault, the others answer as an
    HTTP error does (the same page, the same sign-in redirect)."""
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    if not isinstance(exc, PetitionError):
        response = await _http_error(request, HTTPException(status, detail_of(exc)))
    elif _wants_page(request):
        response = render(request, "error.html", await _caller(request), status_code=status, message=exc.message)
    else:
        response = JSONResponse({"detail": exc.message, "field": exc.field}, status_code=status)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)  # on the page too
    return response


def install(app: FastAPI) -> None:
    """Register the Vietnamese handlers on ``app``."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
