"""The assistant for cadres, through POST /api/chat against the running platform (demo data loaded):
member counts and congress progress within scope, congress updates with confirmation, refusals outside scope."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx2

from tests.support.platform import Platform

COMMUNE = {"sub": "chat-xa", "name": "Cán bộ Văn Miếu", "roles": ["commune_cadre"], "unit": "08611"}
PROVINCE = {"sub": "chat-tinh", "name": "Cán bộ Phú Thọ", "roles": ["province_cadre"], "unit": "25"}
CITIZEN = {"sub": "chat-dan", "name": "Người dân", "roles": ["citizen"], "unit": None}


def _say(platform: Platform, claims: Mapping[str, object], message: str, conversation: str | None = None) -> dict:
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    r = httpx2.post(
        f"{platform.base_url}/api/chat",
        json=body,
        headers={"Authorization": f"Bearer {platform.mint(claims)}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()


def _api(platform: Platform, claims: Mapping[str, object], path: str, **params: str) -> dict:
    return httpx2.get(
        f"{platform.base_url}{path}", params=params, headers={"Authorization": f"Bearer {platform.mint(claims)}"}
    ).json()


def test_member_count_matches_the_database_and_stays_in_scope(platform: Platform) -> None:
    answer = _say(platform, COMMUNE, "Xã Văn Miếu có bao nhiêu ủy viên nữ?")
    assert answer["intent"] == "query_members"
    assert answer["tool_calls"][0]["args"] == {"unit_code": "08611", "filters": {"gender": "nữ"}}
    expected = _api(platform, COMMUNE, "/api/members/count", unit="08611", gender="nữ")["count"]
    assert expected > 0 and f"**{expected}**" in answer["reply"]
    outside = _say(platform, COMMUNE, "Phường Việt Trì có bao nhiêu ủy viên nữ?")
    assert "không được dùng chức năng này" in outside["reply"] or "không có quyền" in outside["reply"]
    assert not re.search(r"\*\*\d+\*\*", outside["reply"])
    citizen = _say(platform, CITIZEN, "Xã Văn Miếu có bao nhiêu ủy viên nữ?")
    assert all(c["name"] != "query_members" or c.get("denied") for c in citizen["tool_calls"])
    assert not re.search(r"\*\*\d+\*\*", citizen["reply"])


def test_congress_progress_for_a_province(platform: Platform) -> None:
    answer = _say(platform, PROVINCE, "Tiến độ đại hội các xã của tỉnh Phú Thọ thế nào?")
    assert answer["intent"] == "get_congress_progress"
    summary = _api(platform, PROVINCE, "/api/congresses/progress", unit="25")["summary"]
    assert f"đã tổ chức {summary['held']}/{summary['total']}" in answer["reply"].replace(".", "")


def test_a_congress_update_is_written_only_after_confirmation(platform: Platform) -> None:
    ask = _say(
        platform,
        COMMUNE,
        "Cập nhật đại hội xã Văn Miếu: đã tổ chức ngày 12/5/2026, 118 đại biểu dự, "
        "bầu 33 ủy viên, bà Trần Thị Lan làm Chủ tịch",
    )
    assert ask["confirmation"] and "118" in ask["confirmation"] and "12/05/2026" in ask["confirmation"]
    before = _api(platform, COMMUNE, "/api/congresses/08611")["congress"]
    assert before is None or before["delegates_attending"] != 118
    done = _say(platform, COMMUNE, "có", ask["conversation_id"])
    assert "Đã cập nhật đại hội" in done["reply"]
    after = _api(platform, COMMUNE, "/api/congresses/08611")
    assert after["congress"]["delegates_attending"] == 118 and after["congress"]["chair_name"] == "Trần Thị Lan"
    assert after["history"][0]["actor"] == "chat-xa"


def test_an_impossible_update_is_explained_and_not_written(platform: Platform) -> None:
    ask = _say(platform, COMMUNE, "Cập nhật đại hội xã Văn Miếu: đã tổ chức ngày 12/5/2031, 90 đại biểu dự")
    assert ask["confirmation"]
    refused = _say(platform, COMMUNE, "có", ask["conversation_id"])
    assert refused["reply"] == "Ngày tổ chức 12/05/2031 không thể sau hôm nay."
    after = _api(platform, COMMUNE, "/api/congresses/08611")["congress"]
    assert after is None or after["delegates_attending"] != 90


CENTRAL = {"sub": "chat-tw", "name": "Cán bộ Trung ương", "roles": ["central_cadre"], "unit": "TW"}


def test_an_update_outside_scope_is_refused_at_once_and_changes_nothing(platform: Platform) -> None:
    """A commune cadre asking to mark another ward's congress as held is refused before any confirmation; the
    record, read by a central cadre before and after, is unchanged."""
    before = _api(platform, CENTRAL, "/api/congresses/07900")["congress"]
    answer = _say(
        platform, COMMUNE, "Cập nhật đại hội phường Việt Trì, tỉnh Phú Thọ: đã tổ chức ngày 2/5/2026, 95 đại biểu dự"
    )
    assert answer["confirmation"] is None
    assert answer["tool_calls"][0]["name"] == "update_congress" and answer["tool_calls"][0]["denied"] is True
    assert answer["tool_calls"][0]["args"]["unit_code"] == "07900"
    assert "ngoài phạm vi" in answer["reply"]
    assert _api(platform, CENTRAL, "/api/congresses/07900")["congress"] == before


def test_a_cadre_asks_about_their_units_petitions(platform: Platform) -> None:
    """Counts by status within scope, the cadre's own unit by default."""
    answer = _say(platform, PROVINCE, "Tỉnh mình có bao nhiêu phản ánh đang quá hạn chưa giải quyết?")
    call = answer["tool_calls"][0]
    assert call["name"] == "get_petition_status" and call["args"]["unit_code"] == "25" and not call.get("denied")
    assert re.search(r"quá hạn \*\*\d+\*\*", answer["reply"])
    outside = _say(platform, COMMUNE, "Phường Việt Trì có bao nhiêu phản ánh quá hạn?")
    assert not re.search(r"quá hạn \*\*\d+\*\*", outside["reply"])
