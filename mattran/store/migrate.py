"""Versioned SQL migrations, applied in order, once, under an advisory lock."""

from __future__ import annotations

from contextlib import suppress
from importlib import resources

import psycopg
from psycopg import sql

APP_ROLE = "mattran_app"
_LOCK_KEY = 0x6D617474  # any constant shared by every process migrating this database


def migration_files() -> list[tuple[str, str]]:
    """(version, SQL) of every migration shipped with the package, in order."""
    folder = resources.files("mattran.store") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def ensure_app_role(conn: psycopg.Connection, password: str | None) -> None:
    """Create the application's login role: not the tables' owner, no superuser, no RLS bypass."""
    exists = conn.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,)).fetchone()
    if not exists:
        with suppress(psycopg.errors.DuplicateObject):  # created concurrently
            conn.execute(
                sql.SQL("create role {} login nosuperuser nobypassrls nocreatedb nocreaterole").format(
                    sql.Identifier(APP_ROLE)
                )
            )
    else:
        conn.execute(sql.SQL("alter role {} nosuperuser nobypassrls").format(sql.Identifier(APP_ROLE)))
    if password is not None:
        conn.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(APP_ROLE), sql.Literal(password)))


def migrate(owner_url: str, app_password: str | None) -> list[str]:
    """Apply pending migrations as the owner; return the versions applied now (empty when up to date)."""
    applied_now: list[str] = []
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            ensure_app_role(conn, app_password)
            conn.execute(
                "create table if not exists schema_migrations ("
                " version text primary key, applied_at timestamptz not null default now())"
            )
            done = {r[0] for r in conn.execute("select version from schema_migrations")}
            for version, body in migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(body)  # trusted, shipped with the package
                    conn.execute("insert into schema_migrations (version) values (%s)", (version,))
                applied_now.append(version)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
