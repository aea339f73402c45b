"""``mattran ingest`` and ``mattran search``: fill the library and search it from a terminal or a script."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.console import err, out, say
from mattran.settings import get_settings

if TYPE_CHECKING:
    from ingest.pipeline import Tally

_T = TypeVar("_T")


def _with_library(work: Callable[[Any, Any], Awaitable[_T]], *, bulk: bool = False) -> _T:
    """Run ``work(library, units)`` on the store (started, or joined when ``mattran up`` runs); with ``bulk``, the
    library's vector indexes set aside for the run and built again after it."""
    from cli.store import on_store
    from compose.services import build_services
    from mattran.store.library_bulk import vector_indexes_set_aside

    settings = get_settings()
    return on_store(
        lambda db, resolver: work(build_services(settings, db, resolver).library, resolver.units),
        around=(lambda owner: vector_indexes_set_aside(owner, say)) if bulk else None,
    )


def ingest(
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="Tệp hoặc thư mục (PDF, DOCX, HTML, TXT, Markdown).")
    ],
    access: Annotated[str, typer.Option(help="public: mọi người đọc được; internal: chỉ cán bộ.")] = "public",
    unit: Annotated[
        str | None,
        typer.Option(help="Mã đơn vị sở hữu tài liệu nội bộ (cán bộ của đơn vị đó, cấp trên và cấp dưới đọc được)."),
    ] = None,
    delete_missing: Annotated[
        bool, typer.Option("--delete-missing", help="Xóa tài liệu có tệp gốc không còn.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo dạng JSON.")] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Nạp hàng loạt: bỏ chỉ mục vector trong lúc nạp, dựng lại một lần khi xong (nhanh hơn khi nạp nhiều "
            "hơn số đoạn thư viện đang có; trong lúc nạp, tìm kiếm chậm hơn).",
        ),
    ] = False,
) -> None:
    """Đưa tài liệu vào thư viện: tách theo cấu trúc (Chương, Mục, Điều, Khoản), nhúng vector, lưu.

    Tệp không đổi được bỏ qua; tệp đã đổi được thay thế; tệp lỗi được báo và bỏ qua, các tệp khác vẫn tiếp tục.
    """
    from ingest.pipeline import expand
    from ingest.pipeline import ingest as run_ingest
    from mattran.auth.principal import Principal, Role

    if access not in ("public", "internal"):
        raise typer.BadParameter("chọn public hoặc internal", param_hint="--access")
    files = expand(paths)
    operator = Principal(subject="cli:ingest", name="Dòng lệnh", roles=frozenset({Role.ADMIN}))

    async def work(library: Any, units: dict[str, Any]) -> Any:
        if unit and unit.upper() not in units:
            raise typer.BadParameter(f"không có đơn vị mã “{unit}”", param_hint="--unit")
        with IngestProgress(len(files)) as shown:
            return await run_ingest(
                library,
                operator,
                files,
                access=_access(access),
                unit_code=unit.upper() if unit else None,
                delete_missing=delete_missing,
                progress=shown.update,
            )

    report = _with_library(work, bulk=bulk)
    if as_json:
        out.print_json(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        out.print(
            f"Thêm hoặc cập nhật {len(report.added)} tài liệu ({report.chunks} đoạn), "
            f"không đổi {len(report.unchanged)}, xóa {len(report.deleted)}, lỗi {len(report.failed)}."
        )
        for source, error in report.failed:
            err.print(f"[red]Lỗi[/red] {escape(source)}: {escape(error)}")
    if report.failed:
        raise typer.Exit(1)


class IngestProgress:
    """The ingest's progress on stderr: files done of all, chunks stored, chunks per second and the time left; a bar
    on a terminal, else a line every ``LINE_SECONDS`` and one at the end."""

    LINE_SECONDS = 10.0

    def __init__(self, files: int) -> None:
        self.bar = (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[figures]}"),
                TimeElapsedColumn(),
                console=err,
            )
            if err.is_terminal
            else None
        )
        self.task = self.bar.add_task("Đưa vào thư viện", total=files, figures="") if self.bar else None
        self.last: Tally | None = None
        self.said = time.monotonic()

    def __enter__(self) -> IngestProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.bar:
            self.bar.stop()
        elif self.last is not None and self.last.chunks:
            say(self.line(self.last))

    def update(self, tally: Tally) -> None:
        """Show how far the run has gone."""
        self.last = tally
        if self.bar and self.task is not None:
            self.bar.update(
                self.task,
                completed=tally.files_done,
                description=f"Đưa vào thư viện: {escape(tally.file)}",
                figures=self.figures(tally),
            )
        elif time.monotonic() - self.said >= self.LINE_SECONDS:
            self.said = time.monotonic()
            say(self.line(tally))

    @staticmethod
    def figures(tally: Tally) -> str:
        left = tally.remaining_seconds
        return f"{tally.chunks} đoạn, {tally.rate:.1f} đoạn/s" + (
            f", còn khoảng {_duration(left)}" if left is not None and tally.files_done < tally.files else ""
        )

    def line(self, tally: Tally) -> str:
        return f"Đưa vào thư viện: {tally.files_done}/{tally.files} tệp, {self.figures(tally)}"


def _duration(seconds: float) -> str:
    """A time span in words ("1 giờ 5 phút", "3 phút 20 giây", "45 giây")."""
    whole = round(seconds)
    hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60
    if hours:
        return f"{hours} giờ {minutes} phút"
    return f"{minutes} phút {secs} giây" if minutes else f"{secs} giây"


def _access(value: str) -> Literal["public", "internal"]:
    return "internal" if value == "internal" else "public"


def search(
    query: Annotated[
        str | None, typer.Argument(help="Câu hỏi hoặc từ khóa (gõ có dấu hay không dấu đều được).")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Số đoạn trả về.")] = 5,
    as_role: Annotated[
        str, typer.Option("--as", help="Tìm với quyền của VAI_TRÒ[@MÃ_ĐƠN_VỊ], ví dụ province_cadre@25.")
    ] = "citizen",
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    batch: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Tệp mỗi dòng một câu hỏi; in mỗi dòng một JSON.")
    ] = None,
) -> None:
    """Tìm trong thư viện (kết hợp vector và toàn văn không dấu), trong phạm vi quyền được chọn."""
    from cli.chat import principal_for

    if (query is None) == (batch is None):
        raise typer.BadParameter("cho một câu hỏi, hoặc --batch TỆP")
    questions = (
        [query or ""]
        if batch is None
        else [line.strip() for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
    )

    async def work(library: Any, units: dict[str, Any]) -> list[Any]:
        principal = principal_for(as_role, units)
        return [await library.search(principal, q, k) for q in questions]

    results = _with_library(work)
    for question, result in zip(questions, results, strict=True):
        line = {
            "query": question,
            "results": [
                {
                    "document_id": h.document_id,
                    "title": h.title,
                    "source": h.source,
                    "heading": h.heading,
                    "text": h.text,
                    "score": h.score,
                }
                for h in result.hits
            ],
        }
        if batch is not None or as_json:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            continue
        if not result.hits:
            out.print("Thư viện chưa có tài liệu nào liên quan đến câu hỏi này.")
        for rank, hit in enumerate(result.hits, 1):
            out.print(f"[bold]{rank}. {escape(hit.heading)}[/bold]  [dim]{hit.score:.4f}[/dim]")
            out.print(escape(hit.text[:400] + ("…" if len(hit.text) > 400 else "")))
            if hit.notice:
                out.print(f"[yellow]{escape(hit.notice)}[/yellow]")
    sys.stdout.flush()
