"""Report drafts edited in the browser before downloading (issue 20): the .docx says what was edited, an unfilled
placeholder still blocks; the signer's name from the committee roster (the standing board's chair of the current
term); a neutral tone and a “Tồn tại, hạn chế” section in every kind of draft. Documents read back with
python-docx; the pages on a running platform."""

from __future__ import annotations

import re
import secrets
from html import unescape

import httpx2
import pytest

from mattran.domain.reports.brief import OUTLINES, TITLES
from mattran.domain.reports.document import check_filled, to_markdown
from mattran.domain.reports.docx_format import build_docx
from mattran.domain.reports.request import ReportKind, parse_request
from mattran.domain.reports.writer import compose
from tests.support.checks import csrf_token
from tests.support.platform import Platform, bearer, owner_rows
from tests.support.reports import AS_OF, VAN_MIEU, docx_text, figure, gathered

REQUESTS = {
    ReportKind.PETITIONS: "Báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị của xã Văn Miếu năm 2026",
    ReportKind.VOTER_OPINIONS: "Tổng hợp ý kiến cử tri xã Văn Miếu gửi kỳ họp HĐND tỉnh cuối năm 2026",
    ReportKind.CONGRESS: "Báo cáo tiến độ đại hội xã Văn Miếu",
    ReportKind.MEMBERS: "Báo cáo tình hình ủy viên của xã Văn Miếu",
}
PRAISE = ("Ưu điểm", "Nhìn chung", "đúng định hướng", "hiệu quả cao", "tốt đẹp")


@pytest.mark.parametrize("kind", list(ReportKind))
async def test_every_kind_of_draft_has_a_limitations_section_in_a_neutral_tone(kind: ReportKind) -> None:
    assert "han_che" in OUTLINES[kind]
    figures = (  # what the congress sections always cite (gathered for every unit)
        [
            figure("congress.units", "Đơn vị phải tổ chức đại hội", 1),
            figure("congress.held", "Đã tổ chức", 1),
            figure("congress.held_share", "Tỷ lệ đã tổ chức", 1.0, share=True),
            figure("congress.preparing", "Đang chuẩn bị", 0),
            figure("congress.not_started", "Chưa triển khai", 0),
        ]
        if kind == ReportKind.CONGRESS
        else []
    )
    document = await compose(VAN_MIEU, gathered(kind, figures), parse_request(REQUESTS[kind], AS_OF.date()))
    check_filled(document)
    markdown, docx = to_markdown(document), docx_text(build_docx(document))
    for text in (markdown, docx):
        assert "TỒN TẠI, HẠN CHẾ" in text
        assert not [word for word in PRAISE if word in text]


async def test_the_limitations_say_what_the_figures_show_and_the_signer_signs_under_the_title() -> None:
    figures = [
        figure("petitions.received", "Phản ánh, kiến nghị tiếp nhận", 12),
        figure("petitions.resolved", "Đã trả lời", 9),
        figure("petitions.resolved_share", "Tỷ lệ đã trả lời", 0.75, share=True),
        figure("petitions.answered_on_time", "Trả lời đúng hạn", 8),
        figure("petitions.overdue", "Quá hạn chưa trả lời", 2),
        figure("petitions.answered_late", "Trả lời quá hạn", 1),
        figure("petitions.forwarded", "Đã chuyển cơ quan có thẩm quyền", 3),
    ]
    request = parse_request(REQUESTS[ReportKind.PETITIONS], AS_OF.date())
    document = await compose(VAN_MIEU, gathered(ReportKind.PETITIONS, figures), request, signer="Hà Thị Chủ Tịch")
    check_filled(document)
    (limits,) = [s for s in document.sections if s.key == "han_che"]
    assert limits.title == TITLES["han_che"] == "Tồn tại, hạn chế"
    docx = docx_text(build_docx(document))
    assert "- Còn 2 phản ánh, kiến nghị quá hạn chưa được trả lời;" in docx
    assert "- 1 phản ánh, kiến nghị được trả lời sau thời hạn;" in docx
    assert "Chưa nhận được văn bản trả lời của cơ quan có thẩm quyền" in docx
    assert re.search(r"CHỦ TỊCH\n(\n)*Hà Thị Chủ Tịch", docx)  # under the title, after the space to sign
    assert "**Hà Thị Chủ Tịch**" in to_markdown(document)
    quiet = await compose(VAN_MIEU, gathered(ReportKind.PETITIONS, figures[:4]), request)
    (limits,) = [s for s in quiet.sections if s.key == "han_che"]
    assert [b.text for b in limits.blocks] == [
        "Qua số liệu theo dõi trên nền tảng, trong kỳ chưa ghi nhận tồn tại, hạn chế cần nêu."
    ]
    assert "Hà Thị" not in docx_text(build_docx(quiet))  # no roster: the title alone


def test_a_draft_edited_in_the_browser_is_what_the_docx_says(platform: Platform) -> None:
    ((unit,),) = owner_rows(
        platform, "select code from units where parent_code = %s order by code offset 20 limit 1", "15"
    )
    chair = f"Lò Thị Chủ Tịch {secrets.token_hex(2).upper()}"
    province = bearer(platform, "province_cadre", "15")
    for name, position in ((chair, "Chủ tịch"), (f"Vàng A Phó {secrets.token_hex(2)}", "Phó Chủ tịch")):
        added = httpx2.post(
            f"{platform.base_url}/api/members",
            json={"unit_code": unit, "full_name": name, "position": position, "term": "2024–2029"},
            headers=province,
            timeout=60,
        )
        assert added.status_code == 201, added.text
    cadre = bearer(platform, "commune_cadre", unit)
    made = httpx2.post(
        f"{platform.base_url}/api/reports",
        json={"request": "Báo cáo tình hình ủy viên", "unit_code": unit},
        headers=cadre,
        timeout=120,
    )
    assert made.status_code == 200, made.text
    report = made.json()["report_id"]
    with httpx2.Client(base_url=platform.base_url, headers={**cadre, "Accept": "text/html"}, timeout=60) as client:
        shown = client.get(f"/can-bo/bao-cao/{report}")
        assert f'href="/can-bo/bao-cao/{report}/sua"' in shown.text and chair in shown.text
        first = docx_text(client.get(f"/api/reports/{report}/versions/1.docx").content)
        assert chair in first and "TỒN TẠI, HẠN CHẾ" in first
        form = client.get(f"/can-bo/bao-cao/{report}/sua")
        assert form.status_code == 200 and f'value="{chair}"' in form.text
        token = csrf_token(form.text)
        sections = re.findall(r'name="(section_title_\d+)"[^>]*value="([^"]*)"', form.text)
        texts = dict(re.findall(r'name="(section_text_\d+)"[^>]*>([^<]*)</textarea>', form.text))
        assert len(sections) == len(texts) == 5 and "{{" not in "".join(texts.values())  # figures put in
        edited = {
            "csrf_token": token,
            "summary": "Tình hình ủy viên Ủy ban MTTQ xã (bản đã sửa)",
            "place_date": "Lào Cai, ngày 06 tháng 12 năm 2026",
            "intro": "Ban Thường trực báo cáo tình hình ủy viên như sau:",
            "recipients": "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh Lào Cai (để báo cáo)\nLưu: VT.",
            "signer": chair,
            **{key: unescape(value) for key, value in sections},
            **{key: unescape(value) for key, value in texts.items()},
        }
        edited["section_title_1"] = "Số lượng ủy viên"
        edited["section_text_1"] = "Ủy ban có đủ ủy viên theo cơ cấu được phê duyệt.\n- Một gạch đầu dòng đã sửa"
        assert client.post(f"/can-bo/bao-cao/{report}/sua", data={**edited, "csrf_token": ""}).status_code == 403
        saved = client.post(f"/can-bo/bao-cao/{report}/sua", data=edited)
        assert saved.status_code == 303 and saved.headers["location"].endswith("v=2")
        page = client.get(saved.headers["location"])
        assert "Ủy ban có đủ ủy viên theo cơ cấu được phê duyệt." in page.text
        second = docx_text(client.get(f"/api/reports/{report}/versions/2.docx").content)
        assert "I. SỐ LƯỢNG ỦY VIÊN" in second and "Ủy ban có đủ ủy viên theo cơ cấu được phê duyệt." in second
        assert "- Một gạch đầu dòng đã sửa" in second and "(bản đã sửa)" in second
        assert "Lào Cai, ngày 06 tháng 12 năm 2026" in second and chair in second
        old = "được cập nhật trên nền tảng là"  # the first section's drafted text
        assert old in first and old not in second
        blocked = client.post(
            f"/can-bo/bao-cao/{report}/sua",
            data={**edited, "section_text_2": "Có {{members.khong_co}} ủy viên."},
        )
        assert blocked.status_code == 422 and "chưa điền số liệu" in blocked.text
        assert "Có {{members.khong_co}} ủy viên." in blocked.text  # the cadre's text is kept to correct
        assert client.get(f"/api/reports/{report}/versions/3.docx").status_code == 404
        other = bearer(platform, "commune_cadre", "08611")
        assert client.get(f"/can-bo/bao-cao/{report}/sua", headers=other).status_code in (403, 404)
