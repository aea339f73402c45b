"""Unit tool: which administrative unit a name or an address (old or new) means."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mattran.domain.permissions import Operation
from mattran.domain.units import Resolution, UnitResolver
from mattran.scope import Scope
from mattran.services import Services
from tools.base import ToolContext, tool
from tools.names import ToolName

_RECENT = 32
_recent: dict[tuple[int, str], Resolution] = {}  # oldest first


class FindUnitArgs(BaseModel):
    """Arguments of ``find_unit``."""

    text: str = Field(min_length=1, max_length=300, description="Tên xã/phường/đặc khu/tỉnh hoặc địa chỉ.")


async def resolve(services: Services, text: str) -> Resolution:
    """What ``text`` names, remembered for the last few texts of this resolver (the units do not change while it
    runs): a turn resolves a mention to prepare its call, and ``find_unit`` reads the same one."""
    resolver: UnitResolver = services.resolver
    key = (id(resolver), text)
    if (known := _recent.get(key)) is None:
        async with services.db.transaction(Scope.public()) as conn:
            known = await resolver.resolve(conn, text)
        _recent[key] = known
        while len(_recent) > _RECENT:
            del _recent[next(iter(_recent))]
    return known


@tool(ToolName.FIND_UNIT, Operation.PUBLIC_LOOKUP)
async def find_unit(ctx: ToolContext, args: FindUnitArgs) -> dict[str, Any]:
    """Xác định đơn vị hành chính (bản đồ từ 01/7/2025) từ tên hoặc địa chỉ, kể cả địa chỉ cũ."""
    return (await resolve(ctx.services, args.text)).model_dump(mode="json")
