"""A streaming hot standby of a test's embedded primary, and what the tests read of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from mattran.store.replica import Standby, start_standby


@contextmanager
def streaming_standby(primary_pgdata: Path, pgdata: Path) -> Iterator[Standby]:
    """A standby of the primary running on ``primary_pgdata``, made in ``pgdata``, stopped after the block."""
    standby = start_standby(primary_pgdata, pgdata)
    try:
        yield standby
    finally:
        standby.stop("immediate")


def wait_replayed(standby: Standby, owner_uri: str, timeout: float = 30) -> None:
    """Until the standby has replayed everything the primary had written when called."""
    with psycopg.connect(owner_uri, autocommit=True) as primary:
        row = primary.execute("select pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby.uri("postgres"), autocommit=True) as conn:
        while time.monotonic() < deadline:
            done = conn.execute("select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", (row[0],))
            if (found := done.fetchone()) is not None and found[0]:
                return
            time.sleep(0.1)
    raise AssertionError("the standby did not replay the primary's writes")


def table_reads(uri: str, table: str) -> int:
    """Scans (sequential and by index) of ``table`` counted by the server at ``uri`` (its own statistics)."""
    with psycopg.connect(uri, autocommit=True) as conn:
        row = conn.execute(
            "select seq_scan + coalesce(idx_scan, 0) from pg_stat_user_tables where relname = %s", (table,)
        ).fetchone()
    return int(row[0]) if row else 0


def set_replay(standby: Standby, paused: bool) -> None:
    """Pause (or resume) the standby's replay of the primary's WAL: it keeps receiving, falls behind."""
    with psycopg.connect(standby.uri("postgres"), autocommit=True) as conn:
        conn.execute("select pg_wal_replay_pause()" if paused else "select pg_wal_replay_resume()")
