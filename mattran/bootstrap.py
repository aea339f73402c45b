"""Bring the store up on any data dir: start the server, migrate, load reference (and demo) data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mattran.domain import demo
from mattran.domain.privacy import carries_national_id_hashes, personal_data, reencrypt_store
from mattran.keys import key_ring
from mattran.settings import Settings
from mattran.store import checkpoints, library_bulk, migrate, reference, server


@dataclass(frozen=True)
class StoreUrls:
    """Connection strings: the owner (migrations, reference data) and the application role."""

    owner: str
    app: str


def prepare_store(settings: Settings, say: Callable[[str], None] = lambda _m: None) -> StoreUrls:
    """Start or join the store, apply migrations, reference and demo data; idempotent, safe concurrently."""
    if settings.embedded:
        say(f"Khởi động PostgreSQL nhúng tại {settings.data_dir / 'pgdata'}…")
        owner = server.start_embedded(settings.data_dir, settings.db_name, settings.postgres_settings)
    else:
        owner = settings.database_url or ""
    app = settings.app_database_url or make_conninfo(owner, user=migrate.APP_ROLE, password=settings.app_db_password)
    applied = migrate.migrate(owner, None if settings.app_database_url else settings.app_db_password)
    if applied:
        say(f"Đã áp dụng {len(applied)} migration: {', '.join(applied)}")
    library_bulk.restore_vector_indexes(owner, say)  # left aside by a bulk load cut short
    protect_personal_data(settings, owner, say)
    checkpoints.setup_checkpoints(owner)
    reference.load_units(owner, say)
    if settings.load_demo_data:
        demo.load(owner, personal_data(settings), say)
    return StoreUrls(owner=owner, app=app)


def protect_personal_data(settings: Settings, owner: str, say: Callable[[str], None] = lambda _m: None) -> None:
    """Load (in development: create) the data dir's keys, then re-encrypt what is not under the current key."""
    key_ring(settings, carry_over_national_id=carries_national_id_hashes(owner))
    done = reencrypt_store(owner, personal_data(settings))
    if done.rewritten:
        say(f"Đã mã hóa lại {done.rewritten} bản ghi dữ liệu cá nhân bằng khóa hiện hành.")
    if done.unreadable:
        say(
            f"Cảnh báo: {done.unreadable} bản ghi dữ liệu cá nhân không giải mã được bằng các khóa trong "
            f"{settings.data_dir / 'keys'} (giữ nguyên, chưa mã hóa lại)."
        )


def replica_urls(settings: Settings) -> list[str]:
    """The read replicas' connection strings for the application role (``MATTRAN_DATABASE_REPLICA_URLS``): one that
    names no user gets the application role and its password, as the primary's derived URL does."""
    urls = [url.strip() for url in settings.database_replica_urls.split(",") if url.strip()]
    return [
        url
        if conninfo_to_dict(url).get("user")
        else make_conninfo(url, user=migrate.APP_ROLE, password=settings.app_db_password)
        for url in urls
    ]
