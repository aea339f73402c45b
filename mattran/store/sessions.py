"""SQL for pending logins and server-side sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

Row = dict[str, Any]


async def add_login_attempt(conn: AsyncConnection, state: str, nonce: str, code_verifier: str, return_to: str) -> None:
    """Remember a login started at the provider (and forget those older than 10 minutes)."""
    await conn.execute("delete from login_attempts where created_at < now() - interval '10 minutes'")
    await conn.execute(
        "insert into login_attempts (state, nonce, code_verifier, return_to) values (%s, %s, %s, %s)",
        (state, nonce, code_verifier, return_to),
    )


async def take_login_attempt(conn: AsyncConnection, state: str) -> Row | None:
    """The pending login for ``state``, removed so it can be used once only."""
    cur = await conn.execute(
        "delete from login_attempts where state = %s and created_at >= now() - interval '10 minutes'"
        " returning nonce, code_verifier, return_to",
        (state,),
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def add_session(conn: AsyncConnection, id_hash: str, subject: str, claims: dict[str, Any], id_token: str,
                      refresh_token: str | None, expires_at: datetime) -> None:
    """Store a new session."""
    await conn.execute(
        "insert into sessions (id_hash, subject, claims, id_token, refresh_token, expires_at)"
        " values (%s, %s, %s, %s, %s, %s)",
        (id_hash, subject, Jsonb(claims), id_token, refresh_token, expires_at),
    )


async def get_session(conn: AsyncConnection, id_hash: str) -> Row | None:
    """A live session (not expired)."""
    cur = await conn.execute(
        "select id_hash, subject, claims, id_token, refresh_token, refreshed_at, expires_at from sessions"
        " where id_hash = %s and expires_at > now()",
        (id_hash,),
    )
    return await cur.fetchone()  # type: ignore[return-value]


async def update_session_tokens(conn: AsyncConnection, id_hash: str, claims: dict[str, Any], id_token: str,
                                refresh_token: str | None) -> None:
    """Record the result of a token refresh."""
    await conn.execute(
        "update sessions set claims = %s, id_token = %s, refresh_token = coalesce(%s, refresh_token),"
        " refreshed_at = now() where id_hash = %s",
        (Jsonb(claims), id_token, refresh_token, id_hash),
    )


async def end_session(conn: AsyncConnection, id_hash: str) -> Row | None:
    """Delete a session; returns what is needed to end it at the provider too."""
    cur = await conn.execute("delete from sessions where id_hash = %s returning subject, id_token", (id_hash,))
    return await cur.fetchone()  # type: ignore[return-value]
