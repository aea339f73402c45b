"""A commune cadre keeps the register in a real browser, without JavaScript: edits a member, ends another's
membership, adds a residential-area work committee and its head, prints the committee sheet; screenshots kept."""

from __future__ import annotations

import secrets

import httpx2
from playwright.sync_api import Browser, expect

from tests.support.browser import ARTIFACTS, COMMUNE, sign_in
from tests.support.platform import Platform, bearer, owner_rows

VAN_MIEU = "08611"  # the demo commune cadre's unit


def _member(platform: Platform, **fields: object) -> dict[str, object]:
    body = {"unit_code": VAN_MIEU, "term": "2024-2029", **fields}
    response = httpx2.post(
        f"{platform.base_url}/api/members", json=body, headers=bearer(platform, "commune_cadre", VAN_MIEU), timeout=60
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_commune_cadre_keeps_the_register_up_to_date(platform: Platform, browser: Browser) -> None:
    tag = secrets.token_hex(2).upper()
    edited = _member(platform, full_name=f"Đinh Văn Sửa {tag}", position="Ủy viên", organisation="Hội Nông dân")
    ended = _member(platform, full_name=f"Đinh Thị Thôi {tag}", position="Ủy viên")
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)  # the pages need none
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, platform, COMMUNE)
    ARTIFACTS.mkdir(exist_ok=True)

    # edit a member, found by name typed without diacritics
    page.goto(f"{platform.base_url}/can-bo/thanh-vien?q=dinh van sua {tag.lower()}")
    page.get_by_role("link", name=str(edited["full_name"])).click()
    page.locator("#position").fill("Phó Chủ tịch")
    page.get_by_role("button", name="Lưu thông tin").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu")
    expect(page.locator("#history")).to_contain_text("Chức vụ: Ủy viên → Phó Chủ tịch")
    page.screenshot(path=str(ARTIFACTS / "browser-member-edit.png"), full_page=True)

    # end another's membership
    page.goto(f"{platform.base_url}/can-bo/thanh-vien/{ended['id']}")
    page.locator("#reason").select_option(label="Chuyển công tác")
    page.locator("#note").fill("Chuyển về Phường Việt Trì")
    page.get_by_role("button", name="Ghi thôi tham gia").click()
    expect(page.locator("#ended")).to_contain_text("Chuyển công tác (Chuyển về Phường Việt Trì)")
    page.screenshot(path=str(ARTIFACTS / "browser-member-end.png"), full_page=True)

    # add a residential-area work committee, then its head
    area = f"Thôn Thử {tag}"
    page.goto(f"{platform.base_url}/can-bo/ban-cong-tac")
    page.locator("#area").fill(area)
    page.locator("#households").fill("156")
    page.get_by_role("button", name="Thêm", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu")
    committee = page.locator("details", has_text=area)
    committee.get_by_label("Trưởng ban").fill("Hà Thị Trưởng")
    committee.get_by_role("button", name="Lưu").click()
    expect(page.locator("details", has_text=area).locator("summary")).to_contain_text("Trưởng ban: Hà Thị Trưởng")
    page.screenshot(path=str(ARTIFACTS / "browser-work-committee.png"), full_page=True)

    # the committee sheet, as printed: the standing board first, the page's header left out
    page.goto(f"{platform.base_url}/can-bo/uy-ban/{VAN_MIEU}?nhiem_ky=2024-2029")
    expect(page.locator("#standing-board")).to_contain_text(str(edited["full_name"]))
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "browser-committee-sheet-print.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / "browser-committee-sheet.pdf"))
    context.close()

    assert owner_rows(platform, "select position from members where id = %s", edited["id"]) == [("Phó Chủ tịch",)]
    assert owner_rows(platform, "select end_reason from members where id = %s", ended["id"]) == [("moved",)]
    assert owner_rows(platform, "select head_name, households from work_committees where area = %s", area) == [
        ("Hà Thị Trưởng", 156)
    ]
