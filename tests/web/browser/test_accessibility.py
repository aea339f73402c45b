"""axe-core on a phone (issue 18, part C): the home page, the petition form (and its namesakes step), the status page
with a result, the library and the chat have no serious or critical violation of WCAG 2.1 AA."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.accessibility import described, violations
from tests.support.browser import CHAT_TIMEOUT_MS, PHONE, guest_composer
from tests.support.platform import Platform


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A guest's phone; axe is injected as an inline script, so the pages' script policy is bypassed."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    yield context
    context.close()


def _check(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}:\n{described(found)}"


def test_the_public_pages_have_no_serious_violation(platform: Platform, phone: BrowserContext) -> None:
    filed = httpx2.post(
        f"{platform.base_url}/api/petitions",
        json={
            "title": "Rác thải tồn đọng ở chợ",
            "unit_text": "P. Ba Đình, HN",
            "content": "Rác thải tồn đọng ở cổng chợ nhiều ngày, bốc mùi hôi ảnh hưởng người dân xung quanh.",
        },
        timeout=60,
    ).json()
    page = phone.new_page()
    page.goto(f"{platform.base_url}/")
    _check(page, "trang chủ")
    page.keyboard.press("Tab")  # the first stop skips the header
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.goto(f"{platform.base_url}/phan-anh")
    _check(page, "biểu mẫu")
    page.get_by_label("Nơi nhận").fill("xa hoa binh")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_role("radio").first).to_be_visible()
    _check(page, "biểu mẫu, bước chọn nơi nhận")
    page.goto(f"{platform.base_url}/tra-cuu?ma={filed['tracking_code']}")
    expect(page.locator("#status")).to_have_text("Đã tiếp nhận")
    _check(page, "trang tra cứu")
    page.goto(f"{platform.base_url}/thu-vien")
    _check(page, "thư viện")
    # checked once greeted: the guest's chat signs in and settles its address first
    expect(guest_composer(page, f"{platform.base_url}/chat/")).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    _check(page, "trợ lý")
    page.get_by_role("link", name="Trang chủ Mặt trận số").press("Enter")  # the way back to the site, by keyboard
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url == f"{platform.base_url}/"
