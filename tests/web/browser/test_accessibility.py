"""axe-core on a phone (issue 18, part C): the home page, the petition form (and its namesakes step), the status page
with a result, the library and the chat have no serious or critical violation of WCAG 2.1 AA."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.support.accessibility import assert_accessible, axe_phone
from tests.support.browser import CHAT_TIMEOUT_MS, guest_composer
from tests.support.platform import Platform


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A guest's phone whose pages axe checks."""
    with axe_phone(browser) as context:
        yield context


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
    assert_accessible(page, "trang chủ")
    page.keyboard.press("Tab")  # the first stop skips the header
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.goto(f"{platform.base_url}/phan-anh")
    assert_accessible(page, "biểu mẫu")
    page.get_by_label("Nơi nhận").fill("xa hoa binh")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_role("radio").first).to_be_visible()
    assert_accessible(page, "biểu mẫu, bước chọn nơi nhận")
    page.goto(f"{platform.base_url}/tra-cuu?ma={filed['tracking_code']}")
    expect(page.locator("#status")).to_have_text("Đã tiếp nhận")
    assert_accessible(page, "trang tra cứu")
    page.goto(f"{platform.base_url}/thu-vien")
    assert_accessible(page, "thư viện")
    # checked once greeted: the guest's chat signs in and settles its address first
    expect(guest_composer(page, f"{platform.base_url}/chat/")).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    assert_accessible(page, "trợ lý")
    page.get_by_role("link", name="Trang chủ Mặt trận số").press("Enter")  # the way back to the site, by keyboard
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url == f"{platform.base_url}/"
