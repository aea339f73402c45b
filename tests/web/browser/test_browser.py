"""End-to-end in a real browser (Chromium driven by Playwright) against a running ``mattran up``.

Sign-in goes through the OpenID provider's own login page, the chat is the Chainlit app mounted at
``/chat``, and sign-out must end the session in every app at once (pages, chat and the provider).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.support.browser import (
    ACCOUNTS,
    ARTIFACTS,
    CENTRAL,
    CHAT_TIMEOUT_MS,
    CITIZEN,
    COMMUNE,
    Account,
    chat_input,
    greeting,
    login_link,
    sign_in,
    submit_login,
)
from tests.support.platform import Platform

FORBIDDEN = "Tài khoản của bạn không có quyền thực hiện thao tác này."


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.role for a in ACCOUNTS])
def test_sign_in_roles_and_chat(platform: Platform, context: BrowserContext, account: Account) -> None:
    """Each demo account signs in at the provider, sees only its pages, and the chat greets it by name."""
    page = context.new_page()
    sign_in(page, platform, account)
    who = page.locator("#who")
    expect(who).to_contain_text(account.name)
    expect(who).to_contain_text(account.role_label)
    if account.unit_name:
        expect(who).to_contain_text(account.unit_name)
    expect(page.locator("header").get_by_role("button", name="Đăng xuất")).to_be_visible()
    expect(login_link(page)).to_have_count(0)

    response = page.goto(platform.base_url + "/can-bo")
    assert response is not None
    assert page.url == platform.base_url + "/can-bo"
    if account.cadre:
        assert response.status == 200
        expect(page.locator("h1")).to_have_text("Trang cán bộ")
        expect(page.locator("main")).to_contain_text(f"Phạm vi: {account.unit_name}")
        if account is COMMUNE:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-can-bo.png"), full_page=True)
    else:
        assert response.status == 403
        expect(page.locator("h1")).to_have_text("Không thực hiện được")
        expect(page.get_by_role("alert")).to_have_text(FORBIDDEN)
        expect(page.locator("main")).not_to_contain_text("Phạm vi:")

    response = page.goto(platform.base_url + "/quan-tri")
    assert response is not None
    if account.admin:
        assert response.status == 200
        expect(page.locator("h1")).to_have_text("Quản trị hệ thống")
        expect(page.get_by_role("heading", name="Nhật ký kiểm toán")).to_be_visible()
    else:
        assert response.status == 403
        expect(page.locator("h1")).to_have_text("Không thực hiện được")
        expect(page.get_by_role("alert")).to_have_text(FORBIDDEN)
        expect(page.get_by_role("heading", name="Quản trị hệ thống")).to_have_count(0)
    page.goto(platform.base_url + "/")  # every account was refused something: that did not end the session
    expect(page.locator("#who")).to_contain_text(account.name)

    page.goto(platform.base_url + "/chat/")
    roles = account.role_label + (f" — {account.unit_name}" if account.unit_name else "")
    expect(greeting(page, account.name, roles)).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    expect(greeting(page, "Khách", "Khách")).to_have_count(0)

    if account is COMMUNE:
        composer = chat_input(page)
        expect(composer).to_be_editable(timeout=CHAT_TIMEOUT_MS)
        composer.fill("P. Ba Đình, HN")
        composer.press("Enter")
        expect(page.locator('[data-step-type="user_message"]')).to_contain_text("P. Ba Đình, HN")
        answer = page.locator('[data-step-type="assistant_message"]').filter(
            has_text="Đã xác định đơn vị: Phường Ba Đình, Thành phố Hà Nội."
        )
        expect(answer).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
        hello = greeting(page, account.name, roles)
        expect(hello).to_have_count(1)  # the conversation keeps its history
        hello.scroll_into_view_if_needed()  # Chainlit scrolls the new question to the top; show it all
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-chat.png"))


def test_sign_out_ends_every_session(platform: Platform, context: BrowserContext) -> None:
    """Signing out in one tab signs out of the pages, the chat in another tab, and the provider."""
    page = context.new_page()
    sign_in(page, platform, CENTRAL)
    expect(page.locator("#who")).to_contain_text(CENTRAL.name)

    chat = context.new_page()
    chat.goto(platform.base_url + "/chat/")
    expect(greeting(chat, CENTRAL.name, f"{CENTRAL.role_label} — {CENTRAL.unit_name}")).to_have_count(
        1, timeout=CHAT_TIMEOUT_MS
    )

    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    page.bring_to_front()
    page.locator("header").get_by_role("button", name="Đăng xuất").click()
    expect(login_link(page)).to_be_visible()
    assert page.url == platform.base_url + "/"
    expect(page.locator("#who")).to_have_count(0)
    assert any(u.startswith(platform.issuer + "/session/end") for u in visited), visited  # RP-initiated logout

    # The provider's session ended too: a protected page asks for the password again.
    page.goto(platform.base_url + "/can-bo")
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator("#password")).to_be_visible()
    expect(page.locator("#password")).to_have_value("")

    chat.bring_to_front()
    chat.reload()
    expect(greeting(chat, "Khách", "Khách")).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    expect(chat.locator("body")).not_to_contain_text(CENTRAL.name)


def test_wrong_password_is_refused_in_vietnamese(platform: Platform, context: BrowserContext) -> None:
    """A wrong password keeps the visitor at the provider with a Vietnamese error (HTTP 401)."""
    account = COMMUNE
    page = context.new_page()
    page.goto(platform.base_url + "/can-bo")  # anonymous: redirected to sign in
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    login_url = page.url
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.startswith(platform.issuer)) as posted:
        submit_login(page, platform, account.username, account.password + "x")
    assert posted.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    assert page.url.startswith(login_url)
    expect(page.locator("#username")).to_have_value(account.username)
    expect(page.locator("#password")).to_have_value("")

    # the same form then accepts the right password and returns to the page first asked for
    submit_login(page, platform, account.username, account.password)
    page.wait_for_url(platform.base_url + "/can-bo")
    expect(page.locator("h1")).to_have_text("Trang cán bộ")
    expect(page.locator("#who")).to_contain_text(account.name)


def test_mobile_home_fits_and_search_works(platform: Platform, browser: Browser) -> None:
    """On a 390 px wide phone the home page does not scroll sideways and the search answers."""
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    try:
        page = ctx.new_page()
        page.goto(platform.base_url + "/")
        width = "document.scrollingElement.scrollWidth"
        assert page.evaluate(width) <= 390
        search = page.get_by_role("searchbox", name="Tên xã, phường, đặc khu hoặc địa chỉ")
        search.fill("dac khu phu quoc")
        page.get_by_role("button", name="Tìm").click()
        page.wait_for_url(re.compile(r"\?q=dac"))
        expect(page.get_by_role("cell", name="Đặc khu Phú Quốc", exact=True)).to_be_visible()
        expect(page.get_by_role("status")).to_be_visible()
        assert page.evaluate(width) <= 390  # the results table fits too
    finally:
        ctx.close()


def test_refusal_page_still_shows_who_is_signed_in(platform: Platform, context: BrowserContext) -> None:
    """The 403 page's header shows the signed-in user and "Đăng xuất", not a "Đăng nhập" link."""
    account = CITIZEN
    page = context.new_page()
    sign_in(page, platform, account)
    for path in ("/can-bo", "/quan-tri"):
        response = page.goto(platform.base_url + path)
        assert response is not None and response.status == 403
        expect(page.get_by_role("alert")).to_have_text(FORBIDDEN)
        expect(page.locator("#who")).to_contain_text(account.name)
        expect(page.locator("header").get_by_role("button", name="Đăng xuất")).to_be_visible()
        expect(login_link(page)).to_have_count(0)
