"""``mattran purge``: remove what is past its retention period (a dry run unless ``--apply``)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from cli.console import out
from mattran.settings import get_settings


def purge(
    apply: Annotated[bool, typer.Option("--apply", help="Xóa thật (mặc định chỉ đếm, không xóa gì).")] = False,
    now: Annotated[
        str | None,
        typer.Option(help="Tính thời hạn như thể bây giờ là lúc này (ISO 8601, ví dụ 2031-01-01T00:00:00+07:00)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In số lượng dạng JSON.")] = False,
) -> None:
    """Xóa dữ liệu đã hết thời hạn lưu trữ: phần riêng tư của phản ánh đã đóng, nhật ký kiểm toán cũ.

    Thời hạn: MATTRAN_PETITION_PRIVATE_RETENTION_DAYS, MATTRAN_AUDIT_RETENTION_DAYS (mặc định 1825 ngày).
    """
    from cli.main import _operator, _store
    from mattran.domain.retention import Policy, PurgeReport
    from mattran.domain.retention import purge as run_purge
    from mattran.store.db import Database

    try:
        at = datetime.fromisoformat(now) if now else datetime.now(UTC)
    except ValueError:
        raise typer.BadParameter(f"“{now}” không phải thời điểm ISO 8601.", param_hint="--now") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    settings = get_settings()
    urls = _store()

    async def run() -> PurgeReport:
        db = Database(urls.app, max_size=1, prepared=get_settings().db_prepared_statements)
        await db.open()
        try:
            return await run_purge(db, Policy.of(settings), apply=apply, now=at, actor=_operator())
        finally:
            await db.close()

    report = asyncio.run(run())
    if as_json:
        print(json.dumps({"applied": report.applied, **report.counts}))
    else:
        for line in report.lines():
            out.print(line, markup=False)
