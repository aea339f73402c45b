"""The sealed sets stay what the ledger says they are: never replaced (their SHA-256 is the ledger's), the library
set's paraphrase checker passes on the laws, and the routing set's figures are still those of the demo data."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mattran.settings import Settings
from tests.support.paths import ROOT

DATASETS = ROOT / "evals" / "datasets"
LEDGER = (DATASETS / "SEALED.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(DATASETS.glob("*.sealed.jsonl")), ids=lambda p: p.name)
def test_every_sealed_set_is_the_one_the_ledger_recorded(path: Path) -> None:
    row = next((line for line in LEDGER.splitlines() if line.startswith(f"| `{path.name}` |")), None)
    assert row is not None, f"{path.name} is not in SEALED.md"
    recorded = re.findall(r"`([0-9a-f]{8})…([0-9a-f]{6,16})`", row)
    brief = path.with_name(path.name.replace(".jsonl", ".brief.md"))
    for file in (path, brief):
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        assert any(digest.startswith(head) and digest.endswith(tail) for head, tail in recorded), (file.name, row[:120])


def test_the_library_sets_questions_stay_paraphrases_of_real_articles(settings: Settings) -> None:
    if not settings.laws_dir.is_dir():
        pytest.skip(f"{settings.laws_dir} không có ở đây")
    done = subprocess.run(
        [sys.executable, str(DATASETS / "library.sealed.check.py")],
        env=os.environ | {"LAWS_DIR": str(settings.laws_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_routing_sets_figures_are_the_demo_datas(tmp_path: Path) -> None:
    """Each cadre data question's expected figure, recomputed by its own SQL on a fresh store with the demo data."""
    done = subprocess.run(
        [sys.executable, str(DATASETS / "intents.sealed.figures.py"), "--check"],
        env=os.environ | {"MATTRAN_DATA_DIR": str(tmp_path / "store")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
