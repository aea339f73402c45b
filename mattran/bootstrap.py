"""Bring the store up on any data dir: start the server, migrate, load reference (and demo) data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from psycopg.conninfo import make_conninfo

from mattran.domain import demo
from mattran.settings import Settings
from mattran.store import checkpoints, migrate, reference, server


@dataclass(frozen=True)
class StoreUrls:
    """Connection strings: the owner (migrations, reference data) and the application role."""

    owner: str
    app: str


def prepare_store(settings: Settings, say: Callable[[str], None] = lambda _m: None) -> StoreUrls:
    """Start or join the store, apply migrations, reference and demo data; idempotent, safe concurrently."""
    if settings.embedded:
        say(f"Khởi động PostgreSQL nhúng tại {settings.data_dir / 'pgdata'}…")
        owner = server.start_embedded(settings.data_dir, settings.db_name)
    else:
        owner = settings.database_url or ""
    app = settings.app_database_url or make_conninfo(owner, user=migrate.APP_ROLE, password=settings.app_db_password)
    applied = migrate.migrate(owner, None if settings.app_database_url else settings.app_db_password)
    if applied:
        say(f"Đã áp dụng {len(applied)} migration: {', '.join(applied)}")
    checkpoints.setup_checkpoints(owner)
    reference.load_units(owner, say)
    if settings.load_demo_data:
        demo.load(owner, settings.secret_key, say)
    return StoreUrls(owner=owner, app=app)
