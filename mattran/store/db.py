"""The application's connection pool; every transaction runs inside a scope enforced by RLS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from mattran.scope import Scope

Row: TypeAlias = DictRow
"""One row as the store returns it: column name → value."""
Conn: TypeAlias = AsyncConnection[DictRow]
"""A connection whose rows are :data:`Row` dicts (the pool's and the owner's connections are made so)."""


class Database:
    """Pool of connections made as the application role (no table ownership, no RLS bypass)."""

    def __init__(self, app_url: str, max_size: int = 10, prepared: bool = True) -> None:
        """``prepared=False`` behind a pooler in transaction mode (PgBouncer < 1.21): a prepared statement lives on
        one server connection, which the next transaction may not get."""
        self.prepared = prepared
        self.pool = AsyncConnectionPool(
            app_url,
            connection_class=Conn,
            min_size=1,
            max_size=max_size,
            open=False,
            check=AsyncConnectionPool.check_connection,  # a connection broken by a server restart is replaced
            kwargs={
                "row_factory": dict_row,
                "autocommit": False,
                "options": "-c TimeZone=Asia/Ho_Chi_Minh",
                "prepare_threshold": 5 if prepared else None,  # 5: psycopg's default
            },
        )

    async def open(self) -> None:
        """Open the pool and wait until one connection works."""
        await self.pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        """Close every connection."""
        await self.pool.close()

    @asynccontextmanager
    async def transaction(self, scope: Scope) -> AsyncIterator[Conn]:
        """A transaction whose unit-owned rows are limited to ``scope`` by the database itself."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "select set_config('mattran.scope', %s, true), set_config('mattran.subject', %s, true)",
                (scope.as_pg_array(), scope.subject or ""),
            )
            yield conn
