"""The composition root: one bundle of services for every door, and the report prose written by the configured
language model (a scripted OpenAI-compatible server here) or, without one, by the templates."""

from __future__ import annotations

import uuid
from typing import Any

from agents.runner import ChatRunner
from compose.services import build_services
from mattran.auth.principal import Principal, principal_from_claims
from mattran.bootstrap import StoreUrls
from mattran.domain.reports.service import Draft, draft_report, get_draft, list_reports
from mattran.domain.reports.templates import template_section
from mattran.services import Services
from mattran.settings import Settings
from tests.support.scripted_model import Serve, last_tool_result

REQUEST = "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị quý III/2026"
MODEL_PROSE = "Ban Thường trực đánh giá công tác tiếp nhận, giải quyết phản ánh được duy trì nền nếp, đúng quy định."
WRITER_PROMPT = "Bạn là chuyên viên tham mưu"  # the start of the section writer's system prompt


def _cadre(services: Services) -> Principal:
    return principal_from_claims(
        {
            "sub": f"thu-soan-{uuid.uuid4().hex[:8]}",
            "name": "Thử soạn báo cáo",
            "roles": ["commune_cadre"],
            "unit": "08611",
        },
        services.resolver.units,
    )


async def _drafted_through_the_chat(urls: StoreUrls, services: Services, principal: Principal) -> Draft:
    """Ask the assistant (the runner every door uses, with the services' model) for a report; the saved draft."""
    runner = ChatRunner(urls.app, services, services.chat_model)
    await runner.open()
    try:
        turn = await runner.send(principal, runner.new_conversation(), REQUEST)
    finally:
        await runner.close()
    assert [c.name for c in turn.tool_calls] == ["draft_report"], turn
    latest = (await list_reports(services.db, principal))[0]  # last changed first
    return await get_draft(services.db, principal, latest.id)


def test_the_bundle_holds_every_service(services: Services) -> None:
    assert services.library is not None and services.petitions.workflow.resolver is services.resolver
    assert services.chat_model is None and services.section_writer is template_section  # no model configured


async def test_without_a_model_the_templates_write_the_report(urls: StoreUrls, services: Services) -> None:
    principal = _cadre(services)
    drafted = await _drafted_through_the_chat(urls, services, principal)
    direct = await draft_report(services.db, services.resolver, principal, REQUEST, writer=template_section)
    assert drafted.document.sections == direct.document.sections
    assert MODEL_PROSE not in drafted.markdown


async def test_with_a_model_it_writes_the_report_prose(
    urls: StoreUrls, services: Services, settings: Settings, serve: Serve
) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        if str(body["messages"][0]["content"]).startswith(WRITER_PROMPT):
            return {"content": MODEL_PROSE}
        if last_tool_result(body) is not None:
            return {"content": "Đã soạn xong dự thảo báo cáo."}
        return {"tool": "draft_report", "args": {"request": REQUEST}}

    server = serve(script)
    modelled = settings.model_copy(
        update={"llm_url": server.url, "llm_model": "scripted", "llm_max_retries": 0, "llm_timeout_seconds": 10}
    )
    with_model = build_services(modelled, services.db, services.resolver)
    assert with_model.chat_model is not None and with_model.section_writer is not template_section
    principal = _cadre(with_model)
    drafted = await _drafted_through_the_chat(urls, with_model, principal)
    written = [b for b in server.requests if str(b["messages"][0]["content"]).startswith(WRITER_PROMPT)]
    assert len(written) == len(drafted.document.sections)  # one request per section of the outline
    assert drafted.markdown.count(MODEL_PROSE) == len(drafted.document.sections)
    template = await draft_report(services.db, services.resolver, principal, REQUEST, writer=template_section)
    assert [f.model_dump() for f in drafted.figures] == [f.model_dump() for f in template.figures]
