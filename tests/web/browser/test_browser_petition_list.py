"""The cadres' workbench in a real browser (issue 20), on a laptop and a phone: the work queue shows a new and an
overdue petition; a cadre searches 1,000 petitions without diacritics, filters, pages, exports the list to Excel and
sees the success message after an action. Screenshots go to ``artifacts/`` (petition-list*.png, work-queue*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO

import psycopg
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import ACCOUNTS, ARTIFACTS, PHONE, on_laptop, phone_of
from tests.support.platform import Platform

COMMUNE = ACCOUNTS[1]  # Trần Thị Xã, Xã Văn Miếu
N = 1000


@pytest.fixture(scope="module")
def petitions(platform: Platform) -> None:
    """1,000 petitions of the cadre's commune in one statement: half about a drain, half about street lights; the
    newest is new, one is a month overdue."""
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute(
            "insert into petitions (tracking_code, unit_code, unit_path, title, content, content_public, category,"
            " suggested_category, status, channel, due_at, created_at)"
            " select 'PAKN-2026-7' || lpad(i::text, 5, '0'), u.code, u.path,"
            " case when i %% 2 = 0 then 'Cống thoát nước xóm Bãi số ' || i || ' bị tắc'"
            " else 'Đèn đường thôn Trại số ' || i || ' bị hỏng' end,"
            " 'Nội dung phản ánh ' || i, 'Nội dung phản ánh ' || i, 'ha_tang', 'ha_tang',"
            " case when i %% 10 = 0 then 'accepted' else 'received' end, 'web',"
            " case when i = 2 then now() - interval '30 days' else now() + interval '30 days' end,"
            " now() - i * interval '1 second'"
            " from generate_series(1, %(n)s) i, units u where u.code = '08611'",
            {"n": N},
        )


@pytest.fixture
def laptop(browser: Browser, platform: Platform, petitions: None) -> Iterator[Page]:
    """The commune cadre, signed in on a laptop-sized window."""
    with on_laptop(browser, platform, COMMUNE) as page:
        yield page


def test_the_work_queue_shows_a_new_and_an_overdue_petition(platform: Platform, browser: Browser, laptop: Page) -> None:
    laptop.goto(platform.base_url + "/can-bo")
    queue = laptop.locator("#work-queue")
    new = queue.get_by_role("row").filter(has_text="Phản ánh mới")
    expect(new).to_contain_text("Đèn đường thôn Trại số 1 bị hỏng")
    overdue = queue.get_by_role("row").filter(has_text="Quá hạn xử lý")
    expect(overdue).to_contain_text("Cống thoát nước xóm Bãi số 2 bị tắc")
    laptop.screenshot(path=str(ARTIFACTS / "work-queue.png"), full_page=True)
    overdue.get_by_role("link", name="Quá hạn xử lý").click()
    expect(laptop.get_by_label("Chỉ quá hạn")).to_be_checked()
    expect(laptop.get_by_role("link", name=re.compile("PAKN-2026-700002"))).to_be_visible()
    phone = phone_of(browser, laptop.context)
    phone.goto(platform.base_url + "/can-bo")
    expect(phone.locator("#work-queue")).to_contain_text("Cống thoát nước xóm Bãi số 2 bị tắc")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(ARTIFACTS / "work-queue-phone.png"))
    phone.context.close()


def test_a_cadre_searches_filters_pages_exports_and_acts_on_1000_petitions(
    platform: Platform, browser: Browser, laptop: Page
) -> None:
    page = laptop
    page.goto(platform.base_url + "/can-bo/phan-anh")
    page.get_by_label("Tìm trong tiêu đề, nội dung").fill("cong thoat nuoc xom bai")  # without diacritics
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#count")).to_have_text("1–50 / 500")
    expect(page.get_by_role("row").filter(has_text="Đèn đường")).to_have_count(0)
    page.get_by_label("Tình trạng").select_option(label="Đã thụ lý")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#count")).to_have_text("1–50 / 100")
    page.get_by_role("link", name="Trang sau ›").click()
    expect(page.locator("#count")).to_have_text("51–100 / 100")
    expect(page.get_by_text("Trang 2 / 2")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "petition-list.png"), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename == "phan-anh.xlsx"
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã phản ánh", "Ngày nhận", "Tiêu đề") and len(rows) == 1 + 100
    assert all(str(r[2]).startswith("Cống thoát nước xóm Bãi") and r[5] == "Đã thụ lý" for r in rows[1:])
    phone = phone_of(browser, page.context)
    phone.goto(page.url)
    expect(phone.locator("#count")).to_have_text("51–100 / 100")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(ARTIFACTS / "petition-list-phone.png"))
    phone.context.close()
    page.goto(platform.base_url + "/can-bo/phan-anh?q=den+duong+thon+trai+so+13+bi")
    expect(page.locator("#count")).to_have_text("1–1 / 1")
    page.get_by_role("link", name="PAKN-2026-700013").click()
    page.get_by_role("button", name="Thụ lý", exact=True).click()
    expect(page.locator("#done")).to_have_text("Đã thực hiện: thụ lý.")
