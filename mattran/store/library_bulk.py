"""A bulk load of the library with its vector (HNSW) indexes set aside: dropped before the load, recorded in
``library_index_holds``, built again after it in one parallel pass. The owner's connection holds an advisory lock
for the whole load; a process starting meanwhile leaves the indexes alone, and one starting after a load cut short
(its session gone, the lock with it) builds them again (:func:`restore_vector_indexes`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

_LOCK_KEY = 0x4D54_4C42  # "MTLB": one bulk load at a time, and no rebuild while one runs
_CREATE = re.compile(r"^CREATE INDEX ", re.IGNORECASE)


@contextmanager
def vector_indexes_set_aside(owner_url: str, say: Callable[[str], None] = lambda _m: None) -> Iterator[list[str]]:
    """Drop the HNSW indexes of ``library_chunks`` for the ``with`` block (their names are yielded) and build them
    again after it, even when the block fails; a second bulk load waits for the first."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            with conn.transaction():
                held = conn.execute(
                    "select c.relname, pg_get_indexdef(c.oid) from pg_index i "
                    "join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam "
                    "where i.indrelid = 'library_chunks'::regclass and a.amname = 'hnsw' order by c.relname"
                ).fetchall()
                for name, definition in held:
                    conn.execute(
                        "insert into library_index_holds (name, definition) values (%s, %s) "
                        "on conflict (name) do nothing",
                        (name, definition),
                    )
                    conn.execute(sql.SQL("drop index {}").format(sql.Identifier(name)))
            try:
                yield [str(name) for name, _definition in held]
            finally:
                _rebuild(conn, say)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))


def restore_vector_indexes(owner_url: str, say: Callable[[str], None] = lambda _m: None) -> list[str]:
    """Build the indexes a bulk load cut short left aside, unless a load is running now; returns their names."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        if not conn.execute("select exists (select 1 from library_index_holds)").fetchone()[0]:  # type: ignore[index]
            return []
        if not conn.execute("select pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
            return []  # a bulk load runs: it builds them when it ends
        try:
            return _rebuild(conn, say)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _rebuild(conn: psycopg.Connection[tuple[object, ...]], say: Callable[[str], None]) -> list[str]:
    """Build every index held aside (``IF NOT EXISTS``: one already built again is left as it is) and forget it."""
    built: list[str] = []
    for name, definition in conn.execute("select name, definition from library_index_holds order by name").fetchall():
        say(f"Dựng lại chỉ mục vector {name} của thư viện…")
        conn.execute(_CREATE.sub("CREATE INDEX IF NOT EXISTS ", str(definition), count=1).encode())
        conn.execute("delete from library_index_holds where name = %s", (name,))
        built.append(str(name))
    return built
