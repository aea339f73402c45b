"""SQL for the cadres seen signing in: their display names, units and (encrypted, read in the system's scope only)
the e-mail their reminders go to."""

from __future__ import annotations

from mattran.store.db import Conn, Row


async def seen(
    conn: Conn, *, subject: str, name: str, unit_code: str, roles: list[str], email_enc: bytes | None
) -> None:
    """Record a cadre's sign-in: their name, unit, roles and e-mail (None: none) as the provider gives them now."""
    await conn.execute("select cadre_seen(%s, %s, %s, %s, %s)", (subject, name, unit_code, roles, email_enc))


async def forget_email(conn: Conn, subject: str) -> None:
    """Forget the e-mail of an account that is no longer a cadre's."""
    await conn.execute("select cadre_email_forget(%s)", (subject,))


async def of_unit(conn: Conn, unit_code: str) -> list[Row]:
    """The cadres of one unit (within the transaction's scope), by name."""
    cur = await conn.execute(
        "select subject, display_name from cadres where unit_code = %s order by display_name, subject", (unit_code,)
    )
    return await cur.fetchall()


async def names(conn: Conn, subjects: list[str]) -> dict[str, str]:
    """The display names of those ``subjects`` that are cadres within the transaction's scope."""
    cur = await conn.execute("select subject, display_name from cadres where subject = any(%s)", (subjects,))
    return {r["subject"]: r["display_name"] for r in await cur.fetchall()}
