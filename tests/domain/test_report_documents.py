"""A report's document before the store: every placeholder filled (keys with spaces and diacritics included), an
unfilled one blocks the draft, and the header's place line."""

from __future__ import annotations

import pytest

from mattran.domain.reports.document import UnfilledPlaceholder, check_filled, fill, to_markdown
from mattran.domain.reports.docx_format import build_docx
from mattran.domain.reports.figures import Gathered
from mattran.domain.reports.request import ReportKind, parse_request
from mattran.domain.reports.writer import compose
from tests.support.reports import AS_OF, VAN_MIEU, docx_paragraphs, figure, gathered


def _members() -> Gathered:
    figures = [
        figure("members.total", "Tổng số ủy viên", 40, counted="Ủy viên"),
        figure("members.gender:nu", "Giới tính: Nữ", 15, counted="Ủy viên"),
        figure("members.female_share", "Tỷ lệ nữ", 0.375, share=True, counted="Nữ"),
        figure("members.religion:Công giáo", "Tôn giáo: Công giáo", 7, counted="Ủy viên"),
        figure("members.religion:Phật giáo Hòa Hảo", "Tôn giáo: Phật giáo Hòa Hảo", 2, counted="Ủy viên"),
        figure(
            "members.organisation:Hội Liên hiệp Phụ nữ",
            "Tổ chức thành viên: Hội Liên hiệp Phụ nữ",
            5,
            counted="Ủy viên",
        ),
        figure("members.position:Phó Chủ tịch", "Chức vụ: Phó Chủ tịch", 2, counted="Ủy viên"),
    ]
    return gathered(ReportKind.MEMBERS, figures)


async def test_names_with_spaces_are_filled_on_the_page_and_in_the_docx() -> None:
    request = parse_request("Báo cáo tình hình ủy viên của xã Văn Miếu", AS_OF.date())
    document = await compose(VAN_MIEU, _members(), request)
    check_filled(document)
    markdown = to_markdown(document)
    docx = docx_paragraphs(build_docx(document))
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
