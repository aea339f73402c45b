"""Bulk actions on the cadres' list, as a browser without JavaScript posts them (issue 20): checkboxes with labels
and "chọn tất cả trên trang", a confirmation page listing what will change, one signed result message; CSRF like
every form, refused to a citizen, a petition of another unit refused by name, namesakes chosen at a step of its own."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

import httpx2
import psycopg
import pytest

from mattran.domain.petitions import public_number
from tests.support.checks import csrf_token
from tests.support.platform import Platform

CADRE = {"sub": "hl-xa", "name": "Cán bộ xã", "roles": ["commune_cadre"], "unit": "00004"}  # Phường Ba Đình
COLLEAGUE = ("hl-xa-2", "Đỗ Thị Hằng")
SIBLING_UNIT = "00070"  # Phường Hoàn Kiếm
CITIZEN = {"sub": "hl-dan", "name": "Công dân", "roles": ["citizen"], "unit": None}


def _client(platform: Platform, claims: Mapping[str, object]) -> httpx2.Client:
    token = platform.mint(claims)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
    return httpx2.Client(base_url=platform.base_url, headers=headers, timeout=60)


def _form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields in order, a name repeated for each value (as a browser posts checkboxes)."""
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


def _file(platform: Platform, title: str, unit_code: str) -> str:
    body = {"title": title, "content": f"{title}: đề nghị xem xét, xử lý sớm.", "unit_code": unit_code}
    r = httpx2.post(f"{platform.base_url}/api/petitions", json=body, timeout=60)
    assert r.status_code == 201, r.text
    return public_number(str(r.json()["tracking_code"]))


@pytest.fixture(scope="module")
def petitions(platform: Platform) -> tuple[str, list[str], str]:
    """A tag, three petitions of the cadre's ward carrying it, one of a sibling ward; a colleague of the ward seen."""
    tag = uuid.uuid4().hex[:6]
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute("select cadre_seen(%s, %s, %s, %s, null)", (*COLLEAGUE, CADRE["unit"], ["commune_cadre"]))
    ours = [
        _file(platform, f"Vỉa hè phố {n} bị lấn chiếm {tag}", str(CADRE["unit"]))
        for n in ("Hàng Bông", "Lý Quốc Sư", "Hàng Gai")
    ]
    return tag, ours, _file(platform, f"Rác ở chợ Hoàn Kiếm {tag}", SIBLING_UNIT)


def test_the_list_has_labelled_checkboxes_and_bulk_controls(
    platform: Platform, petitions: tuple[str, list[str], str]
) -> None:
    tag, ours, _ = petitions
    with _client(platform, CADRE) as client:
        page = client.get("/can-bo/phan-anh", params={"q": tag}).text
    for code in ours:
        assert re.search(
            rf'<input type="checkbox" name="ma" value="{code}"><span class="sr-only">Chọn {code}</span>', page
        )
        assert f'<input type="hidden" name="trang" value="{code}">' in page
    assert "Chọn tất cả trên trang (3 phản ánh)" in page
    assert f'<option value="{COLLEAGUE[0]}">{COLLEAGUE[1]}</option>' in page
    assert 'name="action" value="assign"' in page and 'name="action" value="transfer"' in page


def test_assigning_all_on_the_page_confirms_then_reports_one_signed_message(
    platform: Platform, petitions: tuple[str, list[str], str]
) -> None:
    tag, ours, sibling = petitions
    with _client(platform, CADRE) as client:
        token = csrf_token(client.get("/can-bo/phan-anh", params={"q": tag}).text)
        fields = {"action": "assign", "assignee": COLLEAGUE[0], "tiep": f"q={tag}"}
        chosen = [("trang", c) for c in ours] + [("tat_ca", "1"), ("ma", sibling)]  # a forged code of another ward
        assert (
            client.post("/can-bo/phan-anh-da-chon", data=_form([*fields.items(), *chosen])).status_code == 403
        )  # no token
        confirm = client.post("/can-bo/phan-anh-da-chon", data=_form([("csrf_token", token), *fields.items(), *chosen]))
        assert confirm.status_code == 200
        page = html.unescape(confirm.text)
        assert "Xác nhận giao 3 phản ánh" in page and f"Giao cho cán bộ <strong>{COLLEAGUE[1]}</strong>" in page
        rows = re.findall(r"<tr><td>(PAKN-[^<]+)</td>(.*?)</tr>", page, re.S)
        assert [code for code, _ in rows] == [*ours, sibling]
        assert all("Chưa giao" in cells and COLLEAGUE[1] in cells for _, cells in rows[:3])
        assert f"Không giao được: Không tìm thấy phản ánh mã “{sibling}” trong phạm vi của bạn." in rows[3][1]
        for code in [*ours, sibling]:
            assert f'<input type="hidden" name="ma" value="{code}">' in confirm.text
        assert re.search(r'name="confirmed" value="1" required', confirm.text)

        done = client.post(
            "/can-bo/phan-anh-da-chon",
            data=_form(
                [("csrf_token", token), *fields.items(), *[("ma", c) for c in [*ours, sibling]], ("confirmed", "1")]
            ),
        )
        assert done.status_code == 303
        location = done.headers["location"]
        assert urlsplit(location).path == "/can-bo/phan-anh" and parse_qs(urlsplit(location).query)["q"] == [tag]
        listed = html.unescape(client.get(location).text)
        message = re.search(r'<p class="msg ok" role="status" id="done">(.*?)</p>', listed, re.S)
        assert message and message.group(1) == (
            f"Đã giao 3 phản ánh cho {COLLEAGUE[1]}; 1 không giao được: "
            f"{sibling} (Không tìm thấy phản ánh mã “{sibling}” trong phạm vi của bạn)."
        )
        assert listed.count(f"<td>{COLLEAGUE[1]}</td>") == 3
        query = parse_qs(urlsplit(location).query)
        forged = client.get("/can-bo/phan-anh", params={"ket_qua": "Đã chuyển 99 phản ánh.", "ky": query["ky"][0]})
        assert 'id="done"' not in forged.text  # a message the platform did not sign is not shown

    with _client(platform, {**CADRE, "sub": "hl-xa-khac", "unit": SIBLING_UNIT}) as other:
        assert other.get(f"/can-bo/phan-anh/{sibling}").status_code == 200
        assert "Chưa giao" in html.unescape(other.get("/can-bo/phan-anh", params={"q": tag}).text)


def test_a_transfer_picks_among_namesakes_and_an_unknown_unit_or_a_citizen_is_refused(
    platform: Platform, petitions: tuple[str, list[str], str]
) -> None:
    tag, ours, _ = petitions
    with _client(platform, CADRE) as client:
        token = csrf_token(client.get("/can-bo/phan-anh").text)
        base = [("csrf_token", token), ("action", "transfer"), ("reason", "Không thuộc địa bàn."), ("ma", ours[0])]
        step = client.post("/can-bo/phan-anh-da-chon", data=_form([*base, ("unit_text", "xa hoa binh")]))
        assert step.status_code == 200 and 'id="transfer-choice"' in step.text
        choices = re.findall(r'name="unit_code" value="([^"]+)" required', step.text)
        assert len(choices) > 1 and f'<input type="hidden" name="ma" value="{ours[0]}">' in step.text
        plan = client.post("/can-bo/phan-anh-da-chon", data=_form([*base, ("unit_code", choices[0])]))
        assert plan.status_code == 200 and "Xác nhận chuyển 1 phản ánh" in html.unescape(plan.text)
        unknown = client.post("/can-bo/phan-anh-da-chon", data=_form([*base, ("unit_text", "asdfgh qwerty")]))
        assert unknown.status_code == 400 and "Không tìm thấy đơn vị nào tên" in html.unescape(unknown.text)
        no_reason = client.post(
            "/can-bo/phan-anh-da-chon", data=_form([*base[:2], ("ma", ours[0]), ("unit_code", "00070")])
        )
        assert no_reason.status_code == 400 and "Cần ghi rõ lý do chuyển." in html.unescape(no_reason.text)
        nothing = client.post("/can-bo/phan-anh-da-chon", data=_form([*base[:3], ("unit_code", "00070")]))
        assert nothing.status_code == 400 and "Hãy chọn ít nhất một phản ánh." in html.unescape(nothing.text)
    with _client(platform, CITIZEN) as citizen:
        token = csrf_token(citizen.get("/phan-anh").text)
        refused = citizen.post(
            "/can-bo/phan-anh-da-chon", data=_form([("csrf_token", token), *base[1:], ("unit_code", "00070")])
        )
        assert refused.status_code == 403
    with _client(platform, CADRE) as client:
        assert f"Vỉa hè phố Hàng Bông bị lấn chiếm {tag}" in html.unescape(
            client.get(f"/can-bo/phan-anh/{ours[0]}").text
        )
