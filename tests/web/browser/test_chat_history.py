"""Chat history and feedback in a real browser: a signed-in person finds, reopens and rates a past conversation;
nobody else can list or open it; a guest leaves nothing behind; the feedback is exported for the eval sets.
The data layer's rules on their own: tests/web/test_chat_data_layer.py."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    ACCOUNTS,
    ARTIFACTS,
    CHAT_TIMEOUT_MS,
    CITIZEN,
    chat_input,
    greeting,
    open_chat,
    signed_in,
)
from tests.support.platform import Platform, owner_rows
from web.chat.history import NOT_YOURS

PROVINCE = ACCOUNTS[2]
QUESTION = "Phường Hoàn Kiếm, HN"
ANSWER = "Đã xác định đơn vị: Phường Hoàn Kiếm, Thành phố Hà Nội."
COMMENT = "Đúng đơn vị mới, cảm ơn."
REFUSED = "Không kết nối được với máy chủ"  # Chainlit refuses the connection to another's thread


def ask(page: Page, text: str, answer: str) -> None:
    """Send ``text`` in the chat and wait for the assistant's ``answer``."""
    composer = chat_input(page)
    expect(composer).to_be_editable(timeout=CHAT_TIMEOUT_MS)
    composer.fill(text)
    composer.press("Enter")
    expect(page.locator('[data-step-type="assistant_message"]', has_text=answer)).to_have_count(
        1, timeout=CHAT_TIMEOUT_MS
    )


def wait_rows(platform: Platform, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows once there are some (the chat stores them in the background), for up to 10 s."""
    deadline = time.monotonic() + 10
    while not (rows := owner_rows(platform, sql, *params)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return rows


def test_a_past_conversation_is_its_authors_alone_and_its_feedback_is_exported(
    platform: Platform, browser: Browser, tmp_path: Path
) -> None:
    owner, page = signed_in(browser, platform, CITIZEN)
    open_chat(page, platform, CITIZEN.name, CITIZEN.role_label)
    ask(page, QUESTION, ANSWER)
    past = page.locator("#thread-history a", has_text=QUESTION)
    expect(past).to_have_count(1)
    href = past.get_attribute("href") or ""
    thread_id = href.rsplit("/", 1)[-1]
    assert href == f"/chat/thread/{thread_id}", href

    answer = page.locator('[data-step-type="assistant_message"]', has_text=ANSWER)
    answer.locator(".positive-feedback-off").click()
    page.get_by_placeholder("Góp ý của bạn…").fill(COMMENT)
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(answer.locator(".positive-feedback-on")).to_have_count(1)
    rated = wait_rows(platform, 'select "value", "comment" from chat.feedbacks where "threadId" = %s', thread_id)
    assert rated == [(1, COMMENT)]

    # A new conversation; the earlier one waits in the sidebar.
    open_chat(page, platform, CITIZEN.name, CITIZEN.role_label)
    expect(page.locator('[data-step-type="user_message"]')).to_have_count(0)
    page.locator("#thread-history a", has_text=QUESTION).click()
    page.wait_for_url(platform.base_url + href)
    expect(page.locator('[data-step-type="user_message"]', has_text=QUESTION)).to_have_count(1, timeout=CHAT_TIMEOUT_MS)
    reopened = page.locator('[data-step-type="assistant_message"]', has_text=ANSWER)
    expect(reopened).to_have_count(1)
    expect(reopened.locator(".positive-feedback-on")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-chat-history.png"))
    ask(page, "P. Ba Đình, HN", "Đã xác định đơn vị: Phường Ba Đình, Thành phố Hà Nội.")  # the conversation goes on
    asked = wait_rows(
        platform,
        'select "output" from chat.steps where "threadId" = %s and "type" = %s and "output" = %s',
        thread_id,
        "user_message",
        "P. Ba Đình, HN",
    )
    assert len(asked) == 1
    author = owner_rows(platform, 'select "userIdentifier" from chat.threads where "id" = %s', thread_id)[0][0]

    target = tmp_path / "feedback.jsonl"
    export = platform.mattran("feedback", "export", str(target))
    assert export.returncode == 0, export.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    [record] = [r for r in records if r["thread_id"] == thread_id]
    assert set(record) == {"thread_id", "step_id", "value", "comment", "user_message", "assistant_reply", "created_at"}
    assert (record["value"], record["comment"], record["user_message"]) == (1, COMMENT, QUESTION)
    assert record["assistant_reply"].startswith(ANSWER)
    assert not any(author in line for line in lines)  # who gave it is not exported

    other, page2 = signed_in(browser, platform, PROVINCE)
    open_chat(page2, platform, PROVINCE.name, PROVINCE.role_label)
    ask(page2, "Phường Ba Đình, HN", "Đã xác định đơn vị: Phường Ba Đình, Thành phố Hà Nội.")
    expect(page2.locator("#thread-history a", has_text="Phường Ba Đình, HN")).to_have_count(1)  # the list is in
    expect(page2.locator("#thread-history")).not_to_contain_text(QUESTION)
    expect(page2.locator(f"#thread-{thread_id}")).to_have_count(0)
    page2.goto(platform.base_url + href)  # the thread's own address does not open it either: the chat refuses it
    page2.wait_for_url(re.compile(r"/chat/?$"), timeout=CHAT_TIMEOUT_MS)
    refused = greeting(page2, PROVINCE.name, PROVINCE.role_label).or_(page2.get_by_text(REFUSED))
    expect(refused.first).to_be_visible(timeout=CHAT_TIMEOUT_MS)
    expect(page2.locator("body")).not_to_contain_text(QUESTION)
    response = page2.request.get(f"{platform.base_url}/chat/project/thread/{thread_id}")
    assert response.status == 404  # not theirs: the database shows them no such thread
    assert QUESTION not in response.text()
    other.close()
    owner.close()


def test_a_guest_leaves_no_history_and_cannot_rate(platform: Platform, browser: Browser) -> None:
    guest = browser.new_context(locale="vi-VN")
    page = guest.new_page()
    open_chat(page, platform, "Khách", "Khách")
    ask(page, "Phường Cửa Nam, HN", "Đã xác định đơn vị: Phường Cửa Nam, Thành phố Hà Nội.")
    answer = page.locator('[data-step-type="assistant_message"]', has_text="Phường Cửa Nam")
    answer.locator(".positive-feedback-off").click()
    page.get_by_placeholder("Góp ý của bạn…").fill("Khách góp ý")
    with page.expect_response(lambda r: r.url.endswith("/chat/feedback")) as sent:
        page.get_by_role("button", name="Gửi đánh giá").click()
    assert sent.value.status >= 400
    expect(page.get_by_text(NOT_YOURS)).to_be_visible()
    assert owner_rows(platform, 'select count(*) from chat.steps where "output" like %s', "%Cửa Nam%") == [(0,)]
    assert owner_rows(platform, 'select count(*) from chat.feedbacks where "comment" = %s', "Khách góp ý") == [(0,)]
    assert owner_rows(platform, "select count(*) from chat.users where identifier = 'khach'") == [(0,)]
    assert owner_rows(platform, 'select count(*) from chat.threads where "userId" is null') == [(0,)]
    guest.close()
