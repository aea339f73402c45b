"""SQL for pending logins and server-side sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from mattran.store.db import Conn, Row

LOGIN_TTL = "10 minutes"


async def add_login_attempt(
    conn: Conn, state: str, nonce: str, code_verifier: str, return_to: str, browser_hash: str
) -> None:
    """Remember a login started at the provider by one browser (and forget those older than 10 minutes)."""
    await conn.execute(f"delete from login_attempts where created_at < now() - interval '{LOGIN_TTL}'")
    await conn.execute(
        "insert into login_attempts (state, nonce, code_verifier, return_to, browser_hash) values (%s, %s, %s, %s, %s)",
        (state, nonce, code_verifier, return_to, browser_hash),
    )


async def take_login_attempt(conn: Conn, state: str, browser_hash: str) -> Row | None:
    """The pending login for ``state`` started by this browser, removed so it can be used once only."""
    cur = await conn.execute(
        "delete from login_attempts where state = %s and browser_hash = %s"
        f" and created_at >= now() - interval '{LOGIN_TTL}' returning nonce, code_verifier, return_to",
        (state, browser_hash),
    )
    return await cur.fetchone()


async def add_session(
    conn: Conn,
    id_hash: str,
    subject: str,
    claims: dict[str, Any],
    id_token: str,
    refresh_token_sealed: bytes | None,
    expires_at: datetime,
) -> None:
    """Store a new session."""
    await conn.execute(
        "insert into sessions (id_hash, subject, claims, id_token, refresh_token_sealed, expires_at)"
        " values (%s, %s, %s, %s, %s, %s)",
        (id_hash, subject, Jsonb(claims), id_token, refresh_token_sealed, expires_at),
    )


async def get_session(conn: Conn, id_hash: str) -> Row | None:
    """A live session (an expired one is deleted when read)."""
    await conn.execute("delete from sessions where id_hash = %s and expires_at <= now()", (id_hash,))
    cur = await conn.execute(
        "select id_hash, subject, claims, id_token, refresh_token_sealed, refreshed_at, expires_at from sessions"
        " where id_hash = %s",
        (id_hash,),
    )
    return await cur.fetchone()


async def update_session_tokens(
    conn: Conn, id_hash: str, claims: dict[str, Any], id_token: str, refresh_token_sealed: bytes | None
) -> None:
    """Record the result of a token refresh."""
    await conn.execute(
        "update sessions set claims = %s, id_token = %s, refresh_token_sealed = coalesce(%s, refresh_token_sealed),"
        " refreshed_at = now() where id_hash = %s",
        (Jsonb(claims), id_token, refresh_token_sealed, id_hash),
    )


async def end_session(conn: Conn, id_hash: str) -> Row | None:
    """Delete a session; returns what is needed to end it at the provider too."""
    cur = await conn.execute("delete from sessions where id_hash = %s returning subject, id_token", (id_hash,))
    return await cur.fetchone()


async def purge_expired(conn: Conn) -> tuple[int, int]:
    """Delete expired sessions and abandoned pending logins; (sessions, logins) deleted."""
    sessions = await conn.execute("delete from sessions where expires_at <= now()")
    logins = await conn.execute(f"delete from login_attempts where created_at < now() - interval '{LOGIN_TTL}'")
    return sessions.rowcount, logins.rowcount
