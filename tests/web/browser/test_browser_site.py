"""What every public page offers a citizen on a phone (issue 18): the footer (hotline, address, the personal-data
notice and the terms, each a page), a text-size switch and high contrast that persist without JavaScript, touch
targets of 44 px, and the printable receipt with its QR code to the status page, from the confirmation page and
from "Phản ánh của tôi"."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import segno
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mattran.domain.attachments import MAX_BYTES
from tests.support.accessibility import assert_accessible, axe_phone
from tests.support.browser import CHAT_TIMEOUT_MS, CITIZEN, PHONE, guest_composer, sign_in
from tests.support.platform import Platform

PETITION = {
    "title": "Cống thoát nước bị tắc",
    "unit_text": "P. Ba Đình, HN",
    "content": "Cống thoát nước đầu ngõ 12 bị tắc, mưa xuống nước tràn vào nhà dân và bốc mùi hôi.",
}


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A guest's phone whose pages axe checks."""
    with axe_phone(browser) as context:
        yield context


def _at_least_44(page: Page, selector: str) -> None:
    targets = page.locator(selector)
    assert targets.count() > 0, selector
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, (selector, targets.nth(i).inner_text(), box)


def test_the_footer_the_display_switch_and_the_touch_targets(
    platform: Platform, phone: BrowserContext, browser: Browser
) -> None:
    page = phone.new_page()
    page.goto(f"{platform.base_url}/phan-anh")
    footer = page.locator("footer")
    expect(footer.locator("#hotline")).to_have_text("1900 0000 (số minh họa)")  # the settings' demo defaults
    expect(footer.locator("#office-address")).to_contain_text("địa chỉ minh họa")
    expect(footer).to_contain_text("Nghị định 13/2023/NĐ-CP")
    _at_least_44(page, "header a")
    _at_least_44(page, "footer a")
    _at_least_44(page, "#display a")
    consent = page.locator("label[for=consent]")
    box = consent.bounding_box()
    assert box and box["height"] >= 44 and consent.locator("#consent").count() == 1  # the label is the target

    footer.get_by_role("link", name="Thông báo về dữ liệu cá nhân").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo về xử lý dữ liệu cá nhân")
    expect(page.locator("main")).to_contain_text("không bao giờ được công khai")
    assert_accessible(page, "thông báo dữ liệu cá nhân")
    page.locator("footer").get_by_role("link", name="Điều khoản sử dụng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Điều khoản sử dụng")
    assert_accessible(page, "điều khoản")

    size = page.evaluate("getComputedStyle(document.body).fontSize")
    page.get_by_role("link", name="Chữ lớn", exact=True).click()
    assert page.url == f"{platform.base_url}/dieu-khoan"  # back where the reader was
    expect(page.locator("html")).to_have_class("chu-lon")
    expect(page.get_by_role("link", name="Chữ lớn", exact=True)).to_have_attribute("aria-current", "true")
    larger = page.evaluate("getComputedStyle(document.body).fontSize")
    assert float(larger.removesuffix("px")) > float(size.removesuffix("px"))
    page.get_by_role("link", name="Tương phản cao").click()
    expect(page.locator("html")).to_have_class("chu-lon tuong-phan-cao")
    assert_accessible(page, "chữ lớn, tương phản cao")
    page.goto(f"{platform.base_url}/tra-cuu?ma=PAKN-2026-000001-AAAAA1")  # with its query, on another page
    page.get_by_role("link", name="Chữ rất lớn").click()
    assert page.url == f"{platform.base_url}/tra-cuu?ma=PAKN-2026-000001-AAAAA1"
    log = (platform.data_dir / "up.log").read_text(encoding="utf-8", errors="replace")
    assert "/hien-thi?co_chu=rat-lon&tiep=***" in log and "AAAAA1" not in log  # the code kept out of the log
    expect(page.locator("html")).to_have_class("chu-rat-lon tuong-phan-cao")

    without_js = browser.new_context(
        locale="vi-VN", viewport=PHONE, java_script_enabled=False, storage_state=phone.storage_state()
    )
    try:
        later = without_js.new_page()
        later.goto(f"{platform.base_url}/")  # the server renders the choice: no script needed
        expect(later.locator("html")).to_have_class("chu-rat-lon tuong-phan-cao")
        later.get_by_role("link", name="Tắt tương phản cao").click()
        later.get_by_role("link", name="Chữ thường").click()
        expect(later.locator("html")).not_to_have_class(re.compile("chu-|tuong-phan"))
    finally:
        without_js.close()

    elsewhere = httpx2.get(f"{platform.base_url}/hien-thi?co_chu=lon&tiep=//example.com/x", timeout=30)
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/"  # never another site


def test_the_chat_offers_the_same_text_size_and_contrast(platform: Platform, phone: BrowserContext) -> None:
    page = phone.new_page()
    composer = guest_composer(page, f"{platform.base_url}/chat/")
    expect(composer).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    default = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("link", name="Cỡ chữ và độ tương phản").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cỡ chữ và độ tương phản")
    assert_accessible(page, "trang chọn cỡ chữ")
    page.get_by_role("link", name="Chữ rất lớn").click()
    page.get_by_role("link", name="Tương phản cao").click()
    expect(page.locator("#chosen")).to_have_text("chữ rất lớn, tương phản cao")
    page.get_by_role("link", name="Quay lại trợ lý").click()
    expect(guest_composer(page, f"{platform.base_url}/chat/")).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    expect(page.locator("html")).to_have_css("font-size", f"{default * 1.25:g}px")
    muted = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--muted-foreground').trim()")
    assert muted == "0 0% 0%"  # the chat's grey text turned black
    assert_accessible(page, "trợ lý, chữ rất lớn, tương phản cao")
    elsewhere = httpx2.get(f"{platform.base_url}/hien-thi.css", timeout=30)  # no cookie: the chat as it was
    assert elsewhere.text == "" and elsewhere.headers["content-type"].startswith("text/css")


def _qr_shows(page: Page, link: str) -> None:
    """The page's QR code is ``link`` (drawn again by segno: same modules, same path)."""
    drawn = page.locator("#receipt svg.qr path").get_attribute("d")
    assert drawn and drawn in segno.make(link, error="m").svg_inline(scale=4, border=4)


def test_a_printable_receipt_with_a_qr_code_to_the_status_page(
    platform: Platform, phone: BrowserContext, browser: Browser
) -> None:
    filed = httpx2.post(f"{platform.base_url}/api/petitions", json=PETITION, timeout=60).json()
    code = filed["tracking_code"]
    page = phone.new_page()
    page.goto(f"{platform.base_url}/tra-cuu?ma={code}&moi=1")  # the confirmation page after filing
    page.get_by_role("link", name="Biên nhận để in (có mã QR)").click()
    expect(page.locator("#receipt-code")).to_have_text(code)
    expect(page.locator("#receipt")).to_contain_text("Phường Ba Đình")
    link = f"{platform.base_url}/tra-cuu?ma={code}"
    expect(page.locator("#status-link")).to_have_attribute("href", link)
    expect(page.get_by_role("img", name="Mã QR dẫn đến trang tra cứu phản ánh")).to_be_visible()
    _qr_shows(page, link)
    assert_accessible(page, "biên nhận")
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    expect(page.get_by_role("button", name="In biên nhận")).to_be_hidden()
    expect(page.locator("#receipt")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="In biên nhận")).to_be_visible()  # the script shows it
    page.goto(f"{platform.base_url}/tra-cuu/bien-nhan?ma={code.rsplit('-', 1)[0]}")  # the number alone: refused
    expect(page.locator("#receipt")).to_have_count(0)
    expect(page.get_by_role("alert")).to_contain_text("Không tìm thấy")

    citizen = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        mine = citizen.new_page()
        sign_in(mine, platform, CITIZEN)
        own = mine.request.post(f"{platform.base_url}/api/petitions", data=PETITION).json()["tracking_code"]
        number = own.rsplit("-", 1)[0]
        mine.goto(f"{platform.base_url}/phan-anh-cua-toi")
        mine.locator(f"#p-{number}").get_by_role("link", name="Biên nhận để in (mã QR)").click()
        expect(mine.locator("#receipt-code")).to_have_text(number)  # the owner's own number opens it
        _qr_shows(mine, f"{platform.base_url}/tra-cuu?ma={number}")
    finally:
        citizen.close()


def _large_photo(tmp_path: Path) -> Path:
    """A photo as a modern phone takes it: noise, so that it stays over the 5 MB limit as a PNG."""
    photo = tmp_path / "anh-dien-thoai.png"
    Image.frombytes("RGB", (2400, 1000), os.urandom(2400 * 1000 * 3)).save(photo)
    assert photo.stat().st_size > MAX_BYTES
    return photo


def test_the_form_counts_characters_makes_large_photos_smaller_and_asks_files_again(
    platform: Platform, phone: BrowserContext, tmp_path: Path
) -> None:
    page = phone.new_page()
    page.goto(f"{platform.base_url}/phan-anh")
    expect(page.locator("#content-count")).to_have_text("0/5.000 ký tự")  # before sending, as one types
    page.get_by_label("Tiêu đề").fill("Cống thoát nước bị tắc")
    expect(page.locator("#title-count")).to_have_text("22/200 ký tự")
    page.get_by_label("Nội dung").fill("x" * 5003)
    expect(page.locator("#content-count")).to_have_text("5.003/5.000 ký tự: vượt quá 3 ký tự, hãy rút gọn")
    page.get_by_label("Nội dung").fill(PETITION["content"])
    expect(page.locator("#content-count")).to_have_text(f"{len(PETITION['content'])}/5.000 ký tự")

    photo = _large_photo(tmp_path)
    page.get_by_label("Ảnh, tài liệu kèm theo").set_input_files(photo)
    expect(page.locator("#attachments-status")).to_contain_text("Đã thu nhỏ ảnh “anh-dien-thoai.png”")
    page.get_by_role("button", name="Gửi phản ánh").click()  # no place yet: the form comes back
    expect(page.locator("#error-summary")).to_contain_text("Vui lòng ghi nơi nhận")
    expect(page.locator("#attachments-again")).to_have_text(
        "Tệp bạn đã chọn (“anh-dien-thoai.jpg”) chưa được gửi: vui lòng chọn lại trước khi gửi."
    )
    expect(page.get_by_label("Nội dung")).to_have_value(PETITION["content"])
    page.get_by_label("Nơi nhận").fill(PETITION["unit_text"])
    page.get_by_label("Ảnh, tài liệu kèm theo").set_input_files(photo)
    expect(page.locator("#attachments-status")).to_contain_text("Đã thu nhỏ ảnh")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator("#as-sent")).to_contain_text("1 tệp đính kèm")  # taken, not refused as too large

    page.goto(f"{platform.base_url}/")
    page.get_by_label("Tên xã, phường, đặc khu hoặc địa chỉ").fill("P. Ba Đình, HN")
    page.get_by_role("button", name="Tìm", exact=True).click()
    found = page.locator("#don-vi table")
    expect(found).to_be_in_viewport()  # the results, not the top of the page
    page.reload()
    expect(found).to_be_in_viewport()
