"""The application role's pool, opened for a fixture and closed after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mattran.store.db import Database


@asynccontextmanager
async def open_pool(url: str, max_size: int) -> AsyncIterator[Database]:
    """A :class:`Database` on ``url``, open for the ``async with`` block."""
    database = Database(url, max_size=max_size)
    await database.open()
    try:
        yield database
    finally:
        await database.close()
