"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mattran.domain.unit_lists import unit_count
from mattran.scope import Scope
from web.deps import DbDep, get_services

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The platform's state."""

    status: str
    database: str
    units: int
    library: str | None = None  # "Thư viện đang được cập nhật (42%)" while the library is re-indexed after an upgrade


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
async def healthz(db: DbDep, request: Request) -> Health | JSONResponse:
    """200 when the store answers and the administrative map is loaded (and, while the library is re-indexed after
    an upgrade, how far that has gone)."""
    try:
        async with db.transaction(Scope.public()) as conn:
            units = await unit_count(conn)
    except Exception:  # any store failure means "not ready"
        return JSONResponse({"status": "error", "database": "unavailable", "units": 0}, status_code=503)
    if units == 0:
        return JSONResponse({"status": "starting", "database": "ok", "units": 0}, status_code=503)
    return Health(
        status="ok", database="ok", units=units, library=get_services(request).library_upgrade.progress.notice()
    )
