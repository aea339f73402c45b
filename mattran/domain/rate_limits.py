"""Rate limits kept in the store (every process of the platform counts in the same rows): anonymous intake per
address, the assistant per account (guests per address), similar petitions per address, failed sign-ins per address."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from enum import StrEnum

from mattran.auth.principal import Principal
from mattran.domain.errors import Refused
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store import rate_limits as store
from mattran.store.db import Conn, Database

MESSAGE = "Bạn gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút."
SIGN_IN_MESSAGE = "Có quá nhiều lần đăng nhập không thành công từ địa chỉ này. Vui lòng thử lại sau ít phút."
_PURGE_EVERY = 60.0  # seconds between two purges of ended windows, per process


class Limit(StrEnum):
    """What is counted (each has its ``MATTRAN_*_RATE_PER_MINUTE`` setting)."""

    INTAKE = "intake"  # petitions filed by anonymous callers, per address, through every door
    CHAT = "chat"  # messages to the assistant, per account (guests: per address)
    SIMILAR = "similar"  # similar-petition look-ups, per address
    SIGN_IN_FAILURE = "sign_in_failure"  # failed or forged sign-in callbacks, per address


class RateLimited(Refused):
    """Too many requests: the Vietnamese message, and the seconds after which to try again."""

    def __init__(self, retry_after: int, message: str = MESSAGE) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def caller_key(principal: Principal, api_client: str | None = None) -> str:
    """Who is calling, to count their requests and namespace their idempotency keys: an API client by its key's id,
    a signed-in person by subject, anyone else by network address."""
    if api_client:
        return f"api:{api_client}"
    if principal.subject:
        return f"sub:{principal.subject}"
    return address_key(principal.address)


def address_key(address: str | None) -> str:
    """Where a request comes from, to count requests per address whoever sends them."""
    return f"addr:{address or ''}"


def _bucket(limit: Limit, key: str) -> str:
    """The counter's key: a digest, so that the store holds no address or account in clear."""
    return hashlib.sha256(f"{limit}\0{key}".encode()).hexdigest()


class RateLimits:
    """The platform's limits, a number of requests a minute for each (0 = off)."""

    def __init__(self, db: Database, per_minute: Mapping[Limit, int]) -> None:
        self.db, self.per_minute = db, dict(per_minute)
        self._purged = 0.0

    @classmethod
    def of(cls, db: Database, settings: Settings) -> RateLimits:
        """The limits the operator set (``MATTRAN_*_RATE_PER_MINUTE``), counted in ``db``."""
        return cls(
            db,
            {
                Limit.INTAKE: settings.intake_rate_per_minute,
                Limit.CHAT: settings.chat_rate_per_minute,
                Limit.SIMILAR: settings.similar_rate_per_minute,
                Limit.SIGN_IN_FAILURE: settings.sign_in_failure_rate_per_minute,
            },
        )

    def on(self, limit: Limit) -> bool:
        """Whether ``limit`` is enforced."""
        return self.per_minute.get(limit, 0) > 0

    async def hit(self, limit: Limit, *keys: str | None) -> None:
        """Count one request for every key; RateLimited when one of them is over the limit."""
        if self.on(limit):
            async with self.db.transaction(Scope.public()) as conn:
                await self.hit_in(conn, limit, *keys)

    async def hit_in(self, conn: Conn, limit: Limit, *keys: str | None) -> None:
        """:meth:`hit` inside the caller's transaction (counted only if it commits)."""
        if not self.on(limit):
            return
        for key in keys:
            if key is not None:
                hits, retry = await store.hit(conn, _bucket(limit, key))
                if hits > self.per_minute[limit]:
                    raise RateLimited(retry, SIGN_IN_MESSAGE if limit is Limit.SIGN_IN_FAILURE else MESSAGE)
        await self._purge(conn)

    async def check(self, limit: Limit, *keys: str | None) -> None:
        """RateLimited when a key has already used up its allowance (nothing counted)."""
        if not self.on(limit):
            return
        async with self.db.transaction(Scope.public()) as conn:
            for key in keys:
                if key is not None:
                    hits, retry = await store.hit(conn, _bucket(limit, key), count=False)
                    if hits >= self.per_minute[limit]:
                        raise RateLimited(retry, SIGN_IN_MESSAGE if limit is Limit.SIGN_IN_FAILURE else MESSAGE)

    async def count(self, limit: Limit, *keys: str | None) -> None:
        """Count one request for every key, refusing nothing (e.g. a failed sign-in)."""
        if not self.on(limit):
            return
        async with self.db.transaction(Scope.public()) as conn:
            for key in keys:
                if key is not None:
                    await store.hit(conn, _bucket(limit, key))
            await self._purge(conn)

    async def _purge(self, conn: Conn) -> None:
        if time.monotonic() - self._purged >= _PURGE_EVERY:
            self._purged = time.monotonic()
            await store.purge(conn)
