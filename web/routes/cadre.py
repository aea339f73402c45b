"""Cadre home page: the cadre's work queue, scope, the first committee members and the way to each app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mattran.auth.principal import Principal
from mattran.domain.congress import UnitProgress, congress_progress
from mattran.domain.members import member_page
from mattran.domain.permissions import Operation, is_allowed
from web.auth import authorize, requires
from web.deps import ServicesDep
from web.render import render
from web.routes.members import protector

router = APIRouter(include_in_schema=False)


@router.get("/can-bo", response_class=HTMLResponse)
async def cadre_home(
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, requires(Operation.CADRE_PAGES)],
    unit: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """Trang cán bộ: thành viên Ủy ban MTTQ trong phạm vi của cán bộ và các ứng dụng."""
    await authorize(request, principal, Operation.MEMBER_READ, unit)
    congresses: list[UnitProgress] | None = None  # those past their planned date, not held
    late = 0
    async with services.db.transaction(principal.scope()) as conn:
        page = await member_page(conn, principal, protector(request), unit, size=20)
        if is_allowed(principal, Operation.CONGRESS_READ) and principal.unit_code:
            progress = await congress_progress(conn, principal)
            congresses, late = [u for u in progress.units if u.overdue][:5], progress.summary.overdue
    queue = (
        await services.petitions.workflow.queue(principal) if is_allowed(principal, Operation.PETITION_HANDLE) else []
    )
    units = services.resolver.units
    return render(
        request,
        "cadre.html",
        principal,
        page=page,
        units=units,
        unit=unit,
        queue=queue,
        congresses=congresses,
        late=late,
    )
