"""Tables of LangGraph's Postgres checkpointer (conversation memory), created by the owner, used by the app."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from mattran.store.migrate import APP_ROLE

_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations")


def setup_checkpoints(owner_url: str) -> None:
    """Create or upgrade the checkpointer's tables (its own migrations) and grant them to the app role."""
    from langgraph.checkpoint.postgres import PostgresSaver

    with psycopg.connect(owner_url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("select pg_advisory_lock(hashtext('mattran.checkpoints'))")
        try:
            PostgresSaver(conn).setup()  # type: ignore[arg-type]
            for table in _TABLES:
                conn.execute(sql.SQL("grant select, insert, update, delete on {} to {}").format(
                    sql.Identifier(table), sql.Identifier(APP_ROLE)))
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('mattran.checkpoints'))")
