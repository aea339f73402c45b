"""``mattran backup`` and ``mattran restore``: the whole store to one file (pg_dump) and back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli.console import err, say
from mattran.keys import KeyFileError, key_ring
from mattran.settings import Settings, get_settings
from mattran.store import backup as store_backup


def _owner_url(settings: Settings) -> str:
    """The owner's connection to the store (the embedded server is started or joined)."""
    from mattran.store import server

    if settings.embedded:
        say(f"Khởi động PostgreSQL nhúng tại {settings.data_dir / 'pgdata'}…")
        return server.start_embedded(settings.data_dir, settings.db_name, settings.postgres_settings)
    return settings.database_url or ""


def _readable(settings: Settings, restored_url: str) -> None:
    """Refuse a restored copy whose personal data the data dir's keys cannot open."""
    from mattran.domain.privacy import carries_national_id_hashes, personal_data, unreadable_keys

    try:
        key_ring(settings, carry_over_national_id=carries_national_id_hashes(restored_url))
    except KeyFileError as exc:
        raise store_backup.BackupError(exc.message) from exc
    missing = unreadable_keys(restored_url, personal_data(settings))
    if missing:
        ids = ", ".join(sorted(missing))
        raise store_backup.BackupError(
            f"Khóa trong {settings.data_dir / 'keys'} không giải mã được dữ liệu cá nhân của bản sao lưu (cần mã "
            f"khóa {ids}; “cũ” là MATTRAN_SECRET_KEY của phiên bản trước). Hãy chép các tệp khóa đã giữ cùng bản "
            "sao lưu vào thư mục đó (hoặc đặt MATTRAN_PERSONAL_DATA_KEY) rồi khôi phục lại."
        )


def backup(
    file: Annotated[
        Path | None, typer.Argument(help="Tệp sao lưu mới (mặc định DATA_DIR/backups/mattran-YYYYmmdd-HHMMSS.dump).")
    ] = None,
) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu vào một tệp (pg_dump, định dạng custom)."""
    from mattran.domain.privacy import carries_national_id_hashes
    from mattran.domain.time import VIETNAM

    settings = get_settings()
    target = file or settings.data_dir / "backups" / f"mattran-{datetime.now(VIETNAM):%Y%m%d-%H%M%S}.dump"
    owner = _owner_url(settings)
    try:
        ring = key_ring(settings, carry_over_national_id=carries_national_id_hashes(owner))  # made here if not yet
        store_backup.dump(owner, target, settings.embedded)
    except (store_backup.BackupError, KeyFileError) as exc:
        err.print(exc.message, markup=False)
        raise typer.Exit(1) from exc
    print(target)
    size = f"{target.stat().st_size / 1024 / 1024:.1f}".replace(".", ",")
    kept = [f"  {k.source} (mã khóa {k.id})" for k in (ring.personal_data, ring.national_id, *ring.retired)]
    say(
        f"Đã sao lưu vào {escape(str(target))} ({size} MB). Bản sao lưu không chứa khóa: thiếu các khóa dưới đây, "
        "họ tên, số điện thoại, email và số định danh trong đó không đọc hay đối chiếu được. Hãy giữ chúng, "
        "ở nơi khác với bản sao lưu:\n" + escape("\n".join(kept))
    )


def restore(
    file: Annotated[Path, typer.Argument(help="Tệp do `mattran backup` tạo ra.")],
    yes: Annotated[bool, typer.Option("--yes", help="Đồng ý thay thế toàn bộ dữ liệu đang có.")] = False,
) -> None:
    """Khôi phục cơ sở dữ liệu từ một tệp sao lưu: dữ liệu hiện có được thay thế toàn bộ."""
    from mattran.bootstrap import protect_personal_data
    from mattran.store import checkpoints, migrate, reference

    if not file.is_file():
        err.print(f"Không có tệp sao lưu “{escape(str(file))}”.")
        raise typer.Exit(2)
    settings = get_settings()
    owner = _owner_url(settings)
    present = {t: n for t, n in store_backup.data_counts(owner).items() if n}
    if present and not yes:
        held = ", ".join(f"{n:,} {store_backup.DATA_TABLES[t]}".replace(",", ".") for t, n in present.items())
        err.print(
            f"Cơ sở dữ liệu đang có dữ liệu ({held}). Khôi phục sẽ thay thế toàn bộ; chạy lại với --yes để xác nhận."
        )
        raise typer.Exit(1)
    app_password = None if settings.app_database_url else settings.app_db_password
    try:
        store_backup.restore(owner, file, app_password, settings.embedded, lambda url: _readable(settings, url))
    except store_backup.BackupError as exc:
        err.print(f"{exc.message}\nDữ liệu hiện có được giữ nguyên.", markup=False)
        raise typer.Exit(1) from exc
    applied = migrate.migrate(owner, app_password)  # a backup from an older version gets the newer migrations
    if applied:
        say(f"Đã áp dụng {len(applied)} migration: {', '.join(applied)}")
    checkpoints.setup_checkpoints(owner)
    reference.load_units(owner, say)
    protect_personal_data(settings, owner, say)
    say(f"Đã khôi phục từ {escape(str(file))}.")
