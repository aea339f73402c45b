"""Unit resolver evaluation: top-1 accuracy on unambiguous mentions, candidates (no guess) on ambiguous ones."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from evals.thresholds import for_suite
from mattran.domain.units import UnitResolver
from mattran.store.db import Conn

THRESHOLDS = for_suite("units")


@dataclass(frozen=True)
class Case:
    """One mention and what it must resolve to."""

    text: str
    kind: str
    expect: str | None = None
    ambiguous: bool = False
    expect_any: tuple[str, ...] = ()


@dataclass
class Report:
    """Outcome of one run over a dataset."""

    unambiguous: int = 0
    top1_correct: int = 0
    ambiguous: int = 0
    ambiguous_with_candidates: int = 0
    candidates_returned: int = 0
    candidates_valid: int = 0
    failures: list[dict[str, object]] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, float]:
        """Named figures compared with :data:`THRESHOLDS`."""
        return {
            "top1_accuracy": self.top1_correct / max(self.unambiguous, 1),
            "ambiguous_with_candidates": self.ambiguous_with_candidates / max(self.ambiguous, 1),
            "candidate_precision": self.candidates_valid / max(self.candidates_returned, 1),
        }

    def below_threshold(self) -> dict[str, float]:
        """Metrics under their threshold (empty when the run passes)."""
        return {k: v for k, v in self.metrics.items() if k in THRESHOLDS and v < THRESHOLDS[k]}


def load_cases(path: Path | None = None) -> list[Case]:
    """Cases from a JSON-lines file (default: the shipped ``unit_resolver.jsonl``)."""
    text = (
        path.read_text(encoding="utf-8")
        if path
        else (resources.files("evals") / "datasets" / "unit_resolver.jsonl").read_text(encoding="utf-8")
    )
    cases = []
    for line in text.splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(
                Case(
                    text=raw["text"],
                    kind=raw["kind"],
                    expect=raw.get("expect"),
                    ambiguous=bool(raw.get("ambiguous")),
                    expect_any=tuple(raw.get("expect_any", ())),
                )
            )
    return cases


async def evaluate(resolver: UnitResolver, conn: Conn, cases: list[Case]) -> Report:
    """Run every case through the resolver."""
    report = Report()
    for case in cases:
        result = await resolver.resolve(conn, case.text)
        got = [m.code for m in result.results]
        if case.ambiguous:
            report.ambiguous += 1
            report.candidates_returned += len(got)
            report.candidates_valid += sum(code in case.expect_any for code in got)
            if result.status == "ambiguous" and len(got) >= 2:
                report.ambiguous_with_candidates += 1
            else:
                report.failures.append(
                    {
                        "text": case.text,
                        "kind": case.kind,
                        "expected": "candidates",
                        "status": result.status,
                        "got": got[:5],
                    }
                )
        else:
            report.unambiguous += 1
            if result.status == "resolved" and got == [case.expect]:
                report.top1_correct += 1
            else:
                report.failures.append(
                    {
                        "text": case.text,
                        "kind": case.kind,
                        "expected": case.expect,
                        "status": result.status,
                        "got": got[:5],
                    }
                )
    return report
