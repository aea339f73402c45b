"""The HTTP door: health, the unit resolver API and the public page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mattran.bootstrap import StoreUrls
from mattran.settings import Settings
from web.app import create_app


@pytest.fixture(scope="module")
def client(settings: Settings, urls: StoreUrls) -> Iterator[TestClient]:
    with TestClient(create_app(settings, urls)) as c:
        yield c


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "units": 3356}


def test_units_api_resolves_with_every_documented_field(client: TestClient) -> None:
    r = client.get("/api/units", params={"q": "P. Ba Đình, HN"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "resolved"
    [unit] = body["results"]
    assert {k: unit[k] for k in ("code", "name", "type", "province_code", "province_name")} == {
        "code": "00004",
        "name": "Phường Ba Đình",
        "type": "phường",
        "province_code": "01",
        "province_name": "Thành phố Hà Nội",
    }
    assert 0 < unit["score"] <= 1


def test_units_api_returns_candidates_when_ambiguous(client: TestClient) -> None:
    body = client.get("/api/units", params={"q": "phuong 1"}).json()
    assert body["status"] == "ambiguous"
    assert len(body["results"]) > 5
    assert len({u["province_code"] for u in body["results"]}) > 3
    assert all(u["province_name"] for u in body["results"])


def test_units_api_says_when_an_old_address_was_converted(client: TestClient) -> None:
    body = client.get("/api/units", params={"q": "Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"}).json()
    assert body["status"] == "resolved" and body["converted"] is True
    assert body["results"][0]["name"] == "Phường Sài Gòn"
    assert "trước 01/7/2025" in body["message"]


def test_bad_input_gets_a_vietnamese_message(client: TestClient) -> None:
    missing = client.get("/api/units")
    assert missing.status_code == 422
    assert missing.json()["message"] == "Tham số “q” bắt buộc phải có."
    too_long = client.get("/api/units", params={"q": "x" * 301})
    assert too_long.status_code == 422 and "quá dài" in too_long.json()["message"]
    nothing = client.get("/api/units", params={"q": "zzzz qqqq"}).json()
    assert nothing["status"] == "not_found" and nothing["results"] == []
    assert nothing["message"].startswith("Không tìm thấy")


def test_home_page_works_without_javascript(client: TestClient) -> None:
    page = client.get("/", params={"q": "dac khu phu quoc"})
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text and 'name="viewport"' in page.text
    assert "Đặc khu Phú Quốc" in page.text and "Tỉnh An Giang" in page.text
    assert "<script" not in page.text


def test_openapi_lists_the_units_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/units" in paths and "/healthz" in paths
