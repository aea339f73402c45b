"""The members register kept up to date, through the API of a running ``mattran up``: member organisations, edits,
ends, moves, the history, deletion as an audited administrator's correction, possible duplicates; scope for every
route (own unit, unit below, sibling, parent, citizen, anonymous) and row-level security in raw SQL."""

from __future__ import annotations

import secrets
from typing import Any

import httpx2
import psycopg
import pytest

from mattran.scope import Scope
from mattran.store.db import Database
from tests.support.files import table_file
from tests.support.platform import Platform, bearer, owner_rows

PROVINCE = "15"  # Lào Cai: no demo data


@pytest.fixture(scope="module")
def communes(platform: Platform) -> list[str]:
    """Three communes of the province that the other member tests leave alone."""
    rows = owner_rows(
        platform,
        "select code from units where parent_code = %s and code not in ('02989', '02647') order by code limit 3",
        PROVINCE,
    )
    return [r[0] for r in rows]


def _call(platform: Platform, method: str, path: str, headers: dict[str, str], body: Any = None) -> httpx2.Response:
    return httpx2.request(method, f"{platform.base_url}{path}", headers=headers, json=body, timeout=60)


def _who(platform: Platform, role: str, unit: str | None) -> dict[str, str]:
    return bearer(platform, role, unit)


def _anonymous() -> dict[str, str]:
    return {"Accept": "application/json"}


def _unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(3).upper()}"


def _add_member(platform: Platform, headers: dict[str, str], unit: str, **fields: Any) -> dict[str, Any]:
    body = {"unit_code": unit, "full_name": _unique("Nguyễn Thị Thử"), "gender": "nu", "birth_year": 1980, **fields}
    response = _call(platform, "POST", "/api/members", headers, body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_organisations_by_scope_with_roll_up(platform: Platform, communes: list[str]) -> None:
    own, sibling, _ = communes
    province = _who(platform, "province_cadre", PROVINCE)
    cadre, neighbour = _who(platform, "commune_cadre", own), _who(platform, "commune_cadre", sibling)
    name = _unique("Hội Sinh vật cảnh")

    made = _call(platform, "POST", "/api/organisations", cadre, {"unit_code": own, "name": name, "kind": "social"})
    assert made.status_code == 201, made.text
    local = made.json()
    assert (local["unit_code"], local["name"], local["kind"], local["status"]) == (own, name, "social", "active")
    assert local["parent_id"] is None  # nothing of that name above yet

    # the province's organisation of the same name (written without diacritics) becomes the commune's roll-up
    above = _call(
        platform, "POST", "/api/organisations", province, {"unit_code": PROVINCE, "name": name, "kind": "social"}
    )
    assert above.status_code == 201, above.text
    listed = _call(platform, "GET", f"/api/organisations?unit={own}", province).json()
    assert [o["parent_id"] for o in listed if o["id"] == local["id"]] == [above.json()["id"]]
    # one below the province, from its own unit: the unit below is within scope
    below = _call(platform, "POST", "/api/organisations", province, {"unit_code": sibling, "name": name})
    assert below.status_code == 201 and below.json()["parent_id"] == above.json()["id"]
    assert below.json()["kind"] == "other"

    # own unit: listed, with contacts readable; duplicates refused; a wrong kind refused
    listed = _call(platform, "GET", "/api/organisations", cadre).json()
    assert [o["name"] for o in listed if o["id"] == local["id"]] == [name]
    assert {o["unit_code"] for o in listed} == {own}
    again = _call(platform, "POST", "/api/organisations", cadre, {"unit_code": own, "name": name.upper()})
    assert again.status_code == 409
    wrong = _call(platform, "POST", "/api/organisations", cadre, {"unit_code": own, "name": "X", "kind": "party"})
    assert wrong.status_code == 422

    # sibling and parent refused; the sibling does not even see the record
    assert _call(platform, "POST", "/api/organisations", neighbour, {"unit_code": own, "name": "Y"}).status_code == 403
    assert _call(platform, "POST", "/api/organisations", cadre, {"unit_code": PROVINCE, "name": "Y"}).status_code == 403
    assert _call(platform, "GET", f"/api/organisations?unit={PROVINCE}", cadre).status_code == 403
    assert _call(platform, "GET", f"/api/organisations?unit={own}", neighbour).status_code == 403
    assert (
        _call(platform, "PATCH", f"/api/organisations/{local['id']}", neighbour, {"kind": "other"}).status_code == 404
    )
    assert _call(platform, "DELETE", f"/api/organisations/{above.json()['id']}", cadre).status_code == 404
    for headers, status in ((_who(platform, "citizen", None), 403), (_anonymous(), 401)):
        assert _call(platform, "GET", "/api/organisations", headers).status_code == status
        assert _call(platform, "POST", "/api/organisations", headers, {"unit_code": own, "name": "Z"}).status_code == (
            status
        )
        assert _call(
            platform, "PATCH", f"/api/organisations/{local['id']}", headers, {"kind": "other"}
        ).status_code == (status)
        assert _call(platform, "DELETE", f"/api/organisations/{local['id']}", headers).status_code == status

    # contacts: stored encrypted, shown to the cadre; a rename reaches the members' records
    changed = _call(
        platform,
        "PATCH",
        f"/api/organisations/{local['id']}",
        cadre,
        {"phone": "+84 912 345 678", "email": "hoi@Example.VN", "contact_name": "Chị Thử", "status": "inactive"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["phone"], changed.json()["email"], changed.json()["status"]) == (
        "0912345678",
        "hoi@example.vn",
        "inactive",
    )
    stored = owner_rows(platform, "select phone_enc, email_enc from organisations where id = %s", local["id"])[0]
    assert b"0912345678" not in stored[0] and b"example" not in stored[1]
    member = _add_member(platform, cadre, own, organisation=name.lower())
    assert member["organisation_id"] == local["id"] and member["organisation"] == name
    # the province counts the commune's member in its roll-up (until the commune's organisation takes another name)
    rolled = [o for o in _call(platform, "GET", "/api/organisations", province).json() if o["id"] == above.json()["id"]]
    assert (rolled[0]["members"], rolled[0]["members_rolled_up"]) == (0, 1)
    renamed = _call(platform, "PATCH", f"/api/organisations/{local['id']}", cadre, {"name": name + " mới"})
    assert renamed.json()["name"] == name + " mới" and renamed.json()["members"] == 1
    assert _call(platform, "GET", f"/api/members/{member['id']}", cadre).json()["organisation"] == name + " mới"
    assert renamed.json()["parent_id"] is None

    # a member's organisation cannot be deleted; an unused one can
    assert _call(platform, "DELETE", f"/api/organisations/{local['id']}", cadre).status_code == 409
    assert _call(platform, "DELETE", f"/api/organisations/{below.json()['id']}", province).status_code == 204
    assert not owner_rows(platform, "select 1 from organisations where id = %s", below.json()["id"])


def test_member_organisation_is_a_reference_to_its_units_record(platform: Platform, communes: list[str]) -> None:
    own = communes[0]
    cadre = _who(platform, "commune_cadre", own)
    member = _add_member(platform, cadre, own, organisation="hoi nong dan")
    assert member["organisation"] == "Hội Nông dân"
    row = owner_rows(
        platform,
        "select o.unit_code, o.name, o.kind from members m join organisations o on o.id = m.organisation_id"
        " where m.id = %s",
        member["id"],
    )
    assert row == [(own, "Hội Nông dân", "political_social")]
    # every member with an organisation's name (the demo's and other tests' included) refers to its unit's record
    assert owner_rows(
        platform,
        "select count(*) from members m left join organisations o on o.id = m.organisation_id"
        " where m.organisation is not null and (o.unit_code is distinct from m.unit_code or o.name <> m.organisation)",
    ) == [(0,)]
    # the text written another way finds the same record; an id of another unit's organisation is refused
    other = _add_member(platform, cadre, own, organisation="Hội ND")
    assert other["organisation_id"] == member["organisation_id"]
    foreign = owner_rows(platform, "select id from organisations where unit_code <> %s limit 1", own)[0][0]
    refused = _call(platform, "PATCH", f"/api/members/{member['id']}", cadre, {"organisation_id": foreign})
    assert refused.status_code == 422
    assert "organisation_id" in refused.json()["detail"]["errors"]


def test_edit_end_move_each_recorded_in_the_history(platform: Platform, communes: list[str]) -> None:
    own, _, third = communes
    province = _who(platform, "province_cadre", PROVINCE)
    cadre, neighbour, receiving = (_who(platform, "commune_cadre", c) for c in communes)
    member = _add_member(platform, cadre, own, position="Ủy viên", phone="0912000111")

    edited = _call(
        platform, "PATCH", f"/api/members/{member['id']}", cadre, {"position": "Phó Chủ tịch", "phone": None}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["position"], edited.json()["phone"]) == ("Phó Chủ tịch", None)
    bad = _call(platform, "PATCH", f"/api/members/{member['id']}", cadre, {"birth_year": 1850, "full_name": "  "})
    assert bad.status_code == 422 and set(bad.json()["detail"]["errors"]) == {"birth_year", "full_name"}
    # the unit above edits; the sibling and the anonymous cannot
    assert _call(platform, "PATCH", f"/api/members/{member['id']}", province, {"term": "2024-2029"}).status_code == 200
    assert _call(platform, "PATCH", f"/api/members/{member['id']}", neighbour, {"term": None}).status_code == 404
    assert _call(platform, "PATCH", f"/api/members/{member['id']}", _anonymous(), {"term": None}).status_code == 401
    citizen = _who(platform, "citizen", None)
    assert _call(platform, "PATCH", f"/api/members/{member['id']}", citizen, {"term": None}).status_code == 403

    history = _call(platform, "GET", f"/api/members/{member['id']}/history", cadre).json()
    assert [h["action"] for h in history] == ["edit", "edit"]
    assert history[1]["changes"] == {"position": ["Ủy viên", "Phó Chủ tịch"], "phone": ["091****111", None]}
    assert history[1]["actor"] == f"thu-commune_cadre-{own}" and history[0]["actor"] == f"thu-province_cadre-{PROVINCE}"
    assert history[0]["changes"] == {"term": [None, "2024–2029"]}

    # end: kept, marked ended, off the register, the reason in the history; not twice
    ended = _call(
        platform, "POST", f"/api/members/{member['id']}/end", cadre, {"reason": "deceased", "date": "2026-01-15"}
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["ended_on"], ended.json()["end_reason"]) == ("2026-01-15", "deceased")
    listed = _call(platform, "GET", f"/api/members?unit={own}", cadre).json()
    assert member["id"] not in {m["id"] for m in listed}
    assert _call(platform, "GET", f"/api/members/{member['id']}", cadre).json()["ended_on"] == "2026-01-15"
    latest = _call(platform, "GET", f"/api/members/{member['id']}/history", cadre).json()[0]
    assert (latest["action"], latest["reason"]) == ("end", "Từ trần")
    again = _call(platform, "POST", f"/api/members/{member['id']}/end", cadre, {"reason": "left", "date": "2026-01-16"})
    assert again.status_code == 409
    future = _add_member(platform, cadre, own)
    late = _call(platform, "POST", f"/api/members/{future['id']}/end", cadre, {"reason": "left", "date": "2999-01-01"})
    assert late.status_code == 422
    for headers, status in ((neighbour, 404), (citizen, 403), (_anonymous(), 401)):
        body = {"reason": "left", "date": "2026-01-01"}
        assert _call(platform, "POST", f"/api/members/{future['id']}/end", headers, body).status_code == status

    # move: the commune cannot move to a sibling (outside its scope); the province can; both units read the history
    mover = _add_member(platform, cadre, own, organisation="Hội Cựu chiến binh")
    body = {"unit_code": third, "date": "2026-02-01"}
    assert _call(platform, "POST", f"/api/members/{mover['id']}/move", cadre, body).status_code == 403
    assert _call(platform, "POST", f"/api/members/{mover['id']}/move", neighbour, body).status_code == 403
    moved = _call(platform, "POST", f"/api/members/{mover['id']}/move", province, body)
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit_code"] == third and moved.json()["organisation"] == "Hội Cựu chiến binh"
    assert moved.json()["organisation_id"] != mover["organisation_id"]  # the new unit's organisation of that name
    for headers in (cadre, receiving, province):
        seen = _call(platform, "GET", f"/api/members/{mover['id']}/history", headers)
        assert seen.status_code == 200
        assert seen.json()[0]["action"] == "move" and seen.json()[0]["changes"]["unit_code"] == [own, third]
    assert _call(platform, "GET", f"/api/members/{mover['id']}/history", neighbour).status_code == 404
    assert _call(platform, "GET", f"/api/members/{mover['id']}/history", _anonymous()).status_code == 401
    assert _call(platform, "GET", f"/api/members/{mover['id']}/history", citizen).status_code == 403
    # the old unit's cadre no longer edits the member; the new unit's does
    assert _call(platform, "PATCH", f"/api/members/{mover['id']}", cadre, {"term": None}).status_code == 404
    assert (
        _call(platform, "PATCH", f"/api/members/{mover['id']}", receiving, {"position": "Ủy viên"}).status_code == 200
    )


def test_delete_only_as_an_audited_administrators_correction(platform: Platform, communes: list[str]) -> None:
    own = communes[0]
    cadre = _who(platform, "commune_cadre", own)
    member = _add_member(platform, cadre, own)
    body = {"reason": "Nhập nhầm hai lần"}
    assert _call(platform, "DELETE", f"/api/members/{member['id']}", cadre, body).status_code == 403
    assert _call(platform, "DELETE", f"/api/members/{member['id']}", _anonymous(), body).status_code == 401
    token = platform.mint(
        {"sub": "thu-quan-tri", "name": "Quản trị", "roles": ["admin", "central_cadre"], "unit": "TW"}
    )
    admin = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    assert _call(platform, "DELETE", f"/api/members/{member['id']}", admin, {"reason": " "}).status_code == 422
    assert owner_rows(platform, "select 1 from members where id = %s", member["id"])
    deleted = _call(platform, "DELETE", f"/api/members/{member['id']}", admin, body)
    assert deleted.status_code == 204, deleted.text
    assert not owner_rows(platform, "select 1 from members where id = %s", member["id"])
    audited = owner_rows(
        platform,
        "select actor, outcome from audit_log where action = 'member.delete' and target = %s",
        str(member["id"]),
    )
    assert audited == [("thu-quan-tri", "allowed")]
    history = _call(platform, "GET", f"/api/members/{member['id']}/history", cadre).json()
    assert (history[0]["action"], history[0]["reason"]) == ("delete", "Nhập nhầm hai lần")


def test_possible_duplicates_across_units(platform: Platform, communes: list[str]) -> None:
    own, sibling, _ = communes
    province = _who(platform, "province_cadre", PROVINCE)
    name = _unique("Trần Văn Trùng")
    first = _add_member(platform, province, own, full_name=name, birth_year=1970, organisation="Hội Nông dân")
    second = _add_member(platform, province, sibling, full_name=name.lower(), birth_year=1970, organisation="HND")
    pairs = _call(platform, "GET", f"/api/members/duplicates?unit={PROVINCE}", province).json()
    mine = [p for p in pairs if {p["first"]["id"], p["second"]["id"]} == {first["id"], second["id"]}]
    assert [p["reason"] for p in mine] == ["name"]
    # a commune cadre sees only its own unit: no pair across units
    cadre = _who(platform, "commune_cadre", own)
    assert not [
        p for p in _call(platform, "GET", "/api/members/duplicates", cadre).json() if p["first"]["id"] == first["id"]
    ]
    dismissal = {"first_id": second["id"], "second_id": first["id"]}
    assert _call(platform, "POST", "/api/members/duplicates/dismiss", cadre, dismissal).status_code == 404
    assert _call(platform, "POST", "/api/members/duplicates/dismiss", province, dismissal).status_code == 204
    pairs = _call(platform, "GET", f"/api/members/duplicates?unit={PROVINCE}", province).json()
    assert not [p for p in pairs if p["first"]["id"] in (first["id"], second["id"])]


async def test_row_level_security_in_raw_sql(platform: Platform, app_db: Database, communes: list[str]) -> None:
    own, sibling, _ = communes
    cadre = _who(platform, "commune_cadre", own)
    member = _add_member(platform, cadre, own, organisation=_unique("Hội Khuyến học"))
    _call(platform, "PATCH", f"/api/members/{member['id']}", cadre, {"position": "Ủy viên"})
    own_path, sibling_path = (f"vn.{PROVINCE}.{c}" for c in (own, sibling))
    queries = {
        "organisations": "select id from organisations where id = %s",
        "member_history": "select id from member_history where member_id = %s",
        "member_units": "select member_id from member_units where member_id = %s",
    }
    target = {"organisations": member["organisation_id"], "member_history": member["id"], "member_units": member["id"]}
    for table, query in queries.items():
        for path, expected in ((own_path, True), (f"vn.{PROVINCE}", True), (sibling_path, False), ("vn.25", False)):
            async with app_db.transaction(Scope.of_unit(path)) as conn:
                rows = await (await conn.execute(query, (target[table],))).fetchall()
            assert bool(rows) is expected, (table, path)
        async with app_db.transaction(Scope.public()) as conn:
            assert not await (await conn.execute(query, (target[table],))).fetchall()
    # writes outside the scope are refused, the history cannot be changed, a member is not deleted without an audit
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(sibling_path)) as conn:
            await conn.execute("insert into organisations (unit_code, name) values (%s, 'Lạ')", (own,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(sibling_path)) as conn:
            await conn.execute(
                "insert into member_history (member_id, unit_code, action, changes) values (%s, %s, 'edit', '{}')",
                (member["id"], own),
            )
    async with app_db.transaction(Scope.of_unit(sibling_path)) as conn:
        cur = await conn.execute("update organisations set name = 'Đã sửa' where id = %s", (member["organisation_id"],))
        assert cur.rowcount == 0
    for statement in ("update member_history set reason = 'x' where member_id = %s", "delete from member_history"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            async with app_db.transaction(Scope.of_unit(own_path)) as conn:
                await conn.execute(statement, (member["id"],) if "%s" in statement else ())
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with app_db.transaction(Scope.of_unit(own_path)) as conn:
            await conn.execute("delete from members where id = %s", (member["id"],))
    assert owner_rows(platform, "select 1 from members where id = %s", member["id"])


def test_import_takes_an_organisation_by_name_or_by_its_record(platform: Platform, communes: list[str]) -> None:
    own, sibling, _ = communes
    province = _who(platform, "province_cadre", PROVINCE)
    made = _call(platform, "POST", "/api/organisations", province, {"unit_code": own, "name": _unique("Hội Người mù")})
    theirs = _call(platform, "POST", "/api/organisations", province, {"unit_code": sibling, "name": _unique("Hội Y")})
    organisation, foreign = made.json(), theirs.json()
    names = [_unique("Lê Văn Nhập") for _ in range(4)]
    rows = [
        {"Họ và tên": names[0], "Năm sinh": 1970, "Mã đơn vị": own, "Mã tổ chức": organisation["id"], "Tổ chức": ""},
        {"Họ và tên": names[1], "Năm sinh": 1971, "Mã đơn vị": own, "Mã tổ chức": "", "Tổ chức": organisation["name"]},
        {"Họ và tên": names[2], "Năm sinh": 1972, "Mã đơn vị": own, "Mã tổ chức": foreign["id"], "Tổ chức": ""},
        {"Họ và tên": names[3], "Năm sinh": 1973, "Mã đơn vị": own, "Mã tổ chức": "abc", "Tổ chức": ""},
    ]
    response = httpx2.post(
        f"{platform.base_url}/api/members/import",
        headers=province,
        timeout=60,
        files={"file": ("danh-sach.csv", table_file(rows, "csv"), "text/csv")},
        data={"mode": "skip", "consent": "true"},
    )
    report = response.json()
    assert (report["imported"], report["skipped"]) == (2, 2), report
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "Mã tổ chức"), (5, "Mã tổ chức")]
    assert "không phải tổ chức thành viên của đơn vị" in report["errors"][0]["message"]
    stored = owner_rows(
        platform, "select organisation_id from members where full_name = any(%s) order by full_name", names[:2]
    )
    assert stored == [(organisation["id"],), (organisation["id"],)]
