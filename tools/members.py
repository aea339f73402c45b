"""Member tool: how many committee members match, within the caller's scope (never personal data)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mattran.domain.member_stats import MemberFilters, count_members
from mattran.domain.permissions import Operation
from tools.base import ToolContext, in_scope, tool
from tools.names import ToolName


class QueryMembersArgs(BaseModel):
    """Arguments of ``query_members``."""

    unit_code: str | None = Field(default=None, max_length=10, description="Đơn vị (mặc định: đơn vị của cán bộ).")
    filters: MemberFilters = Field(default_factory=MemberFilters, description="Điều kiện đếm; bỏ trống = mọi ủy viên.")


@tool(ToolName.QUERY_MEMBERS, Operation.MEMBER_READ)
async def query_members(ctx: ToolContext, args: QueryMembersArgs) -> dict[str, Any]:
    """Đếm ủy viên Ủy ban MTTQ của một đơn vị (và các đơn vị cấp dưới) theo giới tính, chức vụ, tổ chức, dân tộc,
    tôn giáo, độ tuổi; chỉ trong phạm vi của cán bộ; không trả thông tin cá nhân."""
    async with in_scope(ctx) as conn:
        count = await count_members(conn, ctx.principal, args.unit_code, args.filters)
    unit = ctx.services.resolver.units.get(args.unit_code or ctx.principal.unit_code or "")
    return {
        "count": count,
        "unit_code": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "filters": args.filters.model_dump(exclude_none=True),
    }
