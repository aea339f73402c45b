"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): one more door to the same petition pipeline.

Every answer is JSON or XML as the path's ``.format`` asks, XML per the spec's JSON/XML conversion; every refusal
is the spec's list of errors (``code``, ``description``) with the matching HTTP status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any
from xml.etree import ElementTree

from fastapi import APIRouter, Depends, Form, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import Field, ValidationError
from starlette.exceptions import HTTPException

from mattran.domain import api_keys
from mattran.domain.errors import DomainError, NotFound
from mattran.domain.rate_limits import RateLimited
from mattran.domain.time import VIETNAM
from web import open311_format as open311
from web.deps import ServicesDep
from web.errors import describe
from web.open311_format import Open311Error, RequestForm

# XML element of each item of a list, by the list's element (the spec's containers).
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _w3(value: datetime) -> str:
    """A date and time as the spec writes them: ISO 8601 with the offset (Vietnam's)."""
    return value.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _w3(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(ElementTree.SubElement(element, name), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, _ITEMS[element.tag]), item)
    elif value is not None:
        element.text = _text(value)


def _respond(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    """``data`` as JSON, or as XML under ``root`` (a list's items named after their container)."""
    if fmt == "xml":
        element = ElementTree.Element(root)
        _fill(element, data)
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="unicode")
    else:
        body = json.dumps(data, ensure_ascii=False, default=_w3)
    return Response(body.encode(), status, media_type=f"{open311.FORMATS[fmt]}; charset=utf-8")


def _errors(request: Request, status: int, descriptions: list[str]) -> Response:
    fmt = request.path_params.get("format")
    return _respond(
        fmt if fmt in open311.FORMATS else "xml",
        "errors",
        [{"code": status, "description": d} for d in descriptions],
        status,
    )


def _describe(error: Any) -> str:
    """A validation error in Vietnamese, naming the Open311 parameter at fault."""
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path", "header"))
    return describe({**error, "loc": (open311.FIELD_NAMES.get(where, where),)})


class _Open311Route(APIRoute):
    """A route whose refusals are all in the spec's error format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as exc:
                return _errors(request, exc.status, exc.descriptions)
            except RateLimited as exc:
                refused = _errors(request, 429, [exc.message])
                refused.headers["Retry-After"] = str(exc.retry_after)
                return refused
            except DomainError as exc:  # the spec knows 404 and, for any other refusal, 400
                return _errors(request, 404 if isinstance(exc, NotFound) else 400, [exc.message])
            except (RequestValidationError, ValidationError) as exc:
                return _errors(request, 400, list(dict.fromkeys(_describe(e) for e in exc.errors())))
            except HTTPException as exc:  # a body that is not a readable form
                return _errors(
                    request,
                    exc.status_code,
                    ["Không đọc được yêu cầu: cần dữ liệu application/x-www-form-urlencoded (UTF-8)."],
                )

        return answer


def _no_key_in_query(request: Request) -> None:
    """Refuse an ``api_key`` in the address: addresses are written to access logs and proxies' logs."""
    if "api_key" in request.query_params:
        raise Open311Error(
            400,
            "Không gửi api_key trong địa chỉ (query string) vì địa chỉ được ghi vào nhật ký "
            "máy chủ: gửi api_key trong nội dung biểu mẫu POST hoặc tiêu đề X-Api-Key.",
        )


router = APIRouter(
    prefix="/open311/v2", tags=["open311"], route_class=_Open311Route, dependencies=[Depends(_no_key_in_query)]
)


def _format(format: Annotated[str, Path(description="json hoặc xml.")]) -> str:  # the spec's name
    if format not in open311.FORMATS:
        raise Open311Error(404, f"Định dạng “{format}” không được hỗ trợ: dùng .json hoặc .xml.")
    return format


Format = Annotated[str, Depends(_format)]
Jurisdiction = Annotated[str | None, Query(description="Mã đơn vị (xã, tỉnh hoặc TW); không bắt buộc.")]


class _PostForm(RequestForm):
    """The POST form: the request's fields and the client's key."""

    api_key: str | None = Field(default=None, description="Khóa API của ứng dụng (bắt buộc).")


@router.get("/discovery.{format}")
async def discovery(request: Request, services: ServicesDep, fmt: Format) -> Response:
    """Tài liệu khám phá dịch vụ (Service Discovery): địa chỉ, định dạng, cách xin khóa API."""
    settings = services.settings
    return _respond(fmt, "discovery", open311.discovery(settings.base_url, settings.env == "production"))


@router.get("/services.{format}")
async def services(
    request: Request, services: ServicesDep, fmt: Format, jurisdiction_id: Jurisdiction = None
) -> Response:
    """Danh sách dịch vụ: mỗi lĩnh vực phản ánh, kiến nghị là một dịch vụ."""
    open311.jurisdiction(services.petitions, jurisdiction_id)
    return _respond(fmt, "services", open311.services())


@router.get("/services/{service_code}.{format}")
async def service_definition(
    request: Request, services: ServicesDep, fmt: Format, service_code: str, jurisdiction_id: Jurisdiction = None
) -> Response:
    """Định nghĩa một dịch vụ (không có thuộc tính bổ sung)."""
    open311.jurisdiction(services.petitions, jurisdiction_id)
    return _respond(fmt, "service_definition", open311.service_definition(service_code))


@router.post("/requests.{format}")
async def create_request(
    request: Request,
    services: ServicesDep,
    fmt: Format,
    form: Annotated[_PostForm, Form()],
    x_api_key: Annotated[str | None, Header(description="Hoặc gửi khóa API trong tiêu đề này.")] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Gửi phản ánh, kiến nghị (cần api_key). Gửi lại với cùng `Idempotency-Key` không tạo phản ánh thứ hai."""
    given = form.api_key or x_api_key
    key = await api_keys.verify(services.db, given)
    if key is None:
        raise Open311Error(
            403,
            "api_key không hợp lệ hoặc đã bị thu hồi: không thể tạo phản ánh."
            if given
            else "Thiếu api_key: không thể tạo phản ánh.",
        )
    created = await open311.file_request(services.petitions, key, form, idempotency_key)
    return _respond(fmt, "service_requests", created)


@router.get("/requests.{format}")
async def service_requests(
    request: Request,
    services: ServicesDep,
    fmt: Format,
    service_request_id: Annotated[
        str | None, Query(description="Mã phản ánh, cách nhau bởi dấu phẩy; bỏ qua mọi điều kiện khác.")
    ] = None,
    service_code: Annotated[str | None, Query(description="Mã lĩnh vực, cách nhau bởi dấu phẩy.")] = None,
    start_date: Annotated[str | None, Query(description="Từ thời điểm (ISO 8601).")] = None,
    end_date: Annotated[str | None, Query(description="Đến thời điểm (ISO 8601); tối đa 90 ngày.")] = None,
    status: Annotated[str | None, Query(description="open, closed hoặc open,closed.")] = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """Các phản ánh đã công khai trả lời (số phản ánh, dữ liệu công khai), mới nhất trước."""
    found = await open311.public_requests(
        services.petitions,
        service_request_id=service_request_id,
        service_code=service_code,
        start_date=start_date,
        end_date=end_date,
        status=status,
        jurisdiction_id=jurisdiction_id,
    )
    return _respond(fmt, "service_requests", found)


@router.get("/requests/{service_request_id}.{format}")
async def service_request(
    request: Request, services: ServicesDep, fmt: Format, service_request_id: str, jurisdiction_id: Jurisdiction = None
) -> Response:
    """Một phản ánh theo mã tra cứu đầy đủ (service_request_id khi tạo; chỉ dữ liệu công khai)."""
    open311.jurisdiction(services.petitions, jurisdiction_id)
    return _respond(fmt, "service_requests", await open311.public_request(services.petitions, service_request_id))
