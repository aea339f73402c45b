"""Commands that work on the store: start or join it, open a small pool and the unit resolver, run, close."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from cli.console import say
from mattran.bootstrap import prepare_store
from mattran.domain.units import UnitResolver, load_resolver
from mattran.scope import Scope
from mattran.settings import get_settings
from mattran.store.db import Database

_T = TypeVar("_T")


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def on_store(
    work: Callable[[Database, UnitResolver], Awaitable[_T]],
    pool_size: int = 2,
    around: Callable[[str], AbstractContextManager[object]] | None = None,
) -> _T:
    """Run ``work(db, resolver)`` on the store (started, or joined when ``mattran up`` runs), inside ``around(owner
    URL)`` when given (e.g. the library's vector indexes set aside for a bulk load)."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so the store is released on SIGTERM too
    urls = prepare_store(get_settings(), say)

    async def run() -> _T:
        db = Database(urls.app, max_size=pool_size, prepared=get_settings().db_prepared_statements)
        await db.open()
        try:
            async with db.transaction(Scope.public()) as conn:
                resolver = await load_resolver(conn)
            return await work(db, resolver)
        finally:
            await db.close()

    with (around or nullcontext)(urls.owner):
        return asyncio.run(run())
