"""Open311 GeoReport v2 requests to a running platform, as a client application sends them."""

from __future__ import annotations

import httpx2

from tests.support.platform import Platform

DESCRIPTION = "Đèn đường ngõ 5 phố Đội Cấn bị hỏng cả tháng nay, buổi tối rất tối và nguy hiểm cho người đi bộ."


def request_url(platform: Platform, path: str) -> str:
    return f"{platform.base_url}/open311/v2/{path}"


def post_request(
    platform: Platform, fmt: str = "json", headers: dict[str, str] | None = None, **fields: str
) -> httpx2.Response:
    body = {"service_code": "ha_tang", "address_string": "P. Ba Đình, HN", "description": DESCRIPTION, **fields}
    return httpx2.post(request_url(platform, f"requests.{fmt}"), data=body, headers=headers or {})
