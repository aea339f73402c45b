"""The cadres' header on a phone (issue 20): its links fold into a "Danh mục" menu button (details/summary, no
script) that a finger, a keyboard and a screen reader open; on a laptop the links stay in a row. axe finds no
serious or critical violation with the menu closed or open. Screenshots go to ``artifacts/`` (menu-*.png)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.support.accessibility import described, violations
from tests.support.browser import ACCOUNTS, ARTIFACTS, PHONE, sign_in
from tests.support.platform import Platform

COMMUNE = ACCOUNTS[1]  # Trần Thị Xã, Xã Văn Miếu


def _check(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}:\n{described(found)}"


def test_the_header_folds_into_a_menu_button_on_a_phone_only(platform: Platform, browser: Browser) -> None:
    laptop = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = laptop.new_page()
    sign_in(page, platform, COMMUNE)
    page.goto(f"{platform.base_url}/can-bo")
    header = page.locator("header")
    expect(header.get_by_text("Danh mục")).to_be_hidden()  # a laptop: no button, the links in a row
    expect(header.get_by_role("link", name="Xử lý phản ánh")).to_be_visible()
    expect(header.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert (header.bounding_box() or {"height": 999})["height"] < 160
    _check(page, "trang cán bộ, máy tính")

    phone = browser.new_context(
        locale="vi-VN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, bypass_csp=True
    )
    phone.add_cookies(laptop.cookies())  # type: ignore[arg-type]  # a cookie read back sets the same cookie
    small = phone.new_page()
    small.goto(f"{platform.base_url}/can-bo")
    header = small.locator("header")
    menu = header.locator("summary")
    expect(menu).to_have_text("☰ Danh mục")
    expect(header.get_by_role("link", name="Xử lý phản ánh")).to_be_hidden()
    expect(small.locator("#who")).to_contain_text(COMMUNE.name)  # who is signed in stays in sight
    button = menu.bounding_box()
    assert button is not None and button["height"] >= 44 and button["width"] >= 44
    assert (header.bounding_box() or {"height": 999})["height"] <= PHONE["height"] / 4  # not half the screen
    assert small.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert not small.locator("header details").evaluate("d => d.open")
    expect(header.get_by_role("link")).to_have_count(1)  # closed: only the brand reaches a screen reader
    _check(small, "trang cán bộ, điện thoại, danh mục đóng")
    small.screenshot(path=str(ARTIFACTS / "menu-closed-phone.png"))

    small.keyboard.press("Tab")  # the skip link, the brand, then the menu button
    small.keyboard.press("Tab")
    small.keyboard.press("Tab")
    expect(menu).to_be_focused()
    small.keyboard.press("Enter")
    link = header.get_by_role("link", name="Xử lý phản ánh")
    expect(link).to_be_visible()
    assert small.locator("header details").evaluate("d => d.open")
    for target in [*header.locator("nav a").all(), header.get_by_role("button", name="Đăng xuất")]:
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44, target
    _check(small, "trang cán bộ, điện thoại, danh mục mở")
    small.screenshot(path=str(ARTIFACTS / "menu-open-phone.png"))
    link.focus()
    small.keyboard.press("Enter")
    expect(small.get_by_role("heading", level=1)).to_contain_text("Phản ánh, kiến nghị")
    small.locator("header summary").tap()  # and by touch
    expect(small.locator("header").get_by_role("link", name="Trang cán bộ")).to_be_visible()
    phone.close()
    laptop.close()
