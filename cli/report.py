"""``mattran report``: draft an advisory report from a terminal, as a given cadre, and write its .docx."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cli.console import err, out
from mattran.settings import get_settings


async def _run(app_url: str, spec: str, request: str, target: Path | None) -> int:
    from cli.chat import principal_for
    from cli.errors import refusal
    from mattran.domain.errors import DomainError
    from mattran.domain.reports.service import draft_report, version_docx
    from mattran.domain.units import load_resolver
    from mattran.scope import Scope
    from mattran.store.db import Database

    db = Database(app_url, max_size=2, prepared=get_settings().db_prepared_statements)
    await db.open()
    try:
        async with db.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        principal = principal_for(spec, resolver.units)
        try:
            draft = await draft_report(db, resolver, principal, request)
        except DomainError as exc:
            return refusal(exc).exit_code
        out.print(draft.markdown, markup=False, soft_wrap=True)
        if target is not None:
            _, data = await version_docx(db, principal, draft.report_id, draft.version)
            target.write_bytes(data)
            err.print(f"Đã ghi {target} (báo cáo số {draft.report_id}, phiên bản {draft.version}).", markup=False)
        return 0
    finally:
        await db.close()


def report(
    request: Annotated[str, typer.Argument(help='Yêu cầu, ví dụ: "Báo cáo tiến độ đại hội tỉnh Phú Thọ".')],
    as_: Annotated[str, typer.Option("--as", help="VAI_TRÒ@MÃ_ĐƠN_VỊ, ví dụ province_cadre@25.")] = "citizen",
    target: Annotated[Path | None, typer.Option("--out", help="Ghi tệp .docx ra đây.")] = None,
) -> None:
    """Soạn dự thảo báo cáo tham mưu (in Markdown, lưu bản nháp; --out ghi tệp .docx), trong phạm vi của vai trò."""
    from cli.console import say
    from mattran.bootstrap import prepare_store

    urls = prepare_store(get_settings(), say)
    raise typer.Exit(asyncio.run(_run(urls.app, as_, request, target)))
