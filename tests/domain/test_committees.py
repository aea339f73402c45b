"""A unit's committee by term (standing board first) and the residential-area work committees, through the API of a
running ``mattran up``: scope for every route (own unit, unit below, sibling, parent, citizen, anonymous) and
row-level security on ``work_committees`` and ``committee_terms`` in raw SQL; seats with their sectors and dates; the
term a held congress opens."""

from __future__ import annotations

import secrets
from typing import Any

import httpx2
import psycopg
import pytest

from mattran.scope import Scope
from mattran.store.db import Database
from tests.support.platform import Platform, bearer, owner_rows

PROVINCE = "15"


@pytest.fixture(scope="module")
def communes(platform: Platform) -> list[str]:
    """Two communes of Lào Cai that the other member tests leave alone."""
    rows = owner_rows(
        platform, "select code from units where parent_code = %s order by code offset 10 limit 2", PROVINCE
    )
    return [r[0] for r in rows]


def _call(platform: Platform, method: str, path: str, headers: dict[str, str], body: Any = None) -> httpx2.Response:
    return httpx2.request(method, f"{platform.base_url}{path}", headers=headers, json=body, timeout=60)


def _add(platform: Platform, unit: str, **fields: Any) -> dict[str, Any]:
    body = {"unit_code": unit, "full_name": f"Vũ Thị Ủy {secrets.token_hex(3).upper()}", **fields}
    response = _call(platform, "POST", "/api/members", bearer(platform, "province_cadre", PROVINCE), body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_committee_sheet_puts_the_standing_board_first(platform: Platform, communes: list[str]) -> None:
    own, sibling = communes
    term = "2024–2029"
    added = [
        _add(platform, own, position="Ủy viên", organisation="Hội Nông dân", term=term),
        _add(platform, own, position="Ủy viên", organisation="Công đoàn", term=term),
        _add(platform, own, position="Phó Chủ tịch", term=term),
        _add(platform, own, position="Chủ tịch", term=term),
        _add(platform, own, position="Ủy viên Ban Thường trực", organisation="Hội Cựu chiến binh", term=term),
        _add(platform, own, position="Ủy viên", term="2019-2024"),
    ]
    cadre = bearer(platform, "commune_cadre", own)
    sheet = _call(platform, "GET", f"/api/committees/{own}?term=2024-2029", cadre)
    assert sheet.status_code == 200, sheet.text
    body = sheet.json()
    assert (body["unit_code"], body["term"], body["size"], body["standing_board"]) == (own, term, 5, 3)
    assert [(s["position"], s["sector"]) for s in body["seats"]] == [
        ("Chủ tịch", None),
        ("Phó Chủ tịch", None),
        ("Ủy viên Ban Thường trực", "Hội Cựu chiến binh"),
        ("Ủy viên", "Công đoàn"),
        ("Ủy viên", "Hội Nông dân"),
    ]
    assert {s["member_id"] for s in body["seats"]} == {m["id"] for m in added[:5]}
    assert body["terms"] == ["2024–2029", "2019–2024"]
    older = _call(platform, "GET", f"/api/committees/{own}?term=2019-2024", cadre).json()
    assert [s["member_id"] for s in older["seats"]] == [added[5]["id"]]
    assert _call(platform, "GET", f"/api/committees/{own}?term=2024", cadre).status_code == 422
    # the province reads a commune below; the sibling, the parent unit, citizens and the anonymous are refused
    assert (
        _call(platform, "GET", f"/api/committees/{own}", bearer(platform, "province_cadre", PROVINCE)).status_code
        == 200
    )
    assert (
        _call(platform, "GET", f"/api/committees/{own}", bearer(platform, "commune_cadre", sibling)).status_code == 403
    )
    assert _call(platform, "GET", f"/api/committees/{PROVINCE}", cadre).status_code == 403
    assert _call(platform, "GET", f"/api/committees/{own}", bearer(platform, "citizen", None)).status_code == 403
    assert _call(platform, "GET", f"/api/committees/{own}", {"Accept": "application/json"}).status_code == 401


def test_work_committees_by_scope(platform: Platform, communes: list[str]) -> None:
    own, sibling = communes
    cadre, neighbour = bearer(platform, "commune_cadre", own), bearer(platform, "commune_cadre", sibling)
    province = bearer(platform, "province_cadre", PROVINCE)
    area = f"Thôn Nậm {secrets.token_hex(2).upper()}"
    made = _call(
        platform, "POST", "/api/work-committees", cadre, {"unit_code": own, "area": area, "head": "Lò Văn Hặc"}
    )
    assert made.status_code == 201, made.text
    record = made.json()
    assert (record["unit_code"], record["area"], record["head"], record["has_head"]) == (own, area, "Lò Văn Hặc", True)
    again = _call(platform, "POST", "/api/work-committees", cadre, {"unit_code": own, "area": area.upper()})
    assert again.status_code == 409
    # the province adds one below it; not at its own level (work committees are below a commune)
    headless = _call(platform, "POST", "/api/work-committees", province, {"unit_code": own, "area": f"Bản {area}"})
    assert headless.status_code == 201 and headless.json()["has_head"] is False
    assert (
        _call(platform, "POST", "/api/work-committees", province, {"unit_code": PROVINCE, "area": "X"}).status_code
        == 422
    )
    # a head chosen among the commune's members; a member of another commune refused
    member = _add(platform, own)
    stranger = _add(platform, sibling)
    chosen = _call(
        platform, "PATCH", f"/api/work-committees/{headless.json()['id']}", cadre, {"head_member_id": member["id"]}
    )
    assert chosen.status_code == 200 and chosen.json()["head"] == member["full_name"]
    refused = _call(
        platform, "PATCH", f"/api/work-committees/{headless.json()['id']}", cadre, {"head_member_id": stranger["id"]}
    )
    assert refused.status_code == 422
    changed = _call(
        platform,
        "PATCH",
        f"/api/work-committees/{record['id']}",
        cadre,
        {"households": 214, "members": ["A", " ", "B"]},
    )
    assert (changed.json()["households"], changed.json()["members"]) == (214, ["A", "B"])
    # lists: own unit, from the province, without a head
    listed = _call(platform, "GET", "/api/work-committees", cadre).json()
    assert {record["id"], headless.json()["id"]} <= {w["id"] for w in listed}
    assert {w["unit_code"] for w in listed} == {own}
    assert record["id"] in {
        w["id"] for w in _call(platform, "GET", f"/api/work-committees?unit={own}", province).json()
    }
    cleared = _call(platform, "PATCH", f"/api/work-committees/{record['id']}", cadre, {"head": None})
    assert cleared.json()["has_head"] is False
    no_head = _call(platform, "GET", "/api/work-committees?without_head=true", cadre).json()
    assert record["id"] in {w["id"] for w in no_head} and all(not w["has_head"] for w in no_head)
    # sibling, parent, citizen, anonymous refused
    assert _call(platform, "GET", f"/api/work-committees?unit={own}", neighbour).status_code == 403
    assert record["id"] not in {w["id"] for w in _call(platform, "GET", "/api/work-committees", neighbour).json()}
    assert (
        _call(platform, "PATCH", f"/api/work-committees/{record['id']}", neighbour, {"households": 1}).status_code
        == 404
    )
    assert (
        _call(platform, "POST", "/api/work-committees", neighbour, {"unit_code": own, "area": "Y"}).status_code == 403
    )
    assert _call(platform, "GET", f"/api/work-committees?unit={PROVINCE}", cadre).status_code == 403
    for headers, status in ((bearer(platform, "citizen", None), 403), ({"Accept": "application/json"}, 401)):
        assert _call(platform, "GET", "/api/work-committees", headers).status_code == status
        assert (
            _call(platform, "POST", "/api/work-committees", headers, {"unit_code": own, "area": "Z"}).status_code
            == status
        )
        assert _call(
            platform, "PATCH", f"/api/work-committees/{record['id']}", headers, {"households": 1}
        ).status_code == (status)


async def test_work_committees_row_level_security(platform: Platform, app_db: Database, communes: list[str]) -> None:
    own, sibling = communes
    area = f"Tổ dân phố {secrets.token_hex(2).upper()}"
    made = _call(platform, "POST", "/api/work-committees", bearer(platform, "commune_cadre", own), {"area": area})
    assert made.status_code == 201, made.text
    committee_id = made.json()["id"]
    query = "select id from work_committees where id = %s"
    for path, expected in (
        (f"vn.{PROVINCE}.{own}", True),
        (f"vn.{PROVINCE}", True),
        (f"vn.{PROVINCE}.{sibling}", False),
    ):
        async with app_db.transaction(Scope.of_unit(path)) as conn:
            assert bool(await (await conn.execute(query, (committee_id,))).fetchall()) is expected, path
    async with app_db.transaction(Scope.public()) as conn:
        assert not await (await conn.execute(query, (committee_id,))).fetchall()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(f"vn.{PROVINCE}.{sibling}")) as conn:
            await conn.execute("insert into work_committees (unit_code, area) values (%s, 'Lạ')", (own,))
    async with app_db.transaction(Scope.of_unit(f"vn.{PROVINCE}.{sibling}")) as conn:
        cur = await conn.execute("update work_committees set households = 1 where id = %s", (committee_id,))
        assert cur.rowcount == 0


def test_demo_work_committees_are_marked_synthetic(platform: Platform) -> None:
    headers = bearer(platform, "commune_cadre", "08611")  # Xã Văn Miếu, Phú Thọ: a demo commune
    listed = _call(platform, "GET", "/api/work-committees", headers).json()
    demo = [w for w in listed if w["synthetic"]]
    assert len(demo) == 4 and all("(dữ liệu mẫu)" in w["area"] for w in demo)
    assert [w["has_head"] for w in demo].count(False) == 1
    assert all(w["head"].endswith("(dữ liệu mẫu)") for w in demo if w["has_head"])
    assert owner_rows(
        platform,
        "select count(*) from work_committees w join units u on u.code = w.unit_code"
        " where w.synthetic and (u.province_code not in ('01', '25', '31', '46') or w.area not like %s)",
        "%(dữ liệu mẫu)",
    ) == [(0,)]


def test_recording_the_congress_held_opens_the_new_terms_roster_and_closes_the_old(platform: Platform) -> None:
    own, sibling = (
        r[0] for r in owner_rows(platform, "select code from units where parent_code = '15' offset 20 limit 2")
    )
    cadre = bearer(platform, "commune_cadre", own)
    old = "2019-2024"
    chair, vice, kept, leaving, other = (
        _add(platform, own, position=p, term=old, started_on="2019-05-20")
        for p in ("Chủ tịch", "Ủy viên Ban Thường trực", "Ủy viên", "Ủy viên", "Ủy viên")
    )
    body = {"term": "2024-2029", "re_elected": [kept["id"]]}
    assert _call(platform, "POST", f"/api/committees/{own}/terms", cadre, body).status_code == 409  # not held yet
    preparing = {"term": "2024-2029", "status": "dang_chuan_bi", "re_elected": [kept["id"]]}
    refused = _call(platform, "PUT", f"/api/congresses/{own}", cadre, preparing)
    assert refused.status_code == 422 and "tái cử" in refused.text
    # the congress recorded as held, with its elected chair and vice-chair (by name) and one more re-elected member
    held = {
        "term": "2024-2029",
        "status": "da_to_chuc",
        "held_date": "2024-06-15",
        "chair_name": chair["full_name"].upper(),
        "vice_chairs": [vice["full_name"]],
        "re_elected": [kept["id"]],
    }
    assert (
        _call(platform, "PUT", f"/api/congresses/{own}", bearer(platform, "commune_cadre", sibling), held).status_code
        == 403
    )
    saved = _call(platform, "PUT", f"/api/congresses/{own}", cadre, held)
    assert saved.status_code == 200, saved.text
    opened = saved.json()["term_opened"]
    assert (opened["term"], opened["previous_term"], opened["started_on"]) == ("2024–2029", "2019–2024", "2024-06-15")
    assert opened["carried_over"] == sorted([chair["id"], vice["id"], kept["id"]])
    assert opened["ended"] == sorted([leaving["id"], other["id"]])
    congress_id = opened["congress_id"]
    assert owner_rows(platform, "select unit_code, term from congresses where id = %s", congress_id) == [
        (own, "2024–2029")
    ]

    new = _call(platform, "GET", f"/api/committees/{own}?term=2024-2029", cadre).json()
    assert (new["started_on"], new["ended_on"], new["congress_id"]) == ("2024-06-15", None, congress_id)
    assert [(s["member_id"], s["position"], s["started_on"]) for s in new["seats"]] == [
        (chair["id"], "Chủ tịch", "2024-06-15"),
        (vice["id"], "Phó Chủ tịch", "2024-06-15"),  # elected vice-chair
        (kept["id"], "Ủy viên", "2024-06-15"),
    ]
    closed = _call(platform, "GET", f"/api/committees/{own}?term=2019-2024", cadre).json()
    assert closed["ended_on"] == "2024-06-15"
    page = httpx2.get(f"{platform.base_url}/can-bo/uy-ban/{own}?nhiem_ky=2019-2024", headers=cadre, timeout=60)
    assert "Nhiệm kỳ 2019–2024, kết thúc ngày 15/06/2024." in page.text
    assert {(s["member_id"], s["started_on"], s["ended_on"]) for s in closed["seats"]} == {
        (leaving["id"], "2019-05-20", "2024-06-15"),
        (other["id"], "2019-05-20", "2024-06-15"),
    }
    history = _call(platform, "GET", f"/api/members/{leaving['id']}/history", cadre).json()
    assert history[0]["action"] == "end" and history[0]["reason"].startswith("Hết nhiệm kỳ: Đại hội MTTQ")
    carried = _call(platform, "GET", f"/api/members/{vice['id']}/history", cadre).json()
    assert carried[0]["changes"] == {
        "term": ["2019–2024", "2024–2029"],
        "started_on": ["2019-05-20", "2024-06-15"],
        "position": ["Ủy viên Ban Thường trực", "Phó Chủ tịch"],
    }
    assert carried[0]["reason"].startswith("Tái cử: Đại hội MTTQ")

    # a later edit of the held congress opens nothing again
    later = _call(platform, "PUT", f"/api/congresses/{own}", cadre, {"term": "2024-2029", "notes": "Biên bản"})
    assert later.status_code == 200 and later.json()["term_opened"] is None
    # a member named re-elected afterwards (a correction) is carried over, his end by the congress undone
    stranger = _add(platform, sibling, term=old)
    wrong = {"term": "2024-2029", "re_elected": [leaving["id"], stranger["id"]]}
    assert _call(platform, "POST", f"/api/committees/{own}/terms", cadre, wrong).status_code == 422
    for headers, status in (
        (bearer(platform, "commune_cadre", sibling), 403),
        (bearer(platform, "citizen", None), 403),
        ({"Accept": "application/json"}, 401),
    ):
        assert _call(platform, "POST", f"/api/committees/{own}/terms", headers, body).status_code == status
    parent = _call(platform, "POST", f"/api/committees/{PROVINCE}/terms", cadre, {"term": "2024-2029"})
    assert parent.status_code == 403
    fixed = _call(platform, "POST", f"/api/committees/{own}/terms", cadre, {**wrong, "re_elected": [leaving["id"]]})
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["carried_over"], fixed.json()["ended"]) == ([leaving["id"]], [])
    assert owner_rows(platform, "select term, ended_on, end_reason from members where id = %s", leaving["id"]) == [
        ("2024–2029", None, None)
    ]
    # the sibling's member is untouched; a second opening ends no one else
    assert owner_rows(platform, "select ended_on from members where id = %s", stranger["id"]) == [(None,)]
    again = _call(platform, "POST", f"/api/committees/{own}/terms", cadre, {"term": "2024-2029"}).json()
    assert (again["carried_over"], again["ended"]) == ([], [])
    province = bearer(platform, "province_cadre", PROVINCE)  # the unit above opens it too
    above = _call(platform, "POST", f"/api/committees/{own}/terms", province, {"term": "2024-2029"})
    assert above.status_code == 200 and (above.json()["carried_over"], above.json()["ended"]) == ([], [])


async def test_committee_terms_row_level_security(platform: Platform, app_db: Database, communes: list[str]) -> None:
    own, sibling = communes
    term = "1990–1995"
    owner_rows(
        platform,
        "insert into committee_terms (unit_code, term, started_on) values (%s, %s, '1990-01-01')"
        " on conflict (unit_code, term) do nothing returning id",
        own,
        term,
    )
    query = "select started_on from committee_terms where unit_code = %s and term = %s"
    for path, expected in (
        (f"vn.{PROVINCE}.{own}", True),
        (f"vn.{PROVINCE}", True),
        (f"vn.{PROVINCE}.{sibling}", False),
    ):
        async with app_db.transaction(Scope.of_unit(path)) as conn:
            assert bool(await (await conn.execute(query, (own, term))).fetchall()) is expected, path
    async with app_db.transaction(Scope.public()) as conn:
        assert not await (await conn.execute(query, (own, term))).fetchall()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(f"vn.{PROVINCE}.{sibling}")) as conn:
            await conn.execute("insert into committee_terms (unit_code, term) values (%s, '1950–1955')", (own,))
    async with app_db.transaction(Scope.of_unit(f"vn.{PROVINCE}.{sibling}")) as conn:
        cur = await conn.execute(
            "update committee_terms set ended_on = '1999-01-01' where unit_code = %s and term = %s", (own, term)
        )
        assert cur.rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(f"vn.{PROVINCE}.{own}")) as conn:
            await conn.execute("delete from committee_terms where unit_code = %s", (own,))


def test_seats_with_sectors_and_dates_and_members_by_sector(platform: Platform) -> None:
    own = owner_rows(platform, "select code from units where parent_code = '15' order by code offset 22 limit 1")[0][0]
    cadre = bearer(platform, "commune_cadre", own)
    term = "2024-2029"
    seat = {"term": term, "started_on": "2024-06-15"}
    added = {
        key: _add(platform, own, **seat, **fields)
        for key, fields in {
            "business": {"position": "Ủy viên", "sector": "doanh nhan"},
            "priest": {"position": "Ủy viên", "sector": "Tôn giáo: Thiên Chúa giáo"},
            "khmer": {"position": "Ủy viên", "sector": "dân tộc Khmer"},
            "farmer": {"position": "Ủy viên", "organisation": "Hội Nông dân"},
            "chair": {"position": "Chủ tịch", "sector": "Cá nhân tiêu biểu"},
            "overseas": {"position": "Ủy viên", "sector": "Kiều bào", "organisation": "Hội Cựu chiến binh"},
        }.items()
    }
    assert (added["priest"]["sector"], added["priest"]["sector_detail"]) == ("religion", "Công giáo")
    assert (added["farmer"]["sector"], added["farmer"]["sector_text"]) == ("organisation", "Tổ chức thành viên")
    assert added["khmer"]["started_on"] == "2024-06-15"
    bad = _call(
        platform,
        "POST",
        "/api/members",
        bearer(platform, "province_cadre", PROVINCE),
        {"unit_code": own, "full_name": "Vũ Văn Lạ", "sector": "Hội đồng hương"},
    )
    assert bad.status_code == 422 and "Thành phần đại diện “Hội đồng hương” không hợp lệ" in bad.text
    sheet = _call(platform, "GET", f"/api/committees/{own}?term={term}", cadre).json()
    assert [(s["member_id"], s["sector"], s["sector_kind"]) for s in sheet["seats"]] == [
        (added["chair"]["id"], "Cá nhân tiêu biểu", "individual"),  # the standing board first
        (added["farmer"]["id"], "Hội Nông dân", "organisation"),  # then by sector: organisations first
        (added["priest"]["id"], "Tôn giáo: Công giáo", "religion"),
        (added["khmer"]["id"], "Dân tộc: Khmer", "ethnicity"),
        (added["business"]["id"], "Doanh nhân", "business"),
        (added["overseas"]["id"], "Người Việt Nam ở nước ngoài", "overseas"),
    ]
    assert all(s["started_on"] == "2024-06-15" for s in sheet["seats"])
    page = httpx2.get(f"{platform.base_url}/can-bo/uy-ban/{own}?nhiem_ky={term}", headers=cadre, timeout=60)
    assert page.status_code == 200 and page.text.index("Hội Nông dân") < page.text.index("Tôn giáo: Công giáo")

    # members searchable by sector; an edit of the sector is recorded in the history
    listed = _call(platform, "GET", f"/api/members?unit={own}&sector=religion", cadre).json()
    assert [m["id"] for m in listed] == [added["priest"]["id"]]
    assert _call(platform, "GET", f"/api/members?unit={own}&sector=nonsense", cadre).status_code == 422
    listing = httpx2.get(f"{platform.base_url}/can-bo/thanh-vien?unit={own}&sector=religion", headers=cadre, timeout=60)
    assert listing.status_code == 200 and added["priest"]["full_name"] in listing.text
    assert added["business"]["full_name"] not in listing.text and "1 thành viên" in listing.text
    counted = _call(platform, "GET", f"/api/members/count?unit={own}&sector=organisation", cadre).json()
    assert counted == {"count": 1}  # the farmer; the veteran represents overseas Vietnamese
    changed = _call(platform, "PATCH", f"/api/members/{added['business']['id']}", cadre, {"sector": "Khác: Trí thức"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["sector"], changed.json()["sector_detail"]) == ("other", "Trí thức")
    history = _call(platform, "GET", f"/api/members/{added['business']['id']}/history", cadre).json()
    assert history[0]["changes"] == {"sector": ["Doanh nhân", "Khác: Trí thức"]}
    no_org = _call(platform, "PATCH", f"/api/members/{added['chair']['id']}", cadre, {"sector": "Tổ chức thành viên"})
    assert no_org.status_code == 422 and "chưa ghi tên tổ chức" in no_org.text
