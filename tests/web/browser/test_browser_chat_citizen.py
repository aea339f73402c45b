"""The chat for citizens on a phone (390×844), in a real browser (issue 18): a Vietnamese page with every button
named, the Front's colours and a way back to the site; each starter opens a guided prompt and sends nothing; cancel
words, thanks and a new message during a confirmation never trap anyone; citations stay closed until tapped."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from agents.replies import CITIZEN_EXAMPLES, PENDING_DROPPED, Example
from tests.support.browser import ARTIFACTS, CHAT_TIMEOUT_MS, PHONE, guest_composer, send
from tests.support.library import ingest
from tests.support.platform import Platform

_NAMES = """() => [...document.querySelectorAll("button, [role=button]")]
    .filter(b => b.getClientRects().length > 0)
    .map(b => ({id: b.id, name: (b.getAttribute("aria-label") || b.textContent || b.title || "").trim(),
                height: b.getBoundingClientRect().height, header: !!b.closest("#header")}))"""
_ENGLISH = re.compile(r"\b(?:Toggle|Used|Using|Close|Open|Send|Copy|New|Chat|Search|Settings|Theme)\b")


WELLS = """QUỐC HỘI
LUẬT
THỬ NGHIỆM GIẾNG NƯỚC CÔNG CỘNG
Quốc hội ban hành Luật thử nghiệm giếng nước công cộng.
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về việc sửa chữa giếng nước công cộng ở khu dân cư.
Điều 2. Thời hạn sửa giếng nước
Trong thời hạn 12 ngày làm việc, kể từ ngày nhận được đề nghị của người dân, Ủy ban nhân dân cấp xã phải sửa xong \
giếng nước công cộng bị hỏng. Việc sửa chữa được thông báo công khai tại nhà văn hóa thôn.
Điều 3. Kinh phí sửa giếng nước
Kinh phí sửa giếng nước công cộng do ngân sách cấp xã bảo đảm.
"""


@pytest.fixture(scope="module")
def law(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A public law of this module's own, on a subject no other test's documents share."""
    path = tmp_path_factory.mktemp("thu-vien-dien-thoai") / "luat-thu-nghiem-gieng-nuoc.txt"
    path.write_text(WELLS, encoding="utf-8")
    ingest(platform, path, "--access", "public")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser profile (a guest)."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _answer(page: Page, text: str) -> None:
    expect(page.locator('[data-step-type="assistant_message"]', has_text=text).last).to_be_visible(
        timeout=CHAT_TIMEOUT_MS
    )


def test_the_page_is_vietnamese_with_named_buttons_the_fronts_colours_and_a_way_home(
    platform: Platform, phone: BrowserContext
) -> None:
    assert '<html lang="vi">' in httpx2.get(f"{platform.base_url}/chat/", timeout=30).text
    page = phone.new_page()
    guest_composer(page, f"{platform.base_url}/chat/")
    assert page.evaluate("document.documentElement.lang") == "vi"
    expect(page.locator("#theme-toggle")).to_have_attribute("aria-label", "Đổi giao diện sáng hoặc tối")
    buttons = page.evaluate(_NAMES)
    assert len(buttons) >= 5, buttons
    assert all(b["name"] and not _ENGLISH.search(b["name"]) for b in buttons), buttons
    assert all(b["height"] >= 44 for b in buttons if b["header"]), buttons
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()") == (
        "350 85% 42%"  # the Front's red, #C8102E
    )
    home = page.locator("#header").get_by_role("link", name="Trang chủ Mặt trận số")  # Chainlit's button, made a link
    expect(home).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-phone-home.png"))
    home.click()
    page.wait_for_url(platform.base_url + "/")


@pytest.mark.parametrize("example", CITIZEN_EXAMPLES, ids=[e.label for e in CITIZEN_EXAMPLES])
def test_each_starter_opens_a_guided_prompt(platform: Platform, phone: BrowserContext, example: Example) -> None:
    assert example.guide
    page = phone.new_page()
    guest_composer(page, f"{platform.base_url}/chat/")
    page.locator("#starters").get_by_role("button", name=example.label, exact=True).click()
    _answer(page, example.guide[:40])
    expect(page.get_by_role("button", name="Gửi", exact=True)).to_have_count(0)  # nothing waits to be sent
    expect(page.get_by_text("Bạn xác nhận gửi chứ?")).to_have_count(0)


def test_a_petition_started_from_its_starter_is_never_a_trap(platform: Platform, phone: BrowserContext) -> None:
    page = phone.new_page()
    guest_composer(page, f"{platform.base_url}/chat/")
    page.locator("#starters").get_by_role("button", name="Gửi phản ánh, kiến nghị", exact=True).click()
    _answer(page, "Bạn muốn phản ánh, kiến nghị việc gì?")
    send(page, "Cống thoát nước đầu ngõ 5 phố Đội Cấn bị vỡ, nước bẩn tràn ra đường cả tuần nay.")
    _answer(page, "gửi đến Ủy ban MTTQ ở đâu")
    send(page, "phường Ba Đình, Hà Nội")
    question = page.locator('[data-step-type="assistant_message"]', has_text="Bạn xác nhận gửi chứ?")
    expect(question.get_by_role("button", name="Gửi", exact=True)).to_be_visible(timeout=CHAT_TIMEOUT_MS)
    send(page, "P. Ba Đình, HN giờ thuộc đơn vị nào?")  # a new request instead of an answer
    _answer(page, PENDING_DROPPED)
    expect(page.get_by_role("button", name="Gửi", exact=True)).to_have_count(0)
    send(page, "Tôi muốn gửi phản ánh, kiến nghị")
    _answer(page, "Bạn muốn phản ánh, kiến nghị việc gì?")
    send(page, "thôi")
    _answer(page, "Đã hủy, chưa gửi gì.")
    send(page, "cảm ơn")
    _answer(page, "Không có gì ạ")
    expect(page.get_by_text("chưa hiểu lựa chọn")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-phone-cancel.png"))


def test_citations_stay_closed_on_a_phone_until_tapped(platform: Platform, phone: BrowserContext, law: None) -> None:
    page = phone.new_page()
    guest_composer(page, f"{platform.base_url}/chat/")
    send(page, "Giếng nước công cộng bị hỏng thì bao lâu phải sửa xong?")
    answer = page.locator('[data-step-type="assistant_message"]').filter(has_text="Theo thư viện số")
    expect(answer).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    expect(answer).to_contain_text("12 ngày làm việc")
    sources = page.get_by_text(re.compile(r"Đã dùng: \d+ nguồn trích dẫn"))
    expect(sources).to_be_visible()
    page.wait_for_timeout(1_000)  # time for a sheet that would open by itself
    expect(page.locator("#side-view-content")).to_have_count(0)
    cited = page.get_by_role("link", name="Điều 2. Thời hạn sửa giếng nước")
    expect(cited).to_have_count(1)  # in the answer; the citations below are closed
    page.screenshot(path=str(ARTIFACTS / "browser-chat-phone-citations-closed.png"))
    sources.click()
    expect(page.get_by_role("link", name="Điều 2. Thời hạn sửa giếng nước").nth(1)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "browser-chat-phone-citations-open.png"))
