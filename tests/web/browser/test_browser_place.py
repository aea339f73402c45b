"""The place on the petition form with JavaScript (issue 18, part C): "Dùng vị trí của tôi" fills the latitude and
longitude from the phone's location, and the petition goes to the nearest commune."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.support.browser import PHONE
from tests.support.platform import Platform, owner_rows


def test_my_location_files_to_the_nearest_commune_on_a_phone(platform: Platform, browser: Browser) -> None:
    [(lat, lon)] = owner_rows(platform, "select latitude, longitude from units where code = %s", "00004")
    here = {"latitude": float(lat) + 0.0004, "longitude": float(lon) - 0.0004}
    guest = browser.new_context(
        locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True, geolocation=here, permissions=["geolocation"]
    )
    page = guest.new_page()
    page.goto(f"{platform.base_url}/phan-anh")
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#location-status")).to_contain_text("Đã có vị trí của bạn")
    assert abs(float(page.locator("#latitude").input_value()) - here["latitude"]) < 1e-5
    page.get_by_label("Tiêu đề").fill("Ổ gà giữa đường trước chợ")
    page.get_by_label("Nội dung").fill("Ổ gà lớn giữa đường trước cổng chợ, xe máy đi buổi tối rất dễ ngã.")
    page.get_by_role("button", name="Gửi phản ánh").click()
    code = page.locator("#tracking-code").inner_text().rsplit("-", 1)[0]
    expect(page.locator("#as-sent")).to_contain_text("Phường Ba Đình")
    assert owner_rows(platform, "select unit_code from petitions where tracking_code = %s", code) == [("00004",)]
    guest.close()
