"""The register's pages without JavaScript, on a running ``mattran up``: a member's edit, end and move forms and its
history, the unit's organisations (list, add, edit); scope (own unit, unit below, sibling, parent) and refusals."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx2
import pytest

from tests.support.checks import csrf_token, found
from tests.support.platform import Platform, bearer, owner_rows

PROVINCE = "15"


@pytest.fixture(scope="module")
def communes(platform: Platform) -> list[str]:
    """Two communes of Lào Cai that the other member tests leave alone."""
    rows = owner_rows(platform, "select code from units where parent_code = %s order by code desc limit 2", PROVINCE)
    return [r[0] for r in rows]


def _page_headers(platform: Platform, role: str, unit: str | None) -> dict[str, str]:
    return {**bearer(platform, role, unit), "Accept": "text/html"}


def _member(platform: Platform, unit: str, **fields: Any) -> dict[str, Any]:
    body = {"unit_code": unit, "full_name": f"Phạm Thị Trang {secrets.token_hex(3).upper()}", **fields}
    response = httpx2.post(
        f"{platform.base_url}/api/members", json=body, headers=bearer(platform, "province_cadre", PROVINCE), timeout=60
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_cadre_edits_ends_and_moves_members_on_their_pages(platform: Platform, communes: list[str]) -> None:
    own, other = communes
    member = _member(platform, own, birth_year=1979, position="Ủy viên", phone="0987654321", national_id="035079001234")
    with httpx2.Client(
        follow_redirects=True, base_url=platform.base_url, headers=_page_headers(platform, "commune_cadre", own)
    ) as client:
        page = client.get(f"/can-bo/thanh-vien/{member['id']}")
        assert page.status_code == 200 and member["full_name"] in page.text
        assert 'value="*********234"' in page.text and "0987654321" in page.text
        assert "Chuyển đơn vị" not in page.text  # a commune has no unit below to move to
        token = csrf_token(page.text)
        form = {
            "full_name": member["full_name"],
            "birth_year": "1979",
            "gender": "nu",
            "position": "Phó Chủ tịch",
            "organisation": "phu nu",
            "phone": "0987654321",
            "national_id": "*********234",
        }
        assert client.post(f"/can-bo/thanh-vien/{member['id']}/sua", data=form).status_code == 403  # no token
        bad = client.post(
            f"/can-bo/thanh-vien/{member['id']}/sua", data={**form, "birth_year": "x", "csrf_token": token}
        )
        assert bad.status_code == 422 and "Năm sinh “x” không hợp lệ" in bad.text
        saved = client.post(f"/can-bo/thanh-vien/{member['id']}/sua", data={**form, "csrf_token": token})
        assert saved.status_code == 200 and "Đã lưu" in saved.text  # after the redirect
        shown = _text(saved.text)
        assert (
            "Chức vụ: Ủy viên → Phó Chủ tịch" in shown and "Tổ chức thành viên: (trống) → Hội Liên hiệp Phụ nữ" in shown
        )
        assert "Số điện thoại" not in found(r'(?s)id="history"(.*?)</table>', saved.text)  # unchanged fields not listed
        stored = owner_rows(platform, "select position, national_id_last3 from members where id = %s", member["id"])
        assert stored == [("Phó Chủ tịch", "234")]

        ended = client.post(
            f"/can-bo/thanh-vien/{member['id']}/thoi",
            data={"reason": "term_ended", "date": "2026-01-10", "note": "Đại hội nhiệm kỳ mới", "csrf_token": token},
        )
        assert ended.status_code == 200
        assert "Đã thôi tham gia từ 10/01/2026: Hết nhiệm kỳ (Đại hội nhiệm kỳ mới)" in _text(ended.text)
        assert "Hết nhiệm kỳ: Đại hội nhiệm kỳ mới" in _text(ended.text)
        listed = client.get(f"/can-bo/thanh-vien?unit={own}&q={member['full_name']}")
        assert f'/can-bo/thanh-vien/{member["id"]}"' not in listed.text and "Chưa có thành viên nào" in listed.text

    mover = _member(platform, own)
    province = _page_headers(platform, "province_cadre", PROVINCE)
    with httpx2.Client(follow_redirects=True, base_url=platform.base_url, headers=province) as client:
        page = client.get(f"/can-bo/thanh-vien/{mover['id']}")
        assert "Chuyển đơn vị" in page.text
        moved = client.post(
            f"/can-bo/thanh-vien/{mover['id']}/chuyen",
            data={"unit_code": other, "date": "2026-03-01", "csrf_token": csrf_token(page.text)},
        )
        assert moved.status_code == 200 and "đã chuyển đơn vị" in moved.text
    assert owner_rows(platform, "select unit_code from members where id = %s", mover["id"]) == [(other,)]
    with httpx2.Client(
        follow_redirects=True, base_url=platform.base_url, headers=_page_headers(platform, "commune_cadre", other)
    ) as client:
        assert "Chuyển đơn vị" in _text(client.get(f"/can-bo/thanh-vien/{mover['id']}").text)


def test_the_edit_form_keeps_and_changes_the_seats_sector_and_start(platform: Platform, communes: list[str]) -> None:
    own = communes[0]
    member = _member(platform, own, sector="Tôn giáo: Công giáo", started_on="2024-06-15", term="2024-2029")
    with httpx2.Client(
        follow_redirects=True, base_url=platform.base_url, headers=_page_headers(platform, "commune_cadre", own)
    ) as client:
        page = client.get(f"/can-bo/thanh-vien/{member['id']}")
        shown = {
            name: found(rf'id="{name}" name="{name}"[^>]*value="([^"]*)"', page.text)
            for name in ("sector", "started_on")
        }
        assert shown == {"sector": "Tôn giáo: Công giáo", "started_on": "2024-06-15"}
        form = {"full_name": member["full_name"], "term": "2024–2029", **shown, "csrf_token": csrf_token(page.text)}
        kept = client.post(f"/can-bo/thanh-vien/{member['id']}/sua", data={**form, "position": "Ủy viên"})
        assert kept.status_code == 200, kept.text
        stored = "select position, sector, sector_detail, started_on::text from members where id = %s"
        assert owner_rows(platform, stored, member["id"]) == [("Ủy viên", "religion", "Công giáo", "2024-06-15")]
        changed = client.post(f"/can-bo/thanh-vien/{member['id']}/sua", data={**form, "sector": "doanh nhân"})
        assert "Thành phần đại diện: Tôn giáo: Công giáo → Doanh nhân" in _text(changed.text)
        assert owner_rows(platform, stored, member["id"]) == [(None, "business", None, "2024-06-15")]
        bad = client.post(f"/can-bo/thanh-vien/{member['id']}/sua", data={**form, "sector": "Hội đồng hương"})
        assert bad.status_code == 422 and "Thành phần đại diện “Hội đồng hương” không hợp lệ" in bad.text


def test_member_pages_are_refused_outside_the_scope(platform: Platform, communes: list[str]) -> None:
    own, other = communes
    member = _member(platform, own)
    path = f"/can-bo/thanh-vien/{member['id']}"
    sibling = _page_headers(platform, "commune_cadre", other)
    assert httpx2.get(f"{platform.base_url}{path}", headers=sibling).status_code == 404
    assert httpx2.get(f"{platform.base_url}{path}", headers=_page_headers(platform, "citizen", None)).status_code == 403
    anonymous = httpx2.get(f"{platform.base_url}{path}", headers={"Accept": "text/html"})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/dang-nhap")
    with httpx2.Client(follow_redirects=True, base_url=platform.base_url, headers=sibling) as client:
        token = csrf_token(client.get("/can-bo/thanh-vien").text)
        refused = client.post(f"{path}/thoi", data={"reason": "left", "date": "2026-01-01", "csrf_token": token})
        assert refused.status_code == 404
    assert owner_rows(platform, "select ended_on from members where id = %s", member["id"]) == [(None,)]


def test_organisation_pages_list_add_and_edit(platform: Platform, communes: list[str]) -> None:
    own, other = communes
    name = f"Hội Làm vườn {secrets.token_hex(2).upper()}"
    with httpx2.Client(
        follow_redirects=True, base_url=platform.base_url, headers=_page_headers(platform, "commune_cadre", own)
    ) as client:
        page = client.get("/can-bo/to-chuc")
        assert page.status_code == 200 and "Thêm tổ chức" in page.text
        token = csrf_token(page.text)
        added = client.post(
            "/can-bo/to-chuc", data={"name": name, "kind": "social", "phone": "0912 111 222", "csrf_token": token}
        )
        assert added.status_code == 200 and "Đã thêm tổ chức" in added.text and name in added.text
        again = client.post("/can-bo/to-chuc", data={"name": name, "kind": "social", "csrf_token": token})
        assert again.status_code == 422 and "đã có tổ chức thành viên" in again.text
        wrong = client.post("/can-bo/to-chuc", data={"name": "Hội Z", "phone": "12", "csrf_token": token})
        assert wrong.status_code == 422 and "Số điện thoại không hợp lệ" in wrong.text
        organisation_id = int(found(r'href="/can-bo/to-chuc/(\d+)"><strong>' + re.escape(name), added.text))
        form = client.get(f"/can-bo/to-chuc/{organisation_id}")
        assert 'value="0912111222"' in form.text
        edited = client.post(
            f"/can-bo/to-chuc/{organisation_id}",
            data={"name": name, "kind": "professional", "status": "inactive", "phone": "", "csrf_token": token},
        )
        assert edited.status_code == 200 and "Đã lưu thay đổi" in edited.text
        assert "0912111222" not in edited.text
        # the parent unit's list is refused to a commune
        assert client.get(f"/can-bo/to-chuc?unit={PROVINCE}").status_code == 403
    assert owner_rows(platform, "select kind, status, phone_enc from organisations where id = %s", organisation_id) == [
        ("professional", "inactive", None)
    ]
    sibling = _page_headers(platform, "commune_cadre", other)
    assert httpx2.get(f"{platform.base_url}/can-bo/to-chuc/{organisation_id}", headers=sibling).status_code == 404
    assert httpx2.get(f"{platform.base_url}/can-bo/to-chuc?unit={own}", headers=sibling).status_code == 403
    province = _page_headers(platform, "province_cadre", PROVINCE)
    below = httpx2.get(f"{platform.base_url}/can-bo/to-chuc?unit={own}", headers=province)
    assert below.status_code == 200 and name in below.text
    citizen = _page_headers(platform, "citizen", None)
    assert httpx2.get(f"{platform.base_url}/can-bo/to-chuc", headers=citizen).status_code == 403
    anonymous = httpx2.get(f"{platform.base_url}/can-bo/to-chuc", headers={"Accept": "text/html"})
    assert anonymous.status_code == 303


def test_work_committee_and_committee_sheet_pages(platform: Platform, communes: list[str]) -> None:
    own, other = communes
    area = f"Tổ dân phố {secrets.token_hex(2).upper()}"
    _member(platform, own, position="Ủy viên", organisation="Hội Nông dân", term="2024-2029")
    chair = _member(platform, own, position="Chủ tịch", term="2024-2029")
    with httpx2.Client(
        follow_redirects=True, base_url=platform.base_url, headers=_page_headers(platform, "commune_cadre", own)
    ) as client:
        page = client.get("/can-bo/ban-cong-tac")
        assert page.status_code == 200 and "Thêm ban công tác" in page.text
        token = csrf_token(page.text)
        added = client.post(
            "/can-bo/ban-cong-tac", data={"unit_code": own, "area": area, "households": "120", "csrf_token": token}
        )
        assert added.status_code == 200 and "Đã lưu" in added.text
        committee_id = int(found(r'id="ban-(\d+)"[^>]*>\s*<summary><strong>' + re.escape(area), added.text))
        assert "Trưởng ban: chưa có" in _text(found(rf'(?s)id="ban-{committee_id}"(.*?)</summary>', added.text))
        headed = client.post(
            f"/can-bo/ban-cong-tac/{committee_id}",
            data={"area": area, "head": "Lò Thị Hoa", "households": "121", "members": "A\nB", "csrf_token": token},
        )
        assert headed.status_code == 200
        assert "Trưởng ban: Lò Thị Hoa · 121 hộ" in _text(
            found(rf'(?s)id="ban-{committee_id}"(.*?)</summary>', headed.text)
        )
        sheet = client.get(f"/can-bo/uy-ban/{own}?nhiem_ky=2024-2029")
        assert sheet.status_code == 200
        standing = found(r'(?s)id="standing-board"(.*?)</table>', sheet.text)
        assert chair["full_name"] in standing and "Chủ tịch" in standing
        assert "Hội Nông dân" in found(r'(?s)id="committee-members"(.*?)</table>', sheet.text)
        assert "@media print" in sheet.text
        assert client.get(f"/can-bo/uy-ban/{PROVINCE}").status_code == 403  # the parent unit
    assert owner_rows(platform, "select head_name, households from work_committees where id = %s", committee_id) == [
        ("Lò Thị Hoa", 121)
    ]
    sibling = _page_headers(platform, "commune_cadre", other)
    assert httpx2.get(f"{platform.base_url}/can-bo/uy-ban/{own}", headers=sibling).status_code == 403
    assert area not in httpx2.get(f"{platform.base_url}/can-bo/ban-cong-tac", headers=sibling).text
    assert httpx2.get(f"{platform.base_url}/can-bo/ban-cong-tac?unit={own}", headers=sibling).status_code == 403
    citizen = _page_headers(platform, "citizen", None)
    assert httpx2.get(f"{platform.base_url}/can-bo/uy-ban/{own}", headers=citizen).status_code == 403
    province = _page_headers(platform, "province_cadre", PROVINCE)  # the commune is the unit below the province's
    assert chair["full_name"] in httpx2.get(f"{platform.base_url}/can-bo/uy-ban/{own}", headers=province).text
    anonymous = httpx2.get(f"{platform.base_url}/can-bo/uy-ban/{own}", headers={"Accept": "text/html"})
    assert anonymous.status_code == 303
    assert httpx2.get(f"{platform.base_url}/can-bo/ban-cong-tac", headers={"Accept": "text/html"}).status_code == 303


def test_possible_duplicates_are_merged_or_dismissed_on_their_page(platform: Platform, communes: list[str]) -> None:
    own, other = communes
    pairs = []
    for surname in ("Quách", "Mạc"):
        name = f"{surname} Văn Đôi {secrets.token_hex(2).upper()}"
        pairs.append(
            [
                _member(platform, unit, full_name=name, birth_year=1966, organisation="Hội Nông dân")
                for unit in (own, other)
            ]
        )
    with httpx2.Client(
        follow_redirects=True, base_url=platform.base_url, headers=_page_headers(platform, "province_cadre", PROVINCE)
    ) as client:
        page = client.get(f"/can-bo/thanh-vien/trung-lap?unit={PROVINCE}")
        assert page.status_code == 200
        for first, _second in pairs:
            assert page.text.count(f'href="/can-bo/thanh-vien/{first["id"]}"') == 1
        token = csrf_token(page.text)
        (keep, drop), (one, another) = pairs
        merged = client.post(
            "/can-bo/thanh-vien/trung-lap",
            data={
                "first_id": keep["id"],
                "second_id": drop["id"],
                "action": "merge",
                "unit": PROVINCE,
                "csrf_token": token,
            },
        )
        assert merged.status_code == 200 and "Đã gộp" in merged.text
        dismissed = client.post(
            "/can-bo/thanh-vien/trung-lap",
            data={
                "first_id": one["id"],
                "second_id": another["id"],
                "action": "dismiss",
                "unit": PROVINCE,
                "csrf_token": token,
            },
        )
        assert dismissed.status_code == 200 and "hai người khác nhau" in dismissed.text
        for member in (keep, one):
            assert f'href="/can-bo/thanh-vien/{member["id"]}"' not in dismissed.text
    assert owner_rows(platform, "select end_reason from members where id = %s", drop["id"]) == [("duplicate",)]
    assert owner_rows(platform, "select ended_on from members where id = %s", keep["id"]) == [(None,)]
    commune = _page_headers(platform, "commune_cadre", own)  # a commune sees no pair across units
    assert (
        httpx2.get(f"{platform.base_url}/can-bo/thanh-vien/trung-lap?unit={PROVINCE}", headers=commune).status_code
        == 403
    )
