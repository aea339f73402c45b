"""The chat in a real browser: each role's starter buttons, a petition filed with attached files (a renamed program
refused), and a conversation reopened while its petition waits for confirmation."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from agents.replies import ADMIN_EXAMPLES, CADRE_EXAMPLES, CITIZEN_EXAMPLES
from tests.support.browser import ARTIFACTS, CHAT_TIMEOUT_MS, CITIZEN, COMMUNE, open_chat, send, sign_in
from tests.support.files import PDF, PNG, PROGRAM
from tests.support.platform import Platform, owner_rows

PETITION = "Kiến nghị: đèn đường ở đầu ngõ 15 phường Hoàn Kiếm, Hà Nội bị hỏng cả tháng nay, buổi tối rất nguy hiểm."


def test_each_role_sees_its_own_starters_and_a_starter_is_answered(platform: Platform, browser: Browser) -> None:
    cadre = browser.new_context(locale="vi-VN")
    page = cadre.new_page()
    sign_in(page, platform, COMMUNE)
    open_chat(page, platform, COMMUNE.name, f"{COMMUNE.role_label} — {COMMUNE.unit_name}")
    starters = page.locator("#starters")
    for example in CADRE_EXAMPLES:
        expect(starters.get_by_role("button", name=example.label, exact=True)).to_be_visible()
    cadre.close()

    citizen = browser.new_context(locale="vi-VN")
    page = citizen.new_page()
    sign_in(page, platform, CITIZEN)
    open_chat(page, platform, CITIZEN.name, CITIZEN.role_label)
    starters = page.locator("#starters")
    expect(starters.get_by_role("button")).to_have_count(len(CITIZEN_EXAMPLES))
    for example in CITIZEN_EXAMPLES:
        expect(starters.get_by_role("button", name=example.label, exact=True)).to_be_visible()
    for example in (*CADRE_EXAMPLES, *ADMIN_EXAMPLES):
        expect(starters.get_by_text(example.label, exact=True)).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-starters.png"))
    [unit] = [e for e in CITIZEN_EXAMPLES if "đơn vị" in e.label]
    starters.get_by_role("button", name=unit.label, exact=True).click()
    expect(page.locator('[data-step-type="user_message"]', has_text=unit.message)).to_have_count(1)
    guide = page.locator('[data-step-type="assistant_message"]', has_text="Bạn cho tôi địa chỉ cũ")
    expect(guide).to_have_count(1, timeout=CHAT_TIMEOUT_MS)  # a guided prompt: the details are asked for
    send(page, "P. Ba Đình, HN")
    answer = page.locator('[data-step-type="assistant_message"]', has_text="Đã xác định đơn vị: Phường Ba Đình")
    expect(answer).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    expect(starters).to_have_count(0)  # the conversation has begun
    citizen.close()


def test_a_petition_keeps_its_files_and_waits_for_its_author_in_a_reopened_conversation(
    platform: Platform, browser: Browser
) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    sign_in(page, platform, CITIZEN)
    open_chat(page, platform, CITIZEN.name, CITIZEN.role_label)

    send(page, PETITION, [("o-ga.png", "image/png", PROGRAM)])
    refused = page.locator('[data-step-type="assistant_message"]', has_text="Tệp “o-ga.png” không phải ảnh")
    expect(refused).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    expect(refused).to_contain_text("Chưa có gì được lưu")

    send(page, PETITION, [("o-ga.png", "image/png", PNG), ("bien-ban.pdf", "application/pdf", PDF)])
    question = page.locator('[data-step-type="assistant_message"]', has_text="Bạn xác nhận gửi chứ?")
    expect(question).to_contain_text("Tệp đính kèm: o-ga.png, bien-ban.pdf", timeout=CHAT_TIMEOUT_MS)
    expect(question.get_by_role("button", name="Gửi", exact=True)).to_be_visible()
    past = page.locator("#thread-history a", has_text="Kiến nghị: đèn đường")
    expect(past).to_have_count(1)
    href = past.get_attribute("href") or ""

    open_chat(page, platform, CITIZEN.name, CITIZEN.role_label)  # leave it unanswered, then come back to it
    page.locator(f'#thread-history a[href="{href}"]').click()
    page.wait_for_url(platform.base_url + href)
    question = page.locator('[data-step-type="assistant_message"]', has_text="Bạn xác nhận gửi chứ?")
    expect(question).to_contain_text("Tệp đính kèm: o-ga.png, bien-ban.pdf", timeout=CHAT_TIMEOUT_MS)
    expect(question.get_by_role("button", name="Hủy", exact=True)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-reopened-confirmation.png"))
    question.get_by_role("button", name="Gửi", exact=True).click()
    expect(question).to_contain_text("Đã chọn: Gửi")
    expect(question.get_by_role("button", name="Gửi", exact=True)).to_have_count(0)
    filed = page.locator('[data-step-type="assistant_message"]', has_text="Đã lưu kèm 2 tệp đính kèm.")
    expect(filed).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    code = re.search(r"PAKN-\d{4}-\d{6}", filed.inner_text())
    assert code, filed.inner_text()
    rows = owner_rows(
        platform,
        "select p.channel, a.filename, a.content_type, a.size from petitions p"
        " join petition_attachments a on a.petition_id = p.id where p.tracking_code = %s"
        " order by a.id",
        code.group(0),
    )
    assert rows == [("chat", "o-ga.png", "image/png", len(PNG)), ("chat", "bien-ban.pdf", "application/pdf", len(PDF))]
    context.close()
