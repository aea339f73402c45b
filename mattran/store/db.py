"""The application's connection pools; every transaction runs inside a scope enforced by RLS.

Writes go to the primary. Read-only work may go to streaming hot-standby replicas (:meth:`Database.read`): a replica
is used only while a watcher finds it replaying and no further behind than the lag allowed; else the primary answers.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from mattran.scope import Scope

Row: TypeAlias = DictRow
"""One row as the store returns it: column name → value."""
Conn: TypeAlias = AsyncConnection[DictRow]
"""A connection whose rows are :data:`Row` dicts (the pool's and the owner's connections are made so)."""


_T = TypeVar("_T")
_log = logging.getLogger(__name__)
_SCOPE_SQL = "select set_config('mattran.scope', %s, true), set_config('mattran.subject', %s, true)"
_REPLICA_WAIT = 2.0  # seconds a read waits for a replica's connection before the primary answers instead
_on_primary: ContextVar[bool] = ContextVar("mattran_reads_on_primary", default=False)


@contextmanager
def reads_on_primary() -> Iterator[None]:
    """Within the block (a request, a task) every :meth:`Database.read` goes to the primary: the caller has just
    written and must read what it wrote (read-your-own-writes)."""
    token = _on_primary.set(True)
    try:
        yield
    finally:
        _on_primary.reset(token)


def _pool(url: str, max_size: int, prepared: bool) -> AsyncConnectionPool[Conn]:
    return AsyncConnectionPool(
        url,
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


@dataclass
class Replica:
    """A hot standby's pool and what the watcher last found of it."""

    pool: AsyncConnectionPool[Conn]
    fresh: bool = False  # replaying, and behind the primary by no more than the lag allowed
    lag_seconds: float | None = None
    caught_up_at: float | None = None  # when (monotonic) it had last replayed all the primary had written


@dataclass(frozen=True)
class ReplicaPolicy:
    """When replicas answer reads: the lag allowed (seconds) and how often the watcher measures it."""

    max_lag_seconds: float = 5.0
    check_seconds: float = 1.0


class Database:
    """Pools of connections made as the application role (no table ownership, no RLS bypass): the primary's, and
    one per read replica."""

    def __init__(
        self,
        app_url: str,
        max_size: int = 10,
        replica_urls: Sequence[str] = (),
        replica_policy: ReplicaPolicy | None = None,
        prepared: bool = True,
    ) -> None:
        """``prepared=False`` behind a pooler in transaction mode (PgBouncer < 1.21): a prepared statement lives on
        one server connection, which the next transaction may not get."""
        self.prepared = prepared
        self.pool = _pool(app_url, max_size, prepared)
        self.replicas = [Replica(_pool(url, max_size, prepared)) for url in replica_urls]
        self.replica_policy = replica_policy or ReplicaPolicy()
        self._watcher: asyncio.Task[None] | None = None
        self._turn = itertools.count()

    async def open(self) -> None:
        """Open the pools and wait until the primary's works (a replica down at start is only skipped)."""
        await self.pool.open(wait=True, timeout=30)
        if self.replicas:
            for replica in self.replicas:
                await replica.pool.open(wait=False)
            await self.check_replicas()
            self._watcher = asyncio.create_task(self._watch_replicas(), name="replica-watch")

    async def close(self) -> None:
        """Close every connection."""
        if self._watcher is not None:
            self._watcher.cancel()
            with suppress(asyncio.CancelledError):
                await self._watcher
        for replica in self.replicas:
            await replica.pool.close()
        await self.pool.close()

    @asynccontextmanager
    async def transaction(self, scope: Scope) -> AsyncIterator[Conn]:
        """A transaction on the primary whose unit-owned rows are limited to ``scope`` by the database itself."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(_SCOPE_SQL, (scope.as_pg_array(), scope.subject or ""))
            yield conn

    @asynccontextmanager
    async def read(self, scope: Scope, *, primary: bool = False) -> AsyncIterator[Conn]:
        """A read-only transaction limited to ``scope``, on a fresh replica when there is one (round robin), else
        (none configured, all lagging or down, ``primary`` asked, or :func:`reads_on_primary`) on the primary.
        Row-level security holds on a replica as on the primary: same policies, same per-transaction scope."""
        async with self._read(scope, primary) as (conn, _on_replica):
            yield conn

    @asynccontextmanager
    async def _read(self, scope: Scope, primary: bool) -> AsyncIterator[tuple[Conn, bool]]:
        async with AsyncExitStack() as stack:
            conn = None if primary or _on_primary.get() else await self._replica_connection(stack)
            on_replica = conn is not None
            if conn is None:
                conn = await stack.enter_async_context(self.pool.connection())
            await stack.enter_async_context(conn.transaction())
            await conn.execute(_SCOPE_SQL, (scope.as_pg_array(), scope.subject or ""))
            yield conn, on_replica

    async def read_one(self, scope: Scope, query: Callable[[Conn], Awaitable[_T | None]]) -> _T | None:
        """``query`` in :meth:`read`; when a replica answered and found nothing, once more on the primary: a row
        written a moment ago and not yet replayed is found all the same (read-your-own-writes by receipt)."""
        async with self._read(scope, primary=False) as (conn, on_replica):
            found = await query(conn)
        if found is not None or not on_replica:
            return found
        async with self.transaction(scope) as conn:
            return await query(conn)

    async def _replica_connection(self, stack: AsyncExitStack) -> Conn | None:
        fresh = [r for r in self.replicas if r.fresh]
        if not fresh:
            return None
        replica = fresh[next(self._turn) % len(fresh)]
        try:
            return await stack.enter_async_context(replica.pool.connection(timeout=_REPLICA_WAIT))
        except (PoolTimeout, psycopg.OperationalError):
            replica.fresh = False  # until the watcher finds it well again
            return None

    async def check_replicas(self) -> None:
        """Measure each replica against the primary: fresh when it is a standby that has replayed all the primary
        had written a moment before, or did so or replayed a commit within the lag allowed."""
        async with self.pool.connection() as conn:
            row = await (await conn.execute("select pg_current_wal_lsn()::text as lsn")).fetchone()
            await conn.rollback()
        lsn = row["lsn"] if row else None
        for number, replica in enumerate(self.replicas, 1):
            fresh, replica.lag_seconds = await self._lag(replica, lsn)
            if fresh != replica.fresh:
                _log.warning("read replica %s %s", number, "answers reads" if fresh else "skipped: lagging or down")
            replica.fresh = fresh

    async def _lag(self, replica: Replica, primary_lsn: str | None) -> tuple[bool, float | None]:
        policy = self.replica_policy
        try:
            async with replica.pool.connection(timeout=max(policy.check_seconds, _REPLICA_WAIT)) as conn:
                row = await (
                    await conn.execute(
                        "select pg_is_in_recovery() as standby,"
                        " pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) <= 0 as caught_up,"
                        " extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as age",
                        (primary_lsn,),
                    )
                ).fetchone()
                await conn.rollback()
        except (PoolTimeout, psycopg.Error):
            return False, None
        if row is None or not row["standby"]:
            return False, None
        now = time.monotonic()
        if row["caught_up"]:
            replica.caught_up_at = now
        # behind: since it was last caught up, or since the last commit it replayed when that is sooner (a busy
        # primary is never quite caught up with, yet each commit reaches the replica within milliseconds)
        lag = min(
            now - replica.caught_up_at if replica.caught_up_at is not None else math.inf,
            row["age"] if row["age"] is not None else math.inf,
        )
        return lag <= policy.max_lag_seconds, lag

    async def _watch_replicas(self) -> None:
        while True:
            await asyncio.sleep(self.replica_policy.check_seconds)
            try:
                await self.check_replicas()
            except (PoolTimeout, psycopg.Error):  # the primary itself is away: no replica can be judged
                for replica in self.replicas:
                    replica.fresh = False
            except Exception:  # the watcher must outlive any surprise, or stale replicas would keep answering
                _log.exception("checking the read replicas failed")
                for replica in self.replicas:
                    replica.fresh = False
