"""What the four kinds of report say for every demo unit, drafted from prompts typed without diacritics: no
placeholder, no unaccented word of the prompt, no petition quoted that was not accepted (nor one of emoji only),
the unit's own place on the place line, and a province never among its own late units."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest

from mattran.auth.principal import Principal, Role
from mattran.domain.reports.service import draft_report
from mattran.domain.time import VIETNAM
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.store.db import Database
from tests.support.platform import Platform, owner_rows

CENTRAL = Principal(
    subject="thu-bao-cao-tw", name="Thử", roles=frozenset({Role.CENTRAL_CADRE}), unit_code="TW", unit_path="vn"
)
NOW = datetime.now(VIETNAM) + timedelta(minutes=30)  # after the petitions below are filed
PROMPTS = {
    "voter_opinions": "tong hop y kien cu tri gui ky hop hdnd tinh cuoi nam 2026",
    "petitions": "bao cao tinh hinh tiep nhan giai quyet phan anh kien nghi nam 2026",
    "congress": "bao cao tien do dai hoi",
    "members": "bao cao tinh hinh uy vien",
}
# words of the prompts that are never written so in Vietnamese (with their diacritics they are)
UNACCENTED = {
    "ky",
    "hop",
    "hdnd",
    "tinh",
    "cuoi",
    "tong",
    "kien",
    "gui",
    "tiep",
    "nhan",
    "giai",
    "quyet",
    "phan",
    "nghi",
    "tien",
    "dai",
    "hoi",
    "vien",
    "cu",
    "hinh",
}
FILER = {"X-Forwarded-For": "198.51.100.61"}  # an allowance of its own: the shared platform limits guests per address
VAN_MIEU = "08611"
DECLINED = "Hàng xóm nuôi chó sủa to suốt đêm không ngủ được"
WAITING = "Đề nghị lắp thêm biển báo giảm tốc ở cổng chợ Văn Miếu"
EMOJI = "😡😡😡 🙏🙏🙏 👎👎👎 😡😡😡 🙏🙏🙏 👎👎👎"
QUOTED = "Đường liên thôn xuống cấp nhiều ổ gà sâu"


def _act(platform: Platform, code: str, headers: Mapping[str, str], **action: object) -> None:
    done = httpx2.post(f"{platform.base_url}/api/petitions/{code}/actions", json=action, headers=dict(headers))
    assert done.status_code == 200, done.text


def _published(platform: Platform, headers: Mapping[str, str], title: str, content: str) -> None:
    body = {"title": title, "content": content, "unit_code": VAN_MIEU, "category": "ha_tang"}
    code = httpx2.post(f"{platform.base_url}/api/petitions", json=body, headers=FILER).json()["tracking_code"]
    _act(platform, code, headers, action="accept")
    _act(platform, code, headers, action="answer", answer="Ủy ban đã chuyển UBND xã xem xét, sửa chữa trong quý I.")
    draft = httpx2.get(f"{platform.base_url}/api/petitions/{code}/publication", headers=dict(headers)).json()
    _act(
        platform,
        code,
        headers,
        action="publish",
        title_public=draft["title"]["proposed"],
        content_public=draft["content"]["proposed"],
        answer_public=draft["answer"]["proposed"],
    )


@pytest.fixture(scope="module")
def petitions(platform: Platform) -> None:
    """In Văn Miếu: one accepted and published, one published of emoji only, one declined, one waiting."""
    token = platform.mint({"sub": "thu-bc-xa", "name": "Thử", "roles": ["commune_cadre"], "unit": VAN_MIEU})
    headers = {"Authorization": f"Bearer {token}"}
    _published(platform, headers, "Đường liên thôn xuống cấp", QUOTED + ", đề nghị sửa chữa trước mùa mưa.")
    _published(platform, headers, "Ý kiến", EMOJI)
    for title, content in (("Tiếng ồn", DECLINED + ", đề nghị nhắc nhở."), ("Biển báo", WAITING + ", tránh tai nạn.")):
        body = {"title": title, "content": content, "unit_code": VAN_MIEU, "category": "ha_tang"}
        code = httpx2.post(f"{platform.base_url}/api/petitions", json=body, headers=FILER).json()["tracking_code"]
        if content.startswith(DECLINED):
            _act(platform, code, headers, action="decline", reason="Tranh chấp dân sự, không thuộc phạm vi.")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text))


async def test_every_kind_for_every_demo_unit(platform: Platform, app_db: Database, petitions: None) -> None:
    async with app_db.transaction(Scope.public()) as conn:
        resolver = await load_resolver(conn)
    units = [r[0] for r in owner_rows(platform, "select distinct unit_code from members order by 1")]
    assert len(units) > 10 and VAN_MIEU in units and "25" in units and "TW" in units
    quoted = 0
    for code in units:
        unit = resolver.units[code]
        place = "Hà Nội" if code == "TW" else unit.short_name
        for kind, prompt in PROMPTS.items():
            draft = await draft_report(app_db, resolver, CENTRAL, prompt, unit_code=code, now=NOW)
            text: Any = draft.markdown
            where = f"{kind} {code}"
            assert draft.kind == kind, where
            assert "{{" not in text and "}}" not in text, where
            assert not _words(text) & UNACCENTED, (where, _words(text) & UNACCENTED)
            assert f"*{place}, ngày ... tháng {NOW.month} năm {NOW.year}*" in text, where
            assert DECLINED not in text and WAITING not in text and "😡" not in text, where
            quoted += QUOTED in text
            if kind == "voter_opinions":
                assert "kỳ họp HĐND tỉnh cuối năm" in draft.title, where
            if kind == "congress" and code != "TW":
                late = re.search(r"đơn vị trực thuộc đã quá ngày dự kiến[^:]*: ([^\n]*)", text)
                assert not late or unit.name not in [n.strip(" .") for n in late.group(1).split(", ")], where
    assert quoted >= 2  # Văn Miếu's own report and its province's (the tree above it) quote the accepted one
