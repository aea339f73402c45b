"""Report tool: draft an advisory report from one sentence, on the caller's scope, saved as a draft with a .docx.

It changes no domain data (petitions, members, congresses): it reads figures within the scope and saves a draft
of the cadre's own, which can be revised or dropped; so it runs without a confirmation step (``changes_data``
False), like the other read tools. The draft's prose is written by ``services.section_writer`` (the configured
language model's, see :func:`mattran.domain.reports.writer.model_section_writer`, else the templates'); the figures
are the same either way.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mattran.domain.permissions import Operation
from mattran.domain.reports import service as reports
from tools.base import ToolContext, domain_refusals, tool
from tools.names import ToolName


class DraftReportArgs(BaseModel):
    """Arguments of ``draft_report``."""

    request: str = Field(min_length=5, max_length=2000, description="Yêu cầu soạn báo cáo, một câu tiếng Việt.")
    unit_code: str | None = Field(
        default=None,
        max_length=10,
        description="Đơn vị báo cáo, nếu đã xác định (mặc định: theo yêu cầu hoặc đơn vị của cán bộ).",
    )


@tool(ToolName.DRAFT_REPORT, Operation.REPORT_DRAFT)
async def draft_report(ctx: ToolContext, args: DraftReportArgs) -> dict[str, Any]:
    """Soạn dự thảo báo cáo tham mưu (tình hình phản ánh, kiến nghị; tổng hợp ý kiến cử tri; tiến độ đại hội; ủy
    viên Ủy ban MTTQ) từ số liệu trong phạm vi của cán bộ, theo thể thức Nghị định 30/2020/NĐ-CP; lưu bản nháp và
    tệp .docx."""
    with domain_refusals():
        draft = await reports.draft_report(
            ctx.services.db,
            ctx.services.resolver,
            ctx.principal,
            args.request,
            unit_code=args.unit_code,
            writer=ctx.services.section_writer,
        )
    return draft.model_dump(
        mode="json",
        include={
            "report_id",
            "version",
            "kind_label",
            "title",
            "unit_code",
            "unit_name",
            "period_label",
            "markdown",
            "docx_url",
            "page_url",
        },
    )
