"""Importing residential-area work committees from a spreadsheet (XLSX on the page, CSV from the CLI), on a running
``mattran up``: rows added or updated, per-row Vietnamese errors, all-or-nothing unless told to skip bad rows,
communes outside the importer's scope refused row by row, citizens and anonymous visitors refused."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx2
import pytest

from tests.support.checks import csrf_token
from tests.support.files import xlsx
from tests.support.platform import Platform, bearer, owner_rows

PROVINCE = "31"  # Hải Phòng


@pytest.fixture(scope="module")
def communes(platform: Platform) -> list[tuple[str, str]]:
    """Two communes of the province (code, name), and one of another province."""
    rows = owner_rows(platform, "select code, name from units where parent_code = %s order by code limit 2", PROVINCE)
    other = owner_rows(platform, "select code, name from units where parent_code = '25' order by code limit 1")
    return [(r[0], r[1]) for r in rows + other]


def _work(platform: Platform, unit: str, area_prefix: str) -> list[tuple[str, str | None, list[str], int | None]]:
    return [
        (r[0], r[1], list(r[2]), r[3])
        for r in owner_rows(
            platform,
            "select area, head_name, member_names, households from work_committees"
            " where unit_code = %s and area like %s order by area",
            unit,
            f"{area_prefix}%",
        )
    ]


def test_a_commune_cadre_imports_on_the_page(platform: Platform, communes: list[tuple[str, str]]) -> None:
    (own, own_name), (sibling, _), _ = communes
    tag = secrets.token_hex(2).upper()
    header = ["STT", "Khu dân cư", "Xã/phường", "Trưởng ban", "Thành viên", "Số hộ"]
    good = [1, f"Thôn {tag} Một", own_name, "Lò Văn Hùng", "Lò Thị Mai; Vàng A Sử", 132]
    bad = [
        [2, f"Thôn {tag} Hai", own, "Hà Thị Lan", "", "nhiều"],
        [3, f"Thôn {tag} Ba", sibling, "", "", 40],
        [4, "", own, "Nguyễn Văn Bình", "", 10],
        [5, f"thon {tag.lower()} mot", own, "", "", 5],
    ]
    headers = {**bearer(platform, "commune_cadre", own), "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers, follow_redirects=True, timeout=60) as client:
        page = client.get("/can-bo/ban-cong-tac")
        assert page.status_code == 200 and "Nhập từ tệp" in page.text
        token = csrf_token(page.text)
        upload = {"file": ("ban-cong-tac.xlsx", xlsx([header, good, *bad]))}
        refused = client.post("/can-bo/ban-cong-tac/nhap", data={"csrf_token": token}, files=upload)
        assert refused.status_code == 422 and "không dòng nào được nhập" in refused.text
        for message in (
            "Dòng 3</td><td>Số hộ</td><td>Số hộ “nhiều” không hợp lệ",
            "Dòng 4</td><td>Xã/phường</td><td>",
            "Dòng 5</td><td>Khu dân cư</td><td>Thiếu tên khu dân cư.",
            f"Dòng 6</td><td>Khu dân cư</td><td>Khu dân cư “thon {tag.lower()} mot” đã có ở dòng 2 của tệp.",
        ):
            assert message in refused.text
        assert "nằm ngoài phạm vi của bạn" in refused.text  # the sibling commune
        assert _work(platform, own, f"Thôn {tag}") == [] and _work(platform, sibling, f"Thôn {tag}") == []
        skipped = client.post("/can-bo/ban-cong-tac/nhap", data={"csrf_token": token, "mode": "skip"}, files=upload)
        assert skipped.status_code == 200 and "Đã thêm 1 ban, cập nhật 0 ban trên 5 dòng; 4 dòng" in skipped.text
        assert _work(platform, own, f"Thôn {tag}") == [
            (f"Thôn {tag} Một", "Lò Văn Hùng", ["Lò Thị Mai", "Vàng A Sử"], 132)
        ]
        member = httpx2.post(  # a head chosen among the commune's members before: the head in the file replaces it
            f"{platform.base_url}/api/members",
            json={"unit_code": own, "full_name": f"Lò Văn Chọn {tag}", "term": "2024-2029"},
            headers=bearer(platform, "commune_cadre", own),
            timeout=60,
        )
        assert member.status_code == 201, member.text
        chosen = {"head_member_id": member.json()["id"]}
        work_id = owner_rows(platform, "select id from work_committees where area = %s", f"Thôn {tag} Một")[0][0]
        patched = httpx2.patch(
            f"{platform.base_url}/api/work-committees/{work_id}",
            json=chosen,
            headers=bearer(platform, "commune_cadre", own),
            timeout=60,
        )
        assert patched.status_code == 200 and patched.json()["head"] == f"Lò Văn Chọn {tag}", patched.text
        again = [header, [1, f"THÔN {tag} MỘT", own, "Lò Thị Mai", "", "140 hộ"]]
        updated = client.post(
            "/can-bo/ban-cong-tac/nhap", data={"csrf_token": token}, files={"file": ("b.xlsx", xlsx(again))}
        )
        assert updated.status_code == 200 and "Đã thêm 0 ban, cập nhật 1 ban" in updated.text
    assert _work(platform, own, f"Thôn {tag}") == [(f"Thôn {tag} Một", "Lò Thị Mai", [], 140)]
    assert owner_rows(platform, "select head_member_id from work_committees where area = %s", f"Thôn {tag} Một") == [
        (None,)
    ]
    assert _work(platform, sibling, f"Thôn {tag}") == []
    files = {"file": ("b.xlsx", xlsx([header, good]))}
    citizen = {**bearer(platform, "citizen", None), "Accept": "text/html"}
    url = f"{platform.base_url}/can-bo/ban-cong-tac/nhap"
    assert httpx2.post(url, headers=citizen, files=files).status_code == 403
    assert httpx2.post(url, headers={"Accept": "text/html"}, files=files).status_code == 303  # to the sign-in


def test_a_province_imports_from_the_cli(platform: Platform, communes: list[tuple[str, str]], tmp_path: Path) -> None:
    (first, first_name), (second, _), (outside, outside_name) = communes
    tag = secrets.token_hex(2).upper()
    csv = (
        "Khu dân cư;Mã xã;Xã/phường;Trưởng ban;Thành viên;Số hộ;Cột lạ\n"
        f"Tổ dân phố {tag} 1;{first};;Trần Văn Hải;Ngô Thị Hạnh, Đỗ Văn Tú;1.250;x\n"
        f"Tổ dân phố {tag} 2;;{first_name};;;;\n"
        f"Tổ dân phố {tag} 3;{second};;;;300;\n"
        f"Tổ dân phố {tag} 4;;{outside_name}, Phú Thọ;;;20;\n"
        f"Tổ dân phố {tag} 5;{PROVINCE};;;;20;\n"
    )
    path = tmp_path / "ban.csv"
    path.write_text(csv, encoding="utf-8")
    done = platform.mattran("members", "work-import", str(path), "--as-unit", PROVINCE, "--mode", "skip", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["total"], report["added"], report["updated"], report["skipped"]) == (5, 3, 0, 2)
    errors = {(e["row"], e["field"]): e["message"] for e in report["errors"]}
    assert "nằm ngoài phạm vi của bạn" in errors[(5, "Xã/phường")]
    assert "thuộc một xã, phường hoặc đặc khu" in errors[(6, "Mã xã")]
    assert any("Cột lạ" in w["message"] for w in report["warnings"])
    assert _work(platform, first, f"Tổ dân phố {tag}") == [
        (f"Tổ dân phố {tag} 1", "Trần Văn Hải", ["Ngô Thị Hạnh", "Đỗ Văn Tú"], 1250),
        (f"Tổ dân phố {tag} 2", None, [], None),
    ]
    assert _work(platform, second, f"Tổ dân phố {tag}") == [(f"Tổ dân phố {tag} 3", None, [], 300)]
    assert _work(platform, outside, f"Tổ dân phố {tag}") == []


def test_the_page_imports_for_a_commune_below_and_refuses_the_parent(
    platform: Platform, communes: list[tuple[str, str]]
) -> None:
    """A province cadre imports on the page for a commune below; a commune cadre cannot import for its province."""
    (own, _), _, _ = communes
    tag = secrets.token_hex(2).upper()
    header = ["Khu dân cư", "Mã xã", "Trưởng ban"]
    for role, unit, row, status in (
        ("province_cadre", PROVINCE, [f"Thôn {tag} Trên", own, "Đinh Văn Sơn"], 200),
        ("commune_cadre", own, [f"Thôn {tag} Dưới", PROVINCE, "Đinh Thị Nga"], 422),
    ):
        headers = {**bearer(platform, role, unit), "Accept": "text/html"}
        with httpx2.Client(base_url=platform.base_url, headers=headers, follow_redirects=True, timeout=60) as client:
            token = csrf_token(client.get("/can-bo/ban-cong-tac").text)
            files = {"file": ("b.xlsx", xlsx([header, row]))}
            done = client.post("/can-bo/ban-cong-tac/nhap", data={"csrf_token": token}, files=files)
            assert done.status_code == status, done.text
    assert "nằm ngoài phạm vi của bạn" in done.text  # the province, named by the commune's cadre
    assert _work(platform, own, f"Thôn {tag}") == [(f"Thôn {tag} Trên", "Đinh Văn Sơn", [], None)]
    assert owner_rows(platform, "select count(*) from work_committees where area = %s", f"Thôn {tag} Dưới") == [(0,)]
