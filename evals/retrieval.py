"""Retrieval evaluation of the library: does the right article come up for an everyday question?

The dataset (``datasets/library_questions.jsonl``) holds questions written in everyday Vietnamese over the
laws of ``../shared/corpus/laws`` (about a third typed without diacritics), each with its gold law file and
article. A hit counts when a returned passage comes from that file and that article. Figures are given for
all questions and separately for those typed with and without diacritics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from evals.dataset import is_sealed as is_sealed
from evals.dataset import rows
from evals.thresholds import for_suite
from mattran.auth.principal import Principal
from mattran.domain.library import LibraryService, SearchHit

THRESHOLDS = for_suite("retrieval")
K = 10


@dataclass(frozen=True)
class Question:
    """One question and where its answer is."""

    id: str
    query: str
    file: str
    article: int
    accented: bool


# Laws kept out of all tuning of the search (lexicon, training pairs, fusion weights): they measure how it does on
# documents it never saw.
UNSEEN_LAWS = frozenset(
    {"Luat-To-cao-336713.txt", "Luat-tiep-can-thong-tin-2016-280116.txt", "Luat-Bao-hiem-xa-hoi-2014-259700.txt"}
)
SEALED = Path(__file__).with_name("datasets") / "library.sealed.jsonl"  # the first sealed set
DEV = Path(__file__).with_name("datasets") / "library.dev.jsonl"  # the set the lexicon and the fusion are tuned on


@dataclass
class Report:
    """Ranks of the gold article per question (None: not in the top ``K``)."""

    ranks: dict[str, int | None] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)

    def _subset(self, keep: Callable[[Question], bool]) -> list[int | None]:
        return [r for q, r in self.ranks.items() if keep(self.questions[q])]

    @staticmethod
    def _recall(ranks: list[int | None], k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / max(len(ranks), 1)

    @staticmethod
    def _mrr(ranks: list[int | None]) -> float:
        return sum(1 / r for r in ranks if r is not None) / max(len(ranks), 1)

    @property
    def metrics(self) -> dict[str, float]:
        """recall@1/5/10 and MRR@10: overall, by diacritics, and on the laws tuning read or never read."""
        figures: dict[str, float] = {"questions": float(len(self.ranks))}
        subsets: dict[str, Callable[[Question], bool]] = {
            "": lambda _q: True,
            "accented.": lambda q: q.accented,
            "unaccented.": lambda q: not q.accented,
            "seen_laws.": lambda q: q.file not in UNSEEN_LAWS,
            "unseen_laws.": lambda q: q.file in UNSEEN_LAWS,
        }
        for label, keep in subsets.items():
            ranks = self._subset(keep)
            if not ranks:
                continue
            for k in (1, 5, 10):
                figures[f"{label}recall@{k}"] = self._recall(ranks, k)
            figures[f"{label}mrr@10"] = self._mrr(ranks)
        return figures

    def misses(self, k: int = 5) -> list[dict[str, Any]]:
        """The questions whose article was not in the top ``k``."""
        return [
            {
                "id": q,
                "query": self.questions[q].query,
                "file": self.questions[q].file,
                "article": self.questions[q].article,
                "rank": r,
            }
            for q, r in self.ranks.items()
            if r is None or r > k
        ]


def load(path: Path | None = None) -> list[Question]:
    """The dataset (the project's own by default); fields other than a question's (a clause, other articles that
    also answer) are read past."""
    names = [f.name for f in fields(Question)]
    return [Question(**{k: raw[k] for k in names}) for _, raw in rows(path, "library_questions.jsonl")]


def is_gold(hit: SearchHit, question: Question) -> bool:
    """Whether a passage is the question's article."""
    return Path(hit.source).name == question.file and hit.article == question.article


async def run(library: LibraryService, principal: Principal, questions: list[Question]) -> Report:
    """Search every question within ``principal``'s access and record the gold article's rank."""
    report = Report()
    for question in questions:
        result = await library.search(principal, question.query, K)
        rank = next((i for i, hit in enumerate(result.hits, 1) if is_gold(hit, question)), None)
        report.ranks[question.id] = rank
        report.questions[question.id] = question
    return report


def fitting(questions: list[Question]) -> list[Question]:
    """The part of the development set the fusion's weights are fitted on: two questions in three."""
    return [q for i, q in enumerate(questions) if i % 3 != 2]


def held_apart(questions: list[Question]) -> list[Question]:
    """The third of the development set the fusion's weights never see."""
    return [q for i, q in enumerate(questions) if i % 3 == 2]


def other_sets() -> dict[str, list[Question]]:
    """The sets reported beside the project's own: the development set (``dev``: whole, and ``dev_held``: the third
    the fusion's weights are not fitted on) and the sealed set (``sealed``), those present."""
    sets: dict[str, list[Question]] = {}
    if DEV.exists():
        dev = load(DEV)
        sets |= {"dev": dev, "dev_held": held_apart(dev)}
    if SEALED.exists():
        sets["sealed"] = load(SEALED)
    return sets
