"""``mattran db replica``: a hot standby of the embedded store for development, its address on stdout, stopped with
the command."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from tests.support.platform import MATTRAN, cli_env


def test_the_command_runs_a_standby_of_the_embedded_store_until_stopped(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [MATTRAN, "db", "replica"], env=cli_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()  # printed once the standby accepts connections
        assert url and "user=" not in url, url  # reached as the application role when set as a replica URL
        with psycopg.connect(make_conninfo(url, user="postgres"), autocommit=True) as conn:
            row = conn.execute("select pg_is_in_recovery(), current_database()").fetchone()
        assert row == (True, "mattran")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    assert process.returncode == 128 + signal.SIGTERM, process.stderr.read().decode() if process.stderr else ""
    assert not (tmp_path / "standby" / "postmaster.pid").exists()  # the standby stopped with the command
    assert (tmp_path / "standby" / "standby.signal").exists()
