"""Public pages, server-rendered (they work without JavaScript and on a phone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from web.auth import CurrentPrincipal
from web.deps import PublicConn, ResolverDep
from web.render import render, templates

router = APIRouter(include_in_schema=False)
__all__ = ["router", "templates"]


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, principal: CurrentPrincipal, conn: PublicConn, resolver: ResolverDep,
    q: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """Trang chủ: tra cứu đơn vị hành chính."""
    result = await resolver.resolve(conn, q) if q and q.strip() else None
    return render(request, "home.html", principal, q=q or "", result=result)
