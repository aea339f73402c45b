"""SQL for the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, LiteralString

from psycopg.types.json import Jsonb

from mattran.store.db import Conn, Row

_COLUMNS = "id, at, actor, roles, unit_code, action, target, outcome, count, detail"


async def append(
    conn: Conn,
    *,
    actor: str | None,
    roles: list[str],
    unit_code: str | None,
    action: str,
    target: str | None,
    outcome: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry."""
    await conn.execute(
        "insert into audit_log (actor, roles, unit_code, action, target, outcome, detail)"
        " values (%s, %s, %s, %s, %s, %s, %s)",
        (actor, roles, unit_code, action, target, outcome, Jsonb(detail or {})),
    )


async def count_anonymous(conn: Conn, *, action: str, outcome: str, address: str, method: str, path: str) -> None:
    """Count one anonymous attempt in the row of its address, path and minute (added on the minute's first)."""
    await conn.execute(
        """insert into audit_log (actor, roles, action, outcome, detail, aggregate_key)
           values (null, '{}', %(action)s, %(outcome)s, %(detail)s,
                   concat_ws('|', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI'), %(address)s::text,
                             %(method)s::text || ' ' || %(path)s::text, %(action)s::text, %(outcome)s::text))
           on conflict (aggregate_key) where aggregate_key is not null
           do update set count = audit_log.count + 1""",
        {
            "action": action,
            "outcome": outcome,
            "address": address,
            "method": method,
            "path": path,
            "detail": Jsonb({"address": address, "method": method, "path": path}),
        },
    )


async def entries(
    conn: Conn,
    *,
    actor: str | None = None,
    action: str | None = None,
    unit_code: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Row]:
    """Entries newest first, filtered by actor ("" = anonymous), action (prefix), the actor's unit, outcome and time
    (both ends included)."""
    conditions, params = _filters(actor, action, unit_code, outcome, since, until)
    cur = await conn.execute(
        f"select {_COLUMNS} from audit_log {conditions} order by id desc limit %(limit)s offset %(offset)s",
        params | {"limit": limit, "offset": offset},
    )
    return await cur.fetchall()


def _filters(
    actor: str | None,
    action: str | None,
    unit_code: str | None,
    outcome: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[LiteralString, dict[str, Any]]:
    clauses: list[LiteralString] = []
    if actor == "":
        clauses.append("actor is null")
    elif actor is not None:
        clauses.append("actor = %(actor)s")
    if action:
        clauses.append("starts_with(action, %(action)s)")
    if unit_code:
        clauses.append("unit_code = %(unit_code)s")
    if outcome:
        clauses.append("outcome = %(outcome)s")
    if since is not None:
        clauses.append("at >= %(since)s")
    if until is not None:
        clauses.append("at <= %(until)s")
    where = ("where " + " and ".join(clauses)) if clauses else ""
    return where, {
        "actor": actor,
        "action": action,
        "unit_code": unit_code,
        "outcome": outcome,
        "since": since,
        "until": until,
    }
