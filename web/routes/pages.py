"""Public pages, server-rendered (they work without JavaScript and on a phone)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from web.deps import PublicConn, ResolverDep

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, conn: PublicConn, resolver: ResolverDep,
    q: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """Trang chủ: tra cứu đơn vị hành chính."""
    result = await resolver.resolve(conn, q) if q and q.strip() else None
    return templates.TemplateResponse(request, "home.html", {"q": q or "", "result": result})
