"""A guest's whole journey on a phone (issue 18, "Done means"): they file a petition choosing among namesakes and
receive the receipt by e-mail (a real SMTP server, aiosmtpd); a cadre accepts it while the platform's process is
killed mid-send and restarted, then answers; each notification arrives (a repeat only with the same Message-ID);
the citizen signs in from the receipt's link, finds the petition and its timeline on "Phản ánh của tôi" and rates the
answer. axe checks the pages the citizen sees; screenshots are kept in the test's tmp dir."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import phone_journey as journey
from tests.support.accessibility import assert_accessible
from tests.support.browser import CENTRAL, CITIZEN, PHONE, on_phone, submit_login
from tests.support.mailbox import Mailbox, body, smtp_server
from tests.support.platform import MATTRAN, Platform, UpProcess, free_port, owner_rows, stop, wait_healthy

EMAIL = "khach.hoabinh@example.vn"


def _launch(env: dict[str, str], port: int, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    """``mattran up`` on ``port``, its output appended to ``log``."""
    return UpProcess([MATTRAN, "up", "--port", str(port)], log, env=env, cwd=data_dir)


@dataclass
class Running:
    """``mattran up`` on one data dir and fixed ports, which the test kills and starts again."""

    platform: Platform
    env: dict[str, str]
    port: int
    idp_port: int
    log: Path

    def start(self) -> None:
        """Start it again and wait until it is healthy (slow on a busy machine: its model, its provider)."""
        self.platform.proc = _launch(self.env, self.port, self.platform.data_dir, self.log)
        wait_healthy(self.port, self.platform.proc, timeout=300)

    def kill(self) -> None:
        """``kill -9`` (its provider dies with it); wait until the provider's port is free again."""
        self.platform.proc.send_signal(signal.SIGKILL)
        self.platform.proc.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.idp_port)) != 0:
                    return
            time.sleep(0.2)
        raise AssertionError("the provider did not stop with the platform")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Mailbox]]:
    """The platform sending its notifications to a real SMTP server every second."""
    with smtp_server() as (box, smtp_port):
        data_dir = tmp_path_factory.mktemp("journey")
        port, idp_port = free_port(), free_port()
        env = journey.mailing_env(data_dir, idp_port, smtp_port)
        proc = _launch(env, port, data_dir, data_dir / "up.log")
        app = Running(journey.at_provider(port, idp_port, data_dir, proc), env, port, idp_port, data_dir / "up.log")
        try:
            wait_healthy(port, proc, timeout=300)
            yield app, box
        finally:
            box.release()
            stop(app.platform.proc)


def _file_as_guest(page: Page, base_url: str, shots: Path) -> tuple[str, str]:
    """File a petition as a guest among the namesakes of "xa hoa binh", axe checking each page; the full receipt and
    the unit."""
    screenshots = {"the namesakes step": "1-namesakes.png", "the confirmation": "2-receipt.png"}

    def checked(step: str) -> None:
        assert_accessible(page, step)
        if step in screenshots:
            page.screenshot(path=str(shots / screenshots[step]), full_page=True)

    return journey.file_among_namesakes(page, base_url, EMAIL, checked)


def test_a_guest_files_is_told_each_step_across_a_restart_signs_in_and_rates_on_a_phone(
    browser: Browser, running: tuple[Running, Mailbox], tmp_path: Path
) -> None:
    app, box = running
    platform = app.platform
    guest = on_phone(browser, axe=True)  # axe checks the guest's pages
    page = guest.new_page()
    receipt, unit = _file_as_guest(page, platform.base_url, tmp_path)
    code = receipt.rsplit("-", 1)[0]
    assert owner_rows(platform, "select unit_code, submitter from petitions where tracking_code = %s", code) == [
        (unit, None)
    ]
    (first,) = box.wait_for(code, 1)
    assert str(first["To"]) == EMAIL and receipt in body(first)
    claim = re.search(r"(http://\S+/phan-anh-cua-toi/nhan\?t=\S+)", body(first))
    assert claim is not None, body(first)

    cadre, handling = journey.cadre_on_phone(browser, platform, CENTRAL, code)
    box.hold()  # the next message is kept by the server, its sender left waiting for the answer
    journey.accept(handling)
    assert box.held.wait(60), "the acceptance was not sent"
    app.kill()  # mid-send: the server has the message, the sender never heard back
    box.release()
    assert owner_rows(
        platform,
        "select e.action, o.status, o.attempts from notification_outbox o join petition_events e on e.id = o.event_id"
        " join petitions p on p.id = o.petition_id where p.tracking_code = %s order by o.id",
        code,
    ) == [("received", "sent", 1), ("accept", "queued", 0)]  # nothing marked: its transaction died with it
    app.start()
    handling.goto(f"{platform.base_url}/can-bo/phan-anh/{code}")  # the cadre's session outlives the restart
    journey.answer(handling, "Xã đã gia cố mặt cầu và cắm biển hạn chế tải trọng ngày 5/12.")

    mails = box.wait_for(code, 4)  # the receipt, the acceptance twice (the repeat), the answer
    time.sleep(2)  # the sender runs every second: a further repeat would have come by now
    mails = box.about(code)
    by_subject: dict[str, set[str]] = {}
    for mail in mails:
        by_subject.setdefault(str(mail["Subject"]), set()).add(str(mail["Message-ID"]))
    assert list(by_subject) == journey.told(code)
    assert all(len(ids) == 1 for ids in by_subject.values())  # a repeat carries the same Message-ID
    assert len({i for ids in by_subject.values() for i in ids}) == 3  # one per event
    assert [str(m["Subject"]).rsplit(": ", 1)[-1] for m in mails].count("Đã thụ lý") == 2
    assert "Xã đã gia cố mặt cầu" in body(mails[-1]) and all(str(m["To"]) == EMAIL for m in mails)

    page.goto(claim.group(1))  # the receipt's link: sign in first, then back to it
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    submit_login(page, platform, CITIZEN.username, CITIZEN.password)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nhận phản ánh {code} vào “Phản ánh của tôi”")
    assert_accessible(page, "the claim page")
    page.screenshot(path=str(tmp_path / "3-claim.png"), full_page=True)
    page.get_by_role("button", name="Đưa vào Phản ánh của tôi").click()
    expect(page.get_by_role("status")).to_contain_text(f"Đã đưa phản ánh {code} vào Phản ánh của tôi.")
    card = page.locator(f"#p-{code}")
    steps = card.locator("ol.timeline li")
    expect(steps).to_have_count(4)
    for step, label in enumerate(["Đã tiếp nhận", "Đã thụ lý", "Đã trả lời", "Bạn đã nhận phản ánh vào tài khoản"]):
        expect(steps.nth(step)).to_contain_text(label)
    expect(card).to_contain_text("Xã đã gia cố mặt cầu")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    assert_accessible(page, "Phản ánh của tôi")
    card.get_by_role("radio", name="Hài lòng", exact=True).check()
    card.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(page.locator(f"#p-{code} .rating")).to_contain_text("hài lòng")
    page.screenshot(path=str(tmp_path / "4-my-petitions.png"), full_page=True)
    handling.goto(f"{platform.base_url}/can-bo/phan-anh/{code}")
    expect(handling.locator("#rating")).to_contain_text("Hài lòng")  # the unit sees it

    [(submitter,)] = owner_rows(platform, "select submitter from petitions where tracking_code = %s", code)
    assert submitter is not None  # now the citizen's: row-level security lets only them follow it
    assert owner_rows(
        platform,
        "select o.status, count(*) from notification_outbox o join petitions p on p.id = o.petition_id"
        " where p.tracking_code = %s group by o.status",
        code,
    ) == [("sent", 3)]
    assert len(box.about(code)) == len(mails)  # claiming and rating tell nobody
    guest.close()
    cadre.close()
