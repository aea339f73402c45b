"""Tables of LangGraph's Postgres checkpointer (conversation memory), created by the owner, used by the app.

Each row belongs to one conversation (``thread_id``): the application role sees and changes only the rows of the
conversation its connection is set to (``mattran.conversation``, set by :class:`ConversationSaver` in each of
its transactions), never another's. Old conversations are deleted through ``prune_conversations`` (0016_chat_privacy).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import psycopg
from langgraph.checkpoint.postgres._ainternal import get_connection
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import sql
from psycopg.rows import dict_row

from mattran.store.db import Conn
from mattran.store.migrate import APP_ROLE

_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations")
_OWN_ROWS = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")  # keyed by thread_id: row-level security
_CONVERSATION: ContextVar[str] = ContextVar("conversation", default="")


def setup_checkpoints(owner_url: str) -> None:
    """Create or upgrade the checkpointer's tables (its own migrations), grant them to the app role and limit its
    rows to the conversation each connection is set to."""
    from langgraph.checkpoint.postgres import PostgresSaver

    with psycopg.connect(owner_url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("select pg_advisory_lock(hashtext('mattran.checkpoints'))")
        try:
            PostgresSaver(conn).setup()
            for table in _TABLES:
                conn.execute(
                    sql.SQL("grant select, insert, update, delete on {} to {}").format(
                        sql.Identifier(table), sql.Identifier(APP_ROLE)
                    )
                )
            for table in _OWN_ROWS:
                name = sql.Identifier(table)
                conn.execute(sql.SQL("alter table {} enable row level security").format(name))
                conn.execute(sql.SQL("drop policy if exists own_conversation on {}").format(name))
                conn.execute(
                    sql.SQL(
                        "create policy own_conversation on {} to {}"
                        " using (thread_id = current_setting('mattran.conversation', true))"
                        " with check (thread_id = current_setting('mattran.conversation', true))"
                    ).format(name, sql.Identifier(APP_ROLE))
                )
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('mattran.checkpoints'))")


class ConversationSaver(AsyncPostgresSaver):
    """LangGraph's saver whose every statement runs with its connection set to the conversation it serves."""

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[Any]:
        """One transaction per use, the conversation set for it alone (``true``: transaction-local, so it holds
        through a pooler in transaction mode and never outlives the transaction on a reused connection)."""
        async with (
            self.lock,
            get_connection(self.conn) as conn,
            conn.transaction(),
            conn.cursor(binary=True, row_factory=dict_row) as cur,
        ):
            await cur.execute("select set_config('mattran.conversation', %s, true)", (_CONVERSATION.get(),))
            yield cur

    async def aget_tuple(self, config: Any) -> Any:
        _CONVERSATION.set(config["configurable"]["thread_id"])
        return await super().aget_tuple(config)

    async def aput(self, config: Any, *args: Any, **kwargs: Any) -> Any:
        _CONVERSATION.set(config["configurable"]["thread_id"])
        return await super().aput(config, *args, **kwargs)

    async def aput_writes(self, config: Any, *args: Any, **kwargs: Any) -> None:
        _CONVERSATION.set(config["configurable"]["thread_id"])
        await super().aput_writes(config, *args, **kwargs)

    async def adelete_thread(self, thread_id: str) -> None:
        _CONVERSATION.set(thread_id)
        await super().adelete_thread(thread_id)

    async def aget_delta_channel_history(self, *, config: Any, channels: Sequence[str]) -> Any:
        _CONVERSATION.set(config["configurable"]["thread_id"])
        return await super().aget_delta_channel_history(config=config, channels=channels)


async def prune_conversations(conn: Conn, guest_prefix: str, guests_before: datetime, others_before: datetime) -> int:
    """Delete every conversation whose last checkpoint is older than its cut-off; how many were deleted."""
    cur = await conn.execute(
        "select prune_conversations(%s, %s, %s) as n", (guest_prefix, guests_before, others_before)
    )
    row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def prune_chat_history(conn: Conn, before: datetime) -> int:
    """Delete the chat's stored threads (messages, feedback) whose last message is older than ``before``."""
    cur = await conn.execute("select prune_chat_history(%s) as n", (before,))
    row = await cur.fetchone()
    return int(row["n"]) if row else 0
