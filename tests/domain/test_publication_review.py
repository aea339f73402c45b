"""Publication is a review (issue 14, items 1, 7, 12, 13): nothing unreviewed is public, similar petitions name only
published ones, cadres never see the petitioner's account, a denouncer's identity reaches only the assigned cadre."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx2
import psycopg

from mattran.domain.petitions import public_number
from tests.support.checks import csrf_token, found, present
from tests.support.platform import Platform

CADRE = {"sub": "duyet-xa", "name": "Cán bộ duyệt", "roles": ["commune_cadre"], "unit": "00004"}  # Phường Ba Đình
COLLEAGUE = {"sub": "duyet-xa-2", "name": "Cán bộ cùng phường", "roles": ["commune_cadre"], "unit": "00004"}
CITIZEN = {"sub": "cong-dan-duyet", "name": "Công dân", "roles": ["citizen"], "unit": None}
FILER = {"sub": "nguoi-gui-duyet", "name": "Người gửi", "roles": ["citizen"], "unit": None}  # past the anonymous limit
NAME, PHONE = "Lê Thị Mai", "0987654321"
TITLE = f"Tôi là bà {NAME} {PHONE}, cống Đội Cấn vỡ"
GUEST = {"X-Forwarded-For": "198.51.100.62"}  # an allowance of its own: the shared platform limits guests per address
CONTENT = f"Tôi là bà {NAME}, điện thoại {PHONE}. Cống thoát nước trước số 3 phố Đội Cấn bị vỡ, nước tràn ra đường."


def _auth(platform: Platform, claims: Mapping[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.mint(claims)}"}


def _file(platform: Platform, headers: dict[str, str] | None = None, **fields: object) -> str:
    body = {
        "title": TITLE,
        "content": CONTENT,
        "unit_code": "00004",
        "contact": {"full_name": NAME, "phone": PHONE},
        "consent": True,
        **fields,
    }
    r = httpx2.post(f"{platform.base_url}/api/petitions", json=body, headers=headers or _auth(platform, FILER))
    assert r.status_code == 201, r.text
    return str(r.json()["tracking_code"])


def _act(platform: Platform, code: str, claims: Mapping[str, object] = CADRE, **action: object) -> httpx2.Response:
    return httpx2.post(
        f"{platform.base_url}/api/petitions/{code}/actions", json=action, headers=_auth(platform, claims)
    )


def _answer(platform: Platform, code: str) -> None:
    for step in ({"action": "accept"}, {"action": "answer", "answer": f"Đã sửa cống; đã báo bà {NAME} qua {PHONE}."}):
        assert _act(platform, code, **step).status_code == 200


def _draft(platform: Platform, code: str, claims: Mapping[str, object] = CADRE) -> httpx2.Response:
    return httpx2.get(f"{platform.base_url}/api/petitions/{code}/publication", headers=_auth(platform, claims))


def _public_doors(platform: Platform, code: str) -> dict[str, str]:
    """Every door through which anyone reads a petition, as text."""
    base = platform.base_url
    chat = httpx2.post(
        f"{base}/api/chat", json={"message": f"Tra cứu phản ánh {code}"}, headers=GUEST, timeout=60
    ).json()
    return {
        "status API": httpx2.get(f"{base}/api/petitions/{code}").text,
        "public list": httpx2.get(f"{base}/api/petitions/public", params={"unit": "00004", "limit": 100}).text,
        "home page": httpx2.get(f"{base}/", params={"tim": "doi can"}).text,
        "tracking page": httpx2.get(f"{base}/tra-cuu", params={"ma": code}).text,
        "Open311 request": httpx2.get(f"{base}/open311/v2/requests/{code}.json").text,
        "Open311 list": httpx2.get(f"{base}/open311/v2/requests.json").text,
        "chat status tool": str(chat),
    }


def _leaks(doors: dict[str, str]) -> list[str]:
    return [door for door, text in doors.items() if NAME in text or PHONE in text]


def test_nothing_unreviewed_is_public_and_the_reviewed_title_is_what_every_door_shows(platform: Platform) -> None:
    code = _file(platform)
    _answer(platform, code)
    assert _leaks(_public_doors(platform, code)) == []
    assert httpx2.get(f"{platform.base_url}/api/petitions/{code}").json()["title"] is None  # answered, not reviewed
    refused = _act(platform, code, action="publish")
    assert refused.status_code == 422 and "Cần duyệt tiêu đề công khai" in refused.text
    draft = _draft(platform, code).json()
    assert draft["title"]["original"] == TITLE
    kinds = {(TITLE[s["start"] : s["end"]], s["kind"]) for s in draft["title"]["spans"]}
    assert {(NAME, "person"), (PHONE, "phone")} <= kinds
    assert NAME not in draft["title"]["proposed"] and PHONE not in draft["title"]["proposed"]
    assert NAME not in draft["answer"]["proposed"] and "[số điện thoại đã ẩn]" in draft["answer"]["proposed"]
    # The cadre edits the title but leaves the phone number in it: it is masked on approval.
    approved = _act(
        platform,
        code,
        action="publish",
        title_public=f"Cống phố Đội Cấn bị vỡ, gọi {PHONE}",
        content_public=draft["content"]["proposed"],
        answer_public=draft["answer"]["proposed"],
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["title_public"] == "Cống phố Đội Cấn bị vỡ, gọi [số điện thoại đã ẩn]"
    assert approved.json()["reviewed_by"] == CADRE["sub"] and approved.json()["reviewed_at"]
    doors = _public_doors(platform, code)
    assert _leaks(doors) == []
    assert "Cống phố Đội Cấn bị vỡ, gọi [số điện thoại đã ẩn]" in doors["status API"]
    assert "Cống phố Đội Cấn bị vỡ" in doors["home page"] and "Cống phố Đội Cấn bị vỡ" in doors["public list"]
    assert "Cống thoát nước trước" in doors["Open311 request"]  # "số 3 phố Đội Cấn", a house address: masked
    # A published version can be reviewed again.
    again = _act(
        platform,
        code,
        action="publish",
        title_public="Cống phố Đội Cấn bị vỡ",
        content_public="Cống thoát nước phố Đội Cấn bị vỡ.",
        answer_public="Đã sửa cống.",
    )
    assert again.status_code == 200
    assert httpx2.get(f"{platform.base_url}/api/petitions/{code}").json()["title"] == "Cống phố Đội Cấn bị vỡ"


def test_a_duplicate_published_with_its_main_petition_shows_the_main_reviewed_version(platform: Platform) -> None:
    main = _file(platform, title="Cống phố Đội Cấn bị vỡ lần nữa", contact={})
    duplicate = _file(platform)
    assert _act(platform, duplicate, action="merge", into=main).status_code == 200
    _answer(platform, main)
    assert (
        _act(
            platform,
            main,
            action="publish",
            title_public="Cống Đội Cấn vỡ (đã duyệt)",
            content_public="Cống thoát nước phố Đội Cấn bị vỡ (đã duyệt).",
            answer_public="Đã sửa cống (đã duyệt).",
        ).status_code
        == 200
    )
    public = httpx2.get(f"{platform.base_url}/api/petitions/{duplicate}").json()
    assert public["status"] == "published" and public["title"] == "Cống Đội Cấn vỡ (đã duyệt)"
    assert public["content"] == "Cống thoát nước phố Đội Cấn bị vỡ (đã duyệt)."
    assert _leaks(_public_doors(platform, duplicate)) == []


def test_a_chat_filed_petition_takes_no_title_from_the_citizens_words(platform: Platform) -> None:
    base = platform.base_url
    first = httpx2.post(
        f"{base}/api/chat",
        headers=GUEST,
        timeout=60,
        json={
            "message": f"Tôi là bà {NAME}, số điện thoại {PHONE}. Phản ánh: cống thoát nước trước số 3 phố Đội Cấn, "
            "phường Ba Đình, Hà Nội bị vỡ, nước tràn ra đường."
        },
    ).json()
    assert first["confirmation"] and "title" not in first["tool_calls"][0]["args"]
    done = httpx2.post(
        f"{base}/api/chat",
        json={"message": "có", "conversation_id": first["conversation_id"]},
        headers=GUEST,
        timeout=60,
    ).json()
    code = found(r"PAKN-\d{4}-\d{6}", done["reply"], 0)
    detail = httpx2.get(f"{base}/api/petitions/{code}/detail", headers=_auth(platform, CADRE)).json()
    assert detail["petition"]["title"] == "Phản ánh về hạ tầng gửi Phường Ba Đình"
    assert detail["petition"]["channel"] == "chat"


def test_the_public_is_never_shown_an_unpublished_similar_petition(platform: Platform) -> None:
    base = platform.base_url
    wording = {
        "title": "Bãi rác tự phát cạnh chợ Ngọc Hà bốc mùi",
        "content": "Bãi rác tự phát cạnh chợ Ngọc Hà bốc mùi hôi thối nhiều ngày, ruồi nhặng khắp nơi.",
        "contact": {},
    }
    secret = _file(platform, **wording)
    probe = _file(platform, **wording)
    assert secret not in httpx2.get(f"{base}/api/petitions/{probe}/similar").text
    assert secret not in httpx2.get(f"{base}/tra-cuu", params={"ma": probe, "moi": "1"}).text
    cadre_view = httpx2.get(f"{base}/api/petitions/{probe}/detail", headers=_auth(platform, CADRE)).json()
    assert public_number(secret) in {s["tracking_code"] for s in cadre_view["similar"]}  # cadres see it, in scope
    _answer(platform, secret)
    assert (
        _act(
            platform,
            secret,
            action="publish",
            title_public="Bãi rác tự phát cạnh chợ Ngọc Hà",
            content_public=wording["content"],
            answer_public="Đã dọn bãi rác.",
        ).status_code
        == 200
    )
    similar = httpx2.get(f"{base}/api/petitions/{probe}/similar").json()
    assert {
        "tracking_code": public_number(secret),
        "status_label": "Đã công khai trả lời",
        "title": "Bãi rác tự phát cạnh chợ Ngọc Hà",
    } in similar


def test_cadres_see_a_signed_in_petitioner_as_a_citizen_never_by_account(platform: Platform) -> None:
    base = platform.base_url
    code = _file(platform, _auth(platform, CITIZEN), contact={})
    for response in (
        httpx2.get(f"{base}/api/petitions/{code}/detail", headers=_auth(platform, CADRE)),
        httpx2.get(f"{base}/api/petitions", headers=_auth(platform, CADRE)),
        httpx2.get(f"{base}/can-bo/phan-anh/{code}", headers=_auth(platform, CADRE)),
    ):
        assert response.status_code == 200 and CITIZEN["sub"] not in response.text
    detail = httpx2.get(f"{base}/api/petitions/{code}/detail", headers=_auth(platform, CADRE)).json()
    assert detail["submitter"] == "công dân (đã đăng nhập)" == detail["events"][0]["actor"]
    with psycopg.connect(platform.owner_uri()) as conn:
        actor = conn.execute(
            "select e.actor from petition_events e join petitions p on p.id = e.petition_id"
            " where p.tracking_code = %s and e.action = 'received'",
            (public_number(code),),
        ).fetchone()
    assert actor is not None and actor[0].startswith("cd-") and CITIZEN["sub"] not in actor[0]  # a pseudonym
    mine = httpx2.get(f"{base}/api/petitions", params={"mine": "true"}, headers=_auth(platform, CITIZEN)).json()
    assert public_number(code) in {p["tracking_code"] for p in mine}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _file_denunciation(platform: Platform) -> str:
    """A tố cáo through the web form, with contact details and a photo, as a visitor's browser sends it."""
    client = httpx2.Client(base_url=platform.base_url, headers=GUEST)
    form = client.get("/phan-anh").text
    token = csrf_token(form)
    assert 'value="to_cao"' in form
    r = client.post(
        "/phan-anh",
        data={
            "csrf_token": token,
            "kind": "to_cao",
            "title": "Tố cáo cán bộ địa chính nhận tiền",
            "content": f"Cán bộ địa chính phường nhận tiền để làm nhanh hồ sơ cấp sổ đỏ. Tôi có ảnh, gọi {PHONE}.",
            "unit_text": "Phường Ba Đình, Hà Nội",
            "full_name": NAME,
            "phone": PHONE,
            "consent": "1",
        },
        files={"attachments": ("bang-chung.png", PNG, "image/png")},
    )
    assert r.status_code == 303, r.text
    return found(r"ma=([^&]+)", r.headers["location"])


def _detail(platform: Platform, code: str, claims: Mapping[str, object]) -> dict[str, Any]:
    r = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, claims))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_denouncers_identity_reaches_only_the_assigned_cadre(platform: Platform) -> None:
    code = _file_denunciation(platform)
    before = _detail(platform, code, CADRE)
    assert before["petition"]["kind"] == "to_cao" and before["identity_hidden"]
    assert before["contact"] is None and before["attachments"] == [] and NAME not in str(before)
    assert _act(platform, code, action="assign", assignee=COLLEAGUE["sub"]).status_code == 200
    handler = _detail(platform, code, COLLEAGUE)
    assert handler["contact"]["full_name"] == NAME and [a["filename"] for a in handler["attachments"]] == [
        "bang-chung.png"
    ]
    download = f"{platform.base_url}/can-bo/phan-anh/{code}/tep/{handler['attachments'][0]['id']}"
    assert httpx2.get(download, headers=_auth(platform, COLLEAGUE)).content == PNG
    other = _detail(platform, code, CADRE)  # the same ward, not assigned
    assert other["contact"] is None and other["attachments"] == [] and NAME not in str(other)
    assert PHONE not in str(other) and "[số điện thoại đã ẩn]" in other["petition"]["content"]
    assert PHONE in handler["petition"]["content"]  # the handling cadre reads the denunciation as written
    listed = httpx2.get(f"{platform.base_url}/api/petitions", headers=_auth(platform, CADRE)).json()
    assert PHONE not in str([p for p in listed if p["tracking_code"] == public_number(code)] or "not listed")
    assert other["events"][0]["actor"] == "người tố cáo (được giữ bí mật)" and NAME not in str(other["events"])
    refused = httpx2.get(download, headers=_auth(platform, CADRE))
    assert refused.status_code == 403 and "Luật Tố cáo" in refused.text
    page = httpx2.get(f"{platform.base_url}/can-bo/phan-anh/{code}", headers=_auth(platform, CADRE)).text
    assert NAME not in page and PHONE not in page and "bang-chung.png" not in page
    # The same denunciation's wording filed again does not list it as similar, to cadres either.
    again = _file(
        platform,
        title="Tố cáo cán bộ địa chính nhận tiền",
        contact={},
        content="Cán bộ địa chính phường nhận tiền để làm nhanh hồ sơ cấp sổ đỏ. Tôi có ảnh chụp.",
    )
    assert public_number(code) not in str(_detail(platform, again, CADRE)["similar"])


def test_row_level_security_hides_a_denouncers_contact_from_other_cadres(platform: Platform) -> None:
    code = _file_denunciation(platform)
    assert _act(platform, code, action="assign", assignee=COLLEAGUE["sub"]).status_code == 200
    with psycopg.connect(platform.owner_uri()) as conn:
        path = present(conn.execute("select path::text from units where code = '00004'").fetchone())[0]
        conn.execute("set role mattran_app")  # the application's role: row-level security applies

        def contacts(subject: str) -> int:
            conn.execute(
                "select set_config('mattran.scope', %s, true), set_config('mattran.subject', %s, true)",
                ("{" + path + "}", subject),
            )
            return len(
                conn.execute(
                    "select c.petition_id from petition_contacts c join petitions p"
                    " on p.id = c.petition_id where p.tracking_code = %s",
                    (public_number(code),),
                ).fetchall()
            )

        assert contacts(CADRE["sub"]) == 0 and contacts(COLLEAGUE["sub"]) == 1


def test_the_voters_opinions_report_quotes_only_reviewed_public_versions(platform: Platform) -> None:
    unreviewed = _file(
        platform,
        category="giao_duc",
        title=f"Bà {NAME} {PHONE}: học phí trường Ba Đình tăng",
        content=f"Tôi là {NAME}, số {PHONE}. Học phí trường tiểu học Ba Đình tăng gấp đôi.",
    )
    reviewed = _file(
        platform,
        category="giao_duc",
        title=f"Bà {NAME} {PHONE}: lớp học xuống cấp",
        content=f"Tôi là {NAME}, số {PHONE}. Lớp học trường Ba Đình dột nát khi mưa.",
    )
    _answer(platform, unreviewed)
    _answer(platform, reviewed)
    assert (
        _act(
            platform,
            reviewed,
            action="publish",
            title_public="Lớp học trường Ba Đình xuống cấp",
            content_public="Lớp học trường tiểu học Ba Đình dột nát khi mưa.",
            answer_public="Đã sửa mái lớp học.",
        ).status_code
        == 200
    )
    made = httpx2.post(
        f"{platform.base_url}/api/reports",
        headers=_auth(platform, CADRE),
        timeout=120,
        json={"request": "Tổng hợp ý kiến cử tri phường Ba Đình, Hà Nội năm 2026"},
    )
    assert made.status_code == 200, made.text
    text = made.json()["markdown"]
    assert "Lớp học trường Ba Đình xuống cấp: Lớp học trường tiểu học Ba Đình dột nát khi mưa." in text
    assert NAME not in text and PHONE not in text and "Học phí" not in text


def test_a_denunciation_moved_by_a_cadre_who_cannot_see_its_denouncer_keeps_them_for_the_next_handler(
    platform: Platform,
) -> None:
    code = _file_denunciation(platform)
    moved = _act(platform, code, action="transfer", unit_code="00070", reason="Thuộc địa bàn phường Hoàn Kiếm.")
    assert moved.status_code == 200, moved.text
    hoan_kiem = {"sub": "to-cao-hk", "name": "Cán bộ Hoàn Kiếm", "roles": ["commune_cadre"], "unit": "00070"}
    assert _act(platform, code, hoan_kiem, action="assign", assignee=hoan_kiem["sub"]).status_code == 200
    handler = _detail(platform, code, hoan_kiem)
    assert handler["contact"]["phone"] == PHONE and len(handler["attachments"]) == 1
    assert _detail(platform, code, {**hoan_kiem, "sub": "to-cao-hk-2"})["contact"] is None
