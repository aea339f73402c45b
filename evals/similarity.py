"""Similar petitions: on labelled pairs (same matter or not), precision and recall of "possibly the same matter"
at the threshold shown to cadres (:data:`~mattran.domain.petitions.matching.SAME_MATTER`), overall and for the
pairs typed without diacritics. On a sealed set (``*.sealed.*``) only aggregates are reported, never a pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evals.dataset import is_sealed, rows
from mattran.domain.embedding import Encoder
from mattran.domain.petitions import similarity as judging
from mattran.domain.petitions.matching import SAME_MATTER, Match, compare

DATASETS = Path(__file__).parent / "datasets"
DEV = DATASETS / "petition_pairs.dev.jsonl"
TRAIN = DATASETS / "petition_pairs.train.jsonl"
TRAIN2 = DATASETS / "petition_pairs.train2.jsonl"
TRAIN3 = DATASETS / "petition_pairs.train3.jsonl"
TRAIN4 = DATASETS / "petition_pairs.train4.jsonl"
FITTING = (TRAIN, TRAIN2, TRAIN3, TRAIN4, DEV)
"""The sets the matcher is fitted on, each by its own author (the development set's held-apart part excepted)."""
SEALED = DATASETS / "petition_pairs.sealed.jsonl"


@dataclass(frozen=True)
class Pair:
    """Two petitions' texts (title and content), whether they are the same matter, and whether typed with
    diacritics."""

    id: str
    a: str
    b: str
    same: bool
    diacritics: bool
    kind: str
    split: str = ""


def default_dataset() -> Path:
    """The sealed set when it is there, else the development set."""
    return SEALED if SEALED.exists() else DEV


def _text(petition: str | dict[str, str]) -> str:
    """A petition as one text: given whole (the sealed set) or as title and content (the dev set)."""
    return petition if isinstance(petition, str) else f"{petition['title']}\n{petition['content']}"


def load(path: Path | None = None) -> list[Pair]:
    """The pairs of a dataset (JSONL); typed with diacritics per ``diacritics`` (dev) or ``accented`` (sealed)."""
    return [
        Pair(
            str(raw.get("id", number)),
            _text(raw["a"]),
            _text(raw["b"]),
            bool(raw["same"]),
            bool(raw.get("diacritics", raw.get("accented", True))),
            str(raw.get("kind", "")),
            str(raw.get("split", "")),
        )
        for number, raw in rows(path or default_dataset(), DEV.name)
    ]


@dataclass
class Report:
    """The matches and, for an open set, the pairs judged wrongly."""

    judged: list[tuple[Pair, Match]] = field(default_factory=list)
    sealed: bool = False

    def _counts(self, pairs: list[tuple[Pair, Match]], threshold: float) -> dict[str, float]:
        said = [(p, m.score >= threshold) for p, m in pairs]
        tp = sum(p.same and yes for p, yes in said)
        shown = sum(yes for _, yes in said)
        same = sum(p.same for p, _ in said)
        return {"precision": tp / shown if shown else 1.0, "recall": tp / same if same else 1.0}

    @property
    def metrics(self) -> dict[str, float]:
        """Precision and recall at the threshold shown, with and without diacritics, the share of each kind of pair
        shown as the same matter (its recall for a kind of the same matter, its error for another), and the set's
        size."""
        figures = self._counts(self.judged, SAME_MATTER)
        plain = [(p, m) for p, m in self.judged if not p.diacritics]
        figures |= {f"{k}.no_diacritics": v for k, v in self._counts(plain, SAME_MATTER).items()}
        for split in sorted({p.split for p, _ in self.judged} - {""}):  # the dev set's tuned and held-apart parts
            part = [(p, m) for p, m in self.judged if p.split == split]
            figures |= {f"{k}.{split}": v for k, v in self._counts(part, SAME_MATTER).items()}
            part = [(p, m) for p, m in part if not p.diacritics]
            figures |= {f"{k}.{split}.no_diacritics": v for k, v in self._counts(part, SAME_MATTER).items()}
        for kind in sorted({p.kind for p, _ in self.judged} - {""}):  # per kind: shown as the same, out of its pairs
            shown = [m.score >= SAME_MATTER for p, m in self.judged if p.kind == kind]
            figures[f"shown.{kind}"] = sum(shown) / len(shown)
        figures |= {"pairs": float(len(self.judged)), "threshold": SAME_MATTER}
        return figures

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The pairs judged wrongly (never for a sealed set)."""
        if self.sealed:
            return []
        return [
            {"id": p.id, "kind": p.kind, "same": p.same, "score": m.score, "reasons": m.reasons()}
            for p, m in self.judged
            if (m.score >= SAME_MATTER) != p.same
        ]


def embedded(encoder: Encoder, pairs: list[Pair]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each pair's passage embeddings, of the texts as the matcher compares them (as the platform does:
    :func:`mattran.domain.petitions.similarity.embedded`)."""
    return judging.embedded(encoder, [(p.a, p.b) for p in pairs])


def evaluate(encoder: Encoder, path: Path | None = None) -> Report:
    """Score every pair of the dataset with the embedding model and the matcher's other features."""
    dataset = path or default_dataset()
    pairs = load(dataset)
    report = Report(sealed=is_sealed(dataset))
    for pair, (u, v) in zip(pairs, embedded(encoder, pairs), strict=True):
        report.judged.append((pair, compare(pair.a, pair.b, u, v)))
    return report
