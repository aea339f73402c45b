"""Congresses on a running ``mattran up``: updates with history, rules, permissions, RLS, form, dashboard."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import httpx2
import psycopg
import pytest

from mattran.domain.congress import today_in_vietnam
from mattran.scope import Scope
from mattran.store.db import Database
from tests.support.checks import csrf_token, found
from tests.support.platform import Platform, bearer, owner_rows

LAO_CAI, BAO_HA, LAO_CAI_WARD = "15", "02989", "02647"  # no demo data in Lào Cai
VAN_MIEU, VIET_TRI = "08611", "07900"
TERM = "2024–2029"


def put(platform: Platform, role: str, unit: str, code: str, body: dict[str, Any]) -> httpx2.Response:
    """PUT /api/congresses/{code} as a cadre of ``unit``."""
    return httpx2.put(
        f"{platform.base_url}/api/congresses/{code}", headers=bearer(platform, role, unit), json={"term": TERM, **body}
    )


def history(platform: Platform, code: str) -> list[tuple[Any, ...]]:
    """(actor, actor name, roles, changes) of a unit's congress, oldest first, as stored."""
    return owner_rows(
        platform,
        "select h.actor, h.actor_name, h.roles, h.changes from congress_history h"
        " join congresses c on c.id = h.congress_id where c.unit_code = %s and c.term = %s"
        " order by h.id",
        code,
        TERM,
    )


def test_each_update_appends_who_changed_what(platform: Platform) -> None:
    first = put(
        platform,
        "commune_cadre",
        BAO_HA,
        BAO_HA,
        {"status": "dang_chuan_bi", "planned_date": "2024-05-10", "delegates_planned": 120},
    )
    assert first.status_code == 200, first.text
    assert (first.json()["status_label"], first.json()["overdue"]) == ("Đang chuẩn bị", True)
    second = put(
        platform,
        "province_cadre",
        LAO_CAI,
        BAO_HA,
        {
            "status": "da_to_chuc",
            "held_date": "2024-05-20",
            "delegates_attending": 115,
            "vice_chairs": ["  Lò Văn   Phó ", ""],
            "documents": [{"title": "Nghị quyết Đại hội"}],
        },
    )
    assert second.status_code == 200, second.text
    body = second.json()
    assert (body["held"], body["held_late"], body["vice_chairs"], body["planned_date"]) == (
        True,
        True,
        ["Lò Văn Phó"],
        "2024-05-10",
    )  # fields left out are kept
    unchanged = put(platform, "province_cadre", LAO_CAI, BAO_HA, {"delegates_attending": 115})
    assert unchanged.status_code == 200

    rows = history(platform, BAO_HA)
    assert len(rows) == 2  # the call that changed nothing wrote no history
    (actor1, name1, roles1, changes1), (actor2, _, roles2, changes2) = rows
    assert (actor1, name1, roles1) == (f"thu-commune_cadre-{BAO_HA}", "Thử commune_cadre", ["commune_cadre"])
    assert changes1 == {
        "status": ["chua_trien_khai", "dang_chuan_bi"],
        "planned_date": [None, "2024-05-10"],
        "delegates_planned": [None, 120],
    }
    assert (actor2, roles2) == (f"thu-province_cadre-{LAO_CAI}", ["province_cadre"])
    assert changes2["status"] == ["dang_chuan_bi", "da_to_chuc"]
    assert changes2["documents"] == [[], [{"title": "Nghị quyết Đại hội", "url": None}]]

    record = httpx2.get(
        f"{platform.base_url}/api/congresses/{BAO_HA}",
        params={"term": TERM},
        headers=bearer(platform, "commune_cadre", BAO_HA),
    ).json()
    assert [h["actor"] for h in record["history"]] == [actor2, actor1]  # newest first


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"status": "da_to_chuc"},
            "held_date",
            "Cần ghi ngày tổ chức khi trạng thái là “đã tổ chức” hoặc “hoàn thành”.",
        ),
        (
            {"status": "dang_chuan_bi", "held_date": "2024-05-01"},
            "held_date",
            "Chỉ ghi ngày tổ chức khi đại hội đã tổ chức (trạng thái “đã tổ chức” hoặc “hoàn thành”).",
        ),
        (
            {"status": "da_to_chuc", "held_date": (today_in_vietnam() + timedelta(days=2)).isoformat()},
            "held_date",
            "không thể sau hôm nay",
        ),
        (
            {"status": "da_to_chuc", "held_date": "2024-05-01", "delegates_planned": 100, "delegates_attending": 101},
            "delegates_attending",
            "Số đại biểu có mặt (101) không thể nhiều hơn số đại biểu được triệu tập (100).",
        ),
        ({"status": "hoan_thanh", "held_date": "2024-05-01"}, "chair_name", "cần ghi Chủ tịch được bầu"),
        ({"planned_date": "2031-01-01"}, "planned_date", "nằm ngoài nhiệm kỳ 2024–2029"),
        ({"status": "chua_trien_khai", "chair_name": "Ai Đó"}, "chair_name", "khi đại hội đã tổ chức"),
    ],
)
def test_inconsistent_updates_are_refused_and_leave_no_trace(
    platform: Platform, body: dict[str, Any], field: str, message: str
) -> None:
    before = history(platform, LAO_CAI_WARD)
    response = put(platform, "commune_cadre", LAO_CAI_WARD, LAO_CAI_WARD, body)
    assert response.status_code == 422
    assert message in response.json()["detail"]["errors"][field]
    assert history(platform, LAO_CAI_WARD) == before


@pytest.mark.parametrize(
    ("role", "unit", "target", "status"),
    [
        ("commune_cadre", VAN_MIEU, VIET_TRI, 403),
        ("commune_cadre", VAN_MIEU, "25", 403),
        ("province_cadre", "01", VAN_MIEU, 403),
        ("citizen", None, VAN_MIEU, 403),
        ("admin", "TW", VAN_MIEU, 403),
        ("commune_cadre", VAN_MIEU, "99999", 404),
    ],
)
def test_updates_outside_the_scope_are_refused(
    platform: Platform, role: str, unit: str | None, target: str, status: int
) -> None:
    before = history(platform, target)
    assert put(platform, role, unit or "", target, {"notes": "thử quyền"}).status_code == status
    read = httpx2.get(f"{platform.base_url}/api/congresses/{target}", headers=bearer(platform, role, unit))
    assert read.status_code == status
    assert history(platform, target) == before
    anonymous = httpx2.put(
        f"{platform.base_url}/api/congresses/{VAN_MIEU}", json={"notes": "x"}, headers={"Accept": "application/json"}
    )
    assert anonymous.status_code == 401


def test_history_is_append_only_even_for_the_owner(platform: Platform) -> None:
    with psycopg.connect(platform.owner_uri()) as conn:
        for statement in (
            "update congress_history set actor = 'giả mạo'",
            "delete from congress_history",
            "truncate congress_history",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"), conn.transaction():
                conn.execute(statement)


async def test_row_level_security_hides_other_units_congresses_and_history(app_db: Database) -> None:
    async with app_db.transaction(Scope.of_unit(f"vn.25.{VAN_MIEU}")) as conn:
        cur = await conn.execute("select unit_code from congresses union select unit_code from congress_history")
        assert {r["unit_code"] for r in await cur.fetchall()} == {VAN_MIEU}
        cur = await conn.execute("update congresses set notes = 'x' where unit_code = %s", (VIET_TRI,))
        assert cur.rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(f"vn.25.{VAN_MIEU}")) as conn:
            await conn.execute("insert into congresses (unit_code, term) values (%s, '2029–2034')", (VIET_TRI,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.everything()) as conn:
            await conn.execute("delete from congress_history")


def _progress_expected(platform: Platform, root: str, today: date) -> dict[str, int]:
    rows = owner_rows(
        platform,
        "select c.status, c.planned_date, c.held_date from units u"
        " left join congresses c on c.unit_code = u.code and c.term = %s"
        " where u.path <@ (select path from units where code = %s)",
        TERM,
        root,
    )
    held = [r for r in rows if r[0] in ("da_to_chuc", "hoan_thanh")]
    return {
        "total": len(rows),
        "held": len(held),
        "overdue": sum(1 for r in rows if r not in held and r[1] is not None and r[1] < today),
        "held_late": sum(1 for r in held if r[1] and r[2] and r[2] > r[1]),
        "preparing": sum(1 for r in rows if r[0] == "dang_chuan_bi"),
    }


def test_progress_numbers_match_the_records(platform: Platform) -> None:
    today = today_in_vietnam()
    central = httpx2.get(
        f"{platform.base_url}/api/congresses/progress",
        params={"term": TERM},
        headers=bearer(platform, "central_cadre", "TW"),
    ).json()
    for root, summary in [("TW", central["summary"]), *[(g["key"], g) for g in central["by_province"]]]:
        expected = _progress_expected(platform, root, today)
        assert {k: summary[k] for k in expected} == expected, root
    assert len(central["by_province"]) == 34 and central["units"] == []
    assert [g["label"] for g in central["by_level"]] == ["Trung ương", "Cấp tỉnh", "Cấp xã"]
    assert [g["total"] for g in central["by_level"]] == [1, 34, 3321]
    phu_tho = next(g for g in central["by_province"] if g["key"] == "25")
    assert phu_tho["held"] > 0 and phu_tho["share"] == pytest.approx(phu_tho["held"] / phu_tho["total"])

    province = httpx2.get(
        f"{platform.base_url}/api/congresses/progress", headers=bearer(platform, "province_cadre", "25")
    ).json()
    assert {k: province["summary"][k] for k in ("total", "held", "overdue")} == {
        k: phu_tho[k] for k in ("total", "held", "overdue")
    }
    assert len(province["units"]) == 149 and province["by_province"] == []
    assert sum(s["count"] for s in province["by_status"]) == 149
    forbidden = httpx2.get(
        f"{platform.base_url}/api/congresses/progress",
        params={"unit": "01"},
        headers=bearer(platform, "province_cadre", "25"),
    )
    assert forbidden.status_code == 403


def test_dashboard_page_shows_the_same_numbers_in_vietnamese(platform: Platform) -> None:
    headers = {**bearer(platform, "central_cadre", "TW"), "Accept": "text/html"}
    progress = httpx2.get(f"{platform.base_url}/api/congresses/progress", params={"unit": "25"}, headers=headers).json()
    page = httpx2.get(f"{platform.base_url}/can-bo/dai-hoi", params={"tinh": "25"}, headers=headers).text
    share = f"{progress['summary']['share'] * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",") + "%"
    assert found(r'id="held-share">([^<]+)<', page) == share
    assert found(r'id="overdue">([^<]+)<', page) == str(progress["summary"]["overdue"])
    assert page.count('<a href="/can-bo/dai-hoi/') == 149 and "<script" not in page
    country = httpx2.get(f"{platform.base_url}/can-bo/dai-hoi", headers=headers).text
    assert len(re.findall(r'<option value="\d\d"', country)) == 34
    assert "Tỷ lệ đơn vị đã tổ chức đại hội theo tỉnh, thành phố" in country


def test_the_form_needs_its_csrf_token_and_records_the_change(platform: Platform) -> None:
    headers = {**bearer(platform, "commune_cadre", LAO_CAI_WARD), "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers) as client:
        page = client.get(f"/can-bo/dai-hoi/{LAO_CAI_WARD}", params={"nhiem_ky": TERM})
        token = csrf_token(page.text)
        form = {
            "term": TERM,
            "status": "hoan_thanh",
            "planned_date": "2024-06-01",
            "held_date": "05/06/2024",
            "delegates_planned": "100",
            "delegates_attending": "97",
            "committee_size": "31",
            "chair_name": "Giàng A Chủ",
            "vice_chairs": "Lò Thị Một\r\nLò Văn Hai",
            "notes": "",
            "documents": "Báo cáo chính trị | https://example.com/bao-cao.pdf\r\nDanh sách ủy viên",
        }
        assert client.post(f"/can-bo/dai-hoi/{LAO_CAI_WARD}", data=form).status_code == 403  # no token
        wrong = client.post(
            f"/can-bo/dai-hoi/{LAO_CAI_WARD}", data={**form, "csrf_token": token, "delegates_attending": "120"}
        )
        assert wrong.status_code == 422 and "không thể nhiều hơn số đại biểu được triệu tập" in wrong.text
        assert 'value="Giàng A Chủ"' in wrong.text  # what was typed is kept
        saved = client.post(f"/can-bo/dai-hoi/{LAO_CAI_WARD}", data={**form, "csrf_token": token})
        assert saved.status_code == 303
        shown = client.get(saved.headers["location"])
    assert "Đã lưu thay đổi." in shown.text and "Trạng thái: Chưa triển khai → Hoàn thành" in shown.text
    [(actor, _name, _roles, changes)] = history(platform, LAO_CAI_WARD)
    assert actor == f"thu-commune_cadre-{LAO_CAI_WARD}"
    assert changes["held_date"] == [None, "2024-06-05"] and changes["vice_chairs"] == [[], ["Lò Thị Một", "Lò Văn Hai"]]
    assert changes["documents"][1] == [
        {"title": "Báo cáo chính trị", "url": "https://example.com/bao-cao.pdf"},
        {"title": "Danh sách ủy viên", "url": None},
    ]
