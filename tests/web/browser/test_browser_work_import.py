"""A commune cadre on a phone, without JavaScript, imports the residential-area work committees from a spreadsheet:
sees the per-row errors and nothing written, imports again skipping the bad rows, finds the new head on the list;
screenshots kept."""

from __future__ import annotations

import secrets

from playwright.sync_api import Browser, expect

from tests.support.browser import ARTIFACTS, COMMUNE, PHONE, sign_in
from tests.support.files import xlsx
from tests.support.platform import Platform, owner_rows

VAN_MIEU = "08611"  # the demo commune cadre's unit


def test_a_commune_cadre_imports_work_committees_on_a_phone(platform: Platform, browser: Browser) -> None:
    tag = secrets.token_hex(2).upper()
    area = f"Tổ dân phố Nhập {tag}"
    rows = [
        ["Khu dân cư", "Mã xã", "Trưởng ban", "Thành viên", "Số hộ"],
        [area, VAN_MIEU, "Vi Thị Nhập", "Lục Văn A; Nông Thị B", 210],
        [f"Bản Lỗi {tag}", VAN_MIEU, "", "", "hai trăm"],
    ]
    context = browser.new_context(
        locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, platform, COMMUNE)
    ARTIFACTS.mkdir(exist_ok=True)
    upload = {"name": "ban-cong-tac.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx(rows)}

    page.goto(f"{platform.base_url}/can-bo/ban-cong-tac")
    page.locator("#work-file").set_input_files(upload)  # type: ignore[arg-type]
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("không dòng nào được nhập")
    expect(page.locator("#errors")).to_contain_text("Số hộ “hai trăm” không hợp lệ")
    page.screenshot(path=str(ARTIFACTS / "browser-work-import-errors.png"), full_page=True)
    assert owner_rows(platform, "select count(*) from work_committees where area = %s", area) == [(0,)]

    page.goto(f"{platform.base_url}/can-bo/ban-cong-tac")
    page.locator("#work-file").set_input_files(upload)  # type: ignore[arg-type]
    page.locator("#work-mode").select_option("skip")
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Đã thêm 1 ban, cập nhật 0 ban trên 2 dòng")
    page.screenshot(path=str(ARTIFACTS / "browser-work-import-done.png"), full_page=True)

    page.get_by_role("link", name="Về danh sách ban công tác Mặt trận").click()
    summary = page.locator("details", has_text=area).locator("summary")
    expect(summary).to_contain_text("Trưởng ban: Vi Thị Nhập · 210 hộ")
    page.screenshot(path=str(ARTIFACTS / "browser-work-import-list.png"), full_page=True)
    context.close()
    assert owner_rows(
        platform, "select head_name, member_names, households from work_committees where area = %s", area
    ) == [("Vi Thị Nhập", ["Lục Văn A", "Nông Thị B"], 210)]
