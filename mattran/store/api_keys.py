"""SQL for API keys (only their SHA-256 is stored)."""

from __future__ import annotations

from mattran.store.db import Conn, Row

_COLUMNS = "id, name, scope, prefix, created_at, created_by, revoked_at, last_used_at"


async def insert(conn: Conn, *, name: str, scope: str, key_hash: str, prefix: str, created_by: str | None) -> Row:
    """Store a new key's hash; return the key's public fields."""
    cur = await conn.execute(
        f"insert into api_keys (name, scope, key_hash, prefix, created_by) values (%s, %s, %s, %s, %s)"
        f" returning {_COLUMNS}",
        (name, scope, key_hash, prefix, created_by),
    )
    row = await cur.fetchone()
    assert row is not None
    return row


async def by_hash(conn: Conn, key_hash: str) -> Row | None:
    """The key with this hash, revoked or not."""
    cur = await conn.execute(f"select {_COLUMNS} from api_keys where key_hash = %s", (key_hash,))
    return await cur.fetchone()


async def all_keys(conn: Conn) -> list[Row]:
    """Every key, newest first."""
    cur = await conn.execute(f"select {_COLUMNS} from api_keys order by id desc")
    return await cur.fetchall()


async def revoke(conn: Conn, prefix: str) -> Row | None:
    """Revoke the key with this prefix (a key already revoked keeps its date); None when there is none."""
    cur = await conn.execute(
        f"update api_keys set revoked_at = coalesce(revoked_at, now()) where prefix = %s returning {_COLUMNS}",
        (prefix,),
    )
    return await cur.fetchone()


async def mark_used(conn: Conn, key_id: int) -> None:
    """Note the key's use now (at most one write a minute per key)."""
    await conn.execute(
        "update api_keys set last_used_at = now()"
        " where id = %s and (last_used_at is null or last_used_at < now() - interval '1 minute')",
        (key_id,),
    )
