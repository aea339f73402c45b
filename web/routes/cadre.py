"""Cadre pages: the unit's committee members within the cadre's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mattran.auth.principal import Principal
from mattran.domain.permissions import Operation
from mattran.store import members as members_store
from web.auth import authorize, requires
from web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/can-bo", response_class=HTMLResponse)
async def cadre_home(
    request: Request,
    principal: Annotated[Principal, requires(Operation.CADRE_PAGES)],
    unit: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """Trang cán bộ: thành viên Ủy ban MTTQ trong phạm vi của cán bộ."""
    await authorize(request, principal, Operation.MEMBER_READ, unit)
    async with request.app.state.db.transaction(principal.scope()) as conn:
        members = await members_store.list_members(conn, unit)
    units = request.app.state.resolver.units
    return render(request, "cadre.html", principal, members=members, units=units, unit=unit)
