"""The browser tests' helpers: the demo accounts as the pages show them, signing in at the provider, the chat."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext, FilePayload, Locator, Page, ViewportSize, expect

from tests.support.paths import ROOT
from tests.support.platform import DEMO_ACCOUNTS, Platform

ARTIFACTS = ROOT / "artifacts"
PHONE: ViewportSize = {"width": 390, "height": 844}  # a phone's screen, in CSS pixels
CHAT_TIMEOUT_MS = 30_000  # the first Chainlit load is slow on a small machine
expect.set_options(timeout=10_000)  # a 2-core machine runs the app, the provider and the browser


@dataclass(frozen=True)
class Account:
    """A demo account and what the platform should show and allow for it."""

    role: str
    name: str
    role_label: str
    unit_name: str | None
    cadre: bool
    admin: bool

    @property
    def username(self) -> str:
        """Login name at the provider."""
        return DEMO_ACCOUNTS[self.role][0]

    @property
    def password(self) -> str:
        """Demo password."""
        return DEMO_ACCOUNTS[self.role][1]


ACCOUNTS = [
    Account("citizen", "Nguyễn Văn Dân", "Công dân", None, cadre=False, admin=False),
    Account("commune_cadre", "Trần Thị Xã", "Cán bộ cấp xã", "Xã Văn Miếu", cadre=True, admin=False),
    Account("province_cadre", "Lê Văn Tỉnh", "Cán bộ cấp tỉnh", "Tỉnh Phú Thọ", cadre=True, admin=False),
    Account("central_cadre", "Phạm Thị Trung Ương", "Cán bộ Trung ương", "Trung ương", cadre=True, admin=False),
    Account("admin", "Hoàng Văn Quản Trị", "Quản trị hệ thống", "Trung ương", cadre=False, admin=True),
]
CITIZEN, COMMUNE, _, CENTRAL, _ = ACCOUNTS


def on_phone(browser: Browser, *, axe: bool = False) -> BrowserContext:
    """A fresh Vietnamese browser context on a phone (a touch screen of :data:`PHONE`); with ``axe``, the pages' script
    policy bypassed, as axe is injected as an inline script."""
    return browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=axe)


def login_link(page: Page) -> Locator:
    """The header's "Đăng nhập" link (only the platform's pages have it; the provider's pages do not)."""
    return page.locator("header").get_by_role("link", name="Đăng nhập", exact=True)


def submit_login(page: Page, platform: Platform, username: str, password: str) -> None:
    """Fill and submit the provider's login form (the page must already show it)."""
    assert page.url.startswith(platform.issuer + "/"), page.url
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def sign_in(page: Page, platform: Platform, account: Account) -> None:
    """From the home page, click "Đăng nhập" and sign in at the provider; end back on the platform."""
    page.goto(platform.base_url + "/")
    expect(page.locator("#who")).to_have_count(0)
    login_link(page).click()
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    submit_login(page, platform, account.username, account.password)
    page.wait_for_url(platform.base_url + "/")
    expect(page.locator("#who")).to_be_visible()


def signed_in(browser: Browser, platform: Platform, account: Account) -> tuple[BrowserContext, Page]:
    """A fresh Vietnamese browser context and its page, signed in as ``account``."""
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    sign_in(page, platform, account)
    return context, page


@contextmanager
def on_laptop(browser: Browser, platform: Platform, account: Account, *, axe: bool = False) -> Iterator[Page]:
    """A laptop-sized window signed in as ``account`` for the ``with`` block (downloads accepted; with ``axe``, the
    pages' script policy bypassed)."""
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 900}, accept_downloads=True, bypass_csp=axe
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, platform, account)
    try:
        yield page
    finally:
        context.close()


def phone_of(browser: Browser, signed_in: BrowserContext, *, axe: bool = False) -> Page:
    """A page on a phone, signed in as the context ``signed_in`` is (its cookies carried over)."""
    phone = browser.new_context(
        locale="vi-VN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, bypass_csp=axe
    )
    phone.add_cookies(signed_in.cookies())  # type: ignore[arg-type]  # a cookie read back sets the same cookie
    return phone.new_page()


def greeting(page: Page, who: str, roles: str) -> Locator:
    """The chat's opening message for ``who`` (a system message, rendered from markdown, so the name is bold)."""
    return page.locator('[data-step-type="system_message"] [role="article"]').filter(
        has_text=re.compile(rf"^Xin chào {re.escape(who)} \({re.escape(roles)}")
    )


def chat_input(page: Page) -> Locator:
    """Chainlit's message composer."""
    return page.locator("textarea#chat-input")


def open_chat(page: Page, platform: Platform, name: str, roles: str) -> None:
    """Open a new conversation and wait for its greeting (the chat's session is then ready for files)."""
    page.goto(platform.base_url + "/chat/")
    expect(greeting(page, name, roles)).to_have_count(1, timeout=CHAT_TIMEOUT_MS)


def guest_composer(page: Page, chat_url: str) -> Locator:
    """Open the chat at ``chat_url`` as a guest, wait for its greeting and give the message composer."""
    page.goto(chat_url)
    expect(page.get_by_text("Xin chào Khách", exact=False)).to_be_visible(timeout=30_000)
    return chat_input(page)


def send(page: Page, text: str, files: Sequence[tuple[str, str, bytes]] = ()) -> None:
    """Attach ``files`` (name, type, bytes) with the composer's upload button, then send ``text``."""
    if files:
        page.locator("#upload-button-input").set_input_files(
            [FilePayload(name=name, mimeType=kind, buffer=data) for name, kind, data in files]
        )
        expect(page.locator("#attachments > div")).to_have_count(len(files))
    composer = chat_input(page)
    expect(composer).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    composer.fill(text)
    expect(page.locator("#chat-submit")).to_be_enabled()  # every file is uploaded
    composer.press("Enter")
