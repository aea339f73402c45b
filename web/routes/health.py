"""Liveness and readiness."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from mattran.domain.jobs import JobQueue, QueueState
from mattran.domain.unit_lists import unit_count
from mattran.scope import Scope
from web.deps import DbDep, get_services
from web.metrics import exposition

router = APIRouter(tags=["health"])
_log = logging.getLogger(__name__)


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


@router.get("/readyz", include_in_schema=False)
async def readyz(db: DbDep) -> JSONResponse:
    """200 when this process can take traffic: the store answers with the administrative map loaded, and the job
    queue can be read (the oldest ready job's wait is shown, for the operator); 503 with the failing check
    otherwise. Replicas, when configured, are reported (fresh ones of all) but never make a process unready: reads
    fall back to the primary."""
    checks: dict[str, str] = {}
    try:
        async with db.transaction(Scope.public()) as conn:
            checks["store"] = "ok" if await unit_count(conn) else "starting"
    except Exception:  # any store failure means "not ready"
        checks["store"] = "unavailable"
    try:
        states = await JobQueue(db).states()
        checks["queue"] = f"ok, oldest ready job waited {max((s.oldest_ready_s for s in states), default=0):.0f} s"
    except Exception:
        checks["queue"] = "unavailable"
    if db.replicas:
        lags = [f"{r.lag_seconds:.1f} s" if r.lag_seconds is not None else "?" for r in db.replicas]
        fresh = sum(r.fresh for r in db.replicas)
        checks["replicas"] = f"{fresh} of {len(db.replicas)} fresh (lag {', '.join(lags)})"
    ready = checks["store"] == "ok" and checks["queue"].startswith("ok")
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(db: DbDep) -> Response:
    """Prometheus' text exposition: requests, latencies, intake, model calls, the job queue."""
    states: list[QueueState] | None
    try:
        states = await JobQueue(db).states()
    except Exception:  # the scrape still answers, with mattran_store_up 0
        _log.warning("the job queue could not be read for /metrics")
        states = None
    return Response(exposition(states), media_type="text/plain; version=0.0.4; charset=utf-8")
