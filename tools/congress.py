"""Congress tools: progress of the congresses in a scope, and updating one unit's congress (with confirmation)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mattran.domain import congress
from mattran.domain.congress import CongressChange
from mattran.domain.permissions import Operation
from tools.base import ToolContext, in_scope, tool
from tools.names import ToolName

_LISTED = 10  # provinces ranked, units not yet held named


class ProgressArgs(BaseModel):
    """Arguments of ``get_congress_progress``."""

    unit_code: str | None = Field(default=None, max_length=10, description="Tỉnh, xã hoặc TW (mặc định: phạm vi).")
    term: str | None = Field(default=None, description="Nhiệm kỳ, ví dụ 2024–2029.")
    month: int | None = Field(default=None, ge=1, le=12, description="Đếm đại hội tổ chức, dự kiến trong tháng này.")
    year: int | None = Field(default=None, ge=2000, le=2100, description="Năm của tháng (mặc định: mọi năm).")
    compare: list[str] = Field(
        default_factory=list, max_length=2, description="Hai đơn vị cần so sánh (mã), trong phạm vi của cán bộ."
    )
    compare_level: int | None = Field(
        default=None, ge=0, le=2, description="So sánh riêng một cấp (1: tỉnh, 2: xã, phường); bỏ trống = mọi cấp."
    )
    compare_on: Literal["held", "not_started", "delegates_attending", "delegates_planned", "committee_size"] = Field(
        default="held",
        description="So sánh số đơn vị đã tổ chức, chưa triển khai, số đại biểu có mặt, được triệu tập, hoặc số ủy "
        "viên được bầu.",
    )


class UpdateArgs(BaseModel):
    """Arguments of ``update_congress``."""

    unit_code: str = Field(max_length=10, description="Mã đơn vị có đại hội cần cập nhật.")
    change: CongressChange = Field(description="Các thông tin cần ghi; thông tin không nêu giữ nguyên.")


@tool(ToolName.GET_CONGRESS_PROGRESS, Operation.CONGRESS_READ)
async def get_congress_progress(ctx: ToolContext, args: ProgressArgs) -> dict[str, Any]:
    """Tiến độ đại hội MTTQ trong phạm vi của cán bộ: số và tỷ lệ đơn vị đã tổ chức, theo trạng thái, theo cấp,
    theo tỉnh; số đại biểu được triệu tập, có mặt, số ủy viên được bầu; các đơn vị chưa tổ chức; số đại hội tổ chức,
    dự kiến trong một tháng (``month``)."""
    async with in_scope(ctx) as conn:
        progress = await congress.congress_progress(conn, ctx.principal, args.unit_code, args.term)
        delegates = await congress.delegate_totals(conn, ctx.principal, progress.unit_code, progress.term)
        statuses = await congress.statuses_by_level(conn, ctx.principal, progress.unit_code, progress.term)
        in_month = (
            await congress.month_counts(conn, ctx.principal, progress.unit_code, progress.term, args.month, args.year)
            if args.month
            else []
        )
        compared = [
            (
                await congress.congress_progress(conn, ctx.principal, code, args.term),
                await congress.delegate_totals(conn, ctx.principal, code, progress.term),
            )
            for code in args.compare
        ]
    result = progress.model_dump(
        mode="json", include={"unit_code", "unit_name", "level", "term", "summary", "by_status", "by_level"}
    )
    for group in result["by_level"]:
        group["by_status"] = [c.model_dump(mode="json") for c in statuses.get(int(group["key"]), [])]
    provinces = sorted(progress.by_province, key=lambda g: (-g.share, -g.held, g.label))
    waiting = [u for u in progress.units if u.status not in congress.HELD]
    if compared:
        result["compared"] = [_held(p, d, args.compare_level) for p, d in compared]
        result["compare_on"] = args.compare_on
    return result | {
        "delegates": [d.model_dump() for d in delegates],
        "by_province": [g.model_dump(mode="json") for g in provinces[:_LISTED]],
        "not_held": [{"code": u.code, "name": u.name, "status_label": u.status_label} for u in waiting[:_LISTED]],
        "month": {"month": args.month, "year": args.year, "counts": [c.model_dump() for c in in_month]}
        if args.month
        else None,
        "unit": next((u.model_dump(mode="json") for u in progress.units if u.code == progress.unit_code), None),
    }


def _held(
    progress: congress.CongressProgress, delegates: list[congress.DelegateTotals], level: int | None
) -> dict[str, Any]:
    """One compared unit's subtree (of one level, when asked): units that held their congress, delegates present
    and summoned, members elected."""
    group = next((g for g in progress.by_level if g.key == str(level)), None) if level is not None else None
    chosen = group or progress.summary
    totals = next((d for d in delegates if d.key == (str(level) if group else "all")), delegates[0])
    return (
        {"unit_code": progress.unit_code, "unit_name": progress.unit_name, "level": level if group else None}
        | chosen.model_dump(include={"held", "not_started", "total", "share"})
        | totals.model_dump(include={"delegates_attending", "delegates_planned", "committee_size"})
    )


@tool(ToolName.UPDATE_CONGRESS, Operation.CONGRESS_UPDATE, changes_data=True)
async def update_congress(ctx: ToolContext, args: UpdateArgs) -> dict[str, Any]:
    """Cập nhật tình hình, kết quả đại hội của một đơn vị trong phạm vi (cần xác nhận trước khi ghi)."""
    async with in_scope(ctx) as conn:
        updated = await congress.update_congress(conn, ctx.principal, args.unit_code, args.change)
    return updated.model_dump(mode="json")
