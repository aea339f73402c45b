"""A report's document before the store: every placeholder filled (keys with spaces and diacritics included), an
unfilled one blocks the draft, and the header's place line."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from docx import Document as open_docx

from mattran.domain.reports.document import UnfilledPlaceholder, check_filled, fill, to_markdown
from mattran.domain.reports.docx_format import build_docx
from mattran.domain.reports.figures import Figure, FigureQuery, Gathered
from mattran.domain.reports.request import Period, ReportKind, parse_request
from mattran.domain.reports.writer import compose
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Level, Unit

AS_OF = datetime(2026, 12, 6, 9, 0, tzinfo=VIETNAM)
VAN_MIEU = Unit(
    code="08611",
    name="Xã Văn Miếu",
    short_name="Văn Miếu",
    type="Xã",
    level=Level.COMMUNE,
    parent_code="25",
    province_code="25",
    path="vn.25.08611",
    latitude=None,
    longitude=None,
    area_km2=None,
    province_name="Tỉnh Phú Thọ",
)


def _figure(key: str, label: str, value: int) -> Figure:
    return Figure(key=key, label=label, value=value, query=FigureQuery(counted="Ủy viên", units="Văn Miếu", dates="x"))


def _members() -> Gathered:
    figures = [
        _figure("members.total", "Tổng số ủy viên", 40),
        _figure("members.gender:nu", "Giới tính: Nữ", 15),
        Figure(
            key="members.female_share",
            label="Tỷ lệ nữ",
            value=0.375,
            share=True,
            query=FigureQuery(counted="Nữ", units="Văn Miếu", dates="x"),
        ),
        _figure("members.religion:Công giáo", "Tôn giáo: Công giáo", 7),
        _figure("members.religion:Phật giáo Hòa Hảo", "Tôn giáo: Phật giáo Hòa Hảo", 2),
        _figure("members.organisation:Hội Liên hiệp Phụ nữ", "Tổ chức thành viên: Hội Liên hiệp Phụ nữ", 5),
        _figure("members.position:Phó Chủ tịch", "Chức vụ: Phó Chủ tịch", 2),
    ]
    return Gathered(
        kind=ReportKind.MEMBERS,
        unit_code=VAN_MIEU.code,
        unit_name=VAN_MIEU.name,
        unit_level=VAN_MIEU.level,
        period=Period(start=date(2026, 1, 1), end=date(2026, 12, 6), label="năm 2026"),
        as_of=AS_OF,
        figures=figures,
    )


async def test_names_with_spaces_are_filled_on_the_page_and_in_the_docx() -> None:
    request = parse_request("Báo cáo tình hình ủy viên của xã Văn Miếu", AS_OF.date())
    document = await compose(VAN_MIEU, _members(), request)
    check_filled(document)
    markdown = to_markdown(document)
    docx = "\n".join(p.text for p in open_docx(io.BytesIO(build_docx(document))).paragraphs)
    for text in (markdown, docx):
        assert "{{" not in text and "}}" not in text
        assert "Công giáo: 7 người" in text and "Phật giáo Hòa Hảo: 2 người" in text
        assert "Hội Liên hiệp Phụ nữ: 5 người" in text and "Phó Chủ tịch: 2 người" in text


async def test_an_unfilled_placeholder_blocks_the_draft_with_a_vietnamese_error() -> None:
    request = parse_request("Báo cáo tình hình ủy viên của xã Văn Miếu", AS_OF.date())
    document = await compose(VAN_MIEU, _members(), request)
    figures = document.figures()
    assert fill("Có {{ members.religion:Công giáo }} người", figures) == "Có 7 người"
    for text in ("Có {{members.religion:Tin Lành}} người", "Có {{}} người", "Có {{members.total người"):
        with pytest.raises(UnfilledPlaceholder, match="chưa điền số liệu"):
            fill(text, figures)
    broken = document.model_copy(deep=True)
    broken.sections[0].blocks[0].text += " {{members.religion:Cao Đài}}"
    with pytest.raises(UnfilledPlaceholder):
        check_filled(broken)
