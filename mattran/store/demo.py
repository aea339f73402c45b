"""SQL for the synthetic demo data set: the owner's transaction, a lock and a version marker, so it is loaded once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from mattran.scope import Scope
from mattran.store.db import Conn

_NAME = "demo"


@asynccontextmanager
async def owner_transaction(owner_url: str) -> AsyncIterator[Conn]:
    """One transaction as the store's owner, its rows dicts as on the application's pool."""
    connect = AsyncConnection.connect(owner_url, row_factory=dict_row, options="-c TimeZone=Asia/Ho_Chi_Minh")
    async with await connect as owner, owner.transaction():
        yield owner


async def whole_country(conn: Conn) -> None:
    """Let this transaction see every unit's rows (row-level security applies to the owner too)."""
    await conn.execute("select set_config('mattran.scope', %s, true)", (Scope.everything().as_pg_array(),))


async def lock(conn: Conn) -> None:
    """Serialise loaders until the transaction ends (several processes may start at once)."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('mattran.demo'))")


async def loaded_version(conn: Conn) -> str | None:
    """The demo data version already loaded, if any."""
    cur = await conn.execute("select version from reference_data where name = %s", (_NAME,))
    row = await cur.fetchone()
    return row["version"] if row else None


async def mark_loaded(conn: Conn, version: str) -> None:
    """Record that ``version`` is loaded."""
    await conn.execute(
        "insert into reference_data (name, version) values (%s, %s)"
        " on conflict (name) do update set version = excluded.version, loaded_at = now()",
        (_NAME, version),
    )
