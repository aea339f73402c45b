"""``MATTRAN_LOG_FORMAT=json``: every line ``mattran up`` logs is one JSON object; a request's lines carry its id (the
balancer's ``X-Request-Id``, or a new one sent back), and neither secrets of the query nor the petitioner's contact
details reach the log."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2

from tests.support.platform import cli_env, free_port, serving

PETITION = {
    "title": "Rác thải đổ trộm ven sông",
    "content": "Có người đổ trộm rác thải xây dựng ven sông Tô Lịch đoạn qua phường, gây ô nhiễm.",
    "unit_code": "00004",
    "contact": {"full_name": "Phạm Thị Nhật Ký", "phone": "0987654321"},
    "consent": True,
}


def test_json_lines_with_request_ids_and_no_personal_data(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "up.log"
    env = cli_env(tmp_path, MATTRAN_IDP_PORT=str(free_port()), MATTRAN_LOG_FORMAT="json")
    with serving(port, env, tmp_path, log), httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        given = client.get("/api/units", params={"q": "ba dinh"}, headers={"X-Request-Id": "nginx-req-0123456789ab"})
        assert given.headers["x-request-id"] == "nginx-req-0123456789ab"
        made = client.get("/tra-cuu", params={"ma": "PAKN-2026-000001-SECRETXY"}, headers={"X-Request-Id": '"}{bad id'})
        new_id = made.headers["x-request-id"]
        assert len(new_id) == 32  # a header that is not an id is replaced, never logged
        filed = client.post("/api/petitions", json=PETITION, headers={"X-Forwarded-For": "198.51.100.77"})
        assert filed.status_code == 201, filed.text
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    by_id = {line.get("request_id"): line for line in lines if line["logger"] == "uvicorn.access"}
    assert "/api/units" in by_id["nginx-req-0123456789ab"]["message"]
    assert "/tra-cuu?ma=***" in by_id[new_id]["message"]
    assert "bad id" not in text and "SECRETXY" not in text and "0987654321" not in text and "Nhật Ký" not in text
