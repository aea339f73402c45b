"""Every part of the library's training questions passes its checker on the laws, and the checker catches a query
that copies its article and a part that names a law kept out of all tuning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mattran.settings import Settings
from tests.support.paths import ROOT

DATASETS = ROOT / "evals" / "datasets"
CHECKER = DATASETS / "library.train.check.py"


def check(part: Path, laws_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECKER), str(part)],
        env=os.environ | {"LAWS_DIR": str(laws_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def laws_dir(settings: Settings) -> Path:
    if not settings.laws_dir.is_dir():
        pytest.skip(f"{settings.laws_dir} không có ở đây")
    return settings.laws_dir


@pytest.mark.parametrize("part", sorted(DATASETS.glob("library.train.*.jsonl")), ids=lambda p: p.name)
def test_every_training_part_passes_its_checker(part: Path, laws_dir: Path) -> None:
    done = check(part, laws_dir)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_checker_catches_a_copied_article_and_a_law_kept_out(laws_dir: Path, tmp_path: Path) -> None:
    law = "Luat-khieu-nai-2011-132446.txt"
    copied = "Thời hiệu khiếu nại là 90 ngày, kể từ ngày nhận được quyết định hành chính"
    items = [
        {"id": "TZ001", "query": copied, "file": law, "article": 9, "clause": None, "accented": True, "kind": "direct"},
        {
            "id": "TZ002",
            "query": "tố cáo ông trưởng thôn thì gửi đơn cho ai",
            "file": "Luat-To-cao-336713.txt",
            "article": 12,
            "clause": None,
            "accented": True,
            "kind": "situation",
        },
    ]
    part = tmp_path / "library.train.z.jsonl"
    part.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items), encoding="utf-8")
    done = check(part, laws_dir)
    assert done.returncode == 1
    assert "TZ001: shares a run of" in done.stdout
    assert "TZ002: Luat-To-cao-336713.txt is kept out of all tuning" in done.stdout
