"""``mattran feedback export``: the chat's thumbs up/down, with the question and the answer, for the eval sets.

Nothing personal leaves with them: who gave the feedback is not exported, and the texts are masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.console import say
from mattran.domain.feedback import feedback_rows
from mattran.settings import get_settings

feedback_app = typer.Typer(help="Đánh giá của người dùng trên câu trả lời của trợ lý.", no_args_is_help=True)


@feedback_app.command("export")
def export(
    target: Annotated[Path, typer.Argument(help="Tệp JSON Lines sẽ ghi, ví dụ feedback.jsonl.")],
) -> None:
    """Xuất đánh giá (👍 = 1, 👎 = 0, kèm góp ý) cùng câu hỏi và câu trả lời, không kèm danh tính người đánh giá,
    dữ liệu cá nhân (số điện thoại, thư điện tử, số giấy tờ…) đã che."""
    from mattran.bootstrap import prepare_store

    rows = feedback_rows(prepare_store(get_settings(), say).owner)
    with target.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    say(f"Đã ghi {len(rows)} đánh giá vào {target}.")
