"""The encoder in int8 through ONNX Runtime: exported once per model weights, run with VNNI (else AVX2).

The base encoder (the transformer, without pooling: the query adapter and the pooling stay outside) is exported with
``torch.onnx.export``, its attention, GELU and layer norms fused by ONNX Runtime's transformer optimiser, and every
linear layer quantised (dynamic, int8 weights per channel, activations per tensor at run time). The file is cached
beside the model (:func:`export_file`: keyed by the weights' digest, the runtime's version and :data:`SCHEME`) and
written atomically, one process exporting at a time. Encoding tokenises as the sentence-transformers model does (its
tokeniser, prompt, ``max_seq_length``, batches sorted by length and padded to their longest text), then pools (mean
over the mask) and normalises.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EXPORT_DIR = "onnx"  # under the models dir, beside the converted model (not inside it: that would change its digest)
# What is quantised: every linear layer, the feed-forward output included (its input, the GELU's output, has outliers
# that 8-bit per-tensor activations flatten: the mean cosine to fp32 on 120 law chunks is 0.9965 where it was 0.9991
# with that layer in float, for 1.31x the speed: 2.17x torch fp32 against 1.64-1.71x, and the retrieval eval's
# recall@5 is the same, 0.971 against fp32's 0.976). Part of the file's name and of the vectors' identity: another
# scheme makes other vectors.
SCHEME = "all-linear"


def runtime_available() -> bool:
    """Whether ONNX Runtime and ``onnx`` (needed to export and quantise) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def runtime_version() -> str:
    """ONNX Runtime's version."""
    import onnxruntime

    return str(onnxruntime.__version__)


def export_file(models_dir: Path, model_name: str, digest: str) -> Path:
    """Where the int8 export of the weights ``digest`` lives for this runtime."""
    return models_dir / EXPORT_DIR / f"{model_name}-{digest[:16]}-ort{runtime_version()}-int8-{SCHEME}.onnx"


@contextmanager
def _export_lock(folder: Path) -> Iterator[None]:
    """One process exports at a time (a second one waits, then reads the first one's file)."""
    with (folder / ".export.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _export(model: SentenceTransformer, target: Path) -> None:
    """Export, fuse and quantise ``model``'s transformer into ``target`` (in ``target``'s folder, then renamed)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    base = _base_copy(model)
    config = base.config

    class Encoder(torch.nn.Module):
        """The base transformer's last hidden state (what is exported)."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = base

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as scratch:
        exported, fused, quantised = (Path(scratch) / n for n in ("exported.onnx", "fused.onnx", "int8.onnx"))
        sample = torch.ones(2, 8, dtype=torch.long)
        axes = {"batch": 0, "tokens": 1}
        dynamic = {name: {i: a for a, i in axes.items()} for name in ("input_ids", "attention_mask", "tokens")}
        with warnings.catch_warnings(), torch.inference_mode():  # the TorchScript exporter warns of its deprecation
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(),
                (sample, sample),
                str(exported),
                input_names=["input_ids", "attention_mask"],
                output_names=["tokens"],
                dynamic_axes=dynamic,
                opset_version=17,
                dynamo=False,
            )
        optimize_model(
            str(exported), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        ).save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(quantised),
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        os.replace(quantised, target)  # atomic: another process sees the whole file or none


def _base_copy(model: SentenceTransformer) -> Any:
    """A copy of ``model``'s transformer in fp32 with the attention spelled out (eager), the form the optimiser
    recognises and fuses."""
    import copy

    transformer: Any = model[0]
    base = copy.deepcopy(transformer.auto_model).float().eval()
    base.set_attn_implementation("eager")
    return base


def ensure_export(model: SentenceTransformer, target: Path, model_name: str) -> bool:
    """Export ``model`` to ``target`` unless it is there, then delete the exports of ``model_name`` it supersedes
    (:func:`superseded`); returns whether it exported."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return False
    with _export_lock(target.parent):
        if target.exists():
            return False
        _export(model, target)
        for old in superseded(target, model_name):
            old.unlink(missing_ok=True)
        return True


def superseded(target: Path, model_name: str) -> list[Path]:
    """The other exports of ``model_name`` beside ``target`` (earlier weights, runtime or scheme: about 410 MB each,
    never read again by this release). A process that loaded one has it in memory; a process of an earlier release
    started later exports its own again."""
    export = re.compile(rf"{re.escape(model_name)}-[0-9a-f]{{16}}-ort[^-]+-int8(?:-[\w.-]+)?\.onnx")
    return sorted(path for path in target.parent.iterdir() if path != target and export.fullmatch(path.name))


class OnnxInt8Encoder:
    """Encodes texts as ``model`` does (same tokenisation, mean pooling, unit vectors) with the int8 export."""

    def __init__(self, model: SentenceTransformer, export: Path, threads: int) -> None:
        import onnxruntime

        modules: list[Any] = list(model)
        pooling = modules[1].get_config_dict() if len(modules) > 1 else {}
        if pooling.get("pooling_mode") != "mean" or not pooling.get("include_prompt", True):
            raise ValueError("the int8 ONNX path pools by the mean over every token only")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.model = model
        self.session = onnxruntime.InferenceSession(str(export), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], prompt: str, batch_size: int) -> np.ndarray:
        """Unit vectors of ``texts`` (``prompt`` prepended), one row per text."""
        order = np.argsort([-len(t) for t in texts])  # as sentence-transformers batches them
        vectors: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(texts)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            features = self.model.preprocess([texts[i] for i in rows], prompt=prompt)
            mask = features["attention_mask"].numpy().astype(np.int64)
            (tokens,) = self.session.run(
                ["tokens"], {"input_ids": features["input_ids"].numpy().astype(np.int64), "attention_mask": mask}
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            unit = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, vector in zip(rows, unit, strict=True):
                vectors[row] = vector
        return np.stack(vectors).astype(np.float32)
