"""The application role's pool, opened for a fixture and closed after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mattran.store.db import Database
from tests.support.pgbouncer import through_pgbouncer


@asynccontextmanager
async def open_pool(url: str, max_size: int, prepared: bool | None = None) -> AsyncIterator[Database]:
    """A :class:`Database` on ``url``, open for the ``async with`` block; without prepared statements when the run
    goes through PgBouncer (``MATTRAN_TEST_PGBOUNCER=1``) unless ``prepared`` says."""
    database = Database(url, max_size=max_size, prepared=not through_pgbouncer() if prepared is None else prepared)
    await database.open()
    try:
        yield database
    finally:
        await database.close()
