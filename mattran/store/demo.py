"""SQL for the synthetic demo data set: a lock and a version marker, so it is loaded once."""

from __future__ import annotations

from psycopg import AsyncConnection

_NAME = "demo"


async def lock(conn: AsyncConnection) -> None:
    """Serialise loaders until the transaction ends (several processes may start at once)."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('mattran.demo'))")


async def loaded_version(conn: AsyncConnection) -> str | None:
    """The demo data version already loaded, if any."""
    cur = await conn.execute("select version from reference_data where name = %s", (_NAME,))
    row = await cur.fetchone()
    return row["version"] if row else None  # type: ignore[call-overload]


async def mark_loaded(conn: AsyncConnection, version: str) -> None:
    """Record that ``version`` is loaded."""
    await conn.execute("insert into reference_data (name, version) values (%s, %s)"
                       " on conflict (name) do update set version = excluded.version, loaded_at = now()",
                       (_NAME, version))
