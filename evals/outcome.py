"""What every evaluation's report shares: the failures it saw, its metrics as shares of counts, and the check of
those metrics against the suite's thresholds (``thresholds.json``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar


def share(part: float, whole: float) -> float:
    """``part`` out of ``whole`` (0 when nothing was counted)."""
    return part / max(whole, 1)


@dataclass
class Outcome(ABC):
    """The base of a suite's report: its counts are the subclass's fields, :attr:`metrics` its figures."""

    thresholds: ClassVar[Mapping[str, float]]
    failures: list[dict[str, object]] = field(default_factory=list, kw_only=True)

    @property
    @abstractmethod
    def metrics(self) -> dict[str, float]:
        """The figures of the run; those named in :attr:`thresholds` are held to them."""

    def below_threshold(self) -> dict[str, float]:
        """Metrics under their threshold (empty when the run passes)."""
        return {k: v for k, v in self.metrics.items() if k in self.thresholds and v < self.thresholds[k]}


@dataclass
class Tally:
    """Answers counted right or wrong: in all, by the expected label, by tag, and as a confusion matrix."""

    total: int = 0
    right: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    right_by_label: Counter[str] = field(default_factory=Counter)
    by_tag: Counter[str] = field(default_factory=Counter)
    right_by_tag: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, label: str, got: str, right: bool, tags: Iterable[str]) -> None:
        """Count one answer: ``got`` where ``label`` was expected."""
        self.total += 1
        self.right += right
        self.by_label[label] += 1
        self.right_by_label[label] += right
        self.confusion[(label, got)] += 1
        for tag in tags:
            self.by_tag[tag] += 1
            self.right_by_tag[tag] += right

    def accuracy(self) -> float:
        """The share right."""
        return share(self.right, self.total)

    def by_labels(self) -> dict[str, float]:
        """The share right for each expected label seen."""
        return {label: share(self.right_by_label[label], n) for label, n in self.by_label.items()}

    def by_tags(self) -> dict[str, float]:
        """The share right for each tag seen."""
        return {tag: share(self.right_by_tag[tag], n) for tag, n in self.by_tag.items()}

    def mistakes(self) -> list[str]:
        """Wrong answers as ``expected → got: count``, most frequent first."""
        return [f"{e} → {g}: {n}" for (e, g), n in self.confusion.most_common() if e != g]
