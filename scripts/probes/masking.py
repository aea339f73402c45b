"""Probe: nothing personal a citizen types into the assistant reaches the language model's server.

Starts a scripted OpenAI-compatible model server (``tests/support/scripted_model.py``) and a platform whose
``MATTRAN_LLM_URL`` points at it, sends chat messages full of personal data (a name, a neighbour's name, phones in
several groupings, a house address, a spaced CCCD, a bank account, a spoken e-mail, a birth year) through
``POST /api/chat``, and checks that none of it is in what the model server received.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from probe_security import ProbeContext, started_platform

from tests.support.scripted_model import ScriptedServer

MESSAGES = (
    "Tôi là Nguyễn Thị Hạnh, sinh năm 1958, nhà ở số 12 ngõ 45 phố Trần Phú, SĐT 0912 345 678 hoặc "
    "(+84) 987.654.321, CCCD 001 085 012 345. Hàng xóm là ông Lê Văn Tám xây lấn ra ngõ, tôi muốn phản ánh.",
    "toi la nguyen thi hanh, sdt 0912.345.678, stk 1234567890123 agribank, email hanh.nguyen (a) gmail.com, "
    "nha o so 12 ngo 45 pho tran phu",
)
WORDS = ("Hạnh", "hanh", "Tám", "1958", "số 12 ngõ 45", "so 12 ngo 45", "hanh.nguyen", "gmail")
NUMBERS = ("912345678", "987654321", "001085012345", "1234567890123")


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    return {"content": "Tôi đã ghi nhận, bạn cho biết phản ánh gửi đến xã, phường nào nhé."}


def probe_masking_chat_sends_no_personal_data_to_the_model(ctx: ProbeContext) -> None:
    server = ScriptedServer(_answer)
    try:
        env = {
            "MATTRAN_LLM_URL": server.url,
            "MATTRAN_LLM_MODEL": "scripted",
            "MATTRAN_LLM_MAX_RETRIES": "0",
            "MATTRAN_DEMO_DATA": "false",
        }
        with started_platform(env) as platform, platform.client() as client:
            conversation = None
            for message in MESSAGES:
                reply = client.post("/api/chat", json={"message": message, "conversation_id": conversation})
                assert reply.status_code == 200, f"POST /api/chat: {reply.status_code} {reply.text[:200]}"
                conversation = reply.json()["conversation_id"]
            assert len(server.requests) >= 2, f"the model server got {len(server.requests)} requests, expected 2"
            sent = server.sent()
            digits = re.sub(r"\D", "", sent)
            leaked = [w for w in WORDS if w in sent] + [n for n in NUMBERS if n in digits]
            assert not leaked, f"the model server received personal data: {leaked}"
    finally:
        server.server.shutdown()
