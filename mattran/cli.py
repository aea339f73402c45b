"""The ``mattran`` command line."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Annotated

import typer
from rich.table import Table

from mattran.bootstrap import StoreUrls, prepare_store
from mattran.console import out, say
from mattran.settings import get_settings

app = typer.Typer(help="Mặt trận số: nền tảng số của Mặt trận Tổ quốc Việt Nam.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
units_app = typer.Typer(help="Đơn vị hành chính (34 tỉnh, 3.321 xã).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(units_app, name="units")


def _terminate_as_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _store() -> StoreUrls:
    signal.signal(signal.SIGTERM, _terminate_as_exit)  # so the store is released on SIGTERM too
    return prepare_store(get_settings(), say)


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Địa chỉ lắng nghe.")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng.")] = None,
) -> None:
    """Khởi động toàn bộ nền tảng: kho dữ liệu, migration, dữ liệu tham chiếu và ứng dụng web."""
    import uvicorn

    from web.app import create_app

    from mattran import devidp

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = get_settings().model_copy(update=overrides)
    urls = _store()
    provider = None
    if settings.oidc_issuer is None:
        say(f"Khởi động nhà cung cấp định danh phát triển tại {settings.issuer}…")
        (settings.data_dir / "idp").mkdir(parents=True, exist_ok=True)
        provider = devidp.start(
            settings.issuer, [devidp.DevClient(settings.oidc_client_id, settings.oidc_client_secret, settings.base_url)],
            settings.data_dir / "idp" / "jwks.json", settings.secret_key, settings.oidc_api_audience)
    say(f"Ứng dụng web: {settings.base_url}  (kiểm tra: /healthz)  — Ctrl-C để dừng")
    try:
        uvicorn.run(create_app(settings, urls), host=settings.host, port=settings.port,
                    log_level=settings.log_level, timeout_graceful_shutdown=10)
    finally:
        if provider is not None:
            provider.terminate()
            provider.wait(10)
    say("Đã dừng.")


@db_app.command("migrate")
def db_migrate() -> None:
    """Áp dụng các migration còn thiếu (idempotent)."""
    _store()
    say("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@units_app.command("find")
def units_find(
    text: Annotated[str, typer.Argument(help="Tên đơn vị hoặc địa chỉ, ví dụ: \"P. Ba Đình, HN\".")],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Tìm đơn vị hành chính từ văn bản tự do (không dấu, viết tắt, sai chính tả, địa chỉ cũ)."""
    from mattran.domain.units import Resolution, load_resolver
    from mattran.scope import Scope
    from mattran.store.db import Database

    urls = _store()

    async def run() -> Resolution:
        db = Database(urls.app, max_size=1)
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
                table.add_row(m.code, m.name, m.type, m.province_name or "", f"{m.score:.2f}".replace(".", ","),
                              m.converted_from or "")
            out.print(table)
    if result.status == "not_found":
        raise typer.Exit(1)
