"""``mattran chat``: talk to the assistant from a terminal or a script, as a given role and unit."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.console import err, out
from mattran.auth import role_spec
from mattran.auth.principal import Principal
from mattran.bootstrap import StoreUrls
from mattran.settings import get_settings


def principal_for(spec: str, units: dict[str, Any]) -> Principal:
    """The principal of ``ROLE[@UNIT_CODE]`` (as the sign-in would make it), or a usage error."""
    try:
        return role_spec.principal_for(spec, units)
    except role_spec.RoleSpecError as exc:
        raise typer.BadParameter(exc.message) from exc


async def _run(
    urls: StoreUrls, spec: str | None, message: str | None, conversation: str | None, batch: Path | None, as_json: bool
) -> None:
    from contextlib import AsyncExitStack

    from agents.runner import ChatRunner
    from compose.services import open_services

    settings = get_settings()
    stack = AsyncExitStack()
    services = await stack.enter_async_context(open_services(settings, urls.app, pool_size=2))
    resolver = services.resolver
    runner = ChatRunner(urls.app, services, services.chat_model)
    await runner.open()
    try:
        if batch is not None:
            await _batch(runner, resolver.units, batch)
            return
        principal = principal_for(spec or "citizen", resolver.units)
        talk = conversation or runner.new_conversation()
        turn = await runner.send(principal, talk, message or "")
        if as_json:
            print(
                json.dumps(
                    {
                        "conversation_id": talk,
                        "intent": turn.intent,
                        "tool_calls": [c.as_json() for c in turn.tool_calls],
                        "answer": turn.reply,
                        "confirmation": turn.confirmation,
                        "citations": [c.as_json() for c in turn.citations],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            out.print(turn.reply, markup=False)
            if turn.confirmation:
                err.print(f'Để xác nhận: mattran chat --as {spec or "citizen"} --conversation {talk} "có"')
    finally:
        await runner.close()
        await stack.aclose()


async def _batch(runner: Any, units: dict[str, Any], path: Path) -> None:
    """JSON lines in, JSON lines out; data-changing calls stop at the confirmation and are reported as planned."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        role = item.get("role", "citizen") + (f"@{item['unit_code']}" if item.get("unit_code") else "")
        try:
            principal = principal_for(role, units)
        except typer.BadParameter as exc:
            print(json.dumps({"id": item.get("id", number), "error": str(exc)}, ensure_ascii=False))
            continue
        try:
            turn = await runner.send(principal, runner.new_conversation(), item["text"])
        except Exception:  # one message that fails is reported, and the batch goes on
            logging.getLogger(__name__).exception("batch line %s failed", number)
            print(json.dumps({"id": item.get("id", number), "error": "lỗi khi xử lý tin nhắn"}, ensure_ascii=False))
            continue
        print(json.dumps(turn.as_batch_json(item.get("id", number)), ensure_ascii=False))


def chat(
    message: Annotated[str | None, typer.Argument(help="Câu hỏi hoặc yêu cầu.")] = None,
    as_: Annotated[str, typer.Option("--as", help="VAI_TRÒ[@MÃ_ĐƠN_VỊ], ví dụ commune_cadre@08611.")] = "citizen",
    conversation: Annotated[str | None, typer.Option(help="Tiếp tục một cuộc trò chuyện (ví dụ để xác nhận).")] = None,
    batch: Annotated[Path | None, typer.Option(help="Tệp JSON lines {id, role, unit_code, text}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Trò chuyện với trợ lý (có mô hình ngôn ngữ khi đặt MATTRAN_LLM_URL), với quyền của vai trò và đơn vị đã chọn."""
    if batch is None and not message:
        raise typer.BadParameter("cần một câu hỏi, hoặc --batch TỆP")
    if batch is not None and not batch.exists():
        raise typer.BadParameter(f"không có tệp {batch}")
    from cli.console import say
    from mattran.bootstrap import prepare_store

    urls = prepare_store(get_settings(), say)
    asyncio.run(_run(urls, as_, message, conversation, batch, as_json))


def chat_prune() -> None:
    """Xóa các cuộc trò chuyện quá hạn lưu: của khách sau MATTRAN_GUEST_CHAT_TTL_HOURS giờ, của người đã đăng nhập
    (bộ nhớ và lịch sử) sau MATTRAN_CHAT_RETENTION_DAYS ngày kể từ tin nhắn cuối (`mattran up` cũng làm mỗi giờ)."""
    from cli.console import say
    from mattran.bootstrap import prepare_store
    from mattran.domain.chat_retention import Retention, prune
    from mattran.store.db import Database

    settings = get_settings()
    urls = prepare_store(settings, say)

    async def run() -> None:
        db = Database(urls.app, max_size=1, prepared=get_settings().db_prepared_statements)
        await db.open()
        try:
            pruned = await prune(db, Retention.of(settings.guest_chat_ttl_hours, settings.chat_retention_days))
        finally:
            await db.close()
        say(
            f"Đã xóa {pruned.conversations} cuộc trò chuyện (bộ nhớ của trợ lý) và {pruned.threads} lịch sử trò chuyện."
        )

    asyncio.run(run())
