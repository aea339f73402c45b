"""A petition's journey on a phone, as the browser tests walk it: the platform mailing each step to a real SMTP
server, a guest filing among namesakes, a cadre accepting and answering."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from joserfc.jwk import RSAKey
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.browser import Account, on_phone, sign_in
from tests.support.platform import Platform, cli_env

BRIDGE = "Cây cầu dân sinh qua suối đầu bản bị nứt mặt cầu, xe máy đi qua rất nguy hiểm."


def mailing_env(data_dir: Path, idp_port: int, smtp_port: int) -> dict[str, str]:
    """``mattran up``'s environment for sending its notifications to the SMTP server on ``smtp_port`` every second."""
    return cli_env(
        data_dir,
        MATTRAN_IDP_PORT=str(idp_port),
        MATTRAN_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        MATTRAN_MAIL_FROM="Mặt trận số <pakn@mattran.test>",
        MATTRAN_NOTIFY_INTERVAL_SECONDS="1",
    )


def at_provider(port: int, idp_port: int, data_dir: Path, proc: subprocess.Popen[bytes]) -> Platform:
    """The platform ``proc`` serves, everyone signing in at its provider (the tests' signing key unused)."""
    key = RSAKey.generate_key(2048)
    return Platform(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{idp_port}", data_dir, key, proc)


def file_among_namesakes(
    page: Page, base_url: str, email: str, at: Callable[[str], None] = lambda _step: None
) -> tuple[str, str]:
    """File a petition on the form, typing "xa hoa binh" (suggested from /api/units as it is typed) and choosing the
    second of its namesakes, told apart by their province; the full receipt and the unit chosen. ``at`` is called on
    each page as it is shown: "the form", "the namesakes step", "the confirmation"."""
    page.goto(base_url + "/phan-anh")
    at("the form")
    page.get_by_label("Nơi nhận").press_sequentially("xa hoa binh", delay=20)
    expect(page.locator("#unit-options option").first).to_have_attribute("value", re.compile(r"^Xã Hòa Bình, "))
    page.get_by_label("Tiêu đề").fill("Cầu dân sinh xuống cấp")
    page.get_by_label("Nội dung").fill(BRIDGE)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_role("group", name=re.compile("bạn gửi đến đơn vị nào"))).to_be_visible()
    assert page.get_by_role("radio").count() >= 2
    at("the namesakes step")
    chosen = page.locator("label[for='unit_code-2']").inner_text()
    assert re.fullmatch(r"Xã Hòa Bình, (Tỉnh|Thành phố) .+", chosen)
    unit = page.locator("#unit_code-2").get_attribute("value")
    page.get_by_label(chosen).check()
    page.get_by_role("button", name="Gửi phản ánh").click()
    receipt = page.locator("#tracking-code").inner_text()
    expect(page.locator("#as-sent")).to_contain_text("Xã Hòa Bình")
    at("the confirmation")
    assert unit is not None
    return receipt, unit


def cadre_on_phone(browser: Browser, platform: Platform, account: Account, code: str) -> tuple[BrowserContext, Page]:
    """A cadre's phone, signed in as ``account``, on the page of the petition ``code``."""
    context = on_phone(browser)
    page = context.new_page()
    sign_in(page, platform, account)
    page.goto(f"{platform.base_url}/can-bo/phan-anh/{code}")
    return context, page


def accept(page: Page) -> None:
    """The cadre accepts the petition on its page."""
    page.get_by_role("button", name="Thụ lý", exact=True).click()
    expect(page.locator("#status")).to_have_text("Đã thụ lý")


def answer(page: Page, text: str) -> None:
    """The cadre answers the petition on its page."""
    page.get_by_label("Nội dung trả lời").fill(text)
    page.get_by_role("button", name="Trả lời", exact=True).click()
    expect(page.locator("#status")).to_have_text("Đã trả lời")


def told(code: str) -> list[str]:
    """The subjects of the petitioner's e-mails, in order: received, accepted, answered."""
    return [
        f"[Mặt trận số] Đã tiếp nhận phản ánh {code}",
        f"[Mặt trận số] Phản ánh {code}: Đã thụ lý",
        f"[Mặt trận số] Phản ánh {code}: Đã trả lời",
    ]
