"""The cadres' petition list at scale (issue 20): 1,000 petitions searched without diacritics, filtered, sorted and
paged with a true count through `GET /api/petitions` and `/can-bo/phan-anh`, exported to Excel, within scope."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

import httpx2
import psycopg
import pytest
from openpyxl import load_workbook

from tests.support.platform import Platform

N = 1000


def _headers(platform: Platform, sub: str, unit: str, role: str = "commune_cadre") -> dict[str, str]:
    token = platform.mint({"sub": sub, "name": "Cán bộ thử", "roles": [role], "unit": unit})
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


@pytest.fixture(scope="module")
def units(platform: Platform) -> Iterator[tuple[str, str, str]]:
    """A province, one of its communes holding 1,000 petitions (half of them about a village road), and another
    of its communes; inserted in one statement. The overdue ones stay locked while the module runs, so that the
    shared platform's periodic escalation (which skips locked rows) leaves them where the tests count them."""
    with psycopg.connect(platform.owner_uri()) as conn:
        row = conn.execute(
            "select c.code, c.path::text, c.parent_code,"
            " (select o.code from units o where o.parent_code = c.parent_code and o.code <> c.code limit 1)"
            " from units c where c.level = 2 and c.parent_code = '01' order by c.code desc limit 1"
        ).fetchone()
        assert row is not None
        commune, path, province, other = row
        conn.execute(
            "insert into petitions (tracking_code, unit_code, unit_path, title, content, content_public, category,"
            " suggested_category, status, channel, assigned_to, due_at, created_at, forwarded_to, reply_due_at)"
            " select 'PAKN-2026-8' || lpad(i::text, 5, '0'), %(c)s, %(p)s::ltree,"
            " case when i %% 2 = 0 then 'Đường làng số ' || i || ' hư hỏng' else 'Rác thải ở chợ số ' || i end,"
            " 'Nội dung phản ánh số ' || i, 'Nội dung phản ánh số ' || i, case when i %% 4 = 0 then 'ha_tang'"
            " else 'moi_truong' end, 'khac', case when i %% 10 = 0 then 'accepted' else 'received' end, 'web',"
            " case when i %% 25 = 0 then 'can-bo-duoc-giao' end,"
            " case when i %% 20 = 0 then now() - interval '1 day' else now() + interval '30 days' end,"
            " now() - i * interval '1 minute', case when i = 7 then 'UBND xã' end,"
            " case when i = 7 then now() - interval '2 days' when i = 9 then now() + interval '2 days' end"
            " from generate_series(1, %(n)s) i",
            {"c": commune, "p": path, "n": N},
        )
    with psycopg.connect(platform.owner_uri()) as held, held.transaction():
        held.execute("select id from petitions where tracking_code like 'PAKN-2026-8%%' and due_at < now() for update")
        yield province, commune, other


def _list(platform: Platform, headers: dict[str, str], **params: object) -> tuple[list[dict[str, object]], int]:
    r = httpx2.get(f"{platform.base_url}/api/petitions", params=params, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    return r.json(), int(r.headers["X-Total-Count"])


def test_the_api_searches_filters_sorts_and_pages_with_a_true_total(
    platform: Platform, units: tuple[str, str, str]
) -> None:
    province, commune, other = units
    cadre = _headers(platform, "can-bo-duoc-giao", commune)
    rows, total = _list(platform, cadre)
    assert total == N and len(rows) == 200  # the contract's default page
    assert {"tracking_code", "title", "status", "due_at", "created_at", "assigned_to"} <= rows[0].keys()
    assert rows[0]["tracking_code"] == "PAKN-2026-800001"  # newest first
    page, total = _list(platform, cadre, page=3, per_page=50)
    assert total == N and page[0]["tracking_code"] == "PAKN-2026-800101"
    found, total = _list(platform, cadre, q="duong lang", per_page=500)  # without diacritics
    assert total == 500 and all(str(r["title"]).startswith("Đường làng") for r in found)
    assert _list(platform, cadre, q=" ĐƯỜNG LÀNG SỐ 48 HƯ ")[1] == 1
    assert _list(platform, cadre, status="accepted")[1] == 100
    assert _list(platform, cadre, category="ha_tang", q="duong")[1] == 250
    assert _list(platform, cadre, overdue="true")[1] == 50
    assert _list(platform, cadre, assigned="true")[1] == 40
    assert _list(platform, _headers(platform, "ai-khac", commune), assigned="true")[1] == 0
    due_first, _ = _list(platform, cadre, sort="due", per_page=50)
    assert all(int(str(r["tracking_code"])[-4:]) % 20 == 0 for r in due_first)  # the overdue ones first
    assert _list(platform, _headers(platform, "xa-khac", other))[1] < N  # another commune: not these
    head = _headers(platform, "tinh", province, "province_cadre")
    assert _list(platform, head, unit=commune)[1] == N  # the unit below
    assert _list(platform, head, unit=other, q="duong lang")[1] == 0
    r = httpx2.get(f"{platform.base_url}/api/petitions", params={"sort": "khac"}, headers=cadre, timeout=60)
    assert r.status_code == 422


def test_the_page_shows_the_count_columns_and_paging_and_exports_the_filtered_list(
    platform: Platform, units: tuple[str, str, str]
) -> None:
    _, commune, _ = units
    cadre = _headers(platform, "can-bo-duoc-giao", commune) | {"Accept": "text/html"}
    with httpx2.Client(base_url=platform.base_url, headers=cadre, timeout=60) as client:
        page = client.get("/can-bo/phan-anh", params={"q": "rac thai", "page": 2})
        assert page.status_code == 200
        html = page.text
        assert "51–100 / 500" in html and "Ngày nhận" in html and "Cán bộ được giao" in html
        assert "Trang 2 / 10" in html and "page=3" in html and "Rác thải ở chợ" in html
        assert "Đường làng" not in html
        assert "1–50 / 1.000" in client.get("/can-bo/phan-anh").text
        export = client.get("/can-bo/phan-anh.xlsx", params={"q": "duong lang", "overdue": "true"})
        assert export.status_code == 200
        sheet = load_workbook(BytesIO(export.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == (
            "Mã phản ánh",
            "Ngày nhận",
            "Tiêu đề",
            "Đơn vị",
            "Lĩnh vực",
            "Tình trạng",
            "Hạn xử lý",
            "Cán bộ được giao",
        )
        assert len(rows) == 1 + 50 and all(str(r[2]).startswith("Đường làng") for r in rows[1:])
        assert {r[5] for r in rows[1:]} == {"Đã thụ lý"} and not any("@" in str(c) for r in rows for c in r)


def test_the_work_queue_counts_and_lists_what_needs_doing_and_links_to_the_filtered_list(
    platform: Platform, units: tuple[str, str, str]
) -> None:
    _, commune, _ = units
    cadre = _headers(platform, "can-bo-duoc-giao", commune) | {"Accept": "text/html"}
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute("update petitions set due_at = now() + interval '3 days' where tracking_code = 'PAKN-2026-800003'")
    html = httpx2.get(f"{platform.base_url}/can-bo", headers=cadre, timeout=60).text
    queue = html[html.index('id="work-queue"') : html.index("</section>")]
    lines = {
        label: queue[queue.index(label) :].split("</tr>")[0]
        for label in ("Phản ánh mới", "Đến hạn trong tuần", "Quá hạn xử lý", "quá hạn trả lời", "Giao cho tôi")
    }
    assert "<td>900</td>" in lines["Phản ánh mới"] and "Rác thải ở chợ số 1<" in lines["Phản ánh mới"]
    assert "<td>1</td>" in lines["Đến hạn trong tuần"] and "Rác thải ở chợ số 3<" in lines["Đến hạn trong tuần"]
    assert "<td>50</td>" in lines["Quá hạn xử lý"] and "Đường làng số 20 hư hỏng" in lines["Quá hạn xử lý"]
    assert "<td>1</td>" in lines["quá hạn trả lời"] and "Rác thải ở chợ số 7<" in lines["quá hạn trả lời"]
    assert "<td>40</td>" in lines["Giao cho tôi"]
    assert 'href="/can-bo/phan-anh?overdue=true&amp;sort=due"' in queue
    assert "Đại hội quá ngày dự kiến" in queue
    listed = httpx2.get(f"{platform.base_url}/api/petitions", params={"reply_overdue": "true"}, headers=cadre)
    assert listed.headers["X-Total-Count"] == "1"
