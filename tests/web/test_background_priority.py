"""Background jobs give way to requests: between batches they wait while the machine's CPUs are busy, but never for
long; the same work run from a command or a request does not wait; the platform's embedding jobs are background."""

from __future__ import annotations

import time
import uuid
from typing import Any, cast

import pytest

from mattran.auth.sessions import SessionService
from mattran.domain import jobs
from mattran.domain.jobs import JobQueue, Worker, give_way
from mattran.services import Services
from mattran.store.db import Database
from web import app


class _Busy:
    def __init__(self, load: float) -> None:
        self.load, self.looks = load, 0

    def __call__(self, _interval: object) -> float:
        self.looks += 1
        return self.load


async def _timed_give_way() -> float:
    started = time.monotonic()
    await give_way(look=0.05, longest=0.5)
    return time.monotonic() - started


@pytest.mark.parametrize(("load", "waits"), [(20.0, False), (97.0, True)])
async def test_a_background_job_waits_while_the_cpus_serve_requests(
    monkeypatch: pytest.MonkeyPatch, db: Database, load: float, waits: bool
) -> None:
    cpu = _Busy(load)
    monkeypatch.setattr(jobs.psutil, "cpu_percent", cpu)
    kind = f"test.batch.{uuid.uuid4().hex[:8]}"
    waited: list[float] = []

    async def batch(_payload: dict[str, Any]) -> None:
        waited.append(await _timed_give_way())

    await batch({})  # not in a background job (a command, a request): no wait, not even a look
    assert waited[0] < 0.05 and cpu.looks == 0

    await JobQueue(db).enqueue(kind)
    assert await Worker(db, {kind: batch}, background=frozenset({kind})).run_ready() >= 1
    if waits:  # busy all along: it waits its longest, then lets one batch through
        assert 0.45 <= waited[1] < 1.5 and cpu.looks == 11
    else:  # idle: one look and on
        assert waited[1] < 0.3 and cpu.looks == 2
    looks = cpu.looks
    assert await _timed_give_way() < 0.05 and cpu.looks == looks  # the job over, this task is no longer background


def test_the_platforms_embedding_jobs_are_background_ones(services: Services) -> None:
    periodic = {job.name: job.background for job in app._jobs(services, cast(SessionService, object()))}
    once = {job.name: job.background for job in app._once(services)}
    assert periodic.pop("petition embeddings") and not any(periodic.values())
    assert once == {"library index and demo library": True}
