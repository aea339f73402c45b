"""The claim link of a guest's receipt through the running platform (issue 18): signing in first and coming back to
it, a confirmation step (a link alone attaches nothing), a forged link refused in Vietnamese, the petition then on
"Phản ánh của tôi"."""

from __future__ import annotations

from urllib.parse import unquote

import httpx2

from mattran.domain.claim_links import CLAIM_PATH, ClaimLinks
from mattran.domain.petitions import public_number
from mattran.keys import key_ring, subkey
from mattran.settings import Settings
from tests.support.checks import csrf_token
from tests.support.platform import DEMO_ACCOUNTS, Platform, owner_rows, sign_in

EMAIL = "khach.claim@example.vn"
BODY = {
    "title": "Cống thoát nước phố Hàng Than bị tắc",
    "content": "Cống thoát nước đầu phố Hàng Than bị tắc, mưa xuống nước ngập đến đầu gối.",
    "unit_text": "P. Ba Đình, HN",
    "contact": {"email": EMAIL},
    "consent": True,
}


def _token(platform: Platform, code: str) -> str:
    """The token the guest's receipt carries (as the platform signs it, with its data dir's key)."""
    [(petition_id, filed_at)] = owner_rows(
        platform,
        "select p.id, e.at from petitions p join petition_events e on e.petition_id = p.id"
        " where p.tracking_code = %s and e.action = 'received'",
        code,
    )
    signing = key_ring(Settings(data_dir=platform.data_dir)).signing.secret.decode()
    return ClaimLinks(subkey(signing, "petitions.claim.v1")).token(petition_id, EMAIL, filed_at)


def test_a_guest_signs_in_from_the_link_confirms_and_finds_the_petition_in_my_petitions(platform: Platform) -> None:
    base = platform.base_url
    filed = httpx2.post(f"{base}/api/petitions", json=BODY, timeout=60)  # a guest: no sign-in
    code = public_number(filed.json()["tracking_code"])
    token = _token(platform, code)
    link = f"{CLAIM_PATH}?t={token}"
    with httpx2.Client(base_url=base, headers={"Accept": "text/html"}, timeout=60) as anonymous:
        r = anonymous.get(link)
        assert r.status_code == 303 and unquote(r.headers["location"]) == f"/dang-nhap?next={link}"
        assert anonymous.post(CLAIM_PATH, data={"t": token}).status_code in (401, 403)
    username, password = DEMO_ACCOUNTS["citizen"]
    with httpx2.Client(headers={"Accept": "text/html"}, timeout=60) as client:
        page = sign_in(client, base, username, password, link)  # back to the link after the provider
        assert page.status_code == 200 and page.url.path == CLAIM_PATH
        assert f"Nhận phản ánh {code} vào" in page.text and "Nguyễn Văn Dân" in page.text
        assert "Đưa vào Phản ánh của tôi" in page.text and page.headers["cache-control"] == "no-store"
        assert owner_rows(platform, "select submitter from petitions where tracking_code = %s", code) == [(None,)]
        assert client.post(f"{base}{CLAIM_PATH}", data={"t": token}).status_code == 403  # no CSRF token
        number, expires, signature = token.split(".")
        opened = client.get(f"{base}{CLAIM_PATH}", params={"t": f"{number}.{expires}.{signature[::-1]}"})
        assert opened.status_code == 404 and "không đúng hoặc đã bị sửa" in opened.text  # told at once
        assert "Đưa vào Phản ánh của tôi" not in opened.text and code not in opened.text
        forged = client.post(
            f"{base}{CLAIM_PATH}",
            data={"csrf_token": csrf_token(page.text), "t": f"{number}.{int(expires) + 86400}.{signature}"},
        )
        assert forged.status_code == 404 and "không đúng hoặc đã bị sửa" in forged.text
        assert "Đưa vào Phản ánh của tôi" not in forged.text  # nothing left to confirm
        done = client.post(
            f"{base}{CLAIM_PATH}", data={"csrf_token": csrf_token(page.text), "t": token}, follow_redirects=True
        )
        assert f"Đã đưa phản ánh {code} vào Phản ánh của tôi." in done.text
        section = done.text[done.text.index(f'id="p-{code}"') :]
        assert "Bạn đã nhận phản ánh vào tài khoản" in section[: section.index("</section>")]
        again = client.post(
            f"{base}{CLAIM_PATH}", data={"csrf_token": csrf_token(page.text), "t": token}, follow_redirects=True
        )
        assert f"Phản ánh {code} đã có trong Phản ánh của tôi." in again.text
        reopened = client.get(f"{base}{link}")
        assert f"Phản ánh {code} đã có trong Phản ánh của tôi." in reopened.text
        assert "Đưa vào Phản ánh của tôi" not in reopened.text
    [(submitter,)] = owner_rows(platform, "select submitter from petitions where tracking_code = %s", code)
    assert submitter is not None
    assert owner_rows(
        platform, "select outcome from audit_log where action = 'petition.claim' and target = %s order by id", code
    ) == [("allowed",), ("allowed",)]  # the forged attempt named no petition: audited without one
