"""Petitions end to end through the API: intake, addressing, idempotency, workflow, transfer, escalation, masking."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

import httpx2
import psycopg
import pytest

from mattran.domain.receipts import parse
from tests.support.checks import csrf_token, found
from tests.support.platform import Platform

COMMUNE = {"sub": "pakn-xa", "name": "Cán bộ xã", "roles": ["commune_cadre"], "unit": "00004"}  # Phường Ba Đình
SIBLING = {"sub": "pakn-xa-2", "name": "Cán bộ xã khác", "roles": ["commune_cadre"], "unit": "00070"}  # Hoàn Kiếm
PROVINCE = {"sub": "pakn-tinh", "name": "Cán bộ tỉnh", "roles": ["province_cadre"], "unit": "01"}
CENTRAL = {"sub": "pakn-tw", "name": "Cán bộ TW", "roles": ["central_cadre"], "unit": "TW"}
CITIZEN = {"sub": "cong-dan-1", "name": "Công dân", "roles": ["citizen"], "unit": None}


def _auth(platform: Platform, claims: Mapping[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.mint(claims)}"}


def _file(platform: Platform, headers: dict[str, str] | None = None, **fields: object) -> httpx2.Response:
    body = {
        "title": "Đường ngõ 12 bị ngập",
        "content": "Mỗi khi mưa to, ngõ 12 ngập sâu, nước không thoát được.",
        "unit_text": "P. Ba Đình, HN",
        **fields,
    }
    return httpx2.post(f"{platform.base_url}/api/petitions", json=body, headers=headers or {})


def _number(receipt: str) -> str:
    """The public number of a receipt (what cadres' lists show)."""
    parsed = parse(receipt)
    assert parsed and parsed.secret
    return parsed.public_code


def _act(platform: Platform, claims: Mapping[str, object], code: str, **action: object) -> httpx2.Response:
    return httpx2.post(
        f"{platform.base_url}/api/petitions/{code}/actions", json=action, headers=_auth(platform, claims)
    )


def _approval(platform: Platform, claims: Mapping[str, object], code: str) -> dict[str, object]:
    """The publication review approved as proposed (masked)."""
    draft = httpx2.get(f"{platform.base_url}/api/petitions/{code}/publication", headers=_auth(platform, claims)).json()
    return {
        "action": "publish",
        "title_public": draft["title"]["proposed"],
        "content_public": draft["content"]["proposed"],
        "answer_public": draft["answer"]["proposed"],
    }


def test_anonymous_intake_routes_to_the_unit_and_suggests_a_category(platform: Platform) -> None:
    r = _file(platform)
    assert r.status_code == 201, r.text
    filed = r.json()
    assert re.fullmatch(r"PAKN-20\d\d-\d{6}-[0-9A-Z]{6}", filed["tracking_code"])
    assert (filed["unit_code"], filed["unit_name"]) == ("00004", "Phường Ba Đình")
    assert filed["category"] == "ha_tang" and filed["category_label"] == "Hạ tầng"
    assert filed["status"] == "received" and filed["tracking_code"] in filed["message"]
    status = httpx2.get(f"{platform.base_url}/api/petitions/{filed['tracking_code']}").json()
    assert status["status_label"] == "Đã tiếp nhận" and status["unit_name"] == "Phường Ba Đình"
    assert status["title"] is None and status["content"] is None  # nothing of the text before publication


def test_a_retried_create_with_the_same_idempotency_key_makes_one_petition(platform: Platform) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    content = f"Mỗi khi mưa to, ngõ 12 ngập sâu, nước không thoát được ({key['Idempotency-Key']})."
    first, second = _file(platform, key, content=content), _file(platform, key, content=content)
    assert first.status_code == second.status_code == 201
    assert first.json()["tracking_code"] == second.json()["tracking_code"]
    with psycopg.connect(platform.owner_uri()) as conn:
        count = conn.execute("select count(*) from petitions where content = %s", (content,)).fetchone()
    assert count == (1,)


def test_an_unresolvable_unit_is_kept_for_a_cadre_to_address(platform: Platform) -> None:
    filed = _file(platform, unit_text="phuong 1").json()
    assert filed["needs_addressing"] is True and filed["unit_code"] is None
    central = httpx2.get(f"{platform.base_url}/api/petitions", headers=_auth(platform, CENTRAL)).json()
    commune = httpx2.get(f"{platform.base_url}/api/petitions", headers=_auth(platform, COMMUNE)).json()
    assert _number(filed["tracking_code"]) in {p["tracking_code"] for p in central}
    assert _number(filed["tracking_code"]) not in {p["tracking_code"] for p in commune}
    moved = _act(
        platform,
        CENTRAL,
        filed["tracking_code"],
        action="transfer",
        unit_code="00004",
        reason="Địa chỉ của người gửi thuộc phường Ba Đình",
    )
    assert moved.status_code == 200 and moved.json()["unit_code"] == "00004"


def test_latitude_and_longitude_pick_the_nearest_commune(platform: Platform) -> None:
    filed = _file(platform, unit_text=None, latitude=10.2271, longitude=103.9637).json()  # on Phú Quốc island
    assert filed["unit_code"] == "31078"


def test_bad_input_names_the_field_in_vietnamese(platform: Platform) -> None:
    r = _file(platform, title="Hỏi", content="ngắn")
    assert r.status_code == 422
    assert "Tham số “title” quá ngắn (tối thiểu 5 ký tự)." in r.json()["message"]
    assert "“content”" in r.json()["message"]
    bad_unit = _file(platform, unit_text=None, unit_code="99999")
    assert bad_unit.status_code == 422 and bad_unit.json() == {
        "detail": "Không có đơn vị mã “99999”.",
        "field": "unit_code",
    }
    bad_phone = _file(platform, contact={"phone": "abc"})
    assert bad_phone.status_code == 422 and "số điện thoại không hợp lệ" in bad_phone.json()["message"]


def test_workflow_to_a_published_answer_with_personal_data_masked(platform: Platform) -> None:
    filed = _file(
        platform,
        content="Nhà tôi ở ngõ 12, điện thoại 0912 345 678, email dan@example.com, "
        "CCCD 001099012345. Đề nghị nạo vét cống thoát nước.",
        contact={"full_name": "Nguyễn Văn Dân", "phone": "0912345678"},
        consent=True,
    ).json()
    code = filed["tracking_code"]
    assert _act(platform, SIBLING, code, action="accept").status_code == 404  # another ward cannot even see it
    assert _act(platform, COMMUNE, code, action="start").status_code == 409  # must be accepted first
    for step in (
        {"action": "accept"},
        {"action": "start"},
        {"action": "forward", "agency": "UBND phường Ba Đình", "reply_due": "2030-01-15"},
        {"action": "record_reply", "reply_text": "UBND phường sẽ nạo vét trong tháng này."},
        {"action": "answer", "answer": "Đã nạo vét xong. Liên hệ cán bộ phụ trách: 0987 654 321."},
        None,
    ):
        step = step or _approval(platform, COMMUNE, code)
        r = _act(platform, COMMUNE, code, **step)
        assert r.status_code == 200, (step, r.text)
    detail = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, COMMUNE)).json()
    assert [e["action"] for e in detail["events"]] == [
        "received",
        "accept",
        "start",
        "forward",
        "record_reply",
        "answer",
        "publish",
    ]
    assert detail["contact"]["full_name"] == "Nguyễn Văn Dân"
    assert detail["petition"]["forwarded_to"] == "UBND phường Ba Đình"
    public = httpx2.get(f"{platform.base_url}/api/petitions/{code}").json()
    assert public["status"] == "published"
    for secret in ("0912 345 678", "dan@example.com", "001099012345", "0987 654 321", "Nguyễn Văn Dân"):
        assert secret not in (public["content"] + public["answer"])
    assert "[số điện thoại đã ẩn]" in public["answer"]
    home = httpx2.get(f"{platform.base_url}/", params={"tim": "nao vet cong"})
    assert "Đề nghị nạo vét cống thoát nước" in home.text and "0912 345 678" not in home.text
    assert "Nguyễn Văn Dân" not in home.text
    with psycopg.connect(platform.owner_uri()) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("update petition_events set action = 'x'")


def test_decline_needs_a_reason(platform: Platform) -> None:
    code = _file(platform).json()["tracking_code"]
    r = _act(platform, COMMUNE, code, action="decline")
    assert r.status_code == 422 and r.json() == {"detail": "Cần ghi rõ lý do.", "field": "reason"}
    assert (
        _act(platform, COMMUNE, code, action="decline", reason="Không thuộc thẩm quyền").json()["status"] == "declined"
    )


def test_transfer_moves_the_petition_out_of_the_old_scope(platform: Platform) -> None:
    code = _file(platform).json()["tracking_code"]
    moved = _act(platform, COMMUNE, code, action="transfer", unit_code="00070", reason="Địa bàn phường Hoàn Kiếm")
    assert moved.status_code == 200 and moved.json()["unit_code"] == "00070"
    assert _act(platform, COMMUNE, code, action="accept").status_code == 404
    assert _act(platform, SIBLING, code, action="accept").status_code == 200
    province = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, PROVINCE)).json()
    assert province["events"][1]["detail"] == {
        "reason": "Địa bàn phường Hoàn Kiếm",
        "from_unit": "00004",
        "to_unit": "00070",
    }


def test_overdue_petitions_escalate_to_the_parent_level(platform: Platform) -> None:
    code = _number(_file(platform).json()["tracking_code"])
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute("update petitions set due_at = now() - interval '1 day' where tracking_code = %s", (code,))
    overdue = httpx2.get(
        f"{platform.base_url}/api/petitions", params={"overdue": "true"}, headers=_auth(platform, COMMUNE)
    ).json()
    assert code in {p["tracking_code"] for p in overdue}
    done = httpx2.post(f"{platform.base_url}/api/petitions/escalations", headers=_auth(platform, CENTRAL))
    assert done.status_code == 200 and code in done.json()["escalated"]
    detail = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, PROVINCE)).json()
    assert detail["petition"]["unit_code"] == "01" and detail["petition"]["escalations"] == 1
    assert detail["events"][-1]["action"] == "escalate"
    assert _act(platform, COMMUNE, code, action="accept").status_code == 404


def test_citizens_see_their_own_petitions_only(platform: Platform) -> None:
    mine = _number(_file(platform, _auth(platform, CITIZEN)).json()["tracking_code"])
    other = _number(_file(platform).json()["tracking_code"])
    listed = httpx2.get(
        f"{platform.base_url}/api/petitions", params={"mine": "true"}, headers=_auth(platform, CITIZEN)
    ).json()
    codes = {p["tracking_code"] for p in listed}
    assert mine in codes and other not in codes
    assert httpx2.get(f"{platform.base_url}/api/petitions", headers=_auth(platform, CITIZEN)).status_code == 403
    assert httpx2.get(f"{platform.base_url}/api/petitions", params={"mine": "true"}).status_code == 401


def test_the_web_form_works_without_javascript(platform: Platform) -> None:
    with httpx2.Client(timeout=20) as client:
        form = client.get(f"{platform.base_url}/phan-anh")
        token = csrf_token(form.text)
        key = found(r'name="idempotency_key" value="([^"]+)"', form.text)
        bad = client.post(
            f"{platform.base_url}/phan-anh",
            data={"csrf_token": token, "idempotency_key": key, "title": "Rác", "content": "Rác thải bốc mùi"},
        )
        assert bad.status_code == 422
        assert "Tiêu đề: Quá ngắn (tối thiểu 5 ký tự)." in bad.text and "Vui lòng ghi nơi nhận" in bad.text
        assert "Rác thải bốc mùi" in bad.text  # what was typed is kept
        data = {
            "csrf_token": token,
            "idempotency_key": key,
            "title": "Rác thải bốc mùi ở chợ",
            "content": "Bãi rác cạnh chợ không được thu gom, ô nhiễm nặng.",
            "unit_text": "xa tan lap tinh phu tho",
        }
        ok = client.post(f"{platform.base_url}/phan-anh", data=data, follow_redirects=True)
        again = client.post(f"{platform.base_url}/phan-anh", data=data, follow_redirects=True)  # double submit
        assert ok.status_code == 200 and "Đã tiếp nhận." in ok.text
        code = found(r'id="tracking-code">([^<]+)<', ok.text)
        assert code in again.text
        assert "Xã Văn Miếu" in ok.text and "Môi trường" in ok.text
        forged = client.post(f"{platform.base_url}/phan-anh", data={**data, "csrf_token": "x"})
        assert forged.status_code == 403


def test_similar_petitions_are_shown_and_duplicates_merged_get_the_answer(platform: Platform) -> None:
    text = {
        "title": "Cống thoát nước phố Quán Thánh bị tắc",
        "content": "Cống thoát nước trên phố Quán Thánh bị tắc, nước tràn lên vỉa hè mỗi khi mưa.",
        "unit_code": "00004",
        "unit_text": None,
    }
    first = _file(platform, **text).json()
    second = _file(platform, **{**text, "title": "Cống thoát nước phố Quán Thánh tắc nghẽn"}).json()
    similar = httpx2.get(f"{platform.base_url}/api/petitions/{second['tracking_code']}/similar").json()
    assert _number(first["tracking_code"]) not in {s["tracking_code"] for s in similar}  # unpublished: never public
    detail = httpx2.get(
        f"{platform.base_url}/api/petitions/{second['tracking_code']}/detail", headers=_auth(platform, COMMUNE)
    ).json()
    assert detail["similar"][0]["tracking_code"] == _number(first["tracking_code"])
    merged = _act(platform, COMMUNE, second["tracking_code"], action="merge", into=first["tracking_code"])
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    for step in ({"action": "accept"}, {"action": "answer", "answer": "Đã thông cống."}, None):
        step = step or _approval(platform, COMMUNE, first["tracking_code"])
        assert _act(platform, COMMUNE, first["tracking_code"], **step).status_code == 200
    public = httpx2.get(f"{platform.base_url}/api/petitions/{second['tracking_code']}").json()
    assert public["status"] == "published" and public["answer"] == "Đã thông cống."
    other_unit = _file(
        platform,
        unit_code="00070",
        unit_text=None,
        title="Đèn đường hỏng",
        content="Đèn đường phố Hàng Bài bị hỏng đã lâu, đề nghị sửa.",
    ).json()
    refused = _act(platform, PROVINCE, other_unit["tracking_code"], action="merge", into=first["tracking_code"])
    assert refused.status_code == 409


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_attachments_are_checked_on_their_content_and_only_cadres_download_them(platform: Platform) -> None:
    with httpx2.Client(timeout=20) as client:
        form = client.get(f"{platform.base_url}/phan-anh").text
        fields = {
            "csrf_token": csrf_token(form),
            "title": "Ổ gà trên đường Phan Đình Phùng",
            "unit_text": "P. Ba Đình, HN",
            "content": "Ổ gà lớn trước số nhà 20 đường Phan Đình Phùng, rất nguy hiểm ban đêm.",
        }
        disguised = client.post(
            f"{platform.base_url}/phan-anh",
            data=fields,
            files=[("attachments", ("anh.jpg", b"MZ\x90\x00 not an image", "image/jpeg"))],
        )
        assert disguised.status_code == 422 and "không phải ảnh (JPEG, PNG, WebP) hoặc PDF" in disguised.text
        huge = client.post(
            f"{platform.base_url}/phan-anh",
            data=fields,
            files=[("attachments", ("to.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf"))],
        )
        assert huge.status_code == 422 and "vượt quá 5 MB" in huge.text
        ok = client.post(
            f"{platform.base_url}/phan-anh",
            data=fields,
            follow_redirects=True,
            files=[
                ("attachments", ("o-ga.png", PNG, "image/png")),
                ("attachments", ("bien-ban.pdf", PDF, "application/octet-stream")),
            ],
        )
        assert ok.status_code == 200
        code = found(r'id="tracking-code">([^<]+)<', ok.text)
    detail = httpx2.get(f"{platform.base_url}/api/petitions/{code}/detail", headers=_auth(platform, COMMUNE)).json()
    assert [(a["filename"], a["content_type"]) for a in detail["attachments"]] == [
        ("o-ga.png", "image/png"),
        ("bien-ban.pdf", "application/pdf"),
    ]
    url = f"{platform.base_url}/can-bo/phan-anh/{code}/tep/{detail['attachments'][1]['id']}"
    download = httpx2.get(url, headers=_auth(platform, COMMUNE))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert httpx2.get(url, headers=_auth(platform, SIBLING)).status_code == 404
    assert httpx2.get(url, headers={"Accept": "application/json"}).status_code == 401


def test_the_assistant_over_http_files_after_confirmation_with_the_callers_identity(platform: Platform) -> None:
    headers = _auth(platform, CITIZEN)
    first = httpx2.post(
        f"{platform.base_url}/api/chat",
        headers=headers,
        json={
            "message": "Phản ánh: cống thoát nước trước số 3 phố Đội Cấn, phường Ba Đình, Hà Nội bị vỡ,"
            " nước tràn ra đường."
        },
    )
    body = first.json()
    assert first.status_code == 200 and body["confirmation"] and body["intent"] == "file_petition"
    assert body["tool_calls"][0]["name"] == "file_petition" and body["tool_calls"][0]["args"]["unit_code"] == "00004"
    stranger = httpx2.post(
        f"{platform.base_url}/api/chat", json={"message": "có", "conversation_id": body["conversation_id"]}
    )
    assert "PAKN-" not in stranger.json()["reply"]  # a guest cannot confirm the citizen's conversation
    done = httpx2.post(
        f"{platform.base_url}/api/chat",
        headers=headers,
        json={"message": "có", "conversation_id": body["conversation_id"]},
    ).json()
    code = _number(found(r"PAKN-\d{4}-\d{6}-[0-9A-Z]{6}", done["reply"], 0))
    mine = httpx2.get(f"{platform.base_url}/api/petitions", params={"mine": "true"}, headers=headers).json()
    assert code in {p["tracking_code"] for p in mine}
