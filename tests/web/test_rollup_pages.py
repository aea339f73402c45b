"""The roll-up page of the register for a province and the country (demo data, a running ``mattran up``): the shares
of women, ethnic minorities and people under 40, members by organisation, the units below ranked, charts as inline
SVG without a script; every figure compared with SQL run by the store's owner; scope refused outside."""

from __future__ import annotations

import re

import httpx2

from tests.support.checks import found
from tests.support.platform import Platform, bearer, owner_rows

_PLAIN = re.compile(r"<[^>]+>")
_SUBTREE = "m.unit_path <@ (select path from units where code = %s) and m.ended_on is null"


def _page(platform: Platform, role: str, unit: str | None, query: str = "") -> httpx2.Response:
    headers = {**bearer(platform, role, unit), "Accept": "text/html"}
    return httpx2.get(f"{platform.base_url}/can-bo/thanh-vien/tong-hop{query}", headers=headers, timeout=60)


def _pct(part: float, whole: float = 1) -> str:
    """As cadres read it: one decimal, with a comma, none when it is zero (``12,5%``, ``50%``)."""
    text = f"{100 * part / whole:.1f}".replace(".", ",")
    return text.removesuffix(",0") + "%"


def _cells(html: str, table: str) -> list[list[str]]:
    body = found(rf'(?s)<table id="{table}">.*?<tbody>(.*?)</tbody>', html)
    return [
        [" ".join(_PLAIN.sub(" ", c).split()) for c in re.findall(r"(?s)<td>(.*?)</td>", row)]
        for row in re.findall(r"(?s)<tr>(.*?)</tr>", body)
    ]


def test_a_provinces_rollup_matches_the_database(platform: Platform) -> None:
    ((members, women, minority, ethnic, young, aged),) = owner_rows(
        platform,
        "select count(*), count(*) filter (where gender = 'nu'),"
        " count(*) filter (where ethnicity <> 'Kinh'), count(ethnicity),"
        " count(*) filter (where extract(year from current_date)::int - birth_year < 40), count(birth_year)"
        f" from members m where {_SUBTREE}",
        "25",
    )
    page = _page(platform, "province_cadre", "25")
    assert page.status_code == 200 and "<script" not in page.text.split("<main", 1)[-1]
    assert found(r'id="rollup-total">([\d.]+)<', page.text) == f"{members:,}".replace(",", ".")
    chart = found(r'(?s)<svg id="ty-le".*?<title[^>]*>(.*?)</title>', page.text)
    assert f"Nữ {_pct(women, members)}" in chart
    assert f"Dân tộc thiểu số {_pct(minority, ethnic)}" in chart and f"Dưới 40 tuổi {_pct(young, aged)}" in chart
    ((farmers,),) = owner_rows(
        platform,
        f"select count(*) from members m join organisations o on o.id = m.organisation_id where {_SUBTREE}"
        " and o.name_key = fold_name('Hội Nông dân')",
        "25",
    )
    assert f"<td>Hội Nông dân</td><td>{farmers}</td>" in page.text
    ranked = owner_rows(  # per commune, and the province's own committee
        platform,
        "select count(*), count(*) filter (where m.gender = 'nu') from members m"
        f" where {_SUBTREE} group by subpath(m.unit_path, 0, least(nlevel(m.unit_path), 3))",
        "25",
    )
    by_women = _page(platform, "province_cadre", "25", "?xep_theo=women")
    rows = _cells(by_women.text, "units")
    assert len(rows) == len(ranked)
    best = max(n_women / n for n, n_women in ranked)
    assert rows[0][3] == _pct(best)
    shares = [float(r[3].rstrip("%").replace(",", ".")) for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert '<svg id="bieu-do-xep-hang"' in by_women.text and "Xếp hạng theo tỷ lệ nữ" in by_women.text


def test_the_country_ranks_its_provinces_and_scope_is_kept(platform: Platform) -> None:
    provinces = owner_rows(
        platform,
        "select u.name, count(*) from members m join units u on u.path = subpath(m.unit_path, 0, 2)"
        " where nlevel(m.unit_path) >= 2 and m.ended_on is null group by u.name order by 2 desc, 1",
    )
    page = _page(platform, "central_cadre", "TW")
    assert page.status_code == 200
    rows = _cells(page.text, "units")
    listed = {r[1]: int(r[2].replace(".", "")) for r in rows}
    assert all(listed[name] == n for name, n in provinces)
    assert _page(platform, "province_cadre", "25", "?unit=01").status_code == 403  # a sibling province
    assert _page(platform, "commune_cadre", "08611", "?unit=25").status_code == 403  # the parent
    assert _page(platform, "commune_cadre", "08611").status_code == 200
    below = _page(platform, "province_cadre", "25", "?unit=08611")  # a commune below the province
    assert below.status_code == 200 and "Văn Miếu" in below.text
    assert _page(platform, "citizen", None).status_code == 403
    anonymous = httpx2.get(f"{platform.base_url}/can-bo/thanh-vien/tong-hop", headers={"Accept": "text/html"})
    assert anonymous.status_code == 303
