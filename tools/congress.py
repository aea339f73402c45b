"""Congress tools: progress of the congresses in a scope, and updating one unit's congress (with confirmation)."""

from __future__ import annotations

from typing import Any

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


class UpdateArgs(BaseModel):
    """Arguments of ``update_congress``."""

    unit_code: str = Field(max_length=10, description="Mã đơn vị có đại hội cần cập nhật.")
    change: CongressChange = Field(description="Các thông tin cần ghi; thông tin không nêu giữ nguyên.")


@tool(ToolName.GET_CONGRESS_PROGRESS, Operation.CONGRESS_READ)
async def get_congress_progress(ctx: ToolContext, args: ProgressArgs) -> dict[str, Any]:
    """Tiến độ đại hội MTTQ trong phạm vi của cán bộ: số và tỷ lệ đơn vị đã tổ chức, theo trạng thái, theo cấp,
    theo tỉnh; số đại biểu được triệu tập, có mặt, số ủy viên được bầu; các đơn vị chưa tổ chức."""
    async with in_scope(ctx) as conn:
        progress = await congress.congress_progress(conn, ctx.principal, args.unit_code, args.term)
        delegates = await congress.delegate_totals(conn, ctx.principal, progress.unit_code, progress.term)
        statuses = await congress.statuses_by_level(conn, ctx.principal, progress.unit_code, progress.term)
    result = progress.model_dump(
        mode="json", include={"unit_code", "unit_name", "level", "term", "summary", "by_status", "by_level"}
    )
    for group in result["by_level"]:
        group["by_status"] = [c.model_dump(mode="json") for c in statuses.get(int(group["key"]), [])]
    provinces = sorted(progress.by_province, key=lambda g: (-g.share, -g.held, g.label))
    waiting = [u for u in progress.units if u.status not in congress.HELD]
    return result | {
        "delegates": [d.model_dump() for d in delegates],
        "by_province": [g.model_dump(mode="json") for g in provinces[:_LISTED]],
        "not_held": [{"code": u.code, "name": u.name, "status_label": u.status_label} for u in waiting[:_LISTED]],
        "unit": next((u.model_dump(mode="json") for u in progress.units if u.code == progress.unit_code), None),
    }


@tool(ToolName.UPDATE_CONGRESS, Operation.CONGRESS_UPDATE, changes_data=True)
async def update_congress(ctx: ToolContext, args: UpdateArgs) -> dict[str, Any]:
    """Cập nhật tình hình, kết quả đại hội của một đơn vị trong phạm vi (cần xác nhận trước khi ghi)."""
    async with in_scope(ctx) as conn:
        updated = await congress.update_congress(conn, ctx.principal, args.unit_code, args.change)
    return updated.model_dump(mode="json")
