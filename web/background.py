"""Work the web app does on a schedule while it runs: each job repeats, a failure is logged and tried next round."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """``run`` every ``minutes``; what it returns, when not empty, is logged as what it did."""

    name: str
    minutes: float
    run: Callable[[], Awaitable[object]]


async def _repeat(job: Job) -> None:
    while True:
        try:
            if done := await job.run():
                _log.info("%s: %s", job.name, done)
        except Exception:  # the store may be restarting: try again next round
            _log.exception("%s failed", job.name)
        await asyncio.sleep(job.minutes * 60)


def start(jobs: list[Job]) -> list[asyncio.Task[None]]:
    """One task for each job whose interval is set (0 = never)."""
    return [asyncio.create_task(_repeat(job), name=job.name) for job in jobs if job.minutes > 0]
