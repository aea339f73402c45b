"""The personal-data detector on petitions with labelled spans: recall per kind, precision, time per petition.

A labelled span is recalled when every letter and digit of it lies inside detected spans (whatever kind they were
given); a detected span is a true positive when it overlaps a labelled span, a false positive otherwise, and also
when it overlaps a string the item says must be kept. Items come with the petitioner's contact, given to the
detector as ``known``. On a sealed set (a file named ``*.sealed.*``) only aggregates are reported, never an item.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.dataset import is_sealed
from mattran.domain.masking import Found, PersonalKind, find_personal_data, warm_up

DATASETS = Path(__file__).parent / "datasets"
DEV = DATASETS / "masking.dev.jsonl"
SEALED = DATASETS / "masking.sealed.jsonl"


@dataclass(frozen=True)
class Span:
    """A labelled span of personal data."""

    start: int
    end: int
    kind: PersonalKind


@dataclass(frozen=True)
class Item:
    """One petition text, its labelled spans, the strings to keep and the petitioner's contact."""

    id: str
    text: str
    spans: tuple[Span, ...]
    keep: tuple[str, ...]
    known: tuple[str, ...]


def default_dataset() -> Path:
    """The sealed set when it is there, else the development set."""
    return SEALED if SEALED.exists() else DEV


def load(path: Path | None = None) -> list[Item]:
    """The items of a masking dataset (JSONL)."""
    items = []
    for line in (path or default_dataset()).read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(
                Item(
                    raw["id"],
                    raw["text"],
                    tuple(Span(s["start"], s["end"], PersonalKind(s["kind"])) for s in raw["spans"]),
                    tuple(raw.get("keep", ())),
                    tuple(v for v in (raw.get("contact") or {}).values() if v),
                )
            )
    return items


@dataclass
class Report:
    """Counts, timings and (for an open set) the misses and false positives."""

    labelled: Counter[str] = field(default_factory=Counter)
    recalled: Counter[str] = field(default_factory=Counter)
    detected: int = 0
    true_positive: int = 0
    seconds: list[float] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, float]:
        """Recall per kind (``recall.phone``…), overall recall and precision, and the time per petition."""
        figures = {f"recall.{k}": self.recalled[k] / n for k, n in sorted(self.labelled.items())}
        figures["recall"] = sum(self.recalled.values()) / max(1, sum(self.labelled.values()))
        figures["precision"] = self.true_positive / self.detected if self.detected else 1.0
        figures |= {f"count.{k}": float(n) for k, n in sorted(self.labelled.items())}
        figures["count.detected"] = float(self.detected)
        if self.seconds:
            ms = sorted(s * 1000 for s in self.seconds)
            figures["ms_per_petition.mean"] = round(statistics.fmean(ms), 2)
            figures["ms_per_petition.p95"] = round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2)
        return figures


def _covered(text: str, span: Span, found: Iterable[Found]) -> bool:
    """Every letter and digit of the span lies inside a detected span."""
    inside: set[int] = set()
    for f in found:
        inside.update(range(max(f.start, span.start), min(f.end, span.end)))
    return all(i in inside for i in range(span.start, span.end) if text[i].isalnum())


def _keep_ranges(item: Item) -> list[tuple[int, int]]:
    ranges = []
    for value in item.keep:
        at = item.text.find(value)
        while at >= 0:
            ranges.append((at, at + len(value)))
            at = item.text.find(value, at + 1)
    return ranges


def score(items: Iterable[Item], *, show_items: bool = True) -> Report:
    """Run the detector on every item (after one warm-up call) and count."""
    warm_up()
    find_personal_data("Khởi động bộ nhận diện: ông Nguyễn Văn An, 0912345678.")
    report = Report()
    for item in items:
        began = time.perf_counter()
        found = find_personal_data(item.text, item.known)
        report.seconds.append(time.perf_counter() - began)
        for span in item.spans:
            report.labelled[span.kind] += 1
            if _covered(item.text, span, found):
                report.recalled[span.kind] += 1
            elif show_items:
                report.failures.append({"id": item.id, "miss": item.text[span.start : span.end], "kind": span.kind})
        keeps = _keep_ranges(item)
        for f in found:
            report.detected += 1
            hits = any(f.start < s.end and s.start < f.end for s in item.spans)
            kept = any(f.start < b and a < f.end for a, b in keeps)
            if hits and not kept:
                report.true_positive += 1
            elif show_items:
                report.failures.append({"id": item.id, "false_positive": item.text[f.start : f.end], "kind": f.kind})
    return report


def evaluate(path: Path | None = None) -> Report:
    """The detector on a dataset (default: the sealed set when present, else the development set)."""
    path = path or default_dataset()
    return score(load(path), show_items=not is_sealed(path))
