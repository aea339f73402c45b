"""The chat's list of late units (issue 20), through POST /api/chat against the running platform: a province or
central cadre asking which units are late with petitions gets the units below with overdue petitions, counted and
most first, as the database counts them by its own SQL; a commune cadre gets their own count."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

import psycopg

from tests.support.chat import say
from tests.support.platform import Platform, owner_rows

PROVINCE = {"sub": "tre-tinh", "name": "Cán bộ Phú Thọ", "roles": ["province_cadre"], "unit": "25"}
CENTRAL = {"sub": "tre-tw", "name": "Cán bộ Trung ương", "roles": ["central_cadre"], "unit": "TW"}
COMMUNE = {"sub": "tre-xa", "name": "Cán bộ Văn Miếu", "roles": ["commune_cadre"], "unit": "08611"}
OPEN = "('received', 'accepted', 'in_progress')"
# the units directly below ``%(u)s`` and the unit itself (its own petitions only), overdue petitions counted
_LATE = (
    "select c.name, count(*)::int from petitions p join units c on p.unit_path <@ c.path"
    f" where p.due_at < now() and p.status in {OPEN}"
    " and (c.parent_code = %s or (c.code = %s and p.unit_code = c.code)) group by c.name"
)
_ESCALATIONS = "select count(*)::int from petition_events where action = 'escalate'"


_SEEDED = itertools.count()


def _seed(platform: Platform) -> None:
    """Overdue petitions in two communes of Phú Thọ (3 and 1), one of Hà Nội, and one in Phú Thọ not yet due."""
    batch = next(_SEEDED)
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute(
            "insert into petitions (tracking_code, unit_code, unit_path, title, content, content_public, category,"
            " suggested_category, status, channel, due_at)"
            " select 'PAKN-2026-5' || lpad((%s * 10 + i)::text, 5, '0'), u.code, u.path, 'Phản ánh chậm ' || i,"
            " 'Nội dung ' || i, 'Nội dung ' || i, 'khac', 'khac', 'accepted', 'web',"
            " now() + case when i = 6 then interval '9 days' else - interval '2 days' end"
            " from generate_series(1, 6) i join units u on u.code"
            " = case when i <= 3 then '08611' when i = 4 then '07900' when i = 5 then '00004' else '08611' end",
            (batch,),
        )


def _listed(reply: str) -> list[tuple[str, int]]:
    return [(name, int(n.replace(".", ""))) for name, n in re.findall(r"^\d+\. (.+): ([\d.]+)$", reply, re.M)]


def _asked(platform: Platform, claims: Mapping[str, object], message: str, unit: str) -> list[tuple[str, int]]:
    """Seed overdue petitions, ask; the reply lists exactly what the SQL counts, most first (seeded and asked again
    when the escalation job moved overdue petitions up a level meanwhile: they are then no longer overdue)."""
    for _ in range(3):
        before = owner_rows(platform, _ESCALATIONS)
        _seed(platform)
        answer = say(platform, claims, message)
        expected = sorted(owner_rows(platform, _LATE, unit, unit))
        if owner_rows(platform, _ESCALATIONS) == before:
            break
    call = answer["tool_calls"][0]
    assert call["name"] == "get_petition_status" and call["args"]["overdue_units"] is True, answer
    listed = _listed(answer["reply"])
    assert sorted(listed) == expected and expected
    assert [n for _, n in listed] == sorted((n for _, n in listed), reverse=True)  # most first
    assert f"tổng **{sum(n for _, n in expected)}** phản ánh" in answer["reply"].replace(".", "")
    return listed


def test_province_and_central_cadres_get_the_late_units_below_them_as_sql_counts_them(platform: Platform) -> None:
    province = _asked(platform, PROVINCE, "Xã nào chậm xử lý phản ánh?", "25")
    assert any(name == "Xã Văn Miếu" and n >= 3 for name, n in province)
    assert all(name != "Phường Ba Đình" for name, _ in province)  # Hà Nội's ward is not Phú Thọ's to see
    _asked(platform, PROVINCE, "don vi nao qua han", "25")
    provinces = _asked(platform, CENTRAL, "Tỉnh nào có nhiều phản ánh quá hạn nhất?", "TW")
    assert {"Tỉnh Phú Thọ", "Thành phố Hà Nội"} <= {name for name, _ in provinces}


def test_a_commune_cadre_gets_their_own_count(platform: Platform) -> None:
    for _ in range(3):
        before = owner_rows(platform, _ESCALATIONS)
        _seed(platform)
        answer = say(platform, COMMUNE, "Đơn vị nào quá hạn?")
        ((expected,),) = owner_rows(
            platform,
            "select count(*)::int from petitions p join units u on u.code = '08611'"
            f" where p.unit_path <@ u.path and p.due_at < now() and p.status in {OPEN}",
        )
        if owner_rows(platform, _ESCALATIONS) == before:
            break
    assert answer["tool_calls"][0]["args"]["overdue_units"] is True
    assert expected >= 3 and answer["reply"] == f"Xã Văn Miếu có **{expected}** phản ánh, kiến nghị quá hạn xử lý."
    assert not _listed(answer["reply"])
