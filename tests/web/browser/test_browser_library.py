"""The library in a real browser (Chromium driven by Playwright) against a running ``mattran up``: a question asked
on a phone, its citation opened at the passage; and a legal question asked of the assistant in the chat."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.support.browser import ARTIFACTS, CHAT_TIMEOUT_MS, CITIZEN, PHONE, chat_input, open_chat, sign_in
from tests.support.library import document_id, ingest, unique_law
from tests.support.platform import Platform

LAW_TITLE = "Luật Thử nghiệm trình duyệt web 2024"


@pytest.fixture(scope="module")
def law(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A public law of this module's own (a deadline of 14 working days in Điều 3); its id."""
    ingest(
        platform,
        unique_law(tmp_path_factory.mktemp("thu-vien-trinh-duyet"), "trình duyệt web", 14),
        "--access",
        "public",
    )
    return document_id(platform, LAW_TITLE)


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser profile."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_phone_search_opens_the_cited_passage(platform: Platform, phone: BrowserContext, law: int) -> None:
    page = phone.new_page()
    page.goto(platform.base_url + "/")
    page.locator("header").get_by_role("link", name="Thư viện", exact=True).click()
    expect(page.get_by_role("heading", name="Thư viện số", level=1)).to_be_visible()
    page.get_by_label("Câu hỏi hoặc từ khóa").fill("Luật thử nghiệm trình duyệt web: thời hạn thụ lý phản ánh bao lâu?")
    page.get_by_role("button", name="Tìm", exact=True).click()
    cited = page.locator(f'a[href="/thu-vien/{law}#dieu-3"]')
    card = page.locator("article.passage-card").filter(has=cited)
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_have_text(LAW_TITLE)
    expect(card).to_contain_text("Điều 3. Thời hạn thụ lý")
    expect(card.locator("mark").filter(has_text="14 ngày làm việc")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    ARTIFACTS.mkdir(exist_ok=True)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "browser-thu-vien-tra-loi.png"))

    card.get_by_role("link", name="Xem trong văn bản").click()
    page.wait_for_url(f"{platform.base_url}/thu-vien/{law}#dieu-3")
    expect(page.get_by_role("heading", name=LAW_TITLE, level=1)).to_be_attached()
    passage = page.locator("section#dieu-3")
    expect(passage).to_be_in_viewport()
    expect(passage).to_contain_text("Trong thời hạn 14 ngày làm việc")
    assert page.evaluate("document.querySelector(':target').id") == "dieu-3"
    assert passage.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 248, 196)"  # highlighted
    assert page.evaluate("window.scrollY") > 0  # scrolled down to the passage
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "browser-thu-vien-van-ban.png"))


def test_chat_answers_a_library_question_with_its_citation(
    platform: Platform, context: BrowserContext, law: int
) -> None:
    page = context.new_page()
    sign_in(page, platform, CITIZEN)
    open_chat(page, platform, CITIZEN.name, CITIZEN.role_label)
    composer = chat_input(page)
    expect(composer).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    composer.fill("Theo Luật thử nghiệm trình duyệt web, thời hạn thụ lý phản ánh là bao lâu?")
    composer.press("Enter")
    answer = page.locator('[data-step-type="assistant_message"]').filter(has_text="Theo thư viện số")
    expect(answer).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    expect(answer).to_contain_text("14 ngày làm việc")
    citation = answer.locator(f'a[href="/thu-vien/{law}#dieu-3"]')
    expect(citation).to_have_count(1)
    expect(citation).to_contain_text("Điều 3. Thời hạn thụ lý")
    answer.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-thu-vien.png"))
    page.goto(platform.base_url + (citation.get_attribute("href") or ""))  # the link leads to the passage
    expect(page.locator("section#dieu-3")).to_be_in_viewport()
