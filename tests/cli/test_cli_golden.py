"""The JSON the ``mattran`` commands print for scripts, pinned by golden files in ``tests/golden/``: its shape (keys
and value types, ids, timestamps and scores normalised) and its stable values (intents, tool names, suite names).
The commands run as a user runs them, as new processes on one fresh data dir with two documents in its library.

After a deliberate change to an output, rewrite the golden files with ``MATTRAN_UPDATE_GOLDEN=1``."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.golden_json import assert_golden, shape
from tests.support.paths import INGEST_FIXTURES
from tests.support.platform import MATTRAN, cli_env

FIXTURES = INGEST_FIXTURES
CHAT = [
    {"id": "citizen_question", "role": "citizen", "text": "Thời hạn giải quyết phản ánh theo luật là bao lâu?"},
    {
        "id": "petition_filing",
        "role": "citizen",
        "text": "Phản ánh: đèn đường phố Hàng Bài, phường Hoàn Kiếm, Hà Nội hỏng cả tháng nay.",
    },
    {"id": "petition_status", "role": "citizen", "text": "PAKN-2026-999999 đến đâu rồi"},
    {
        "id": "cadre_unit_question",
        "role": "commune_cadre",
        "unit_code": "08611",
        "text": "Xã Văn Miếu có bao nhiêu ủy viên nữ?",
    },
    {
        "id": "cadre_congress_question",
        "role": "province_cadre",
        "unit_code": "25",
        "text": "Tiến độ đại hội các xã của tỉnh Phú Thọ thế nào?",
    },
    {"id": "wrong_level", "role": "province_cadre", "unit_code": "08611", "text": "xin chào"},
]


def _mattran(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [MATTRAN, *args], env=cli_env(data_dir), capture_output=True, text=True, timeout=300, cwd=data_dir.parent
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh data dir whose library holds the sample law and the petition guide."""
    data_dir = tmp_path_factory.mktemp("golden") / "data"
    _mattran(data_dir, "ingest", str(FIXTURES / "luat-mau.txt"), str(FIXTURES / "huong-dan-gui-phan-anh.md"))
    return data_dir


def test_chat_batch_json(data_dir: Path) -> None:
    batch = data_dir.parent / "chat.jsonl"
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in CHAT), encoding="utf-8")
    out = {o["id"]: o for o in _lines(_mattran(data_dir, "chat", "--batch", str(batch), "--json").stdout)}
    assert list(out) == [x["id"] for x in CHAT]
    pinned = {
        key: {
            "shape": shape(line),
            "intent": line.get("intent"),
            "tool_calls": [
                {
                    "name": c["name"],
                    "args": sorted(c["args"]),
                    "planned": c.get("planned", False),
                    "denied": c.get("denied", False),
                }
                for c in line.get("tool_calls", [])
            ],
            "has_error": "error" in line,
        }
        for key, line in out.items()
    }
    assert_golden("chat_batch.json", pinned)


def test_search_batch_json(data_dir: Path) -> None:
    batch = data_dir.parent / "search.txt"
    batch.write_text("Thời hạn giải quyết là bao nhiêu ngày làm việc?\nGửi phản ánh như thế nào?\n", encoding="utf-8")
    lines = _lines(_mattran(data_dir, "search", "--batch", str(batch), "--json", "--k", "2").stdout)
    assert_golden("search_batch.json", [{"shape": shape(line), "query": line["query"]} for line in lines])
    # Each answer among the two results (their order within a near tie is the ranking's, measured by the evals).
    titles = [{r["title"] for r in line["results"]} for line in lines]
    assert "Luật Thử nghiệm chia đoạn 2024" in titles[0] and "Hướng dẫn gửi phản ánh, kiến nghị" in titles[1], titles


def test_eval_json(data_dir: Path) -> None:
    """On the fastest suite (``units``): the whole run takes minutes; every suite writes the same document shape."""
    document = json.loads(_mattran(data_dir, "eval", "units", "--json", "--out", str(data_dir.parent / "ev")).stdout)
    pinned = {
        "shape": shape(document),
        "passed": document["passed"],
        "suites": [
            {"name": s["name"], "metrics": sorted(s["metrics"]), "thresholds": s["thresholds"], "passed": s["passed"]}
            for s in document["suites"]
        ],
    }
    assert_golden("eval_units.json", pinned)


def test_apikey_create_json(data_dir: Path) -> None:
    done = _mattran(data_dir, "apikey", "create", "Khóa thử golden", "--json")
    body = json.loads(done.stdout)
    assert re.fullmatch(r"mtk_[A-Za-z0-9_-]{20,}", body["api_key"]), body
    assert done.stdout == json.dumps(body) + "\n"  # exactly one line of JSON, nothing else on stdout
    assert_golden("apikey_create.json", shape(body))
