"""The publication review in a real browser on a phone: personal data highlighted, masked proposals, approval."""

from __future__ import annotations

import httpx2
from playwright.sync_api import Browser, expect

from tests.support.browser import ARTIFACTS, COMMUNE, PHONE, sign_in
from tests.support.platform import Platform

CADRE = {"sub": "canbo.xa", "name": "Trần Thị Xã", "roles": ["commune_cadre"], "unit": "08611"}  # the demo account


def test_a_cadre_reviews_and_publishes_on_a_phone(platform: Platform, browser: Browser) -> None:
    title = "Tôi là bà Lê Thị Mai 0987654321, cầu tràn thôn Đông hỏng"
    filed = httpx2.post(
        f"{platform.base_url}/api/petitions",
        json={
            "title": title,
            "unit_code": "08611",
            "consent": True,
            "contact": {"full_name": "Lê Thị Mai", "phone": "0987654321"},
            "content": "Cầu tràn thôn Đông xã Văn Miếu bị hỏng, học sinh phải lội nước. Gọi tôi: 0987654321.",
        },
    ).json()
    code = filed["tracking_code"]
    bearer = {"Authorization": f"Bearer {platform.mint(CADRE)}"}
    for step in ({"action": "accept"}, {"action": "answer", "answer": "Xã đã sửa cầu tràn thôn Đông."}):
        assert (
            httpx2.post(f"{platform.base_url}/api/petitions/{code}/actions", json=step, headers=bearer).status_code
            == 200
        )
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, platform, COMMUNE)
    page.goto(f"{platform.base_url}/can-bo/phan-anh/{code}")
    form = page.locator("form#publication")
    expect(form).to_be_visible()
    expect(page.locator("#title_public-original mark")).to_have_text(["Lê Thị Mai", "0987654321"])
    expect(page.locator("#content_public-original mark")).to_have_text(["0987654321"])
    proposed = page.locator("#title_public")
    expect(proposed).to_have_value("Tôi là bà [họ tên đã ẩn] [số điện thoại đã ẩn], cầu tràn thôn Đông hỏng")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # fits the phone
    proposed.fill("Cầu tràn thôn Đông bị hỏng")
    page.screenshot(path=str(ARTIFACTS / "browser-publication-review.png"), full_page=True)
    form.get_by_role("button", name="Duyệt và công khai").click()
    expect(page.locator("#status")).to_have_text("Đã công khai trả lời")
    expect(page.locator("form#publication h3")).to_have_text("Sửa bản công khai")
    page.goto(f"{platform.base_url}/tra-cuu?ma={code}")
    expect(page.locator("#status")).to_have_text("Đã công khai trả lời")
    expect(page.locator("#public-title")).to_have_text("Cầu tràn thôn Đông bị hỏng")  # the reviewed title
    public = httpx2.get(f"{platform.base_url}/api/petitions/{code}").json()
    assert public["title"] == "Cầu tràn thôn Đông bị hỏng"
    assert "0987654321" not in public["content"] and "[số điện thoại đã ẩn]" in public["content"]
    context.close()
