"""The Front's dates are Vietnamese dates: deadlines around midnight, working days without Vietnam's public holidays
(seeded, extended by an operator), a state body's reply due date, text, document date and document."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx2
import psycopg

from mattran.domain.petition_text import Deadlines, add_working_days
from mattran.domain.petitions.models import Action
from mattran.domain.petitions.transitions import changes
from mattran.domain.time import VIETNAM
from tests.support.checks import csrf_token, found
from tests.support.platform import Platform, bearer
from web.render import vn_date

TET_2026 = {date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20)}
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
BA_DINH = "00004"


def _row() -> dict[str, object]:
    return {"category": "ha_tang", "unit_code": BA_DINH, "forwarded_to": "UBND phường Ba Đình"}


def test_a_reply_due_date_entered_is_the_date_shown() -> None:
    changed, detail = changes(
        _row(), Action(action="forward", agency="UBND phường", reply_due=date(2026, 12, 15)), None, Deadlines(15, {})
    )
    assert vn_date(changed["reply_due_at"]) == "15/12/2026" and detail["reply_due"] == "2026-12-15"
    assert changed["reply_due_at"].astimezone(VIETNAM).date() == date(2026, 12, 15)


def test_working_days_are_counted_on_vietnamese_days_around_midnight() -> None:
    friday_night = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 23:30 Friday in Vietnam
    saturday_early = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # 00:30 Saturday in Vietnam, still Friday in UTC
    assert vn_date(add_working_days(friday_night, 1)) == "07/12/2026"  # Monday
    assert vn_date(add_working_days(saturday_early, 1)) == "07/12/2026"  # Monday too, not Tuesday
    assert vn_date(Deadlines(1, {}).due("khac", saturday_early)) == "07/12/2026"


def test_working_days_skip_public_holidays() -> None:
    before_tet = datetime(2026, 2, 13, 9, tzinfo=VIETNAM)  # Friday before Tết Bính Ngọ
    assert add_working_days(before_tet, 1, TET_2026).date() == date(2026, 2, 23)
    assert add_working_days(before_tet, 1).date() == date(2026, 2, 16)
    assert Deadlines(2, {}).due("khac", before_tet, TET_2026).date() == date(2026, 2, 24)


def test_the_holiday_table_is_seeded_and_an_operator_adds_a_day(platform: Platform) -> None:
    with psycopg.connect(platform.owner_uri()) as conn:
        days = {r[0] for r in conn.execute("select day from public_holidays")}
    assert days >= TET_2026 and {date(2025, 4, 7), date(2026, 4, 26), date(2030, 2, 2), date(2027, 9, 2)} <= days
    assert {d.year for d in days} == set(range(2025, 2031))
    added = platform.mattran("holiday", "add", "2026-01-02", "Nghỉ Tết Dương lịch do Chính phủ quyết định")
    assert added.returncode == 0, added.stderr
    again = platform.mattran("holiday", "add", "2026-01-02", "Lặp lại")
    assert again.returncode != 0 and "đã là ngày nghỉ" in again.stderr
    listed = platform.mattran("holiday", "list", "2026")
    assert "02/01/2026" in listed.stdout and "17/02/2026" in listed.stdout


def test_the_cadre_page_shows_the_agency_reply_its_document_date_and_document(platform: Platform) -> None:
    filed = httpx2.post(
        f"{platform.base_url}/api/petitions",
        json={
            "title": "Cống tắc phố Đội Cấn",
            "content": "Cống thoát nước phố Đội Cấn bị tắc lâu ngày.",
            "unit_code": BA_DINH,
        },
    ).json()
    code = filed["tracking_code"]
    headers = {**bearer(platform, "commune_cadre", BA_DINH), "Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=headers, timeout=60) as client:
        path = f"/can-bo/phan-anh/{code}"
        token = csrf_token(client.get(path).text)
        for step in (
            {"action": "accept"},
            {"action": "start"},
            {"action": "forward", "agency": "UBND phường Ba Đình", "reply_due": "2026-12-15"},
        ):
            assert client.post(path, data={**step, "csrf_token": token}).status_code == 303
        page = client.get(path).text
        assert "hạn trả lời 15/12/2026" in page and "16/12/2026" not in page
        reply = {
            "action": "record_reply",
            "reply_date": "2026-11-20",
            "reply_text": "UBND phường sẽ nạo vét cống phố Đội Cấn trong tháng 12.",
            "csrf_token": token,
        }
        done = client.post(path, data=reply, files=[("document", ("cong-van.pdf", PDF, "application/pdf"))])
        assert done.status_code == 303 and "loi=" not in done.headers["location"]
        page = client.get(path).text
        shown = found(r'id="agency-reply">(.*?)</td>', page.replace("\n", " "))
        assert "Văn bản ngày 20/11/2026" in shown and "sẽ nạo vét cống phố Đội Cấn" in shown
        link = found(r'href="(/can-bo/phan-anh/[^"]+/tep/\d+)">cong-van.pdf<', shown)
        assert client.get(link).content == PDF
