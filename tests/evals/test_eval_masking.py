"""The masking suite: the detector meets its thresholds on the development set and on the first sealed set (CI's
thresholds) through the harness and ``mattran eval masking``; a sealed set shows only aggregates; a pattern-only
detector fails the thresholds."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import evals.masking
from evals import harness, masking
from mattran.bootstrap import StoreUrls
from mattran.domain.masking import find_personal_data
from mattran.services import Services
from mattran.settings import Settings
from tests.support.platform import MATTRAN, cli_env


async def test_the_detector_meets_the_thresholds_on_the_development_set(urls: StoreUrls, services: Services) -> None:
    result = await harness.masking_suite(harness.Context(urls, services), masking.DEV)
    assert result.passed, (result.below, result.failures[:20])
    metrics = result.metrics
    assert metrics["count.phone"] >= 20 and metrics["count.person"] >= 50 and metrics["count.address"] >= 15
    assert metrics["ms_per_petition.p95"] > 0


async def test_the_detector_meets_the_thresholds_on_the_first_sealed_set(urls: StoreUrls, services: Services) -> None:
    result = await harness.masking_suite(harness.Context(urls, services), masking.SEALED)
    assert result.failures == []  # a sealed set's items are never shown
    assert result.passed, result.below  # only the aggregates under their thresholds
    assert result.metrics["count.person"] == 355 and result.metrics["count.phone"] == 110  # the set as committed


def test_the_datasets_are_large_enough_and_labelled_at_exact_offsets() -> None:
    for path, least in ((masking.DATASETS / "masking.train.jsonl", 300), (masking.DEV, 150)):
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert len(items) >= least
        assert sum(not i["diacritics"] for i in items) >= len(items) / 3
        assert sum(not i["spans"] for i in items) >= len(items) / 5  # negatives
        for item in items:
            for span in item["spans"]:
                assert item["text"][span["start"] : span["end"]] == span["text"], item["id"]
            for kept in item["keep"]:
                assert kept in item["text"], item["id"]
    train = {json.loads(line)["text"] for line in (masking.DATASETS / "masking.train.jsonl").read_text().splitlines()}
    dev = {json.loads(line)["text"] for line in masking.DEV.read_text().splitlines()}
    assert not train & dev


def test_a_pattern_only_detector_fails_the_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        evals.masking, "find_personal_data", lambda text, known=(): find_personal_data(text, known, names=False)
    )
    report = masking.evaluate(masking.DEV)
    assert report.metrics["recall.person"] < 0.5 and report.metrics["recall.address"] < 0.5


def test_a_sealed_set_reports_aggregates_only(tmp_path: Path) -> None:
    sealed = tmp_path / "masking.sealed.jsonl"
    shutil.copy(masking.DEV, sealed)
    report = masking.evaluate(sealed)
    assert report.failures == [] and report.metrics["count.person"] >= 50
    assert masking.evaluate(masking.DEV).failures  # an open set lists its misses and false positives


def test_mattran_eval_masking_on_a_dataset(settings: Settings, urls: StoreUrls, tmp_path: Path) -> None:
    done = subprocess.run(
        [MATTRAN, "eval", "masking", "--dataset", str(masking.DEV), "--json", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=cli_env(settings.data_dir, MATTRAN_DEMO_DATA="false"),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    suite = json.loads(done.stdout)["suites"][0]
    assert suite["name"] == "masking" and suite["passed"] and suite["below"] == {}
    assert suite["thresholds"]["recall.bank_account"] == 0.99 and suite["thresholds"]["precision"] == 0.90
