"""``mattran eval``: run the evaluation suites on the store, print a table, write JSON and HTML reports."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import out, say
from mattran.settings import get_settings

if TYPE_CHECKING:
    from evals.harness import SuiteResult

SUITE_NAMES = ("units", "intents", "retrieval", "grounding", "redteam", "reports", "masking", "similarity")


def table(results: list[SuiteResult]) -> Table:
    """Suite, metric, value, threshold and ✓/✗ (breakdowns such as ``intent_accuracy[help]`` stay in the files)."""
    from evals.artifacts import figure

    grid = Table("Bộ đánh giá", "Chỉ số", "Giá trị", "Ngưỡng", "Đạt")
    for result in results:
        if result.skipped:
            grid.add_row(result.name, "—", "—", "—", f"[yellow]bỏ qua[/]: {escape(result.skipped)}")
            continue
        for metric, value in result.metrics.items():
            if "[" in metric:
                continue
            floor = result.thresholds.get(metric)
            mark = "" if floor is None else "[green]✓[/]" if value >= floor else "[bold red]✗[/]"
            grid.add_row(result.name, escape(metric), figure(value), "" if floor is None else figure(floor), mark)
    return grid


async def _run(names: list[str], dataset: Path | None) -> list[SuiteResult]:
    from evals.harness import Context, run

    settings = get_settings()
    async with Context.open(settings) as ctx:
        return await run(ctx, names, dataset, lambda name: say(f"Đang chạy bộ đánh giá “{name}”…"))


def evaluate(
    suites: Annotated[
        list[str] | None,
        typer.Argument(help=f"Bộ đánh giá (mặc định: tất cả): {', '.join(SUITE_NAMES)}.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    dataset: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Tệp dữ liệu khác cùng định dạng (chỉ với một bộ đánh giá)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Thư mục ghi report.json và report.html.")] = Path(
        "artifacts/evals"
    ),
) -> None:
    """Chạy các bộ đánh giá (định tuyến, truy hồi, trích dẫn, phân quyền, số liệu báo cáo…); mã thoát 1 khi có chỉ số
    dưới ngưỡng. Có MATTRAN_LLM_URL thì đánh giá cả mô hình ngôn ngữ."""
    from evals import artifacts
    from evals.harness import exit_code

    names = suites or list(SUITE_NAMES)
    unknown = [n for n in names if n not in SUITE_NAMES]
    if unknown:
        raise typer.BadParameter(f"không có bộ đánh giá {', '.join(unknown)}; chọn trong: {', '.join(SUITE_NAMES)}")
    if dataset is not None and len(names) != 1:
        raise typer.BadParameter("--dataset chỉ dùng với đúng một bộ đánh giá", param_hint="--dataset")
    results = asyncio.run(_run(names, dataset))
    document = artifacts.write(results, out_dir)
    if as_json:
        print(json.dumps(document, ensure_ascii=False, default=str))
    else:
        out.print(table(results))
        say(f"Báo cáo: {out_dir / 'report.json'}, {out_dir / 'report.html'}")
    raise typer.Exit(exit_code(results))
