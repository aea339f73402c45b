"""The ``mattran`` command line."""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import logging.config
import os
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from cli.backup import backup, restore
from cli.chat import chat, chat_prune
from cli.console import err, out, say
from cli.eval import evaluate
from cli.feedback import feedback_app
from cli.library import ingest, search
from cli.llm import llm_app
from cli.members import members_app
from cli.purge import purge
from cli.report import report
from mattran.bootstrap import StoreUrls, prepare_store
from mattran.keys import KeyFileError, key_ring
from mattran.settings import Settings, get_settings

if TYPE_CHECKING:
    from mattran.auth.principal import Principal
    from mattran.store.db import Database

app = typer.Typer(help="Mặt trận số: nền tảng số của Mặt trận Tổ quốc Việt Nam.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
units_app = typer.Typer(help="Đơn vị hành chính (34 tỉnh, 3.321 xã).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(units_app, name="units")
app.add_typer(members_app, name="members")
app.add_typer(llm_app, name="llm")
app.add_typer(feedback_app, name="feedback")


def _terminate_as_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _store(settings: Settings | None = None) -> StoreUrls:
    signal.signal(signal.SIGTERM, _terminate_as_exit)  # so the store is released on SIGTERM too
    try:
        return prepare_store(settings or get_settings(), say)
    except KeyFileError as exc:
        err.print(exc.message, markup=False)
        raise typer.Exit(2) from exc


def _refuse_public_development(settings: Settings) -> None:
    """Development listens on loopback only, unless the operator says otherwise (its sign-in is a local test one)."""
    if settings.env == "production" or not settings.public_bind:
        return
    if not settings.insecure_dev:
        err.print(
            f"Từ chối lắng nghe trên {escape(settings.host)}: chế độ phát triển chỉ chạy trên 127.0.0.1 "
            "(nhà cung cấp định danh thử nghiệm, tài khoản mẫu). Để phục vụ người dùng khác, đặt "
            "MATTRAN_ENV=production với khóa và nhà cung cấp định danh thật; chỉ để thử trong mạng tin cậy, "
            "thêm --insecure-dev (hoặc MATTRAN_INSECURE_DEV=1).",
            markup=False,
        )
        raise typer.Exit(2)
    err.print(f"CẢNH BÁO: chế độ phát triển đang mở trên {escape(settings.host)} (--insecure-dev).", markup=False)
    if settings.oidc_issuer is None:
        err.print(
            "Nhà cung cấp định danh thử nghiệm và tài khoản mẫu chỉ nghe trên 127.0.0.1: từ máy khác chỉ dùng "
            "được phần công khai; để đăng nhập từ xa, đặt MATTRAN_OIDC_ISSUER tới nhà cung cấp thật.",
            markup=False,
        )


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Địa chỉ lắng nghe.")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng.")] = None,
    insecure_dev: Annotated[
        bool,
        typer.Option(
            "--insecure-dev",
            help="Cho phép chế độ phát triển nghe trên địa chỉ khác 127.0.0.1 (chỉ trong mạng tin cậy).",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Số tiến trình web cùng nghe trên một cổng (kho dữ liệu, migration và dữ liệu ban đầu chuẩn bị một "
            "lần trước khi chúng khởi động; mỗi việc nền chạy một lần, ở tiến trình nào nhận việc).",
        ),
    ] = 1,
) -> None:
    """Khởi động toàn bộ nền tảng: kho dữ liệu, migration, dữ liệu tham chiếu và ứng dụng web."""

    import uvicorn

    from cli import devidp, serve
    from cli.serve import APP_URL_ENV
    from web.app import create_app
    from web.logs import log_config

    os.environ.setdefault("MATTRAN_BOOT_ID", uuid.uuid4().hex)  # Settings.boot_id, shared by the workers started below
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = get_settings().model_copy(update=overrides | ({"insecure_dev": True} if insecure_dev else {}))
    _refuse_public_development(settings)
    if settings.log_format == "json":  # the start's progress lines too (uvicorn applies the same again)
        os.environ["MATTRAN_LOG_FORMAT"] = "json"  # also when the setting came from .env: say() reads the environment
        logging.config.dictConfig(log_config(settings.log_level, "json"))
    urls = _store(settings)
    provider = None
    if settings.oidc_issuer is None:
        say(f"Khởi động nhà cung cấp định danh phát triển tại {settings.issuer}…")
        (settings.data_dir / "idp").mkdir(parents=True, exist_ok=True)
        provider = devidp.start(
            settings.issuer,
            [devidp.DevClient(settings.oidc_client_id, settings.oidc_client_secret, settings.base_url)],
            settings.data_dir / "idp" / "jwks.json",
            key_ring(settings).signing.secret.decode(),  # the signing key prepare_store loaded
            settings.oidc_api_audience,
        )
    say(f"Ứng dụng web: {settings.base_url}  (kiểm tra: /healthz, {workers} tiến trình)  — Ctrl-C để dừng")
    if settings.log_format == "text":  # in JSON, the library's lines go through the root logger's JSON handler
        _log_library_work(settings.log_level)
    try:
        if workers > 1:  # each worker builds its app from the same environment, the overrides included
            env = {f"MATTRAN_{k.upper()}": str(v) for k, v in overrides.items()} | {APP_URL_ENV: urls.app}
            serve.serve_workers(
                serve.listen(settings),
                workers,
                dict(os.environ) | env | ({"MATTRAN_INSECURE_DEV": "1"} if insecure_dev else {}),
            )
        else:
            uvicorn.run(
                create_app(settings, urls),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
                log_config=log_config(settings.log_level, settings.log_format),
                timeout_graceful_shutdown=10,
                proxy_headers=bool(settings.trusted_proxies),
                forwarded_allow_ips=settings.trusted_proxies or None,
            )
    finally:
        if provider is not None:
            provider.terminate()
            provider.wait(10)
    say("Đã dừng.")


def _log_library_work(level: str) -> None:
    """Show the library's background work (the demo library, re-indexing after an upgrade: done/total, rate) in the
    server's log; other packages' loggers stay as uvicorn leaves them."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    logger = logging.getLogger("ingest")
    logger.addHandler(handler)
    logger.setLevel(level.upper())


@db_app.command("migrate")
def db_migrate() -> None:
    """Áp dụng các migration còn thiếu (idempotent)."""
    _store()
    say("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@db_app.command("replica")
def db_replica(
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Thư mục dữ liệu của bản sao; mặc định DATA_DIR/standby.")
    ] = None,
) -> None:
    """Phát triển và kiểm thử: một bản sao chỉ đọc (hot standby) của PostgreSQL nhúng, nhận WAL liên tục, chạy đến
    khi dừng (Ctrl-C); in ra chuỗi kết nối cho MATTRAN_DATABASE_REPLICA_URLS."""
    from mattran.store.replica import start_standby
    from mattran.store.server import start_embedded

    settings = get_settings()
    if not settings.embedded:
        err.print(
            "Lệnh này chỉ dùng với PostgreSQL nhúng; với máy chủ ngoài, dùng bản sao của máy chủ đó.", markup=False
        )
        raise typer.Exit(2)
    signal.signal(signal.SIGTERM, _terminate_as_exit)
    start_embedded(settings.data_dir, settings.db_name, settings.postgres_settings)  # the primary (joined by `up`)
    say("Tạo và khởi động bản sao (pg_basebackup -R)…")
    standby = start_standby(settings.data_dir / "pgdata", folder or settings.data_dir / "standby")
    try:
        say("Bản sao đang chạy; đặt MATTRAN_DATABASE_REPLICA_URLS bằng dòng dưới. Ctrl-C để dừng.")
        out.print(standby.uri(settings.db_name, user=None), markup=False, soft_wrap=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standby.stop()
        say("Đã dừng bản sao.")


@units_app.command("find")
def units_find(
    text: Annotated[str, typer.Argument(help='Tên đơn vị hoặc địa chỉ, ví dụ: "P. Ba Đình, HN".')],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Tìm đơn vị hành chính từ văn bản tự do (không dấu, viết tắt, sai chính tả, địa chỉ cũ)."""
    from mattran.domain.units import Resolution, load_resolver
    from mattran.scope import Scope
    from mattran.store.db import Database

    urls = _store()

    async def run() -> Resolution:
        db = Database(urls.app, max_size=1, prepared=get_settings().db_prepared_statements)
        await db.open()
        try:
            async with db.transaction(Scope.public()) as conn:
                return await (await load_resolver(conn)).resolve(conn, text)
        finally:
            await db.close()

    result = asyncio.run(run())
    if as_json:
        print(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    else:
        out.print(result.message)
        if result.results:
            table = Table("Mã", "Tên", "Loại", "Tỉnh/thành phố", "Điểm", "Tên cũ")
            for m in result.results:
                table.add_row(
                    m.code,
                    m.name,
                    m.type,
                    m.province_name or "",
                    f"{m.score:.2f}".replace(".", ","),
                    m.converted_from or "",
                )
            out.print(table)
    if result.status == "not_found":
        raise typer.Exit(1)


apikey_app = typer.Typer(help="Khóa API cho ứng dụng bên ngoài (cổng Open311).", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.command("chat")(chat)
app.command("chat-prune")(chat_prune)
app.command("backup")(backup)
app.command("restore")(restore)
app.command("report")(report)
app.command("ingest")(ingest)
app.command("search")(search)
app.command("eval")(evaluate)
app.command("purge")(purge)
_T = TypeVar("_T")


def _on_store(work: Callable[[Database], Awaitable[_T]]) -> _T:
    """Run ``work`` with a small pool on the store (started, or joined when ``mattran up`` runs)."""
    from mattran.store.db import Database

    urls = _store()

    async def run() -> _T:
        db = Database(urls.app, max_size=1, prepared=get_settings().db_prepared_statements)
        await db.open()
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def _operator() -> Principal:
    """Who runs the command, as the audit log records it."""
    from mattran.auth.principal import Principal

    try:
        user = getpass.getuser()
    except OSError:
        user = "không rõ"
    return Principal(subject=f"cli:{user}", name=user, roles=frozenset())


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="Ứng dụng hoặc tổ chức dùng khóa.")],
    as_json: Annotated[bool, typer.Option("--json", help='In đúng {"api_key": "..."}.')] = False,
) -> None:
    """Tạo khóa API mới. Khóa chỉ hiện một lần: nền tảng chỉ giữ giá trị băm."""
    from cli.errors import refusal
    from mattran.domain import api_keys
    from mattran.domain.errors import DomainError

    try:
        created = _on_store(lambda db: api_keys.create(db, _operator(), name))
    except DomainError as exc:
        raise refusal(exc) from exc
    if as_json:
        print(json.dumps({"api_key": created.api_key}))
    else:
        print(created.api_key)
    say(f"Đã tạo khóa “{escape(created.name)}” (tiền tố {created.prefix}). Hãy lưu ngay: khóa sẽ không hiện lại.")


@apikey_app.command("list")
def apikey_list() -> None:
    """Liệt kê các khóa API (chỉ tiền tố, không bao giờ hiện khóa)."""
    from mattran.domain import api_keys
    from mattran.domain.time import VIETNAM

    keys = _on_store(api_keys.all_keys)
    if not keys:
        out.print("Chưa có khóa API nào.")
        return
    table = Table("Tiền tố", "Tên", "Tạo lúc", "Người tạo", "Trạng thái")
    for column in table.columns[:2]:  # the prefix (what revoking takes) and the name read whole, never broken
        column.no_wrap = True
    for k in keys:
        state = f"thu hồi {k.revoked_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}" if k.revoked_at else "đang dùng"
        table.add_row(
            k.prefix,
            escape(k.name),
            f"{k.created_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}",
            escape(k.created_by or ""),
            state,
        )
    out.print(table)


holiday_app = typer.Typer(help="Ngày nghỉ lễ, Tết: không tính vào các thời hạn ngày làm việc.", no_args_is_help=True)
app.add_typer(holiday_app, name="holiday")


@holiday_app.command("add")
def holiday_add(
    day: Annotated[datetime, typer.Argument(formats=["%Y-%m-%d"], help="Ngày nghỉ (YYYY-MM-DD).")],
    name: Annotated[str, typer.Argument(help="Tên ngày nghỉ, theo quyết định của Chính phủ.")],
) -> None:
    """Thêm một ngày nghỉ do Chính phủ quyết định (nghỉ bù, hoán đổi ngày làm việc)."""
    from cli.errors import refusal
    from mattran.domain import holidays
    from mattran.domain.errors import DomainError

    try:
        added = _on_store(lambda db: holidays.add_holiday(db, _operator(), day.date(), name))
    except DomainError as exc:
        raise refusal(exc) from exc
    out.print(f"Đã thêm ngày nghỉ {added.day:%d/%m/%Y}: {escape(added.name)}.")


@holiday_app.command("list")
def holiday_list(year: Annotated[int, typer.Argument(min=2000, max=2100, help="Năm.")]) -> None:
    """Liệt kê các ngày nghỉ lễ, Tết của một năm."""
    from mattran.domain import holidays

    days = _on_store(lambda db: holidays.listed(db, year))
    table = Table("Ngày", "Tên", "Người thêm")
    for h in days:
        table.add_row(f"{h.day:%d/%m/%Y}", escape(h.name), escape(h.added_by or "có sẵn"))
    out.print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="Tiền tố của khóa (ví dụ mtk_AbCd1234), như `apikey list` hiện.")],
) -> None:
    """Thu hồi một khóa API: ứng dụng dùng khóa này không gửi được phản ánh nữa."""
    from cli.errors import refusal
    from mattran.domain import api_keys
    from mattran.domain.errors import DomainError

    try:
        revoked = _on_store(lambda db: api_keys.revoke(db, _operator(), prefix))
    except DomainError as exc:
        raise refusal(exc) from exc
    out.print(f"Đã thu hồi khóa {revoked.prefix} (“{escape(revoked.name)}”).")
