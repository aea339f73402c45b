"""The citizen's path in a real browser: the public form on a phone, the tracking page, the home page."""

from __future__ import annotations

import re

import psycopg
from playwright.sync_api import Browser, expect

from tests.support.browser import ARTIFACTS, PHONE, guest_composer
from tests.support.platform import Platform


def test_a_citizen_files_a_petition_on_a_phone_and_follows_it(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{platform.base_url}/")
    page.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    expect(page.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()

    page.get_by_label("Tiêu đề").fill("Hỏng")  # too short: the page says which field and keeps the rest
    page.get_by_label("Nội dung").fill("Đèn đường ở đầu ngõ 5 bị hỏng hơn một tháng, buổi tối rất tối.")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator("#title-error")).to_have_text("Tiêu đề: Quá ngắn (tối thiểu 5 ký tự).")
    expect(page.locator("#unit_text-error")).to_contain_text("Vui lòng ghi nơi nhận")
    expect(page.get_by_label("Nội dung")).to_have_value(re.compile("Đèn đường ở đầu ngõ 5"))

    page.get_by_label("Nơi nhận").fill("phuong hoan kiem, ha noi")
    page.get_by_label("Tiêu đề").fill("Đèn đường đầu ngõ 5 bị hỏng")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Tôi đồng ý").check()  # contacts are processed with consent (tests/domain/test_personal_data.py)
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tiếp nhận.")
    code = page.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"PAKN-20\d\d-\d{6}-[0-9A-Z]{6}", code)  # the receipt: the number and its secret
    expect(page.locator("#status")).to_have_text("Đã tiếp nhận")
    expect(page.locator("main")).to_contain_text("Phường Hoàn Kiếm")
    expect(page.locator("main")).to_contain_text("Hạ tầng")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-petition-filed.png"), full_page=True)

    page.goto(f"{platform.base_url}/")  # tracking from the home page
    page.get_by_label("Đã gửi? Tra cứu theo mã").fill(code.lower())
    page.get_by_role("button", name="Tra cứu").first.click()
    expect(page.locator("#status")).to_have_text("Đã tiếp nhận")
    with psycopg.connect(platform.owner_uri()) as conn:
        row = conn.execute(
            "select p.channel, c.phone_enc from petitions p join petition_contacts c"
            " on c.petition_id = p.id where p.tracking_code = %s",
            (code.rsplit("-", 1)[0],),
        ).fetchone()
    assert row is not None and (row[0], platform.protector().decrypt("phone", row[1])) == ("web", "0912 345 678")
    context.close()


def test_the_home_page_shows_published_answers_with_filters_and_no_personal_data(
    platform: Platform, browser: Browser
) -> None:
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute(
            "insert into petitions (tracking_code, unit_code, unit_path, title, content, content_public, category,"
            " suggested_category, status, channel, answer, answer_public, due_at, answered_at, published_at,"
            " title_public, reviewed_by, reviewed_at)"
            " values ('PAKN-2026-900001', '31078', 'vn.91.31078', 'Bến tàu Phú Quốc xuống cấp',"
            " 'Liên hệ tôi: 0987 111 222', 'Liên hệ tôi: [số điện thoại đã ẩn]', 'ha_tang', 'ha_tang', 'published',"
            " 'web', 'Đã sửa chữa bến tàu.', 'Đã sửa chữa bến tàu.', now(), now(), now(),"
            " 'Bến tàu Phú Quốc xuống cấp', 'canbo', now())"
            " on conflict (tracking_code) do nothing"
        )
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{platform.base_url}/")
    page.get_by_label("Từ khóa").fill("ben tau phu quoc")  # without diacritics
    page.get_by_label("Tỉnh, thành phố").select_option(label="Tỉnh An Giang")
    page.get_by_role("button", name="Lọc").click()
    card = page.locator("article.card", has_text="Bến tàu Phú Quốc xuống cấp")
    expect(card).to_contain_text("Đã sửa chữa bến tàu.")
    expect(card).to_contain_text("Đặc khu Phú Quốc")
    assert "0987 111 222" not in page.content()
    page.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hà Nội")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("article.card", has_text="Bến tàu Phú Quốc")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "browser-home.png"), full_page=True)
    page.close()


def test_a_guest_files_a_petition_through_the_chat_with_confirmation(platform: Platform, browser: Browser) -> None:
    page = browser.new_page(locale="vi-VN")
    box = guest_composer(page, f"{platform.base_url}/chat/")
    box.fill("Kiến nghị: đèn đường ở đầu ngõ 9 phường Hoàn Kiếm, Hà Nội bị hỏng cả tháng nay, buổi tối rất nguy hiểm.")
    box.press("Enter")
    expect(page.get_by_text("Bạn xác nhận gửi chứ?", exact=False)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Gửi", exact=True).click()
    reply = page.locator('[data-step-type="assistant_message"]', has_text=re.compile(r"PAKN-\d{4}-\d{6}"))
    expect(reply).to_have_count(1, timeout=30_000)
    text = reply.inner_text()
    found = re.search(r"PAKN-\d{4}-\d{6}", text)
    assert found, text
    code = found.group(0)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-petition.png"))
    with psycopg.connect(platform.owner_uri()) as conn:
        row = conn.execute("select channel, unit_code from petitions where tracking_code = %s", (code,)).fetchone()
    assert row == ("chat", "00070")
    page.close()
