"""How long conversations are kept: a guest's until its petition is filed or cancelled, and at most a day; a
signed-in person's memory and chat history for the retention period after their last message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mattran.scope import Scope
from mattran.store import checkpoints
from mattran.store.db import Database

GUEST_THREAD_PREFIX = "khach:"  # a guest's conversation memory is keyed "khach:<server-issued id>"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Retention:
    """How long a guest's conversation and a signed-in person's conversations are kept after their last message."""

    guest_ttl: timedelta
    signed_in: timedelta

    @classmethod
    def of(cls, guest_ttl_hours: int, retention_days: int) -> Retention:
        return cls(timedelta(hours=guest_ttl_hours), timedelta(days=retention_days))


@dataclass(frozen=True)
class Pruned:
    """What one pruning deleted: conversations' memory, and stored chat threads."""

    conversations: int
    threads: int


async def prune(db: Database, retention: Retention, clock: Clock = utc_now) -> Pruned:
    """Delete the conversations (memory with held attachments, chat history) kept longer than ``retention``."""
    now = clock()
    async with db.transaction(Scope.public()) as conn:
        conversations = await checkpoints.prune_conversations(
            conn, GUEST_THREAD_PREFIX, now - retention.guest_ttl, now - retention.signed_in
        )
        threads = await checkpoints.prune_chat_history(conn, now - retention.signed_in)
    return Pruned(conversations, threads)
