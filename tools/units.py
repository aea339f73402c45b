"""Unit tool: which administrative unit a name or an address (old or new) means."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mattran.domain.permissions import Operation
from mattran.scope import Scope
from tools.base import ToolContext, tool
from tools.names import ToolName


class FindUnitArgs(BaseModel):
    """Arguments of ``find_unit``."""

    text: str = Field(min_length=1, max_length=300, description="Tên xã/phường/đặc khu/tỉnh hoặc địa chỉ.")


@tool(ToolName.FIND_UNIT, Operation.PUBLIC_LOOKUP)
async def find_unit(ctx: ToolContext, args: FindUnitArgs) -> dict[str, Any]:
    """Xác định đơn vị hành chính (bản đồ từ 01/7/2025) từ tên hoặc địa chỉ, kể cả địa chỉ cũ."""
    async with ctx.services.db.transaction(Scope.public()) as conn:
        result = await ctx.services.resolver.resolve(conn, args.text)
    return result.model_dump(mode="json")
