"""SQL for the chat's feedback (Chainlit's ``chat`` schema): every thumbs up/down with the turn it rates."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from mattran.store.db import Row

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


def all_feedbacks(owner_url: str) -> list[Row]:
    """Every stored feedback, oldest first, read as the store's owner (the application role sees only the chat of
    the person it serves)."""
    with psycopg.connect(owner_url, row_factory=dict_row) as conn:
        return conn.execute(_FEEDBACKS).fetchall()
