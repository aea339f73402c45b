"""The congress dashboard, the member statistics and the congress form in a real browser (no JavaScript needed).

Screenshots go to ``artifacts/`` (dashboard-*.png, member-stats*.png, congress-form.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import cast

import pytest
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import ACCOUNTS as _ACCOUNTS
from tests.support.browser import ARTIFACTS, PHONE, sign_in
from tests.support.platform import Platform

COMMUNE, PROVINCE, CENTRAL = _ACCOUNTS[1], _ACCOUNTS[2], _ACCOUNTS[3]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh desktop profile for each test."""
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 1100, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def on_phone(browser: Browser, signed_in: BrowserContext, path: str, shot: str, base_url: str) -> Page:
    """``path`` opened on a 390 px phone with the same session; it must not scroll sideways."""
    phone = browser.new_context(locale="vi-VN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.add_cookies(cast("list[SetCookieParam]", signed_in.cookies()))  # a Cookie read back sets the same cookie
    page = phone.new_page()
    page.goto(base_url + path)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / shot), full_page=False)
    return page


def test_province_dashboard_shows_progress_in_charts_and_table(
    platform: Platform, browser: Browser, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, platform, PROVINCE)
    page.goto(platform.base_url + "/can-bo")
    page.get_by_role("link", name="Tiến độ đại hội").click()
    page.wait_for_url(platform.base_url + "/can-bo/dai-hoi")
    expect(page.locator("h1")).to_have_text("Tiến độ đại hội MTTQ")
    progress = page.request.get(platform.base_url + "/api/congresses/progress").json()  # same session cookie
    summary = progress["summary"]
    share = f"{summary['share'] * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",") + "%"
    expect(page.locator("#held-share")).to_have_text(share)
    expect(page.locator("#summary")).to_contain_text(f"({summary['held']}/{summary['total']})")
    expect(page.locator("#theo-cap .bar")).to_have_count(2)  # province level, commune level
    expect(page.locator("#theo-trang-thai .bar")).to_have_count(4)
    expect(page.locator("#units tbody tr")).to_have_count(summary["total"])
    expect(page.get_by_role("img", name=re.compile("^Tỷ lệ đã tổ chức đại hội theo cấp: Cấp tỉnh"))).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-province.png"), full_page=True)
    phone = on_phone(browser, context, "/can-bo/dai-hoi", "dashboard-province-mobile.png", platform.base_url)
    expect(phone.locator("#held-share")).to_have_text(share)
    phone.context.close()


def test_central_dashboard_filters_by_province(platform: Platform, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in(page, platform, CENTRAL)
    page.goto(platform.base_url + "/can-bo/dai-hoi")
    expect(page.locator("#theo-tinh .bar")).to_have_count(34)
    expect(page.locator("#provinces tbody tr")).to_have_count(34)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-central.png"), full_page=True)
    page.get_by_label("Tỉnh, thành phố", exact=True).select_option(label="Tỉnh Phú Thọ")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"tinh=25"))
    expect(page.locator("main > p").first).to_contain_text("Tỉnh Phú Thọ")
    expect(page.locator("#units tbody tr")).to_have_count(149)
    expect(page.locator("#theo-tinh")).to_have_count(0)


def test_member_statistics_page(platform: Platform, browser: Browser, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in(page, platform, PROVINCE)
    page.goto(platform.base_url + "/can-bo/thanh-vien/thong-ke")
    gender = page.request.get(platform.base_url + "/api/members/stats?by=gender").json()
    expect(page.locator("#total")).to_have_text(f"{gender['total']:,}".replace(",", "."))
    expect(page.locator("figure svg")).to_have_count(8)
    expect(page.locator("#bieu-do-gender .bar")).to_have_count(len(gender["buckets"]))  # a bar per gender counted
    women = next(b for b in gender["buckets"] if b["key"] == "nu")
    expect(page.locator("#theo-gender table")).to_contain_text(f"Nữ{women['count']}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "member-stats.png"), full_page=True)
    phone = on_phone(browser, context, "/can-bo/thanh-vien/thong-ke", "member-stats-mobile.png", platform.base_url)
    phone.locator("#theo-age").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "member-stats-mobile-age.png"))
    phone.context.close()


def test_commune_cadre_updates_the_congress_with_the_form(platform: Platform, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in(page, platform, COMMUNE)
    page.goto(platform.base_url + "/can-bo/dai-hoi")
    page.get_by_role("link", name="Xã Văn Miếu").click()
    expect(page.locator("h1")).to_have_text("Đại hội MTTQ Xã Văn Miếu")
    page.get_by_label("Ghi chú").fill("Đã gửi báo cáo kết quả lên Ủy ban MTTQ tỉnh.")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu thay đổi.")
    latest = page.locator("#history tbody tr").first
    expect(latest).to_contain_text(COMMUNE.name)
    expect(latest).to_contain_text("Cán bộ cấp xã")
    expect(latest).to_contain_text("→ Đã gửi báo cáo kết quả lên Ủy ban MTTQ tỉnh.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "congress-form.png"), full_page=True)
