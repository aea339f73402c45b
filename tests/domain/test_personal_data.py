"""Personal data through the real server (issue 14, item 13): notices and consent (petition API and form, member
imports, chat), data subjects' rights (see, erase contacts of a closed petition, each audited), and the retention
purge (``mattran purge`` with a controlled clock, the owner's audit-log function, the periodic task of ``up``)."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import psycopg
import pytest
from playwright.sync_api import Browser, expect
from psycopg.conninfo import make_conninfo

from mattran.domain.petitions import public_number
from mattran.settings import DEV_APP_DB_PASSWORD
from mattran.store.retention import PURGED_TEXT, PURGED_TITLE
from tests.support.browser import ARTIFACTS, CITIZEN, PHONE
from tests.support.browser import sign_in as browser_sign_in
from tests.support.checks import csrf_token, found
from tests.support.forms import post_form
from tests.support.open311 import post_request as open311_post
from tests.support.platform import DEMO_ACCOUNTS, MATTRAN, Platform, cli_env, owner_rows, sign_in

COMMUNE = {"sub": "dlcn-xa", "name": "Cán bộ xã", "roles": ["commune_cadre"], "unit": "00004"}  # Phường Ba Đình
expect.set_options(timeout=15_000)  # a 2-core machine runs the app, the provider and the browser
BODY = {
    "title": "Cống thoát nước ngõ 7 bị tắc",
    "content": "Cống thoát nước ở ngõ 7 bị tắc, mỗi khi mưa nước tràn vào nhà.",
    "unit_text": "P. Ba Đình, HN",
}


def _req(method: str, url: str, **kwargs: Any) -> httpx2.Response:
    """One request, patient with a busy test machine."""
    return httpx2.request(method, url, timeout=60, **kwargs)


def _auth(platform: Platform, claims: Mapping[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.mint(claims)}"}


def _citizen() -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    return {"sub": f"dlcn-{tag}", "name": f"Công dân {tag}", "roles": ["citizen"]}


def _file(platform: Platform, headers: dict[str, str] | None = None, **fields: object) -> httpx2.Response:
    return _req("POST", f"{platform.base_url}/api/petitions", json={**BODY, **fields}, headers=headers or {})


def _filed_with_contact(platform: Platform, headers: dict[str, str]) -> str:
    """The public number of a petition filed with a contact (name and phone) and consent to keep it."""
    filed = _file(platform, headers, contact={"full_name": "Lê Văn Quyền", "phone": "0912 000 111"}, consent=True)
    return public_number(filed.json()["tracking_code"])


def _contacts(platform: Platform, code: str) -> int:
    return owner_rows(
        platform,
        "select count(*) from petition_contacts c join petitions p on p.id = c.petition_id where p.tracking_code = %s",
        code,
    )[0][0]


def _decline(platform: Platform, code: str) -> None:
    r = _req(
        "POST",
        f"{platform.base_url}/api/petitions/{code}/actions",
        headers=_auth(platform, COMMUNE),
        json={"action": "decline", "reason": "Không thuộc thẩm quyền"},
    )
    assert r.status_code == 200, r.text


# -- notice and consent --


def test_a_petition_with_contacts_and_no_consent_is_refused_by_the_api(platform: Platform) -> None:
    title = f"Thiếu đồng ý {uuid.uuid4().hex[:6]}"
    r = _file(platform, title=title, contact={"phone": "0912 345 678"})
    assert r.status_code == 422
    assert r.json()["field"] == "consent" and "“consent”" in r.json()["detail"]
    assert "Cần đồng ý xử lý dữ liệu cá nhân" in r.json()["detail"]
    assert owner_rows(platform, "select count(*) from petitions where title = %s", title) == [(0,)]

    given = _file(platform, title=title, contact={"phone": "0912 345 678"}, consent=True)
    assert given.status_code == 201, given.text
    ((at, notice),) = owner_rows(
        platform,
        "select consent_at, consent_notice from petitions where tracking_code = %s",
        public_number(given.json()["tracking_code"]),
    )
    assert notice == "api:2026-01" and abs(datetime.now(UTC) - at) < timedelta(minutes=5)


def test_a_petition_without_contacts_needs_no_consent(platform: Platform) -> None:
    r = _file(platform)
    assert r.status_code == 201, r.text
    assert owner_rows(
        platform,
        "select consent_at, consent_notice from petitions where tracking_code = %s",
        public_number(r.json()["tracking_code"]),
    ) == [(None, None)]


def test_an_open311_client_attests_its_users_consent(platform: Platform, api_key: str) -> None:
    r = open311_post(platform, api_key=api_key, phone="0987 222 333")
    assert r.status_code == 200, r.text
    assert owner_rows(
        platform,
        "select consent_notice from petitions where tracking_code = %s",
        public_number(r.json()[0]["service_request_id"]),
    ) == [("open311:client",)]


def test_the_form_refuses_contacts_without_consent_and_keeps_what_was_typed(platform: Platform) -> None:
    title = f"Biểu mẫu thiếu đồng ý {uuid.uuid4().hex[:6]}"
    with httpx2.Client(base_url=platform.base_url, headers={"Accept": "text/html"}, timeout=60) as client:
        page = client.get("/phan-anh")
        assert "Thông báo về dữ liệu cá nhân" in page.text and 'name="consent"' in page.text
        token = csrf_token(page.text)
        form = {**BODY, "title": title, "csrf_token": token, "email": "dan@example.com"}
        refused = client.post("/phan-anh", data=form)
        assert refused.status_code == 422
        assert "Đồng ý xử lý dữ liệu cá nhân: cần đánh dấu ô đồng ý" in refused.text
        assert 'value="dan@example.com"' in refused.text
        assert owner_rows(platform, "select count(*) from petitions where title = %s", title) == [(0,)]
        filed = client.post("/phan-anh", data={**form, "consent": "1"})
    assert filed.status_code == 303 and filed.headers["location"].startswith("/tra-cuu?ma=")
    assert owner_rows(platform, "select consent_notice from petitions where title = %s", title) == [("web:2026-01",)]


def test_the_notice_and_its_checkbox_on_a_phone(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{platform.base_url}/phan-anh")
    notice = page.locator("#privacy-notice")
    expect(notice).to_contain_text("Thông báo về dữ liệu cá nhân")
    expect(notice).to_contain_text("không bao giờ công khai")
    page.get_by_label("Nơi nhận").fill("phuong ba dinh, ha noi")
    page.get_by_label("Tiêu đề").fill("Rác thải tập kết sai nơi ở ngõ 3")
    page.get_by_label("Nội dung").fill("Rác thải bị tập kết ngay đầu ngõ 3 nhiều ngày, bốc mùi hôi thối.")
    page.get_by_label("Số điện thoại").fill("0987 111 222")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator("#consent-error")).to_contain_text("cần đánh dấu ô đồng ý")
    expect(page.get_by_label("Số điện thoại")).to_have_value("0987 111 222")
    consent = page.get_by_label("Tôi đồng ý")
    consent.scroll_into_view_if_needed()
    box = consent.bounding_box()
    assert box is not None and box["width"] >= 20 and box["x"] + box["width"] <= PHONE["width"]  # easy to tap
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    consent.check()
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tiếp nhận.")
    code = page.locator("#tracking-code").inner_text()
    assert owner_rows(
        platform, "select consent_notice from petitions where tracking_code = %s", public_number(code)
    ) == [("web:2026-01",)]
    context.close()


def test_a_member_import_needs_the_cadres_confirmation_which_is_recorded(platform: Platform) -> None:
    cadre = {
        "sub": f"dlcn-nhap-{uuid.uuid4().hex[:6]}",
        "name": "Cán bộ nhập",
        "roles": ["commune_cadre"],
        "unit": "00004",
    }
    name = f"Đồng Ý {uuid.uuid4().hex[:6]}"
    data = f"Họ và tên,Năm sinh,Dân tộc\r\n{name},1980,Tày\r\n".encode()
    url, headers = f"{platform.base_url}/api/members/import", _auth(platform, cadre)
    refused = _req("POST", url, headers=headers, files={"file": ("ds.csv", data, "text/csv")}, data={"mode": "all"})
    assert refused.status_code == 422
    assert "“consent”" in refused.json()["detail"]["message"] and "consent" in refused.json()["detail"]["errors"]
    assert owner_rows(platform, "select count(*) from members where full_name = %s", name) == [(0,)]
    done = _req(
        "POST",
        url,
        headers=headers,
        files={"file": ("ds.csv", data, "text/csv")},
        data={"mode": "all", "consent": "true"},
    )
    assert done.status_code == 200 and done.json()["imported"] == 1, done.text
    assert owner_rows(
        platform,
        "select unit_code, notice_version, total, imported from member_import_consents where actor = %s",
        cadre["sub"],
    ) == [("00004", "2026-01", 1, 1)]

    with httpx2.Client(base_url=platform.base_url, headers={**headers, "Accept": "text/html"}, timeout=60) as client:
        page = client.get("/can-bo/thanh-vien")
        assert "Tôi xác nhận các thành viên trong tệp đã được thông báo" in page.text
        token = csrf_token(page.text)
        other = f"Trang Nhập {uuid.uuid4().hex[:6]}"
        files = {"file": ("ds.csv", f"Họ và tên\r\n{other}\r\n".encode(), "text/csv")}
        shown = client.post("/can-bo/thanh-vien/nhap", files=files, data={"mode": "all", "csrf_token": token})
    assert shown.status_code == 422 and "Cần xác nhận các thành viên đã được thông báo" in shown.text
    assert owner_rows(platform, "select count(*) from members where full_name = %s", other) == [(0,)]


def test_the_chat_shows_the_notice_before_the_first_message(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{platform.base_url}/chat/")
    greeting = page.locator('[data-step-type="system_message"] [role="article"]')
    notice = greeting.filter(has_text="Về dữ liệu cá nhân")
    expect(notice).to_have_count(1, timeout=30_000)
    expect(notice).to_contain_text("che trước khi đưa cho mô hình ngôn ngữ")
    expect(notice.get_by_role("link", name="Dữ liệu của tôi")).to_have_attribute("href", "/du-lieu-cua-toi")
    context.close()


# -- data subjects' rights --


def test_a_citizen_sees_their_data_and_erases_contacts_only_once_closed(platform: Platform) -> None:
    citizen = _citizen()
    headers = _auth(platform, citizen)
    code = _filed_with_contact(platform, headers)
    bare = public_number(_file(platform, headers).json()["tracking_code"])
    assert _req("GET", f"{platform.base_url}/api/me/data").status_code == 401

    r = _req("GET", f"{platform.base_url}/api/me/data", headers=headers)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    data = r.json()
    assert data["account"]["subject"] == citizen["sub"] and data["account"]["name"] == citizen["name"]
    mine = {p["tracking_code"]: p for p in data["petitions"]}
    assert set(mine) == {code, bare}
    assert mine[code]["contact"] == {"full_name": "Lê Văn Quyền", "phone": "0912 000 111", "email": None}
    assert mine[code]["consent_notice"] == "api:2026-01" and mine[code]["content"] == BODY["content"]
    assert [e["action"] for e in mine[code]["history"]] == ["received"] and mine[bare]["contact"] is None
    assert "actor" not in mine[code]["history"][0]  # no cadre's account in what the citizen sees

    url = f"{platform.base_url}/api/petitions/{code}/contact"
    refused = _req("DELETE", url, headers=headers)
    assert refused.status_code == 409 and refused.json()["field"] == "code"
    assert "đang được xử lý" in refused.json()["detail"] and "Chỉ xóa được khi phản ánh" in refused.json()["detail"]
    assert _req("DELETE", url, headers=_auth(platform, _citizen())).status_code == 404  # not theirs
    assert _contacts(platform, code) == 1

    _decline(platform, code)
    erased = _req("DELETE", url, headers=headers)
    assert erased.status_code == 200 and erased.json()["deleted"] == 1, erased.text
    assert _contacts(platform, code) == 0
    assert _req("DELETE", url, headers=headers).json()["deleted"] == 0
    after = {
        p["tracking_code"]: p
        for p in _req("GET", f"{platform.base_url}/api/me/data", headers=headers).json()["petitions"]
    }
    assert after[code]["contact"] is None and after[code]["history"][-1]["action"] == "contact_erased"
    audited = owner_rows(
        platform, "select action, target, outcome from audit_log where actor = %s order by id", citizen["sub"]
    )
    assert ("data_subject.access", citizen["sub"], "allowed") in audited
    assert audited.count(("data_subject.erase_contact", code, "denied")) == 1
    assert audited.count(("data_subject.erase_contact", code, "allowed")) == 2


def test_a_citizen_corrects_the_contacts_of_an_open_petition_only(platform: Platform) -> None:
    citizen = _citizen()
    headers = _auth(platform, citizen)
    code = _filed_with_contact(platform, headers)
    url = f"{platform.base_url}/api/petitions/{code}/contact"
    new = {"full_name": "Lê Văn Quyền", "phone": "0987 654 321", "email": "quyen@example.com"}
    assert _req("PUT", url, headers=headers, json={"contact": new}).json()["field"] == "consent"
    assert (
        _req("PUT", url, headers=_auth(platform, _citizen()), json={"contact": new, "consent": True}).status_code == 404
    )  # not theirs
    done = _req("PUT", url, headers=headers, json={"contact": new, "consent": True})
    assert done.status_code == 200, done.text
    mine = {
        p["tracking_code"]: p
        for p in _req("GET", f"{platform.base_url}/api/me/data", headers=headers).json()["petitions"]
    }
    assert mine[code]["contact"] == new and mine[code]["history"][-1]["action"] == "contact_corrected"
    assert owner_rows(
        platform,
        "select count(*) from petition_contacts c join petitions p on p.id = c.petition_id"
        " where p.tracking_code = %s and c.phone_enc::text like %s",
        code,
        "%0987%",
    ) == [(0,)]
    cadre = _req("GET", f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, COMMUNE)).json()
    assert cadre["contact"]["phone"] == "0987 654 321"  # the unit calls back the corrected number

    _decline(platform, code)
    closed = _req("PUT", url, headers=headers, json={"contact": new, "consent": True})
    assert closed.status_code == 409 and "đã đóng" in closed.json()["detail"]
    assert ("data_subject.correct_contact", code, "allowed") in owner_rows(
        platform, "select action, target, outcome from audit_log where actor = %s", citizen["sub"]
    )


def test_the_my_data_page_works_without_javascript(platform: Platform) -> None:
    username, password = DEMO_ACCOUNTS["citizen"]
    with httpx2.Client(base_url=platform.base_url, headers={"Accept": "text/html"}, timeout=60) as anonymous:
        r = anonymous.get("/du-lieu-cua-toi")
        assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap")
    with httpx2.Client(headers={"Accept": "text/html"}, timeout=60) as client:
        assert sign_in(client, platform.base_url, username, password).status_code == 200
        form_page = client.get(f"{platform.base_url}/phan-anh")
        assert 'href="/du-lieu-cua-toi"' in form_page.text  # linked for a signed-in citizen
        token = csrf_token(form_page.text)  # this browser's, for the page's other forms too
        contact = {"full_name": "Nguyễn Thị Trang", "phone": "0909 876 543", "consent": "1"}
        filed = post_form(client, f"{platform.base_url}/phan-anh", BODY | contact)
        code = public_number(found(r"ma=([^&]+)", filed.headers["location"]))
        page = client.get(f"{platform.base_url}/du-lieu-cua-toi")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        section = page.text[page.text.index(f'id="p-{code}"') :]
        section = section[: section.index("</section>")]
        assert "Nguyễn Thị Trang · 0909 876 543" in section and "Phản ánh đang được xử lý" in section
        assert "xoa-lien-he" not in section
        url = f"{platform.base_url}/du-lieu-cua-toi/xoa-lien-he"
        refused = client.post(url, data={"code": code, "csrf_token": token}, follow_redirects=True)
        assert f"Phản ánh {code} đang được xử lý" in refused.text and _contacts(platform, code) == 1
        corrected = client.post(
            f"{platform.base_url}/du-lieu-cua-toi/sua-lien-he",
            follow_redirects=True,
            data={
                "code": code,
                "csrf_token": token,
                "full_name": "Nguyễn Thị Trang",
                "phone": "0909 111 222",
                "consent": "1",
            },
        )
        assert f"Đã cập nhật thông tin liên hệ của phản ánh {code}." in corrected.text
        assert "Nguyễn Thị Trang · 0909 111 222" in corrected.text

        _decline(platform, code)
        page = client.get(f"{platform.base_url}/du-lieu-cua-toi")
        token = csrf_token(page.text)
        assert client.post(url, data={"code": code}).status_code == 403  # no CSRF token
        done = client.post(url, data={"code": code, "csrf_token": token}, follow_redirects=True)
        assert done.status_code == 200 and f"Đã xóa thông tin liên hệ của phản ánh {code}." in done.text
        again = client.post(url, data={"code": code, "csrf_token": token}, follow_redirects=True)
        assert f"Phản ánh {code} không còn thông tin liên hệ nào." in again.text
        forged = client.get(f"{platform.base_url}/du-lieu-cua-toi", params={"loi": "Hãy gọi 0900 000 000"})
    assert forged.status_code == 422 and "0900 000 000" not in forged.text  # no text from the URL on the page
    assert _contacts(platform, code) == 0


def test_the_my_data_page_on_a_phone(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    browser_sign_in(page, platform, CITIZEN)
    page.goto(f"{platform.base_url}/phan-anh")
    page.get_by_label("Nơi nhận").fill("phuong ba dinh, ha noi")
    page.get_by_label("Tiêu đề").fill("Vỉa hè ngõ 9 bị lấn chiếm")
    page.get_by_label("Nội dung").fill(
        "Vỉa hè đầu ngõ 9 bị lấn chiếm làm chỗ để xe, người đi bộ phải xuống lòng đường."
    )
    page.get_by_label("Email").fill("nguyen.van.dan.rat.dai.de.thu@example.com")
    page.get_by_label("Tôi đồng ý").check()
    page.get_by_role("button", name="Gửi phản ánh").click()
    code = public_number(page.locator("#tracking-code").inner_text())
    page.get_by_role("link", name="Dữ liệu của tôi").click()
    expect(page.get_by_role("heading", name="Dữ liệu của tôi", exact=True)).to_be_visible()
    card = page.locator(f"#p-{code}")
    expect(card).to_contain_text("nguyen.van.dan.rat.dai.de.thu@example.com")
    expect(card).to_contain_text("Phản ánh đang được xử lý")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-my-data-mobile.png"), full_page=True)
    context.close()


# -- retention --


def _purge(platform: Platform, *args: str) -> dict[str, Any]:
    env = cli_env(platform.data_dir, MATTRAN_PETITION_PRIVATE_RETENTION_DAYS="30", MATTRAN_AUDIT_RETENTION_DAYS="30")
    done = subprocess.run([MATTRAN, "purge", "--json", *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_purge_counts_then_removes_what_is_past_its_period_on_a_controlled_clock(platform: Platform) -> None:
    headers = _auth(platform, _citizen())
    contact = {"contact": {"full_name": "Phạm Văn Hết Hạn", "email": "het.han@example.com"}, "consent": True}
    old, recent, still_open = (
        public_number(_file(platform, headers, **contact).json()["tracking_code"]) for _ in range(3)
    )
    _decline(platform, recent)
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(platform.owner_uri()) as conn:  # closed 25 days ago, with a file; audit entries of the past
        conn.execute("update petitions set status = 'declined' where tracking_code = %s", (old,))
        conn.execute(
            "insert into petition_events (petition_id, unit_path, at, action, from_status, to_status)"
            " select id, unit_path, now() - interval '25 days', 'decline', 'received', 'declined'"
            " from petitions where tracking_code = %s",
            (old,),
        )
        conn.execute(
            "insert into petition_attachments (petition_id, unit_path, filename, content_type, size, sha256,"
            " data) select id, unit_path, 'cmnd.png', 'image/png', 3, 'x', '\\x010203'::bytea"
            " from petitions where tracking_code = %s",
            (old,),
        )
        for days in (60, 25):
            conn.execute(
                "insert into audit_log (at, actor, action, outcome) values"
                " (now() - make_interval(days => %s), %s, 'test.old', 'allowed')",
                (days, f"{tag}-{days}"),
            )
    # Ten days from now with 30-day periods: closed 25 days ago is past (35 > 30), closed today is not (10 < 30);
    # the audit log keeps at least 30 days whatever the clock says.
    clock = (datetime.now(UTC) + timedelta(days=10)).isoformat()

    dry = _purge(platform, "--now", clock)
    assert dry["applied"] is False and dry["petitions"] >= 1 and dry["contacts"] >= 1 and dry["attachments"] >= 1
    assert dry["audit_log"] >= 1
    assert _contacts(platform, old) == 1  # a dry run changes nothing

    done = _purge(platform, "--apply", "--now", clock)
    assert done["applied"] is True and done["petitions"] == dry["petitions"] and done["contacts"] == dry["contacts"]
    assert _contacts(platform, old) == 0 and _contacts(platform, recent) == 1 and _contacts(platform, still_open) == 1
    ((title, content, files, purged),) = owner_rows(
        platform,
        "select title, content, (select count(*) from petition_attachments a where a.petition_id = p.id),"
        " private_purged_at from petitions p where tracking_code = %s",
        old,
    )
    assert (title, content, files) == (PURGED_TITLE, PURGED_TEXT, 0) and purged is not None
    assert owner_rows(
        platform,
        "select count(*) from petition_events e join petitions p on p.id = e.petition_id"
        " where p.tracking_code = %s and e.action = 'retention_purge'",
        old,
    ) == [(1,)]
    assert owner_rows(platform, "select actor from audit_log where actor like %s order by actor", f"{tag}-%") == [
        (f"{tag}-25",)
    ]
    assert (
        owner_rows(platform, "select count(*) from audit_log where action = 'retention.purge' and actor like 'cli:%%'")[
            0
        ][0]
        >= 1
    )

    again = _purge(platform, "--apply", "--now", clock)
    assert again["petitions"] == 0 and again["audit_log"] == 0


def test_the_audit_log_stays_append_only_and_its_purge_keeps_30_days(platform: Platform) -> None:
    with (
        psycopg.connect(platform.owner_uri()) as owner,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        owner.execute("delete from audit_log where id = (select min(id) from audit_log)")
    with psycopg.connect(platform.owner_uri()) as owner:
        younger = owner.execute("select count(*) from audit_log where at >= now() - interval '30 days'").fetchone()
        total = owner.execute("select count(*) from audit_log").fetchone()
    assert younger and total and younger[0] > 0
    app = make_conninfo(platform.owner_uri(), user="mattran_app", password=DEV_APP_DB_PASSWORD)
    with psycopg.connect(app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("delete from audit_log")
    with psycopg.connect(app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("update audit_log set action = 'x'")
    with psycopg.connect(app) as conn:  # even "everything before tomorrow" spares the last 30 days
        counted = conn.execute("select purge_audit_log(now() + interval '1 day', false)").fetchone()
    assert counted is not None and counted[0] <= total[0] - younger[0]


def test_up_runs_the_purge_periodically(platform: Platform) -> None:
    assert (
        owner_rows(
            platform, "select count(*) from audit_log where action = 'retention.purge' and actor = 'system:retention'"
        )[0][0]
        >= 1
    )
