"""Unit resolver evaluation: top-1 accuracy on unambiguous mentions, candidates (no guess) on ambiguous ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals.dataset import rows
from evals.outcome import Outcome, share
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
class Report(Outcome):
    """Outcome of one run over a dataset."""

    thresholds = THRESHOLDS
    unambiguous: int = 0
    top1_correct: int = 0
    ambiguous: int = 0
    ambiguous_with_candidates: int = 0
    candidates_returned: int = 0
    candidates_valid: int = 0

    @property
    def metrics(self) -> dict[str, float]:
        """Named figures compared with :data:`THRESHOLDS`."""
        return {
            "top1_accuracy": share(self.top1_correct, self.unambiguous),
            "ambiguous_with_candidates": share(self.ambiguous_with_candidates, self.ambiguous),
            "candidate_precision": share(self.candidates_valid, self.candidates_returned),
        }


def load_cases(path: Path | None = None) -> list[Case]:
    """Cases from a JSON-lines file (default: the shipped ``unit_resolver.jsonl``)."""
    return [
        Case(
            text=raw["text"],
            kind=raw["kind"],
            expect=raw.get("expect"),
            ambiguous=bool(raw.get("ambiguous")),
            expect_any=tuple(raw.get("expect_any", ())),
        )
        for _, raw in rows(path, "unit_resolver.jsonl")
    ]


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
