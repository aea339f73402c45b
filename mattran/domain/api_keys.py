"""API keys for outside applications: created (shown once), verified by their hash, revoked; all audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.errors import Invalid, NotFound
from mattran.domain.labelled import labels
from mattran.scope import Scope
from mattran.store import api_keys as store
from mattran.store.db import Database

KEY_START = "mtk_"
PREFIX_LENGTH = len(KEY_START) + 8  # what lists show and what revoking takes: ``mtk_AbCd1234``


class ApiKeyScope(StrEnum):
    """What a key lets an outside application do."""

    OPEN311_SUBMIT = "open311.submit"


SCOPE_LABELS = labels(ApiKeyScope, "Gửi phản ánh qua cổng Open311")


class ApiKeyError(Invalid):
    """A key operation that cannot be carried out."""


class ApiKey(BaseModel):
    """A key as it may be shown: never the key itself, nor its hash."""

    id: int
    name: str
    scope: ApiKeyScope
    prefix: str
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewApiKey(ApiKey):
    """A key just created: the only time ``api_key`` is known."""

    api_key: str


def hash_key(key: str) -> str:
    """The stored form of a key (SHA-256, hex)."""
    return hashlib.sha256(key.encode()).hexdigest()


async def create(
    db: Database, actor: Principal, name: str, scope: ApiKeyScope = ApiKeyScope.OPEN311_SUBMIT
) -> NewApiKey:
    """A new key named ``name`` allowed ``scope``; the plain key is returned here and never again."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ApiKeyError("Tên khóa API phải có từ 1 đến 100 ký tự.")
    key = KEY_START + secrets.token_urlsafe(32)
    async with db.transaction(Scope.public()) as conn:
        row = await store.insert(
            conn, name=name, scope=scope, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH], created_by=actor.subject
        )
        await audit.record(conn, actor, "api_key.create", row["prefix"], "allowed", name=name, scope=scope.value)
    return NewApiKey(**row, api_key=key)


async def verify(db: Database, key: str | None, scope: ApiKeyScope = ApiKeyScope.OPEN311_SUBMIT) -> ApiKey | None:
    """The live key matching ``key`` and allowed ``scope``, its use noted; None when it is missing, unknown, revoked
    or not allowed that."""
    if not key or not key.startswith(KEY_START):
        return None
    async with db.transaction(Scope.public()) as conn:
        row = await store.by_hash(conn, hash_key(key))
        if row is None or row["revoked_at"] is not None or row["scope"] != scope:
            return None
        await store.mark_used(conn, row["id"])
    return ApiKey(**row)


async def all_keys(db: Database) -> list[ApiKey]:
    """Every key, newest first (revoked ones too)."""
    async with db.transaction(Scope.public()) as conn:
        return [ApiKey(**row) for row in await store.all_keys(conn)]


async def revoke(db: Database, actor: Principal, prefix: str) -> ApiKey:
    """Revoke the key shown as ``prefix`` (the whole key is accepted too)."""
    prefix = prefix.strip()[:PREFIX_LENGTH]
    async with db.transaction(Scope.public()) as conn:
        row = await store.revoke(conn, prefix)
        if row is None:
            raise NotFound(f"Không có khóa API nào có tiền tố “{prefix}”.")
        await audit.record(conn, actor, "api_key.revoke", prefix, "allowed", name=row["name"])
    return ApiKey(**row)
