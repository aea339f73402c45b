"""The cadres' roll-up of the register for a province or the country (no JavaScript needed): shares of women, ethnic
minorities and people under 40, members by organisation, and the units directly below compared and ranked, with
charts drawn on the server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mattran.domain.permissions import Operation
from mattran.domain.register_figures import RANKINGS, rollup
from web.auth import CadrePage, authorized
from web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/can-bo/thanh-vien/tong-hop", response_class=HTMLResponse)
async def rollup_page(
    request: Request,
    principal: CadrePage,
    unit: Annotated[str | None, Query(max_length=10)] = None,
    xep_theo: Annotated[str, Query(max_length=20)] = "members",
) -> HTMLResponse:
    """Tổng hợp thành viên của tỉnh hoặc cả nước: tỷ lệ nữ, dân tộc thiểu số, dưới 40 tuổi; theo tổ chức; xếp hạng
    các đơn vị trực thuộc."""
    async with authorized(request, principal, Operation.MEMBER_READ, unit or None) as conn:
        figures = await rollup(conn, principal, unit or None, xep_theo)
    return render(request, "member_rollup.html", principal, r=figures, rankings=RANKINGS)
