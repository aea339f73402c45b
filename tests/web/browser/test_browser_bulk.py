"""Bulk actions on the cadres' list in a real browser (issue 20), on a laptop and a phone: all petitions on the page
assigned to a colleague, two transferred through the unit picker's namesakes step, each after a confirmation page
listing what will change and ending with one result message; axe finds no serious or critical violation on the
pages visited. Screenshots go to ``artifacts/`` (bulk-*.png)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.accessibility import assert_accessible
from tests.support.browser import ACCOUNTS, ARTIFACTS, PHONE, on_laptop, phone_of
from tests.support.platform import Platform

COMMUNE = ACCOUNTS[1]  # Trần Thị Xã, Xã Văn Miếu
COLLEAGUE = ("bulk-dong-nghiep", "Đinh Văn Đồng")


@pytest.fixture(scope="module")
def tag(platform: Platform) -> str:
    """Four new petitions of the cadre's commune carrying a tag of their own, and a colleague of the commune."""
    tag = str(9100 + uuid.uuid4().int % 900)  # a petition number has six digits: 6, the tag, then 1 to 4
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute("select cadre_seen(%s, %s, '08611', array['commune_cadre'], null)", COLLEAGUE)
        conn.execute(
            "insert into petitions (tracking_code, unit_code, unit_path, title, content, content_public, category,"
            " suggested_category, status, channel, due_at, created_at)"
            " select 'PAKN-2026-6' || %(t)s || i, u.code, u.path, 'Mương thoát nước xóm ' || i || ' ' || %(t)s,"
            " 'Mương tắc ' || i, 'Mương tắc ' || i, 'ha_tang', 'ha_tang', 'received', 'web',"
            " now() + interval '30 days', now() - i * interval '1 second'"
            " from generate_series(1, 4) i, units u where u.code = '08611'",
            {"t": tag},
        )
    return tag


@pytest.fixture
def laptop(browser: Browser, platform: Platform, tag: str) -> Iterator[Page]:
    """The commune cadre, signed in on a laptop-sized window (axe runs as an inline script: no page policy)."""
    with on_laptop(browser, platform, COMMUNE, axe=True) as page:
        yield page


def test_a_cadre_assigns_a_page_and_transfers_two_petitions_on_laptop_and_phone(
    platform: Platform, browser: Browser, laptop: Page, tag: str
) -> None:
    codes = [f"PAKN-2026-6{tag}{i}" for i in range(1, 5)]
    page = laptop
    page.goto(f"{platform.base_url}/can-bo/phan-anh?q={tag}")
    expect(page.locator("#count")).to_have_text("1–4 / 4")
    assert_accessible(page, "danh sách")
    page.get_by_label("Chọn tất cả trên trang").check()
    page.get_by_label("Cán bộ của đơn vị").select_option(label=COLLEAGUE[1])
    page.get_by_role("button", name="Giao cán bộ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận giao 4 phản ánh")
    changes = page.locator("#changes tbody tr")
    expect(changes).to_have_count(4)
    expect(changes.first).to_contain_text("Chưa giao")
    expect(changes.first).to_contain_text(COLLEAGUE[1])
    assert_accessible(page, "trang xác nhận")
    page.screenshot(path=str(ARTIFACTS / "bulk-confirm.png"), full_page=True)
    page.get_by_label(re.compile("Tôi xác nhận giao 4 phản ánh")).check()
    page.get_by_role("button", name="Xác nhận giao").click()
    expect(page.locator("#done")).to_have_text(f"Đã giao 4 phản ánh cho {COLLEAGUE[1]}.")
    expect(page.get_by_role("row").filter(has_text=COLLEAGUE[1])).to_have_count(4)
    assert_accessible(page, "danh sách sau khi giao")

    phone = phone_of(browser, page.context, axe=True)
    phone.goto(f"{platform.base_url}/can-bo/phan-anh?q={tag}")
    for code in codes[:2]:
        phone.get_by_label(f"Chọn {code}").check()
    box = phone.locator("label").filter(has=phone.get_by_label(f"Chọn {codes[0]}")).bounding_box()
    assert box is not None and box["height"] >= 44  # a target a finger can hit
    phone.get_by_label("Chuyển đến đơn vị").fill("xa hoa binh")
    phone.get_by_label("Lý do chuyển").fill("Địa điểm không thuộc xã Văn Miếu.")
    phone.get_by_role("button", name="Chuyển đơn vị").click()
    assert_accessible(phone, "bước chọn đơn vị nhận")
    phone.get_by_role("radio").first.check()
    phone.get_by_role("button", name="Tiếp tục").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Xác nhận chuyển 2 phản ánh")
    expect(phone.locator("#changes tbody tr")).to_have_count(2)
    assert_accessible(phone, "trang xác nhận, điện thoại")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(ARTIFACTS / "bulk-confirm-phone.png"), full_page=True)
    phone.get_by_label(re.compile("Tôi xác nhận chuyển 2 phản ánh")).check()
    phone.get_by_role("button", name="Xác nhận chuyển").click()
    expect(phone.locator("#done")).to_have_text(re.compile(r"^Đã chuyển 2 phản ánh đến .+\.$"))
    expect(phone.locator("#count")).to_have_text("1–2 / 2")  # the two transferred left the commune's list
    phone.screenshot(path=str(ARTIFACTS / "bulk-done-phone.png"), full_page=True)
    phone.context.close()
