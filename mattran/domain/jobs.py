"""Background work that runs once however many processes serve the platform: a job queue in the store.

A job is a kind (the name of its handler) and a JSON payload. Every process may run a :class:`Worker`; each job is
claimed by one worker under a lease (renewed while its handler runs), so it runs once; a worker that dies leaves its
lease to run out and the job is tried again, after a back-off. A :class:`Periodic` job is enqueued by every worker
under one key per period (``kind@start``): the store keeps one, and one worker runs it; a period still waiting when
the next is enqueued is superseded by it, and a period does not start while the previous one of its kind runs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psutil

from mattran.scope import Scope
from mattran.store import jobs as store
from mattran.store.db import Conn, Database

_log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[object]]
"""Does one job from its payload; what it returns, when not empty, is logged as what it did."""

_background: ContextVar[bool] = ContextVar("background_job", default=False)

PURGE_KIND = "jobs.purge"  # the queue's own upkeep: finished jobs deleted, jobs whose last worker died given up


@dataclass(frozen=True)
class Periodic:
    """Enqueue ``kind`` once every ``seconds`` (periods aligned on the epoch, the same in every process)."""

    kind: str
    seconds: float

    def key(self, now: float) -> tuple[str, datetime]:
        """The unique key of the period holding ``now`` (epoch seconds), and when that period started."""
        start = math.floor(now / self.seconds) * self.seconds
        return f"{self.kind}@{start:.3f}", datetime.fromtimestamp(start, UTC)


def retry_delay(attempts: int, base_s: float = 5, cap_s: float = 600) -> float:
    """Seconds before a job that failed ``attempts`` times is tried again: doubling from ``base_s``, at most
    ``cap_s``."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class QueueState:
    """One kind's jobs: ready, running, waiting for a retry, given up; the oldest ready one's wait in seconds."""

    kind: str
    ready: int
    running: int
    retrying: int
    failed: int
    oldest_ready_s: float


class JobQueue:
    """Enqueue jobs for whichever worker has a handler for their kind."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        unique_key: str | None = None,
        run_after: datetime | None = None,
    ) -> int | None:
        """Add a job (committed at once); its id, or None when a job with ``unique_key`` already exists."""
        async with self.db.transaction(Scope.public()) as conn:
            return await enqueue_in(conn, kind, payload, unique_key=unique_key, run_after=run_after)

    async def depth(self) -> dict[str, int]:
        """Jobs waiting or running, by kind."""
        async with self.db.transaction(Scope.public()) as conn:
            return await store.depth(conn)

    async def states(self) -> list[QueueState]:
        """Each kind's jobs by state (for ``/metrics`` and ``/readyz``)."""
        async with self.db.transaction(Scope.public()) as conn:
            return [QueueState(**row) for row in await store.states(conn)]


async def enqueue_in(
    conn: Conn,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    unique_key: str | None = None,
    run_after: datetime | None = None,
) -> int | None:
    """:meth:`JobQueue.enqueue` inside the caller's transaction: the job exists only if that transaction commits."""
    return await store.enqueue(conn, kind, dict(payload or {}), unique_key, run_after)


async def give_way(busy: float = 85.0, look: float = 0.25, longest: float = 3.0) -> None:
    """Called between two batches of long work: in a background job (a :class:`Worker`'s ``background`` kinds), wait
    at most ``longest`` seconds until the machine's CPUs were under ``busy`` % used over ``look`` seconds, so that
    the requests being served come first (at an intake peak the petitions' vectors come later), yet the job goes on
    at least a batch every ``longest`` seconds. Anywhere else (a command, a request) it returns at once."""
    if not _background.get():
        return
    psutil.cpu_percent(None)
    for _ in range(round(longest / look)):
        await asyncio.sleep(look)
        if psutil.cpu_percent(None) < busy:
            return


def worker_name() -> str:
    """This worker's name in the ``locked_by`` column: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Runs the jobs of the kinds it has handlers for, ``concurrency`` at a time, and enqueues the periodic ones;
    those of the ``background`` kinds give way to requests between their batches (:func:`give_way`)."""

    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler],
        periodic: Sequence[Periodic] = (),
        *,
        background: frozenset[str] = frozenset(),
        name: str | None = None,
        lease_s: float = 30,
        poll_s: float = 1,
        concurrency: int = 4,
        keep_finished_hours: float = 48,
    ) -> None:
        self.db, self.name = db, name or worker_name()
        self.lease_s, self.poll_s, self.concurrency = lease_s, poll_s, concurrency
        longest = max((p.seconds for p in periodic), default=0)
        # a finished periodic job's row is what stops a later process enqueueing its period again: kept past it
        self.keep_finished_hours = max(keep_finished_hours, 2 * longest / 3600)
        self.handlers: dict[str, Handler] = {PURGE_KIND: self._purge, **handlers}
        self.background = background
        self.periodic = [*periodic, Periodic(PURGE_KIND, 3600)]
        unknown = {p.kind for p in self.periodic} - set(self.handlers)
        if unknown:
            raise ValueError(f"periodic jobs without a handler: {sorted(unknown)}")
        self._scheduled: dict[str, str] = {}  # kind → the last period key this worker enqueued
        self._running: set[asyncio.Task[None]] = set()

    async def run_forever(self) -> None:
        """Schedule and run jobs until cancelled (the store may be restarting: a failed round is tried again)."""
        try:
            while True:
                try:
                    await self._schedule()
                    await self._start_ready()
                except Exception:
                    _log.exception("job worker %s: round failed", self.name)
                await asyncio.sleep(self.poll_s)
        finally:
            for task in self._running:
                task.cancel()

    async def run_ready(self) -> int:
        """Schedule the periodic jobs due, then run ready jobs one at a time until none is left; return how many."""
        await self._schedule()
        ran = 0
        while (job := await self._claim()) is not None:
            await self._run(job)
            ran += 1
        return ran

    async def _schedule(self) -> None:
        now = time.time()
        for periodic in self.periodic:
            key, start = periodic.key(now)
            if self._scheduled.get(periodic.kind) != key:
                async with self.db.transaction(Scope.public()) as conn:
                    if await store.enqueue(conn, periodic.kind, {}, key, start, periodic=True) is not None:
                        await store.supersede(conn, periodic.kind, key)
                self._scheduled[periodic.kind] = key

    async def _start_ready(self) -> None:
        while len(self._running) < self.concurrency and (job := await self._claim()) is not None:
            task = asyncio.create_task(self._run_logged(job), name=f"job {job['kind']} {job['id']}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _claim(self) -> dict[str, Any] | None:
        async with self.db.transaction(Scope.public()) as conn:
            row = await store.claim(conn, list(self.handlers), self.name, self.lease_s)
        return dict(row) if row else None

    async def _run_logged(self, job: dict[str, Any]) -> None:
        try:
            await self._run(job)
        except Exception:  # the store went away while recording the outcome: the lease runs out, the job is retried
            _log.exception("job %s #%s: outcome not recorded", job["kind"], job["id"])

    async def _run(self, job: dict[str, Any]) -> None:
        kind, job_id = job["kind"], job["id"]
        keeper = asyncio.create_task(self._keep_lease(job_id))
        pace = _background.set(kind in self.background)
        try:
            done = await self.handlers[kind](job["payload"])
        except Exception as exc:
            _log.exception("job %s #%s failed (attempt %s)", kind, job_id, job["attempts"])
            async with self.db.transaction(Scope.public()) as conn:  # if this fails too, the lease runs out
                await store.fail(
                    conn, job_id, self.name, f"{type(exc).__name__}: {exc}"[:300], retry_delay(job["attempts"])
                )
            return
        finally:
            _background.reset(pace)
            keeper.cancel()
        async with self.db.transaction(Scope.public()) as conn:
            finished = await store.finish(conn, job_id, self.name)
        if not finished:
            _log.warning("job %s #%s: lease lost before it finished (it may run again)", kind, job_id)
        elif done:
            _log.info("%s: %s", kind, done)

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            with suppress(Exception):  # the store restarting: the next renewal may pass
                async with self.db.transaction(Scope.public()) as conn:
                    await store.extend(conn, job_id, self.name, self.lease_s)

    async def _purge(self, _payload: dict[str, Any]) -> str | None:
        async with self.db.transaction(Scope.public()) as conn:
            given_up = await store.expired_to_fail(conn)
            purged = await store.purge(conn, self.keep_finished_hours)
        return f"{purged} finished jobs deleted, {given_up} given up" if purged or given_up else None
