"""A small per-client rate limit (sliding one-minute window, in this process) for anonymous intake."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request


class RateLimiter:
    """At most ``per_minute`` requests a minute for each client address."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, request: Request) -> None:
        """Raise 429 with a Vietnamese message when the caller is over the limit."""
        if self.per_minute <= 0:
            return
        key = request.client.host if request.client else "?"
        now = time.monotonic()
        hits = self._hits[key]
        while hits and now - hits[0] > 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            raise HTTPException(429, "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút.",
                                headers={"Retry-After": "60"})
        hits.append(now)
