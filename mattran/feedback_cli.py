"""``mattran feedback export``: the chat's thumbs up/down, with the question and the answer, for the eval sets.

Nothing personal leaves with them: who gave the feedback is not exported, and the texts are masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from psycopg.rows import dict_row

from mattran.console import say
from mattran.domain.masking import mask_personal_data
from mattran.settings import get_settings

feedback_app = typer.Typer(help="Đánh giá của người dùng trên câu trả lời của trợ lý.", no_args_is_help=True)

# Each feedback with the reply it rates and the person's message before it; never who gave it. Chainlit puts the
# thumbs on the turn (a "run" step: the reply's messages are its children), or on one message.
_FEEDBACKS = """
    select f."threadId"::text as thread_id, f."forId"::text as step_id, f."value" as value, f."comment" as comment,
           (select q."output" from chat.steps q
             where q."threadId" = r."threadId" and q."type" = 'user_message' and q."createdAt" <= r."createdAt"
             order by q."createdAt" desc limit 1) as user_message,
           (select string_agg(a."output", E'\\n\\n' order by a."createdAt") from chat.steps a
             where (a."id" = r."id" or a."parentId" = r."id") and a."type" = 'assistant_message') as assistant_reply,
           f.created_at
    from chat.feedbacks f join chat.steps r on r."id" = f."forId"
    order by f.created_at, f."id"
"""


_TEXTS = ("comment", "user_message", "assistant_reply")  # what people wrote: personal data masked


def feedback_rows(owner_url: str) -> list[dict[str, Any]]:
    """Every stored feedback as an eval record (``created_at`` in ISO 8601, personal data masked), read as the store's
    owner: the application role sees only the chat of the person it serves."""
    with psycopg.connect(owner_url, row_factory=dict_row) as conn:
        rows = conn.execute(_FEEDBACKS).fetchall()
    return [{**row, **{k: mask_personal_data(row[k]) if row[k] else row[k] for k in _TEXTS},
             "created_at": row["created_at"].isoformat()} for row in rows]


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
