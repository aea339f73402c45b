"""A bulk load of the library with its vector (HNSW) indexes set aside: dropped before the load, recorded in
``library_index_holds``, built again after it in one parallel pass. The owner's connection holds an advisory lock
for the whole load; a process starting meanwhile leaves the indexes alone, and one starting after a load cut short
(its session gone, the lock with it) builds them again (:func:`restore_vector_indexes`), without blocking writes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

_LOCK_KEY = 0x4D54_4C42  # "MTLB": one bulk load at a time, and no rebuild while one runs
_CREATE = re.compile(r"^CREATE INDEX ", re.IGNORECASE)

Say = Callable[[str], None]


def _hnsw_indexes(conn: psycopg.Connection[tuple[object, ...]]) -> list[tuple[str, str]]:
    """The HNSW indexes of ``library_chunks``: names and definitions, as the catalogue writes them."""
    rows = conn.execute(
        "select c.relname, pg_get_indexdef(c.oid) from pg_index i "
        "join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam "
        "where i.indrelid = 'library_chunks'::regclass and a.amname = 'hnsw' order by c.relname"
    ).fetchall()
    return [(str(name), str(definition)) for name, definition in rows]


@contextmanager
def vector_indexes_set_aside(owner_url: str, say: Say = lambda _m: None) -> Iterator[list[str]]:
    """Drop the HNSW indexes of ``library_chunks`` for the ``with`` block (their names are yielded) and build them
    again after it, even when the block fails (its error is the one raised); a second bulk load waits for the
    first. A rebuild that fails is left to the next start of any process (said, in Vietnamese)."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        if not _try_lock(conn):
            say("Đang có một lần nạp hàng loạt khác vào thư viện; chờ lần đó xong…")
            conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        with conn.transaction():
            held = _hnsw_indexes(conn)
            for name, definition in held:
                conn.execute(
                    "insert into library_index_holds (name, definition) values (%s, %s) on conflict (name) do nothing",
                    (name, definition),
                )
                conn.execute(sql.SQL("drop index {}").format(sql.Identifier(name)))
        if held:
            say("Đã gác chỉ mục vector của thư viện trong lúc nạp (tìm kiếm chậm hơn đến khi dựng lại xong).")
        failed = True
        try:
            yield [name for name, _definition in held]
            failed = False
        finally:
            try:
                _rebuild(conn, say, concurrently=False)  # the load is over: blocking its writes costs nothing
                conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
            except psycopg.Error as error:
                say(f"Chưa dựng lại được chỉ mục vector ({error}); lần khởi động sau sẽ dựng lại.")
                if not failed:
                    raise


def restore_vector_indexes(owner_url: str, say: Say = lambda _m: None) -> list[str]:
    """Build the indexes a bulk load cut short left aside, unless a load is running now, without blocking writes
    (``CONCURRENTLY``); returns their names. A failure is said (the start goes on: search answers without them)."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        if not _anything_held(conn):
            return []
        if not _try_lock(conn):
            say("Đang nạp hàng loạt vào thư viện: chỉ mục vector sẽ được dựng lại khi lần nạp đó xong.")
            return []
        try:
            return _rebuild(conn, say, concurrently=True)
        except psycopg.Error as error:
            say(f"Chưa dựng lại được chỉ mục vector của thư viện ({error}); tìm kiếm vẫn chạy, chậm hơn.")
            return []
        finally:
            if not conn.closed:
                conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _anything_held(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    held = conn.execute("select to_regclass('library_index_holds') is not null").fetchone()
    if not (held and held[0]):
        return False  # a store before migration 0085
    held = conn.execute("select exists (select 1 from library_index_holds)").fetchone()
    return bool(held and held[0])


def _try_lock(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    return bool(conn.execute("select pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()[0])  # type: ignore[index]


def _rebuild(conn: psycopg.Connection[tuple[object, ...]], say: Say, *, concurrently: bool) -> list[str]:
    """Build every index held aside and forget it; one already there and valid is left as it is, one a failed
    concurrent build left invalid is built anew."""
    built: list[str] = []
    for name, definition in conn.execute("select name, definition from library_index_holds order by name").fetchall():
        say(f"Dựng lại chỉ mục vector {name} của thư viện…")
        invalid = conn.execute(
            "select not i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = %s",
            (name,),
        ).fetchone()
        if invalid and invalid[0]:
            conn.execute(sql.SQL("drop index {}").format(sql.Identifier(str(name))))
        create = "CREATE INDEX CONCURRENTLY IF NOT EXISTS " if concurrently else "CREATE INDEX IF NOT EXISTS "
        conn.execute(_CREATE.sub(create, str(definition), count=1).encode())  # the catalogue's own definition
        conn.execute("delete from library_index_holds where name = %s", (name,))
        built.append(str(name))
    return built
