"""Build the router's artefact (``agents/routing/router.npz`` and its card ``router.json``) from the training set,
tuned on the development set only. Deterministic: the same data, model and library versions give the same file.

    python scripts/train_router.py            # rebuild (a few minutes on a CPU: it embeds every message)
    python scripts/train_router.py --check    # exit 1 when the artefact is not the one the card describes

Needs scikit-learn (the ``train`` extra); the platform itself reads the artefact with numpy only.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

from agents.routing.features import features
from agents.routing.model import ARTEFACT, CARD, RouterModel, sha256

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "evals" / "datasets" / "intents.train.jsonl"
DEV = ROOT / "evals" / "datasets" / "intents.dev.jsonl"
MIN_COUNT = 2  # a lexical feature seen in fewer training messages is left out
C_GRID = (0.3, 0.5, 1.0, 2.0)
SCALE_GRID = (1.0, 1.5, 2.0)
MAX_CLARIFY = 0.03  # the margin is the largest under which at most this share of the development set is asked


def _load(path: Path) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [r["intent"] for r in rows]


def _embed(texts: list[str]) -> np.ndarray:
    """Query vectors of ``texts``; those embedded by an earlier run are read from a cache in the data dir."""
    from knowledge.embeddings import EmbeddingConfig, get_embedder
    from mattran.settings import get_settings

    settings = get_settings()
    cache = settings.data_dir / "router-embeddings.npz"
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            known = dict(zip((str(t) for t in data["texts"]), data["vectors"], strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        embedder = get_embedder(EmbeddingConfig.from_settings(settings))
        known |= {t: embedder.query(t).astype(np.float32) for t in missing}
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[t] for t in texts])


def _vocabulary(texts: list[str]) -> tuple[list[str], np.ndarray]:
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update(set(features(text)))
    vocabulary = sorted(f for f, n in seen.items() if n >= MIN_COUNT)
    idf = np.array([np.log((1 + len(texts)) / (1 + seen[f])) + 1.0 for f in vocabulary], dtype=np.float32)
    return vocabulary, idf


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.svm import LinearSVC

    head = LinearSVC(C=c, max_iter=20000, random_state=0)
    head.fit(x, y)
    return head.coef_.astype(np.float32), head.intercept_.astype(np.float32)


def _write_npz(path: Path, **arrays: np.ndarray) -> None:
    """An ``.npz`` that ``np.load`` reads, byte for byte the same for the same arrays (no time stamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as out:
                np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)


def build(train: Path = TRAIN, dev: Path = DEV) -> dict[str, object]:
    """Train, tune on the development set, write the artefact and its card; return the card."""
    texts, intents = _load(train)
    dev_texts, dev_intents = _load(dev)
    labels = sorted(set(intents))
    y = np.array([labels.index(i) for i in intents])
    dev_y = np.array([labels.index(i) for i in dev_intents])
    print(f"embedding {len(texts) + len(dev_texts)} messages…", file=sys.stderr)
    dense, dev_dense = _embed(texts), _embed(dev_texts)
    vocabulary, idf = _vocabulary(texts)
    empty = np.zeros((len(labels), 0), dtype=np.float32)
    lexicon = RouterModel(tuple(labels), empty, empty, empty.sum(1), {f: i for i, f in enumerate(vocabulary)}, idf, 0)
    lexical = np.stack([lexicon.lexical_vector(t) for t in texts])
    dev_lexical = np.stack([lexicon.lexical_vector(t) for t in dev_texts])
    best: tuple[float, float, float, np.ndarray, np.ndarray] | None = None
    for scale in SCALE_GRID:  # the embedding's weight against the lexical features
        for c in C_GRID:
            weights, bias = _fit(np.hstack([dense * scale, lexical]), y, c)
            scores = np.hstack([dev_dense * scale, dev_lexical]) @ weights.T + bias
            accuracy = float((scores.argmax(1) == dev_y).mean())
            print(f"  scale={scale:g} C={c:g}: dev accuracy {accuracy:.4f}", file=sys.stderr)
            if best is None or accuracy > best[0]:
                best = (accuracy, scale, c, weights, bias)
    assert best is not None
    accuracy, scale, c, weights, bias = best
    dense_weights, lexical_weights = weights[:, : dense.shape[1]] * scale, weights[:, dense.shape[1] :]
    scores = dev_dense @ dense_weights.T + dev_lexical @ lexical_weights.T + bias
    fit = dense @ dense_weights.T + lexical @ lexical_weights.T + bias
    train_accuracy = float((fit.argmax(1) == y).mean())
    ordered = np.sort(scores, axis=1)
    margins = ordered[:, -1] - ordered[:, -2]
    clarify_margin = float(np.quantile(margins, MAX_CLARIFY))
    settings = {"clarify_margin": round(clarify_margin, 4)}
    _write_npz(
        ARTEFACT,
        labels=np.array(labels),
        dense_weights=dense_weights,
        lexical_weights=lexical_weights,
        bias=bias,
        vocabulary=np.array(vocabulary),
        idf=idf,
        settings=np.array(json.dumps(settings)),
    )
    card = {
        "artefact": ARTEFACT.name,
        "sha256": sha256(ARTEFACT),
        "train": {"file": train.name, "sha256": sha256(train), "messages": len(texts)},
        "dev": {"file": dev.name, "sha256": sha256(dev), "messages": len(dev_texts)},
        "labels": labels,
        "vocabulary": len(vocabulary),
        "model": {"kind": "linear SVM over [query embedding × scale, tf-idf]", "scale": scale, "C": c},
        **settings,
        "train_accuracy": round(train_accuracy, 4),
        "dev_accuracy": round(accuracy, 4),
        "dev_clarify_share": round(float((margins < clarify_margin).mean()), 4),
    }
    CARD.write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return card


def check() -> list[str]:
    """What does not match: the artefact's hash, or the data it was trained and tuned on."""
    card = json.loads(CARD.read_text(encoding="utf-8"))
    problems = []
    if sha256(ARTEFACT) != card["sha256"]:
        problems.append(f"{ARTEFACT.name}: SHA-256 differs from {CARD.name}")
    for part, path in (("train", TRAIN), ("dev", DEV)):
        if sha256(path) != card[part]["sha256"]:
            problems.append(f"{path.name} changed since the artefact was built: run scripts/train_router.py")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the artefact against its card")
    parser.add_argument("--train", type=Path, default=TRAIN, help="training set (default: the shipped one)")
    parser.add_argument("--dev", type=Path, default=DEV, help="development set (default: the shipped one)")
    options = parser.parse_args()
    if options.check:
        problems = check()
        print("\n".join(problems) or "ok")
        sys.exit(1 if problems else 0)
    print(json.dumps(build(options.train, options.dev), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
