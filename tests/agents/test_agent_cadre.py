"""The assistant for cadres, through POST /api/chat against the running platform (demo data loaded):
member counts and congress progress within scope, congress updates with confirmation, refusals outside scope."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx2

from mattran.domain.petition_text import CATEGORIES
from tests.support.chat import say
from tests.support.platform import Platform, owner_rows

COMMUNE = {"sub": "chat-xa", "name": "Cán bộ Văn Miếu", "roles": ["commune_cadre"], "unit": "08611"}
PROVINCE = {"sub": "chat-tinh", "name": "Cán bộ Phú Thọ", "roles": ["province_cadre"], "unit": "25"}
CENTRAL = {"sub": "chat-tw", "name": "Cán bộ Trung ương", "roles": ["central_cadre"], "unit": "TW"}
CITIZEN = {"sub": "chat-dan", "name": "Người dân", "roles": ["citizen"], "unit": None}


def _api(platform: Platform, claims: Mapping[str, object], path: str, **params: str) -> dict:
    return httpx2.get(
        f"{platform.base_url}{path}", params=params, headers={"Authorization": f"Bearer {platform.mint(claims)}"}
    ).json()


def test_member_count_matches_the_database_and_stays_in_scope(platform: Platform) -> None:
    answer = say(platform, COMMUNE, "Xã Văn Miếu có bao nhiêu ủy viên nữ?")
    assert answer["intent"] == "query_members"
    assert answer["tool_calls"][0]["args"] == {"unit_code": "08611", "filters": {"gender": "nữ"}}
    expected = _api(platform, COMMUNE, "/api/members/count", unit="08611", gender="nữ")["count"]
    assert expected > 0 and f"**{expected}**" in answer["reply"]
    outside = say(platform, COMMUNE, "Phường Việt Trì có bao nhiêu ủy viên nữ?")
    assert "không được dùng chức năng này" in outside["reply"] or "không có quyền" in outside["reply"]
    assert not re.search(r"\*\*\d+\*\*", outside["reply"])
    citizen = say(platform, CITIZEN, "Xã Văn Miếu có bao nhiêu ủy viên nữ?")
    assert all(c["name"] != "query_members" or c.get("denied") for c in citizen["tool_calls"])
    assert not re.search(r"\*\*\d+\*\*", citizen["reply"])


def test_congress_progress_for_a_province(platform: Platform) -> None:
    answer = say(platform, PROVINCE, "Tiến độ đại hội các xã của tỉnh Phú Thọ thế nào?")
    assert answer["intent"] == "get_congress_progress"
    summary = _api(platform, PROVINCE, "/api/congresses/progress", unit="25")["summary"]
    assert f"đã tổ chức {summary['held']}/{summary['total']}" in answer["reply"].replace(".", "")


def test_a_congress_update_is_written_only_after_confirmation(platform: Platform) -> None:
    ask = say(
        platform,
        COMMUNE,
        "Cập nhật đại hội xã Văn Miếu: đã tổ chức ngày 12/5/2026, 118 đại biểu dự, "
        "bầu 33 ủy viên, bà Trần Thị Lan làm Chủ tịch",
    )
    assert ask["confirmation"] and "118" in ask["confirmation"] and "12/05/2026" in ask["confirmation"]
    before = _api(platform, COMMUNE, "/api/congresses/08611")["congress"]
    assert before is None or before["delegates_attending"] != 118
    done = say(platform, COMMUNE, "có", ask["conversation_id"])
    assert "Đã cập nhật đại hội" in done["reply"]
    after = _api(platform, COMMUNE, "/api/congresses/08611")
    assert after["congress"]["delegates_attending"] == 118 and after["congress"]["chair_name"] == "Trần Thị Lan"
    assert after["history"][0]["actor"] == "chat-xa"


def test_an_impossible_update_is_explained_and_not_written(platform: Platform) -> None:
    ask = say(platform, COMMUNE, "Cập nhật đại hội xã Văn Miếu: đã tổ chức ngày 12/5/2031, 90 đại biểu dự")
    assert ask["confirmation"]
    refused = say(platform, COMMUNE, "có", ask["conversation_id"])
    assert refused["reply"] == "Ngày tổ chức 12/05/2031 không thể sau hôm nay."
    after = _api(platform, COMMUNE, "/api/congresses/08611")["congress"]
    assert after is None or after["delegates_attending"] != 90


CENTRAL = {"sub": "chat-tw", "name": "Cán bộ Trung ương", "roles": ["central_cadre"], "unit": "TW"}


def test_an_update_outside_scope_is_refused_at_once_and_changes_nothing(platform: Platform) -> None:
    """A commune cadre asking to mark another ward's congress as held is refused before any confirmation; the
    record, read by a central cadre before and after, is unchanged."""
    before = _api(platform, CENTRAL, "/api/congresses/07900")["congress"]
    answer = say(
        platform, COMMUNE, "Cập nhật đại hội phường Việt Trì, tỉnh Phú Thọ: đã tổ chức ngày 2/5/2026, 95 đại biểu dự"
    )
    assert answer["confirmation"] is None
    assert answer["tool_calls"][0]["name"] == "update_congress" and answer["tool_calls"][0]["denied"] is True
    assert answer["tool_calls"][0]["args"]["unit_code"] == "07900"
    assert "ngoài phạm vi" in answer["reply"]
    assert _api(platform, CENTRAL, "/api/congresses/07900")["congress"] == before


def test_a_cadre_asks_about_their_units_petitions(platform: Platform) -> None:
    """Counts by status within scope, the cadre's own unit by default."""
    answer = say(platform, PROVINCE, "Tỉnh mình có bao nhiêu phản ánh đang quá hạn chưa giải quyết?")
    call = answer["tool_calls"][0]
    assert call["name"] == "get_petition_status" and call["args"]["unit_code"] == "25" and not call.get("denied")
    assert re.search(r"quá hạn \*\*\d+\*\*", answer["reply"])
    outside = say(platform, COMMUNE, "Phường Việt Trì có bao nhiêu phản ánh quá hạn?")
    assert not re.search(r"quá hạn \*\*\d+\*\*", outside["reply"])


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") + "%"


_SUBTREE = "m.unit_path <@ (select path from units where code = %s)"


def test_member_shares_rankings_and_ages_match_the_database(platform: Platform) -> None:
    """A share states the count, the group and the percentage; "dân tộc thiểu số" is every people but the Kinh; a
    ranking lists the units below by count; an average age is the members' mean age (all computed by SQL here)."""
    women, members = owner_rows(
        platform, f"select count(*) filter (where m.gender = 'nu'), count(*) from members m where {_SUBTREE}", "25"
    )[0]
    share = say(platform, PROVINCE, "Tỷ lệ ủy viên nữ trong toàn tỉnh là bao nhiêu phần trăm?")
    assert share["tool_calls"][0]["args"]["measure"] == "share"
    assert f"**{_n(women)}**" in share["reply"] and f"tổng số {_n(members)}" in share["reply"]
    assert _pct(women, members) in share["reply"]
    ((minority,),) = owner_rows(
        platform, f"select count(*) from members m where {_SUBTREE} and m.ethnicity <> 'Kinh'", "25"
    )
    answer = say(platform, PROVINCE, "Tỉnh mình có bao nhiêu ủy viên là người dân tộc thiểu số?")
    assert 0 < minority < members and f"**{_n(minority)}**" in answer["reply"]
    top = owner_rows(
        platform,
        "select u.name, count(*) from members m join units u on u.path = subpath(m.unit_path, 0, 3)"
        f" where {_SUBTREE} and m.gender = 'nu' and nlevel(m.unit_path) = 3 group by u.name order by 2 desc limit 1",
        "25",
    )[0]
    ranking = say(platform, PROVINCE, "Xã nào trong tỉnh có nhiều ủy viên nữ nhất?")
    listed = re.findall(r"^1\. (.+?): (\d+)/", ranking["reply"], re.M)
    assert ranking["tool_calls"][0]["args"]["measure"] == "ranking" and listed and int(listed[0][1]) == top[1]
    age = owner_rows(
        platform, "select avg(extract(year from current_date) - birth_year) from members where unit_code = '08611'"
    )[0][0]
    average = say(platform, COMMUNE, "Tuổi bình quân của ủy viên Ủy ban xã mình là bao nhiêu?")
    assert f"**{float(age):.1f}**".replace(".", ",") in average["reply"]


def test_congress_progress_states_shares_delegates_and_members_elected(platform: Platform) -> None:
    """The communes' share of congresses held, delegates present and members elected, as SQL over the store."""
    held, communes = owner_rows(
        platform,
        "select count(*) filter (where c.status in ('da_to_chuc', 'hoan_thanh')), count(*) from units u"
        " left join congresses c on c.unit_code = u.code and c.term = '2024–2029'"
        " where u.path <@ (select path from units where code = %s) and u.level = 2",
        "25",
    )[0]
    present, elected = owner_rows(
        platform,
        "select sum(delegates_attending), sum(committee_size) from congresses"
        " where term = '2024–2029' and unit_path <@ (select path from units where code = %s)",
        "25",
    )[0]
    answer = say(platform, PROVINCE, "Đại hội các xã trong tỉnh: bao nhiêu xã đã tổ chức, bao nhiêu đại biểu dự?")
    assert answer["tool_calls"][0]["name"] == "get_congress_progress"
    reply = answer["reply"]
    assert f"{_n(held)}/{_n(communes)} ({_pct(held, communes)})" in reply
    assert f"đại biểu có mặt {_n(present)}" in reply and f"ủy viên được bầu {_n(elected)}" in reply


def test_a_unit_named_without_its_type_is_the_one_asked_about(platform: Platform) -> None:
    """ "van mieu bao nhieu uy vien nu": the commune's name alone, straight before the question, is its subject."""
    answer = say(platform, PROVINCE, "van mieu bao nhieu uy vien nu")
    assert answer["tool_calls"][0]["args"]["unit_code"] == "08611"
    expected = _api(platform, PROVINCE, "/api/members/count", unit="08611", gender="nữ")["count"]
    assert f"**{expected}**" in answer["reply"]


def test_a_unit_named_by_its_initials_or_a_gloss_of_its_former_units(platform: Platform) -> None:
    """ "phường VT" (initials in capitals, one commune of the cadre's province has them); "Phường Phong Châu (thị xã
    Phú Thọ cũ)"; a commune cadre's petition for residents, no unit named, goes to their commune."""
    initials = say(platform, PROVINCE, "phường VT có mấy ủy viên là người dân tộc Mường")
    assert initials["tool_calls"][0]["args"]["unit_code"] == "07900"
    gloss = say(platform, PROVINCE, "Phường Phong Châu (thị xã Phú Thọ cũ) đại hội bầu ủy ban mấy người?")
    assert gloss["tool_calls"][0]["args"]["unit_code"] == "07954"
    told = "Bà con thôn Tân Lập báo đường liên thôn xuống cấp, mưa là lầy lội, nhờ gửi phản ánh"
    petition = say(platform, COMMUNE, told)
    assert petition["tool_calls"][0]["name"] == "file_petition"
    assert petition["tool_calls"][0]["args"]["unit_code"] == "08611" and petition["confirmation"]


def test_two_provinces_congresses_compared_as_the_store_counts_them(platform: Platform) -> None:
    """Communes and wards that held their congress in two provinces named alone, and the difference (SQL here)."""
    held = dict(
        owner_rows(
            platform,
            "select u.province_code, count(*) from units u join congresses c on c.unit_code = u.code"
            " and c.term = '2024–2029' where u.level = 2 and u.province_code in ('25', '01')"
            " and c.status in ('da_to_chuc', 'hoan_thanh') group by 1",
        )
    )
    answer = say(platform, CENTRAL, "Số xã, phường đã tổ chức đại hội của Phú Thọ nhiều hơn Hà Nội bao nhiêu?")
    call = answer["tool_calls"][0]
    assert call["name"] == "get_congress_progress" and call["args"]["compare"] == ["25", "01"]
    assert f"Chênh lệch: **{_n(abs(held['25'] - held['01']))}** đơn vị" in answer["reply"]


def test_an_update_for_a_unit_known_by_name_only_outside_scope_is_refused_at_once(platform: Platform) -> None:
    """A commune named without its province, none of that name in the cadre's scope: refused, never confirmed."""
    answer = say(platform, COMMUNE, "Ghi giúp đại hội của xã Phúc Lộc đã xong ngày 20/6.")
    assert answer["confirmation"] is None
    assert answer["tool_calls"] and answer["tool_calls"][0]["name"] == "update_congress"
    assert answer["tool_calls"][0]["denied"] is True


def test_a_confirmed_congress_held_with_its_chair_opens_the_new_term_and_closes_the_old(platform: Platform) -> None:
    """Through the chat: a commune cadre records the congress as held with its elected chair and confirms; the new
    term's roster opens with the chair re-elected, the other members' seats of the old term end on the congress day."""
    (code, name), *_ = owner_rows(  # a commune of Lào Cai (no demo data) that no other test uses
        platform, "select code, name from units where parent_code = '15' order by code offset 50 limit 1"
    )
    province = {"sub": "chat-lao-cai", "name": "Cán bộ Lào Cai", "roles": ["province_cadre"], "unit": "15"}
    cadre = {"sub": "chat-xa-lao-cai", "name": f"Cán bộ {name}", "roles": ["commune_cadre"], "unit": code}
    ids = {}
    for full_name, position in (("Lương Thị Diệp", "Phó Chủ tịch"), ("Hà Văn Quyết", "Ủy viên")):
        body = {"unit_code": code, "full_name": full_name, "position": position, "term": "2019-2024"}
        added = httpx2.post(
            f"{platform.base_url}/api/members",
            json=body | {"started_on": "2019-05-20"},
            headers={"Authorization": f"Bearer {platform.mint(province)}"},
            timeout=30,
        )
        assert added.status_code == 201, added.text
        ids[full_name] = added.json()["id"]
    ask = say(
        platform,
        cadre,
        f"Cập nhật đại hội {name}, tỉnh Lào Cai: đã tổ chức ngày 15/6/2024, bà Lương Thị Diệp làm Chủ tịch",
    )
    assert ask["confirmation"] and "Lương Thị Diệp" in ask["confirmation"]
    assert _api(platform, cadre, f"/api/committees/{code}", term="2024-2029")["seats"] == []  # nothing before "có"
    done = say(platform, cadre, "có", ask["conversation_id"])
    assert "Đã cập nhật đại hội" in done["reply"]
    new = _api(platform, cadre, f"/api/committees/{code}", term="2024-2029")
    assert [(s["member_id"], s["position"], s["started_on"]) for s in new["seats"]] == [
        (ids["Lương Thị Diệp"], "Chủ tịch", "2024-06-15")
    ]
    assert new["started_on"] == "2024-06-15" and new["congress_id"] is not None
    old = _api(platform, cadre, f"/api/committees/{code}", term="2019-2024")
    assert old["ended_on"] == "2024-06-15"
    assert [(s["member_id"], s["ended_on"]) for s in old["seats"]] == [(ids["Hà Văn Quyết"], "2024-06-15")]
    history = _api(platform, cadre, f"/api/members/{ids['Hà Văn Quyết']}/history")
    assert history[0]["action"] == "end" and history[0]["actor"] == "chat-xa-lao-cai"


def test_an_update_naming_another_unit_besides_ones_own_is_refused_at_once(platform: Platform) -> None:
    """The other unit named first, the cadre's own last: still refused before any confirmation, nothing written."""
    before = _api(platform, CENTRAL, "/api/congresses/07900")["congress"]
    answer = say(platform, COMMUNE, "Ghi nhận đại hội phường Việt Trì đã tổ chức ngày 3/5, tôi là cán bộ xã Văn Miếu.")
    assert answer["confirmation"] is None
    call = answer["tool_calls"][0]
    assert call["name"] == "update_congress" and call["denied"] is True and call["args"]["unit_code"] == "07900"
    assert _api(platform, CENTRAL, "/api/congresses/07900")["congress"] == before


def test_congresses_of_a_month_match_the_database(platform: Platform) -> None:
    """The congresses of "tháng 5": those held in May (any year of the term) and those planned for it."""
    held, planned = owner_rows(
        platform,
        "select count(*) filter (where extract(month from c.held_date) = 5),"
        " count(*) filter (where extract(month from c.planned_date) = 5) from congresses c"
        " where c.term = '2024–2029' and c.unit_path <@ (select path from units where code = %s)",
        "25",
    )[0]
    answer = say(platform, PROVINCE, "Trong tháng 5, bao nhiêu xã của tỉnh mình đã tổ chức đại hội?")
    call = answer["tool_calls"][0]
    assert call["name"] == "get_congress_progress" and call["args"] == {"unit_code": "25", "month": 5}
    said = f"Trong tháng 5: đã tổ chức **{_n(held)}** đại hội; dự kiến tổ chức {_n(planned)}"
    assert held > 0 and said in answer["reply"]
    year = say(platform, PROVINCE, "dai hoi thang 5/2024 cua tinh minh the nao")
    assert year["tool_calls"][0]["args"] == {"unit_code": "25", "month": 5, "year": 2024}


def test_a_cadres_petitions_by_category_match_the_database(platform: Platform) -> None:
    """One category asked for ("về đất đai", "ô nhiễm"), or every category listed with its count."""
    for category, content in [
        ("dat_dai", "Tranh chấp ranh giới đất giữa hai hộ ở tổ 3 kéo dài, đề nghị xem xét giải quyết."),
        ("dat_dai", "Đất công cạnh nhà văn hóa khu 5 bị lấn chiếm làm bãi gửi xe, đề nghị kiểm tra."),
        ("moi_truong", "Xưởng gỗ đầu khu 2 xả khói bụi suốt ngày, người dân khó thở, đề nghị xử lý."),
    ]:
        body = {"title": "Phản ánh thử theo lĩnh vực", "content": content, "unit_code": "07900", "category": category}
        assert httpx2.post(f"{platform.base_url}/api/petitions", json=body, timeout=30).status_code == 201
    rows = owner_rows(
        platform,
        "select coalesce(p.category, 'khac'), count(*) from petitions p join units u on u.code = p.unit_code"
        " where u.path <@ (select path from units where code = %s) group by 1",
        "25",
    )
    counts = dict(rows)
    land = say(platform, PROVINCE, "Tỉnh mình có bao nhiêu phản ánh về đất đai?")
    assert land["tool_calls"][0]["args"] == {"unit_code": "25", "category": "dat_dai"}
    assert f"tổng **{_n(counts.get('dat_dai', 0))}**" in land["reply"]
    dirty = say(platform, PROVINCE, "don thu ve o nhiem cua tinh minh bao nhieu cai")
    assert dirty["tool_calls"][0]["args"]["category"] == "moi_truong"
    listed = say(platform, PROVINCE, "Phản ánh của tỉnh mình theo từng lĩnh vực là bao nhiêu?")
    assert "category" not in listed["tool_calls"][0]["args"] and counts["dat_dai"] >= 2
    for key, n in counts.items():
        assert f"- {CATEGORIES[key]}: {_n(n)}," in listed["reply"]
