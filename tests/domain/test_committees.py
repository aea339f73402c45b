"""A unit's committee by term (standing board first) and the residential-area work committees, through the API of a
running ``mattran up``: scope for every route (own unit, unit below, sibling, parent, citizen, anonymous) and
row-level security on ``work_committees`` in raw SQL."""

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


def test_a_held_congress_opens_the_new_terms_roster_and_closes_the_old(platform: Platform) -> None:
    own, sibling = (
        r[0] for r in owner_rows(platform, "select code from units where parent_code = '15' offset 20 limit 2")
    )
    cadre = bearer(platform, "commune_cadre", own)
    chair, leaving, other = (
        _add(platform, own, position=p, term="2019-2024") for p in ("Chủ tịch", "Ủy viên", "Ủy viên")
    )
    body = {"term": "2024-2029", "re_elected": [chair["id"]]}
    assert _call(platform, "POST", f"/api/committees/{own}/terms", cadre, body).status_code == 409  # not held yet
    held = {"term": "2024-2029", "status": "da_to_chuc", "held_date": "2024-06-15", "chair_name": chair["full_name"]}
    assert _call(platform, "PUT", f"/api/congresses/{own}", cadre, held).status_code == 200
    stranger = _add(platform, sibling, term="2019-2024")
    wrong = {"term": "2024-2029", "re_elected": [chair["id"], stranger["id"]]}
    assert _call(platform, "POST", f"/api/committees/{own}/terms", cadre, wrong).status_code == 422
    for headers, status in (
        (bearer(platform, "commune_cadre", sibling), 403),
        (bearer(platform, "citizen", None), 403),
        ({"Accept": "application/json"}, 401),
    ):
        assert _call(platform, "POST", f"/api/committees/{own}/terms", headers, body).status_code == status

    opened = _call(platform, "POST", f"/api/committees/{own}/terms", cadre, body)
    assert opened.status_code == 200, opened.text
    result = opened.json()
    assert (result["previous_term"], result["carried_over"]) == ("2019–2024", [chair["id"]])
    assert result["ended"] == sorted([leaving["id"], other["id"]])
    assert [s["member_id"] for s in result["committee"]["seats"]] == [chair["id"]]
    old = _call(platform, "GET", f"/api/committees/{own}?term=2019-2024", cadre).json()
    assert {(s["member_id"], s["ended_on"]) for s in old["seats"]} == {
        (leaving["id"], "2024-06-15"),
        (other["id"], "2024-06-15"),
    }
    history = _call(platform, "GET", f"/api/members/{leaving['id']}/history", cadre).json()
    assert history[0]["action"] == "end" and history[0]["reason"].startswith("Hết nhiệm kỳ: Đại hội MTTQ")
    carried = _call(platform, "GET", f"/api/members/{chair['id']}/history", cadre).json()
    assert carried[0]["changes"] == {"term": ["2019–2024", "2024–2029"]} and carried[0]["reason"].startswith("Tái cử")
    # the sibling's member and the register elsewhere are untouched; a second opening ends no one else
    assert owner_rows(platform, "select ended_on from members where id = %s", stranger["id"]) == [(None,)]
    again = _call(platform, "POST", f"/api/committees/{own}/terms", cadre, {"term": "2024-2029"}).json()
    assert (again["carried_over"], again["ended"]) == ([], [])
