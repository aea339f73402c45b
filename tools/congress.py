"""Congress tools: progress of the congresses in a scope, and updating one unit's congress (with confirmation)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mattran.domain import congress
from mattran.domain.congress import CongressChange
from mattran.domain.permissions import Operation
from tools.base import ToolContext, in_scope, tool
from tools.names import ToolName


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
    """Tiến độ đại hội MTTQ trong phạm vi của cán bộ: tỷ lệ đơn vị đã tổ chức, theo cấp, đơn vị chậm."""
    async with in_scope(ctx) as conn:
        progress = await congress.congress_progress(conn, ctx.principal, args.unit_code, args.term)
    return progress.model_dump(mode="json", include={"unit_code", "unit_name", "term", "summary", "by_level"})


@tool(ToolName.UPDATE_CONGRESS, Operation.CONGRESS_UPDATE, changes_data=True)
async def update_congress(ctx: ToolContext, args: UpdateArgs) -> dict[str, Any]:
    """Cập nhật tình hình, kết quả đại hội của một đơn vị trong phạm vi (cần xác nhận trước khi ghi)."""
    async with in_scope(ctx) as conn:
        updated = await congress.update_congress(conn, ctx.principal, args.unit_code, args.change)
    return updated.model_dump(mode="json")
