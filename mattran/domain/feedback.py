"""The chat's feedback as evaluation records: nothing personal leaves with them (who gave it is not stored in the
record, and what people wrote is masked)."""

from __future__ import annotations

from typing import Any

from mattran.domain.masking import mask_personal_data
from mattran.store import feedback as feedback_store

_TEXTS = ("comment", "user_message", "assistant_reply")  # what people wrote: personal data masked


def feedback_rows(owner_url: str) -> list[dict[str, Any]]:
    """Every stored feedback as an eval record (``created_at`` in ISO 8601, personal data masked)."""
    return [
        {
            **row,
            **{k: mask_personal_data(row[k]) if row[k] else row[k] for k in _TEXTS},
            "created_at": row["created_at"].isoformat(),
        }
        for row in feedback_store.all_feedbacks(owner_url)
    ]
