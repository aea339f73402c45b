"""Vietnamese error responses for bad input."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path"))
    reason = _REASONS.get(error.get("type", ""), "không hợp lệ")
    return f"Tham số “{where}” {reason}." if where else f"Dữ liệu {reason}."


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": _describe(e)} for e in exc.errors()
    ]
    message = " ".join(dict.fromkeys(e["msg"] for e in errors))
    return JSONResponse({"message": message, "detail": errors}, status_code=422)


def install(app: FastAPI) -> None:
    """Register the Vietnamese handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation_error)
