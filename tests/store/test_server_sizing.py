"""The embedded server sized to the machine: the derived settings, and a fresh server running with them."""

from __future__ import annotations

from pathlib import Path

import psycopg

from mattran.store import server
from mattran.store.server import Machine, sized_settings


def test_settings_follow_memory_and_cores() -> None:
    small = sized_settings(Machine(memory_mib=4096, cores=2, shm_mib=64))
    assert small["shared_buffers"] == "1024MB" and small["effective_cache_size"] == "3072MB"
    assert small["work_mem"] == "10MB"
    assert small["maintenance_work_mem"] == "64MB"  # a parallel build keeps its graph in /dev/shm: 64 MB here
    assert small["max_parallel_workers_per_gather"] == "1" and small["max_parallel_maintenance_workers"] == "1"
    large = sized_settings(Machine(memory_mib=128 * 1024, cores=16, shm_mib=64 * 1024))
    assert large["shared_buffers"] == "8192MB"  # capped: the rest serves as the OS cache
    assert large["effective_cache_size"] == "98304MB" and large["work_mem"] == "256MB"
    assert large["maintenance_work_mem"] == "4096MB"
    assert large["max_parallel_workers"] == "16" and large["max_worker_processes"] == "18"
    assert large["max_parallel_workers_per_gather"] == "4" and large["max_parallel_maintenance_workers"] == "8"
    tiny = sized_settings(Machine(memory_mib=1024, cores=1, shm_mib=None))
    assert tiny["shared_buffers"] == "256MB" and tiny["work_mem"] == "4MB" and tiny["maintenance_work_mem"] == "128MB"
    assert tiny["max_parallel_workers_per_gather"] == "0" and tiny["max_parallel_maintenance_workers"] == "0"


def _running(owner: str, wanted: dict[str, str]) -> dict[str, bool]:
    """Per setting, whether the server runs with the wanted value (sizes compared in bytes)."""
    with psycopg.connect(owner) as conn:
        return {
            name: bool(
                conn.execute(
                    "select case when %(v)s ~ '^[0-9]+[kMGT]B$' then pg_size_bytes(current_setting(%(n)s)) = "
                    "pg_size_bytes(%(v)s) else current_setting(%(n)s) = %(v)s end",
                    {"n": name, "v": value},
                ).fetchone()[0]  # type: ignore[index]
            )
            for name, value in wanted.items()
        }


def test_a_fresh_embedded_server_runs_sized_to_the_machine(tmp_path: Path) -> None:
    owner = server.start_embedded(tmp_path, "sizing", {"work_mem": "24MB"})
    derived = sized_settings(server.this_machine())
    wanted = derived | {"work_mem": "24MB"}
    assert _running(owner, wanted) == dict.fromkeys(wanted, True)
    with psycopg.connect(owner) as conn:
        shown = conn.execute("show shared_buffers").fetchone()[0]  # type: ignore[index]
        started = conn.execute("select pg_postmaster_start_time()").fetchone()[0]  # type: ignore[index]
    assert derived["shared_buffers"] != "128MB" and shown != "128MB"  # not the package's default any more
    with psycopg.connect(owner) as conn:  # loaded: the buffers' blocks are written down and read back at the next start
        assert conn.execute("show pg_prewarm.autoprewarm").fetchone() == ("on",)
    # joined by this process again with another value needing a restart: not restarted under its own users
    again = server.start_embedded(tmp_path, "sizing", {"shared_buffers": "256MB"})
    with psycopg.connect(again) as conn:
        assert conn.execute("select pg_postmaster_start_time()").fetchone()[0] == started  # type: ignore[index]
        waiting = conn.execute(
            "select setting, applied from pg_file_settings "
            "where name = 'shared_buffers' and sourcefile like '%postgresql.auto.conf'"
        ).fetchone()
    assert waiting == ("256MB", False)  # written, applied at the next start
