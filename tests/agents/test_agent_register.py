"""The assistant on the register beyond member counts (demo data loaded): member organisations, the committee and
its standing board for a term, residential-area work committees, a member's history, rankings across the units
below; every figure compared with the database read by its owner, through POST /api/chat and `mattran chat --as`."""

from __future__ import annotations

import json
import re

import httpx2

from tests.support.chat import say
from tests.support.platform import Platform, owner_rows

COMMUNE = {"sub": "reg-xa", "name": "Cán bộ Văn Miếu", "roles": ["commune_cadre"], "unit": "08611"}
PROVINCE = {"sub": "reg-tinh", "name": "Cán bộ Phú Thọ", "roles": ["province_cadre"], "unit": "25"}


def _call(answer: dict) -> dict:
    (call,) = answer["tool_calls"]
    assert call["name"] == "query_members" and not call.get("denied"), answer
    return call["args"]


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def test_member_organisations_how_many_which_kinds_and_members_each(platform: Platform) -> None:
    rows = owner_rows(
        platform,
        "select o.name, o.kind, (select count(*) from members m where m.organisation_id = o.id and m.ended_on is null)"
        " from organisations o where o.unit_code = '08611' and o.status = 'active'",
    )
    assert len(rows) >= 3
    answer = say(platform, COMMUNE, "Xã Văn Miếu có bao nhiêu tổ chức thành viên?")
    assert _call(answer)["subject"] == "organisations" and _call(answer)["unit_code"] == "08611"
    assert f"có **{_n(len(rows))}** tổ chức thành viên" in answer["reply"]
    kinds = owner_rows(
        platform,
        "select count(*) from organisations where unit_code = '08611' and status = 'active'"
        " and kind = 'political_social'",
    )[0][0]
    assert f"tổ chức chính trị - xã hội: {kinds}" in answer["reply"]
    for name, _kind, members in rows:
        assert f"- {name} (" in answer["reply"] and re.search(
            rf"- {re.escape(name)} \([^)]*\): {members}\b", answer["reply"]
        )
    each = say(platform, COMMUNE, "Mỗi tổ chức thành viên của xã mình có bao nhiêu ủy viên?")
    assert _call(each)["subject"] == "organisations"
    top = max(rows, key=lambda r: r[2])
    assert re.search(rf"- {re.escape(top[0])} \([^)]*\): {top[2]}\b", each["reply"])


def test_the_standing_board_and_the_committee_by_sector(platform: Platform) -> None:
    board = owner_rows(
        platform,
        "select position, full_name from members where unit_code = '08611' and term = '2024–2029'"
        " and ended_on is null and position in ('Chủ tịch', 'Phó Chủ tịch', 'Ủy viên Ban Thường trực')",
    )
    ((size,),) = owner_rows(
        platform,
        "select count(*) from members where unit_code = '08611' and term = '2024–2029' and ended_on is null",
    )
    answer = say(platform, COMMUNE, "Ban Thường trực Ủy ban MTTQ xã Văn Miếu gồm những ai?")
    assert _call(answer)["subject"] == "committee"
    assert f"**{size}** ủy viên đang sinh hoạt" in answer["reply"]
    assert f"Ban Thường trực ({len(board)} người)" in answer["reply"]
    for position, name in board:
        assert f"- {position}: {name}" in answer["reply"]
    sectors = owner_rows(
        platform,
        "select coalesce(organisation, 'Chưa ghi'), count(*) from members where unit_code = '08611'"
        " and term = '2024–2029' and ended_on is null group by 1",
    )
    by_sector = say(platform, COMMUNE, "Ủy ban MTTQ xã mình nhiệm kỳ 2024–2029 chia theo thành phần thế nào?")
    assert _call(by_sector)["subject"] == "committee" and _call(by_sector)["filters"] == {"term": "2024–2029"}
    for sector, count in sectors:
        assert f"{sector}: {count}" in by_sector["reply"]


def test_work_committees_without_a_head_and_households(platform: Platform) -> None:
    ((count, headless, households, people),) = owner_rows(
        platform,
        "select count(*), count(*) filter (where head_name is null and head_member_id is null),"
        " coalesce(sum(households), 0),"
        " sum(cardinality(member_names)) + count(coalesce(head_name, head_member_id::text))"
        " from work_committees where unit_code = '08611'",
    )
    assert count and headless
    answer = say(platform, COMMUNE, "Xã mình có bao nhiêu ban công tác Mặt trận ở khu dân cư, phụ trách bao nhiêu hộ?")
    assert _call(answer)["subject"] == "work_committees"
    assert f"**{count}** ban công tác Mặt trận" in answer["reply"]
    assert f"**{headless}** ban chưa có trưởng ban" in answer["reply"]
    assert f"**{_n(households)}** hộ" in answer["reply"] and f"gồm {_n(people)} người" in answer["reply"]
    areas = owner_rows(
        platform,
        "select area from work_committees where unit_code = '08611' and head_name is null and head_member_id is null",
    )
    listed = say(platform, COMMUNE, "Khu dân cư nào chưa có trưởng ban công tác Mặt trận?")
    for (area,) in areas:
        assert f"- {area} (" in listed["reply"]


def test_rankings_across_the_units_below(platform: Platform) -> None:
    """A province cadre ranks the communes by work committees without a head, and by member organisations."""
    top = owner_rows(
        platform,
        "select u.name, count(*) filter (where w.head_name is null and w.head_member_id is null), count(*)"
        " from work_committees w join units u on u.code = w.unit_code"
        " where w.unit_path <@ (select path from units where code = '25')"
        " group by u.name order by 2 desc, 3 desc, u.name",
    )
    answer = say(platform, PROVINCE, "Xếp hạng các xã theo số ban công tác mặt trận chưa có trưởng ban")
    assert _call(answer)["measure"] == "ranking" and _call(answer)["subject"] == "work_committees"
    first = re.search(r"^1\. (.+?): (\d+)/(\d+) ban chưa có trưởng ban", answer["reply"], re.M)
    assert first and (int(first.group(2)), int(first.group(3))) == (top[0][1], top[0][2])
    assert f"**{_n(sum(r[2] for r in top))}** ban công tác" in answer["reply"]
    most = owner_rows(
        platform,
        "select count(*) from organisations o where o.unit_path <@ (select path from units where code = '25')"
        " and nlevel(o.unit_path) = 3 and o.status = 'active' group by o.unit_code order by 1 desc limit 1",
    )[0][0]
    ranked = say(platform, PROVINCE, "Xã nào trong tỉnh có nhiều tổ chức thành viên nhất?")
    assert _call(ranked)["subject"] == "organisations"
    best = re.search(r"^1\. (.+?): (\d+) tổ chức", ranked["reply"], re.M)
    assert best and int(best.group(2)) == most


def test_a_members_history_after_an_edit_and_outside_the_scope(platform: Platform) -> None:
    token = platform.mint(COMMUNE)
    added = {"unit_code": "08611", "full_name": "Đinh Văn Lịch Sử", "gender": "Nam", "birth_year": 1979}
    created = httpx2.post(  # a member of the test's own (the demo's are checked elsewhere as seeded)
        f"{platform.base_url}/api/members",
        json=added | {"position": "Ủy viên"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    member_id, full_name = created.json()["id"], created.json()["full_name"]
    edited = httpx2.patch(
        f"{platform.base_url}/api/members/{member_id}",
        json={"position": "Ủy viên Ban Thường trực"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert edited.status_code == 200, edited.text
    ((changes,),) = owner_rows(platform, "select count(*) from member_history where member_id = %s", member_id)
    name = full_name.split(" (")[0]
    answer = say(platform, COMMUNE, f"Lịch sử thay đổi của ủy viên {name}?")
    assert _call(answer)["member_name"] == name and _call(answer)["subject"] == "history"
    assert f"**{full_name}**" in answer["reply"] and f"{changes} thay đổi" in answer["reply"]
    assert "Chức vụ: Ủy viên Ban Thường trực" in answer["reply"]
    outside = {"sub": "reg-vt", "name": "Cán bộ Việt Trì", "roles": ["commune_cadre"], "unit": "07900"}
    elsewhere = say(platform, outside, f"Quá trình công tác của đồng chí {name} thế nào?")
    assert _call(elsewhere)["subject"] == "history" and _call(elsewhere)["member_name"] == name
    assert "Không tìm thấy" in elsewhere["reply"] and f"**{full_name}**" not in elsewhere["reply"]
    assert "Ban Thường trực" not in elsewhere["reply"]  # nothing of the member's history reaches another commune


def test_the_cli_answers_as_a_commune_cadre(platform: Platform) -> None:
    ((count,),) = owner_rows(platform, "select count(*) from work_committees where unit_code = '08611'")
    done = platform.mattran(
        "chat", "--as", "commune_cadre@08611", "--json", "Xã mình có bao nhiêu ban công tác Mặt trận?"
    )
    assert done.returncode == 0, done.stderr
    turn = json.loads(done.stdout)
    assert turn["intent"] == "query_members" and f"**{count}** ban công tác Mặt trận" in turn["answer"]
