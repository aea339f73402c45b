"""Public pages, server-rendered (they work without JavaScript and on a phone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from mattran.domain.petition_text import CATEGORIES
from mattran.domain.unit import Level
from web.auth import CurrentPrincipal
from web.deps import PublicConn, ResolverDep, ServicesDep
from web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    conn: PublicConn,
    resolver: ResolverDep,
    q: Annotated[str | None, Query(max_length=300)] = None,
    tim: Annotated[str | None, Query(max_length=200)] = None,
    linh_vuc: Annotated[str | None, Query(max_length=20)] = None,
    tinh: Annotated[str | None, Query(max_length=2)] = None,
) -> HTMLResponse:
    """Trang chủ: gửi và tra cứu phản ánh, các trả lời đã công khai, tra cứu đơn vị hành chính."""
    result = await resolver.resolve(conn, q) if q and q.strip() else None
    answers = await services.petitions.views.published(
        query=tim, category=linh_vuc or None, province_code=tinh or None, limit=20
    )
    provinces = sorted((u for u in resolver.units.values() if u.level == Level.PROVINCE), key=lambda u: u.short_name)
    return render(
        request,
        "home.html",
        principal,
        q=q or "",
        result=result,
        answers=answers,
        tim=tim or "",
        linh_vuc=linh_vuc or "",
        tinh=tinh or "",
        categories=CATEGORIES,
        provinces=provinces,
    )
