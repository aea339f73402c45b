""" "Phản ánh của tôi" through the running platform (issue 18, part B, item 1): the header link, the page without
JavaScript (timeline, withdrawal with a confirmation step, additions, rating), the API, only for the petitioner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import httpx2

from mattran.domain.notifications.outbox import unsubscribe_token
from mattran.domain.petitions import public_number
from mattran.keys import key_ring, subkey
from mattran.settings import Settings
from tests.support.checks import csrf_token, found
from tests.support.forms import post_form
from tests.support.platform import DEMO_ACCOUNTS, Platform, owner_rows, sign_in

CADRE = {"sub": "theo-doi-ba-dinh", "name": "Cán bộ phường", "roles": ["commune_cadre"], "unit": "00004"}
BODY = {
    "title": "Vỉa hè phố Đội Cấn bị lấn chiếm",
    "content": "Vỉa hè trước số 20 phố Đội Cấn bị quán lấn chiếm, người đi bộ phải xuống lòng đường.",
    "unit_text": "P. Ba Đình, HN",
}


def _auth(platform: Platform, claims: Mapping[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.mint(claims)}"}


def _citizen() -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    return {"sub": f"theo-doi-{tag}", "name": f"Công dân {tag}", "roles": ["citizen"]}


def _act(platform: Platform, code: str, **action: object) -> None:
    r = httpx2.post(
        f"{platform.base_url}/api/petitions/{code}/actions", json=action, headers=_auth(platform, CADRE), timeout=60
    )
    assert r.status_code == 200, r.text


def _section(page: str, code: str) -> str:
    section = page[page.index(f'id="p-{code}"') :]
    return section[: section.index("</section>")]


def test_the_api_lets_only_the_petitioner_withdraw_add_and_rate(platform: Platform) -> None:
    owner, other = _auth(platform, _citizen()), _auth(platform, _citizen())
    base = platform.base_url
    with httpx2.Client(base_url=base, timeout=60) as client:
        filed = client.post("/api/petitions", json=BODY, headers=owner)
        code = public_number(filed.json()["tracking_code"])
        assert client.post(f"/api/petitions/{code}/additions", json={"text": "Thêm: cả số 22."}).status_code == 401
        assert client.post(f"/api/petitions/{code}/withdraw", headers=other).status_code == 404
        added = client.post(f"/api/petitions/{code}/additions", json={"text": "Thêm: cả số 22."}, headers=owner)
        assert added.status_code == 201 and added.json() == {"tracking_code": code, "files": 0}
        early = client.post(f"/api/petitions/{code}/rating", json={"satisfied": True}, headers=owner)
        assert early.status_code == 409
        _act(platform, code, action="accept")
        _act(platform, code, action="answer", answer="Đã nhắc các hộ kinh doanh trả lại vỉa hè.")
        late = client.post(f"/api/petitions/{code}/withdraw", json={"reason": "Muộn rồi"}, headers=owner)
        assert late.status_code == 409
        unsure = client.post(f"/api/petitions/{code}/rating", json={"satisfied": False}, headers=owner)
        assert unsure.status_code == 422 and "chưa hài lòng" in unsure.text
        rated = client.post(
            f"/api/petitions/{code}/rating", json={"satisfied": False, "reason": "Quán vẫn bày ra"}, headers=owner
        )
        assert rated.status_code == 200 and rated.json()["satisfied"] is False
        detail = client.get(f"/api/petitions/{code}/detail", headers=_auth(platform, CADRE)).json()
        assert detail["rating"]["reason"] == "Quán vẫn bày ra"
        assert [a["text"] for a in detail["additions"]] == ["Thêm: cả số 22."]
        other_code = public_number(client.post("/api/petitions", json=BODY, headers=owner).json()["tracking_code"])
        withdrawn = client.post(f"/api/petitions/{other_code}/withdraw", headers=owner)
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
        mine = client.get("/api/petitions", params={"mine": "true"}, headers=owner).json()
        assert {p["tracking_code"]: p["status"] for p in mine} == {code: "answered", other_code: "withdrawn"}


def test_my_petitions_page_without_javascript(platform: Platform) -> None:
    username, password = DEMO_ACCOUNTS["citizen"]
    base = platform.base_url
    with httpx2.Client(base_url=base, headers={"Accept": "text/html"}, timeout=60) as anonymous:
        r = anonymous.get("/phan-anh-cua-toi")
        assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap")
        assert 'href="/phan-anh-cua-toi"' not in anonymous.get("/").text
    with httpx2.Client(headers={"Accept": "text/html"}, timeout=60) as client:
        assert sign_in(client, base, username, password).status_code == 200
        assert 'href="/phan-anh-cua-toi">Phản ánh của tôi</a>' in client.get(f"{base}/tra-cuu").text  # in the header
        code = public_number(found(r"ma=([^&]+)", post_form(client, f"{base}/phan-anh", BODY).headers["location"]))
        _act(platform, code, action="accept")
        _act(platform, code, action="forward", agency="UBND phường Ba Đình")
        page = client.get(f"{base}/phan-anh-cua-toi")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        section = _section(page.text, code)
        for step in ("Đã tiếp nhận", "Đã thụ lý", "Đã chuyển đến UBND phường Ba Đình"):
            assert step in section
        assert "<script" not in page.text and f"/phan-anh-cua-toi/{code}/rut" in section
        assert "Đánh giá trả lời" not in section  # nothing to rate yet
        token = csrf_token(page.text)
        added = client.post(
            f"{base}/phan-anh-cua-toi/{code}/bo-sung",
            data={"csrf_token": token, "text": "Buổi tối còn bày bàn ghế."},
            files={"attachments": ("via-he.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
            follow_redirects=True,
        )
        assert f"Đã bổ sung thông tin cho phản ánh {code}." in added.text
        assert "Buổi tối còn bày bàn ghế." in _section(added.text, code)
        _act(platform, code, action="answer", answer="Phường đã xử lý, vỉa hè đã thông thoáng.")
        page = client.get(f"{base}/phan-anh-cua-toi")
        section = _section(page.text, code)
        assert "Đã trả lời" in section and "Phường đã xử lý" in section and "Đánh giá trả lời" in section
        assert "/rut" not in section  # closed: nothing to withdraw
        refused = client.post(f"{base}/phan-anh-cua-toi/{code}/danh-gia", data={"csrf_token": token, "satisfied": "0"})
        assert refused.status_code == 422 and "vì sao bạn chưa hài lòng" in refused.text
        rated = client.post(
            f"{base}/phan-anh-cua-toi/{code}/danh-gia",
            data={"csrf_token": token, "satisfied": "1", "reason": ""},
            follow_redirects=True,
        )
        assert "Cảm ơn bạn đã đánh giá" in rated.text and "Bạn đã đánh giá: hài lòng" in _section(rated.text, code)
        cadre_page = httpx2.get(f"{base}/can-bo/phan-anh/{code}", headers=_auth(platform, CADRE), timeout=60).text
        assert 'id="rating">Hài lòng' in cadre_page and "Buổi tối còn bày bàn ghế." in cadre_page

        second = public_number(found(r"ma=([^&]+)", post_form(client, f"{base}/phan-anh", BODY).headers["location"]))
        confirm = client.get(f"{base}/phan-anh-cua-toi/{second}/rut")
        assert confirm.status_code == 200 and "Xác nhận rút phản ánh" in confirm.text
        assert client.post(f"{base}/phan-anh-cua-toi/{second}/rut", data={}).status_code == 403  # no CSRF token
        done = client.post(
            f"{base}/phan-anh-cua-toi/{second}/rut",
            data={"csrf_token": csrf_token(confirm.text), "reason": "Đã tự giải quyết"},
            follow_redirects=True,
        )
        assert f"Đã rút phản ánh {second}." in done.text
        assert "Bạn đã rút phản ánh" in _section(done.text, second) and "Người gửi đã rút" in done.text


def test_without_an_smtp_server_a_log_line_says_mail_is_off(platform: Platform) -> None:
    log = (platform.data_dir / "up.log").read_text()
    assert "mail is off (MATTRAN_SMTP_URL is not set)" in log


def test_the_form_is_prefilled_and_the_confirmation_shows_what_was_sent(platform: Platform) -> None:
    username, password = DEMO_ACCOUNTS["citizen"]
    base = platform.base_url
    with httpx2.Client(headers={"Accept": "text/html"}, timeout=60) as client:
        assert sign_in(client, base, username, password).status_code == 200
        form = client.get(f"{base}/phan-anh").text
        assert 'id="full_name" name="full_name" type="text" value="Nguyễn Văn Dân"' in form  # the account's name
        no_email = post_form(
            client, f"{base}/phan-anh", BODY | {"phone": "0912 222 333", "consent": "1", "notify": "email"}
        )
        assert no_email.status_code == 422 and "Cần ghi email để nhận thông báo qua email." in no_email.text
        contact = {"phone": "0912 222 333", "email": "dan.nguyen@example.vn", "consent": "1"}
        title = "Vỉa hè số 20 bị lấn chiếm, gọi tôi 0912 222 333"
        filed = post_form(client, f"{base}/phan-anh", BODY | contact | {"title": title})
        confirmation = client.get(f"{base}{filed.headers['location']}")
        receipt = found(r'id="tracking-code">([^<]+)<', confirmation.text)
        assert f'data-copy="{receipt}"' in confirmation.text and 'src="/js/sao-chep.js"' in confirmation.text
        sent = confirmation.text[confirmation.text.index('id="as-sent"') :]
        sent = sent[: sent.index("</section>")]
        assert "Vỉa hè số 20 bị lấn chiếm" in sent and "0912 222 333" not in sent  # masked, as in the receipt
        assert "Phường Ba Đình" in sent and "Có thông tin liên hệ" in sent and "gửi qua email" in sent
        again = client.get(f"{base}/tra-cuu", params={"ma": public_number(receipt), "moi": "1"})
        assert 'id="as-sent"' not in again.text  # the number alone does not show it
        form = client.get(f"{base}/phan-anh").text  # the contacts given last time fill the next form
        assert 'value="0912 222 333"' in form and 'value="dan.nguyen@example.vn"' in form
    script = httpx2.get(f"{base}/js/sao-chep.js", timeout=60)
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "navigator.clipboard" in script.text


def test_the_unsubscribe_link_asks_first_and_mail_clients_stop_in_one_click(platform: Platform) -> None:
    base = platform.base_url
    filed = httpx2.post(
        f"{base}/api/petitions",
        json=BODY | {"contact": {"email": "hang@example.vn"}, "consent": True},
        headers=_auth(platform, _citizen()),
        timeout=60,
    )
    code = public_number(filed.json()["tracking_code"])
    (petition_id,) = owner_rows(platform, "select id from petitions where tracking_code = %s", code)[0]
    signing = key_ring(Settings(data_dir=platform.data_dir)).signing.secret.decode()
    key = subkey(signing, "notifications.unsubscribe.v1")
    token = unsubscribe_token(key, petition_id, "email")
    with httpx2.Client(base_url=base, headers={"Accept": "text/html"}, timeout=60) as client:
        forged = client.get("/huy-nhan-tin", params={"t": token[:-3] + "abc"})
        assert forged.status_code == 404 and "không đúng hoặc đã bị sửa" in forged.text
        page = client.get("/huy-nhan-tin", params={"t": token})
        assert page.status_code == 200 and "Dừng nhận thông báo" in page.text  # a link alone stops nothing
        assert owner_rows(
            platform, "select unsubscribed_at from petition_subscriptions where petition_id = %s", petition_id
        ) == [(None,)]
        one_click = client.post("/huy-nhan-tin", params={"t": token}, data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 200 and 'id="unsubscribed"' in one_click.text
    (stopped,) = owner_rows(
        platform, "select unsubscribed_at is not null from petition_subscriptions where petition_id = %s", petition_id
    )
    assert stopped == (True,)
    queued = owner_rows(platform, "select status from notification_outbox where petition_id = %s", petition_id)
    assert queued == [("stopped",)]  # the receipt still queued (no SMTP server here) is not sent any more
