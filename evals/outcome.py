"""What every evaluation's report shares: the failures it saw, its metrics as shares of counts, and the check of
those metrics against the suite's thresholds (``thresholds.json``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
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
