"""Work the web app does on a schedule while it runs, through the store's job queue: however many processes serve
the platform, each period's job runs once (in whichever process claims it); a failure is logged and retried."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mattran.domain.jobs import Handler, JobQueue, Periodic, Worker
from mattran.store.db import Database


@dataclass(frozen=True)
class Job:
    """``run`` every ``minutes`` (0 = never); what it returns, when not empty, is logged as what it did. ``name`` is
    the job's kind in the queue; a ``background`` job gives way to requests between its batches."""

    name: str
    minutes: float
    run: Callable[[], Awaitable[object]]
    background: bool = False


@dataclass(frozen=True)
class Once:
    """``run`` once for ``key`` across every process and restart (e.g. the demo library for its files' state)."""

    name: str
    key: str
    run: Callable[[], Awaitable[object]]
    background: bool = False


def _handler(run: Callable[[], Awaitable[object]]) -> Handler:
    async def handle(_payload: dict[str, Any]) -> object:
        return await run()

    return handle


async def start(
    db: Database, jobs: list[Job], once: list[Once] | None = None, handlers: Mapping[str, Handler] | None = None
) -> list[asyncio.Task[None]]:
    """Enqueue the one-off jobs, then run this process's worker: it enqueues each period's jobs (the store keeps
    one per period) and runs whichever it claims, those others enqueue included (``handlers``: kind → handler of
    a job's payload, for jobs enqueued with :func:`mattran.domain.jobs.enqueue_in` or :class:`JobQueue`)."""
    once = once or []
    periodic = [job for job in jobs if job.minutes > 0]
    handlers = (
        dict(handlers or {})
        | {job.name: _handler(job.run) for job in periodic}
        | {job.name: _handler(job.run) for job in once}
    )
    queue = JobQueue(db)
    for job in once:
        await queue.enqueue(job.name, unique_key=f"{job.name}@{job.key}")
    background = frozenset(job.name for job in periodic if job.background) | {
        job.name for job in once if job.background
    }
    worker = Worker(db, handlers, [Periodic(job.name, job.minutes * 60) for job in periodic], background=background)
    return [asyncio.create_task(worker.run_forever(), name="job worker")]
