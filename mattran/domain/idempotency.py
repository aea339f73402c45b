"""Idempotency keys, namespaced by caller: a retry returns the receipt its first attempt got, a stranger's key
returns nothing of anyone else's, and a key reused for another request is refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mattran.auth.principal import Principal
from mattran.domain.rate_limits import caller_key


@dataclass(frozen=True)
class IdempotentRequest:
    """A request's idempotency key in its caller's namespace, and the digest of the request's body."""

    key_digest: str  # what the store keeps of (namespace, key): unique
    body_digest: str  # the canonical JSON of the request, hashed
    seal_key: bytes  # rebuilt only by the same caller sending the same key and body (never stored)


def canonical_digest(body: Any) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def request(
    principal: Principal, key: str | None, body: Any, api_client: str | None = None
) -> IdempotentRequest | None:
    """The idempotent request for ``key`` (None without a key)."""
    if not key:
        return None
    scoped = f"{caller_key(principal, api_client)}\0{key}"
    body_digest = canonical_digest(body)
    return IdempotentRequest(
        hashlib.sha256(scoped.encode()).hexdigest(), body_digest, f"{scoped}\0{body_digest}".encode()
    )
