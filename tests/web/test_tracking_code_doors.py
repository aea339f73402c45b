"""Every door reads tracking codes with the one parser (issue 18): the ``/tra-cuu`` page, the HTTP API, Open311 and
the chat open the same petition for each way a citizen writes its code, and refuse what is not one with the same
Vietnamese message."""

from __future__ import annotations

from urllib.parse import quote

import httpx2

from mattran.domain import receipts
from tests.support.platform import Platform

PETITION = {
    "title": "Vỉa hè bị lấn chiếm",
    "content": "Vỉa hè trước chợ phường Ba Đình bị lấn chiếm hết, người đi bộ phải xuống lòng đường.",
    "unit_code": "00004",
}


def _forms(code: str) -> list[str]:
    receipt = receipts.parse(code)
    assert receipt and receipt.secret
    number, secret = f"{receipt.number:06d}", receipt.secret
    return [
        f"pakn {receipt.year} {number} {secret.lower()}",
        f"PAKN{receipt.year}{number}{secret}",
        code.replace("-", "–"),
        code.replace("-", "—"),
        code.replace("-", "."),
        code.lower(),
    ]


def _chat(platform: Platform, text: str, address: str) -> dict:
    r = httpx2.post(
        f"{platform.base_url}/api/chat", json={"message": text}, headers={"X-Forwarded-For": address}, timeout=60
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_each_door_opens_a_code_however_written(platform: Platform) -> None:
    filed = httpx2.post(
        f"{platform.base_url}/api/petitions", json=PETITION, headers={"X-Forwarded-For": "198.51.100.180"}, timeout=30
    )
    code = filed.json()["tracking_code"]
    for n, form in enumerate(_forms(code)):
        api = httpx2.get(f"{platform.base_url}/api/petitions/{quote(form)}", timeout=30)
        assert api.status_code == 200 and api.json()["tracking_code"] == code, form
        page = httpx2.get(f"{platform.base_url}/tra-cuu", params={"ma": form}, timeout=30)
        assert 'id="status">Đã tiếp nhận' in page.text and code in page.text, form
        open311 = httpx2.get(f"{platform.base_url}/open311/v2/requests/{quote(form)}.json", timeout=30)
        assert open311.status_code == 200 and open311.json()[0]["service_request_id"] == code, form
        said = _chat(platform, form, f"198.51.100.{181 + n}")
        assert said["intent"] == "get_petition_status" and "Đã tiếp nhận" in said["reply"] and code in said["reply"]


def test_each_door_refuses_what_is_not_a_code_in_vietnamese(platform: Platform) -> None:
    for text, says in (
        ("PAKN 2026 12", "Cần mã tra cứu đầy đủ, gồm cả 6 ký tự cuối"),
        ("pakn 2026 000123 7kq4xz", "Không tìm thấy phản ánh mã “PAKN-2026-000123-7KQ4XZ”"),
        ("mã-của-tôi", "không phải mã tra cứu: mã tra cứu có dạng PAKN-2026-000123-7KQ4XZ"),
    ):
        api = httpx2.get(f"{platform.base_url}/api/petitions/{quote(text)}", timeout=30)
        assert api.status_code == 404 and says in api.json()["detail"], text
        page = httpx2.get(f"{platform.base_url}/tra-cuu", params={"ma": text}, timeout=30)
        assert says in page.text.replace("&#34;", '"') and 'id="status"' not in page.text, text
        open311 = httpx2.get(f"{platform.base_url}/open311/v2/requests/{quote(text)}.json", timeout=30)
        assert open311.status_code == 404 and says in open311.text, text
    said = _chat(platform, "Tra cứu giúp tôi phản ánh pakn 2026 000123 7kq4xz", "198.51.100.190")
    assert "Không tìm thấy phản ánh mã “PAKN-2026-000123-7KQ4XZ”" in said["reply"]
