"""The cadres' workbench in a real browser (issue 20), on a laptop and a phone: a cadre transfers a petition through
the unit picker (suggestions as they type, the namesakes step, the confirmation) and sees the success message; an
admin creates a key on the API-key page (shown once, copied), sees its last use and revokes it; the audit view
filters to one cadre's publication events and exports them; a petition is assigned from the unit's cadres, shown by
name, and printed with its history. axe finds no serious or critical violation on these
pages. Screenshots go to ``artifacts/`` (workbench-*.png)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from io import BytesIO

import httpx2
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.accessibility import described, violations
from tests.support.browser import ACCOUNTS, ARTIFACTS, COMMUNE, PHONE, sign_in
from tests.support.open311 import post_request
from tests.support.platform import Platform, owner_rows

ADMIN = ACCOUNTS[4]  # Hoàng Văn Quản Trị
VAN_MIEU = "08611"
CADRE = {"sub": "canbo.xa", "name": "Trần Thị Xã", "roles": ["commune_cadre"], "unit": VAN_MIEU}  # the demo account
COLLEAGUE = {"sub": "canbo.xa.2", "name": "Đỗ Văn Đồng", "roles": ["commune_cadre"], "unit": VAN_MIEU}
LAPTOP = {"width": 1280, "height": 900}


def _context(browser: Browser, phone: bool = False) -> BrowserContext:
    """A browser profile on a laptop or a phone (axe is an inline script: the pages' script policy is bypassed)."""
    shape = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {"viewport": LAPTOP}
    context = browser.new_context(locale="vi-VN", bypass_csp=True, accept_downloads=True, **shape)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def laptop(browser: Browser) -> Iterator[BrowserContext]:
    context = _context(browser)
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = _context(browser, phone=True)
    yield context
    context.close()


def _accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}:\n{described(found)}"


def _fits(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def _file(platform: Platform, title: str) -> str:
    body = {
        "title": title,
        "content": f"{title}: người dân đi lại khó khăn, đề nghị xã kiểm tra.",
        "unit_code": VAN_MIEU,
    }
    filed = httpx2.post(f"{platform.base_url}/api/petitions", json=body, timeout=60)
    assert filed.status_code == 201, filed.text
    return str(filed.json()["tracking_code"]).rsplit("-", 1)[0]  # the number the cadres' pages show


def _act(platform: Platform, claims: dict[str, object], code: str, **action: object) -> None:
    auth = {"Authorization": f"Bearer {platform.mint(claims)}"}
    url = f"{platform.base_url}/api/petitions/{code}"
    if action["action"] == "publish":  # approved as proposed (masked)
        draft = httpx2.get(f"{url}/publication", headers=auth, timeout=60).json()
        action |= {f"{k}_public": draft[k]["proposed"] for k in ("title", "content", "answer")}
    done = httpx2.post(f"{url}/actions", json=action, headers=auth, timeout=60)
    assert done.status_code == 200, done.text


def _unit_of(platform: Platform, code: str) -> str:
    ((unit,),) = owner_rows(platform, "select unit_code from petitions where tracking_code = %s", code)
    return str(unit)


def test_a_cadre_transfers_through_the_picker_and_sees_the_success_message(
    platform: Platform, laptop: BrowserContext, phone: BrowserContext
) -> None:
    first, second = _file(platform, "Cầu tràn thôn Nam bị sạt"), _file(platform, "Đường liên thôn Bắc sụt lún")
    page = laptop.new_page()
    sign_in(page, platform, COMMUNE)
    page.goto(f"{platform.base_url}/can-bo/phan-anh/{first}")
    _accessible(page, "chi tiết phản ánh")
    page.get_by_label("Cán bộ của đơn vị").select_option(label="Trần Thị Xã")  # the unit's cadres, by name
    page.get_by_role("button", name="Giao cán bộ").click()
    expect(page.locator("#done")).to_have_text("Đã thực hiện: giao cán bộ.")
    expect(page.locator("#assignee-name")).to_have_text("Trần Thị Xã")
    expect(page.get_by_role("listitem").filter(has_text="Giao cán bộ")).to_contain_text("(Trần Thị Xã)")
    expect(page.locator("main")).not_to_contain_text("canbo.xa")  # people's names, not account names
    page.get_by_role("link", name="Bản in kèm lịch sử xử lý").click()  # the printable petition with its history
    expect(page.locator("#print-history li").filter(has_text="Giao cán bộ")).to_contain_text("(Trần Thị Xã)")
    expect(page.locator("main form")).to_have_count(0)
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "workbench-print.png"), full_page=True)
    page.emulate_media(media="screen")
    _accessible(page, "bản in phản ánh")
    page.go_back()
    form = page.locator("form").filter(has=page.get_by_label("Đơn vị nhận"))
    form.get_by_label("Đơn vị nhận").press_sequentially("xa hoa binh", delay=20)  # suggestions from /api/units
    expect(page.locator("#unit-options option").first).to_have_attribute("value", re.compile(r"^Xã Hòa Bình, "))
    form.get_by_label("Lý do").fill("Địa điểm thuộc xã khác")
    form.get_by_role("button", name="Chuyển đơn vị Mặt trận khác").click()
    expect(page.get_by_role("radio")).to_have_count(0)  # not confirmed: the browser asks for the box first
    assert _unit_of(platform, first) == VAN_MIEU
    form.get_by_label("Tôi xác nhận chuyển phản ánh này").check()
    form.get_by_role("button", name="Chuyển đơn vị Mặt trận khác").click()

    group = page.get_by_role("group", name=re.compile("đơn vị tên “xa hoa binh”: chọn đơn vị nhận"))
    expect(group).to_be_visible()  # the namesakes, told apart by their province, none chosen in advance
    choices = group.get_by_role("radio")
    assert choices.count() >= 2 and not any(c.is_checked() for c in choices.all())
    _accessible(page, "bước chọn đơn vị nhận")
    page.screenshot(path=str(ARTIFACTS / "workbench-transfer-choice.png"), full_page=True)
    chosen = group.locator("label").nth(1)
    name, unit = chosen.inner_text().strip(), chosen.locator("input").get_attribute("value")
    assert re.fullmatch(r"Xã Hòa Bình, (Tỉnh|Thành phố) .+", name) and unit
    chosen.click()
    page.get_by_role("button", name="Chuyển đến đơn vị đã chọn").click()
    expect(page.locator("#done")).to_have_text(f"Đã chuyển phản ánh {first} đến {name}.")
    assert _unit_of(platform, first) == unit
    page.screenshot(path=str(ARTIFACTS / "workbench-transfer-done.png"))

    mobile = phone.new_page()  # a name with one unit: no second step
    sign_in(mobile, platform, COMMUNE)
    mobile.goto(f"{platform.base_url}/can-bo/phan-anh/{second}")
    _fits(mobile)
    _accessible(mobile, "chi tiết phản ánh trên điện thoại")
    form = mobile.locator("form").filter(has=mobile.get_by_label("Đơn vị nhận"))
    form.get_by_label("Đơn vị nhận").fill("Phuong Ba Dinh, Ha Noi")
    form.get_by_label("Lý do").fill("Đường thuộc phường Ba Đình")
    form.get_by_label("Tôi xác nhận chuyển phản ánh này").check()
    form.get_by_role("button", name="Chuyển đơn vị Mặt trận khác").click()
    expect(mobile.locator("#done")).to_have_text(f"Đã chuyển phản ánh {second} đến Phường Ba Đình, Thành phố Hà Nội.")
    assert _unit_of(platform, second) == "00004"
    _fits(mobile)
    mobile.screenshot(path=str(ARTIFACTS / "workbench-transfer-phone.png"))


def test_an_admin_creates_and_revokes_an_api_key_through_the_page(
    platform: Platform, laptop: BrowserContext, phone: BrowserContext
) -> None:
    laptop.grant_permissions(["clipboard-read", "clipboard-write"], origin=platform.base_url)
    page = laptop.new_page()
    sign_in(page, platform, ADMIN)
    page.goto(f"{platform.base_url}/quan-tri")
    page.get_by_role("link", name="Khóa API cho ứng dụng bên ngoài").click()
    name = f"Cổng tỉnh {uuid.uuid4().hex[:4]}"
    page.get_by_label("Tên (ứng dụng hoặc tổ chức dùng khóa)").fill(name)
    page.get_by_label("Quyền của khóa").select_option(label="Gửi phản ánh qua cổng Open311")
    page.get_by_role("button", name="Tạo khóa").click()
    expect(page.locator("#done")).to_have_text(f"Đã tạo khóa “{name}”.")
    key = page.locator("#key-value").inner_text()
    assert re.fullmatch(r"mtk_[A-Za-z0-9_-]{40,}", key)
    page.get_by_role("button", name="Sao chép khóa").click()
    expect(page.locator("#copy-done")).to_have_text("Đã sao chép khóa vào bộ nhớ tạm.")
    assert page.evaluate("navigator.clipboard.readText()") == key
    _accessible(page, "trang khóa API, khóa mới")
    page.screenshot(path=str(ARTIFACTS / "workbench-api-key-created.png"), full_page=True)
    prefix = key[:12]
    row = page.locator(f"#key-{prefix}")
    expect(row.locator(".last-use")).to_have_text("Chưa dùng")

    assert post_request(platform, api_key=key).status_code == 200  # an application uses it
    page.goto(f"{platform.base_url}/quan-tri/khoa-api")
    expect(page.locator("#key-value")).to_have_count(0)  # shown once only
    assert key not in page.content()
    expect(row.locator(".last-use")).to_have_text(re.compile(r"^\d\d:\d\d \d\d/\d\d/\d{4}$"))
    expect(row).to_contain_text("Gửi phản ánh qua cổng Open311")

    mobile = phone.new_page()
    sign_in(mobile, platform, ADMIN)
    mobile.goto(f"{platform.base_url}/quan-tri/khoa-api")
    _fits(mobile)
    _accessible(mobile, "trang khóa API trên điện thoại")
    mobile.screenshot(path=str(ARTIFACTS / "workbench-api-keys-phone.png"), full_page=True)

    row.get_by_role("button", name=f"Thu hồi khóa {prefix}").click()  # not confirmed: the browser asks first
    expect(row.locator(".state")).to_have_text("Đang dùng")
    row.get_by_label("Xác nhận thu hồi").check()
    row.get_by_role("button", name=f"Thu hồi khóa {prefix}").click()
    expect(page.locator("#done")).to_have_text(f"Đã thu hồi khóa {prefix}.")
    expect(page.locator(f"#key-{prefix} .state")).to_have_text(re.compile(r"^Đã thu hồi "))
    refused = post_request(platform, api_key=key)
    assert refused.status_code == 403


def test_the_audit_view_filters_to_one_cadres_publication_events(
    platform: Platform, laptop: BrowserContext, phone: BrowserContext
) -> None:
    mine, theirs = _file(platform, "Cống thôn Đoài bị vỡ"), _file(platform, "Rác tồn đọng ở chợ thôn Đoài")
    for code, who in ((mine, CADRE), (theirs, COLLEAGUE)):
        _act(platform, who, code, action="accept")
        _act(platform, who, code, action="answer", answer="Xã đã xử lý xong, cảm ơn người dân đã phản ánh.")
        _act(platform, who, code, action="publish")
    page = laptop.new_page()
    sign_in(page, platform, ADMIN)
    page.goto(f"{platform.base_url}/quan-tri")
    page.get_by_label("Người thực hiện").fill("canbo.xa")
    page.get_by_label("Đơn vị (mã)").fill(VAN_MIEU)
    page.get_by_label("Thao tác").select_option(label="Phản ánh: duyệt công khai")
    page.get_by_label("Kết quả").select_option(label="Cho phép")
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("#audit tbody tr")
    expect(rows.filter(has_text=mine)).to_have_count(1)
    expect(rows.filter(has_text=theirs)).to_have_count(0)  # the colleague's publication is filtered out
    assert set(page.locator("#audit td.action").all_inner_texts()) == {"Phản ánh: duyệt công khai"}
    assert set(page.locator("#audit td.actor").all_inner_texts()) == {"canbo.xa"}
    _accessible(page, "nhật ký kiểm toán")
    page.screenshot(path=str(ARTIFACTS / "workbench-audit.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename == "nhat-ky-kiem-toan.xlsx"
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    exported = list(sheet.iter_rows(values_only=True))
    assert exported[0][:5] == ("Thời điểm", "Người thực hiện", "Vai trò", "Đơn vị", "Thao tác")
    assert mine in [r[6] for r in exported[1:]] and theirs not in [r[6] for r in exported[1:]]
    assert {(r[1], r[3], r[4], r[7]) for r in exported[1:]} == {
        ("canbo.xa", VAN_MIEU, "Phản ánh: duyệt công khai", "Cho phép")
    }

    mobile = phone.new_page()
    sign_in(mobile, platform, ADMIN)
    mobile.goto(page.url)
    expect(mobile.locator("#audit tbody tr").filter(has_text=mine)).to_have_count(1)
    _fits(mobile)
    _accessible(mobile, "nhật ký kiểm toán trên điện thoại")
    mobile.screenshot(path=str(ARTIFACTS / "workbench-audit-phone.png"), full_page=True)
