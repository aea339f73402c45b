"""A citizen follows their petition on a phone (issue 18, part B): signed in, they file with the form prefilled,
copy the code, receive the receipt and each notification by e-mail (a real SMTP server, aiosmtpd) while a cadre
accepts and answers, see the timeline on "Phản ánh của tôi", rate the answer, and stop the notifications."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.support import phone_journey as journey
from tests.support.browser import ARTIFACTS, CITIZEN, COMMUNE, PHONE, on_phone, sign_in
from tests.support.mailbox import Mailbox, body, smtp_server
from tests.support.platform import Platform, free_port, owner_rows, serving

EMAIL = "dan.nguyen@example.vn"


@pytest.fixture(scope="module")
def mail_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, Mailbox]]:
    """``mattran up`` sending its notifications to a real SMTP server every second."""
    with smtp_server() as (box, smtp_port):
        data_dir = tmp_path_factory.mktemp("mail-platform")
        port, idp_port = free_port(), free_port()
        env = journey.mailing_env(data_dir, idp_port, smtp_port)
        with serving(port, env, data_dir, data_dir / "up.log", timeout=300) as proc:  # a busy machine starts slowly
            yield journey.at_provider(port, idp_port, data_dir, proc), box


def test_a_citizen_is_told_each_step_and_rates_the_answer_on_a_phone(
    browser: Browser, mail_platform: tuple[Platform, Mailbox]
) -> None:
    platform, box = mail_platform
    citizen = on_phone(browser)
    citizen.grant_permissions(["clipboard-read", "clipboard-write"], origin=platform.base_url)
    page = citizen.new_page()
    sign_in(page, platform, CITIZEN)
    page.goto(platform.base_url + "/phan-anh")
    expect(page.get_by_label("Họ và tên")).to_have_value(CITIZEN.name)  # prefilled for a signed-in citizen
    page.get_by_label("Nơi nhận").fill("xa van mieu, phu tho")
    page.get_by_label("Tiêu đề").fill("Đèn đường thôn Đông bị hỏng")
    page.get_by_label("Nội dung").fill("Đèn đường ở đầu thôn Đông hỏng hơn hai tuần, buổi tối rất tối và nguy hiểm.")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Gửi phản ánh").click()
    receipt = page.locator("#tracking-code").inner_text()
    code = receipt.rsplit("-", 1)[0]
    expect(page.locator("#as-sent")).to_contain_text("Đèn đường thôn Đông bị hỏng")
    expect(page.locator("#as-sent")).to_contain_text("Xã Văn Miếu")
    page.get_by_role("button", name="Sao chép mã").click()
    expect(page.locator("#copy-done")).to_have_text("Đã sao chép mã vào bộ nhớ tạm.")
    assert page.evaluate("navigator.clipboard.readText()") == receipt
    (first,) = box.wait_for(code, 1)
    assert str(first["To"]) == EMAIL and receipt in body(first)

    cadre, handling = journey.cadre_on_phone(browser, platform, COMMUNE, code)
    journey.accept(handling)
    journey.answer(handling, "Xã đã thay bóng đèn đầu thôn Đông ngày 5/12.")
    mails = box.wait_for(code, 3)
    assert [str(m["Subject"]) for m in mails] == journey.told(code)
    assert "Xã đã thay bóng đèn" in body(mails[2]) and len({str(m["Message-ID"]) for m in mails}) == 3

    page.goto(platform.base_url + "/")
    page.locator("header").get_by_role("link", name="Phản ánh của tôi").click()
    card = page.locator(f"#p-{code}")
    expect(card.locator("ol.timeline li")).to_have_count(3)
    expect(card.locator("ol.timeline")).to_contain_text("Đã tiếp nhận")
    expect(card.locator("ol.timeline")).to_contain_text("Đã thụ lý")
    expect(card.locator("ol.timeline")).to_contain_text("Đã trả lời")
    assert re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", card.locator("ol.timeline time").first.inner_text())
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    card.get_by_role("radio", name="Chưa hài lòng").check()
    card.get_by_role("textbox", name="Lý do").fill("Mới thay một bóng, cuối thôn vẫn tối.")
    card.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(page.locator(f"#p-{code} .rating")).to_contain_text("chưa hài lòng")
    page.screenshot(path=str(ARTIFACTS / "follow-up-phone.png"), full_page=True)
    handling.goto(f"{platform.base_url}/can-bo/phan-anh/{code}")
    expect(handling.locator("#rating")).to_contain_text("Chưa hài lòng")  # the unit sees it

    link = re.search(r"(http://\S+/huy-nhan-tin\?t=\S+)", body(mails[-1]))
    assert link is not None
    page.goto(link.group(1))
    page.get_by_role("button", name="Dừng nhận thông báo").click()
    expect(page.locator("#unsubscribed")).to_be_visible()
    handling.goto(f"{platform.base_url}/can-bo/phan-anh/{code}")  # a later change tells nobody
    handling.get_by_role("button", name="Duyệt và công khai").click()
    expect(handling.locator("#status")).to_have_text("Đã công khai trả lời")
    queued = owner_rows(
        platform,
        "select o.status, count(*) from notification_outbox o join petitions p on p.id = o.petition_id"
        " where p.tracking_code = %s group by o.status",
        code,
    )
    assert queued == [("sent", 3)]
    citizen.close()
    cadre.close()


def test_a_guest_chooses_among_namesakes_on_a_phone_and_receives_the_receipt(
    browser: Browser, mail_platform: tuple[Platform, Mailbox]
) -> None:
    platform, box = mail_platform
    guest = on_phone(browser)
    page = guest.new_page()

    def at(step: str) -> None:
        if step == "the namesakes step":  # nothing typed is lost
            expect(page.get_by_label("Nội dung")).to_have_value(journey.BRIDGE)
            expect(page.get_by_label("Email")).to_have_value("khach.hoabinh@example.vn")

    receipt, unit = journey.file_among_namesakes(page, platform.base_url, "khach.hoabinh@example.vn", at)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    code = receipt.rsplit("-", 1)[0]
    assert owner_rows(platform, "select unit_code from petitions where tracking_code = %s", code) == [(unit,)]
    (mail,) = box.wait_for(code, 1)
    assert str(mail["To"]) == "khach.hoabinh@example.vn" and receipt in body(mail)
    guest.close()
