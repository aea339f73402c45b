"""The harness's reports as files: ``report.json`` and a self-contained ``report.html`` (kept by CI)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from evals.harness import SuiteResult, exit_code

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#1d1d1f}"
    "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem}"
    "th{background:#f3f3f3;text-align:left}td.n{text-align:right}.ok{color:#137333}"
    ".ko{color:#b3261e;font-weight:bold}"
    "pre{white-space:pre-wrap;font-size:.85rem;background:#f8f8f8;padding:.5rem}"
)


def as_json(results: Sequence[SuiteResult]) -> dict[str, Any]:
    """Every suite's result, and whether the run passes."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "passed": exit_code(results) == 0,
        "suites": [r.as_json() for r in results],
    }


def figure(value: float) -> str:
    """A metric as written in the reports: three decimals at most, no trailing zeros (counts as integers)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _rows(result: SuiteResult) -> str:
    if result.skipped:
        return f"<tr><td>{escape(result.name)}</td><td colspan=4>{escape(result.skipped)}</td></tr>"
    rows = []
    for metric, value in result.metrics.items():
        floor = result.thresholds.get(metric)
        mark = "" if floor is None else ('<span class="ok">✓</span>' if value >= floor else '<span class="ko">✗</span>')
        rows.append(
            f"<tr><td>{escape(result.name)}</td><td>{escape(metric)}</td><td class=n>{figure(value)}</td>"
            f"<td class=n>{'' if floor is None else figure(floor)}</td><td>{mark}</td></tr>"
        )
    return "".join(rows)


def _failures(result: SuiteResult) -> str:
    if not result.failures:
        return ""
    lines = "\n".join(escape(json.dumps(f, ensure_ascii=False, default=str)) for f in result.failures)
    return (
        f"<details{' open' if not result.passed else ''}><summary>{escape(result.name)}: "
        f"{len(result.failures)} trường hợp chưa đạt</summary><pre>{lines}</pre></details>"
    )


def html_report(results: Sequence[SuiteResult], generated_at: str) -> str:
    """One HTML page: when, the metrics table, then each suite's failures."""
    verdict = "ĐẠT" if exit_code(results) == 0 else "KHÔNG ĐẠT"
    header = "".join(f"<th>{h}</th>" for h in ("Bộ đánh giá", "Chỉ số", "Giá trị", "Ngưỡng", "Đạt"))
    failures = "".join(_failures(r) for r in results) or "<p>Không có.</p>"
    return (
        f"<!doctype html><html lang=vi><meta charset=utf-8><title>Đánh giá Mặt trận số</title>"
        f"<style>{_STYLE}</style><h1>Kết quả đánh giá: {verdict}</h1>"
        f"<p>{datetime.fromisoformat(generated_at):%d/%m/%Y %H:%M} UTC</p>"
        f"<table><tr>{header}</tr>{''.join(_rows(r) for r in results)}</table>"
        f"<h2>Trường hợp chưa đạt</h2>{failures}</html>"
    )


def write(results: Sequence[SuiteResult], out: Path) -> dict[str, Any]:
    """Write ``report.json`` and ``report.html`` to ``out`` (created if needed); the JSON written."""
    out.mkdir(parents=True, exist_ok=True)
    document = as_json(results)
    (out / "report.json").write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (out / "report.html").write_text(html_report(results, document["generated_at"]), encoding="utf-8")
    return document
