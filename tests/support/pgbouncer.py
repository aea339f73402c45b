"""PgBouncer (Debian's, /usr/sbin/pgbouncer) in transaction mode in front of a test store, for the application role."""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mattran.store.migrate import APP_ROLE
from tests.support.platform import free_port

PGBOUNCER = "/usr/sbin/pgbouncer"


def through_pgbouncer() -> bool:
    """Whether this test run puts every application connection through PgBouncer (``MATTRAN_TEST_PGBOUNCER=1``)."""
    return os.environ.get("MATTRAN_TEST_PGBOUNCER") == "1"


def config(owner_url: str, password: str, workdir: Path, port: int, server_connections: int) -> Path:
    """Write ``pgbouncer.ini`` (and its user list) for the store of ``owner_url``; the settings docs/deployment.md
    names."""
    server = conninfo_to_dict(owner_url)
    dbname = str(server["dbname"])
    target = f"host={server.get('host') or '127.0.0.1'} port={server.get('port') or 5432} dbname={dbname}"
    (workdir / "users.txt").write_text(f'"{APP_ROLE}" "{password}"\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        f"[databases]\n{dbname} = {target}\n\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {workdir / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {server_connections}\nmax_client_conn = 500\n"
        # psycopg's pool sends -c TimeZone=…: dropped here, the role's own default (migration 0073) applies
        "ignore_startup_parameters = options,extra_float_digits\n"
        "server_reset_query =\n"
        "log_connections = 0\nlog_disconnections = 0\n"
        # PgBouncer will not run as root: it drops to the embedded server's own user
        + (f"user = {_unprivileged_user()}\n" if os.geteuid() == 0 else "")
    )
    return ini


def _unprivileged_user() -> str:
    for name in ("embedded_postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("no unprivileged user to run PgBouncer as")


@contextmanager
def pgbouncer(owner_url: str, password: str, workdir: Path, server_connections: int = 4) -> Iterator[str]:
    """Run PgBouncer in front of the store; yield the application role's URL through it."""
    port = free_port()
    ini = config(owner_url, password, workdir, port, server_connections)
    log = (workdir / "pgbouncer.log").open("wb")
    proc = subprocess.Popen([PGBOUNCER, str(ini)], stdout=log, stderr=subprocess.STDOUT)
    app_url = make_conninfo(
        "", host="127.0.0.1", port=port, dbname=conninfo_to_dict(owner_url)["dbname"], user=APP_ROLE, password=password
    )
    try:
        _wait(app_url, proc, workdir)
        yield app_url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def _wait(url: str, proc: subprocess.Popen[bytes], workdir: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"pgbouncer exited: {(workdir / 'pgbouncer.log').read_text()}")
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("select 1")
            return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise AssertionError(f"pgbouncer did not answer: {(workdir / 'pgbouncer.log').read_text()}")
