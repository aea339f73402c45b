"""Server-side sessions shared by every app (pages, API, chat): one cookie, one row, one sign-out."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mattran.auth.oidc import OidcClient, ProviderError, TokenError, TokenSet
from mattran.auth.principal import Principal, principal_from_claims
from mattran.auth.sealing import TokenSealer
from mattran.domain.unit import Unit
from mattran.scope import Scope
from mattran.store import sessions as sessions_store
from mattran.store.db import Database


def hash_session_id(value: str) -> str:
    """What is stored for a session cookie (the cookie value itself never is)."""
    return hashlib.sha256(value.encode()).hexdigest()


class SessionService:
    """Create, read (refreshing tokens when the ID token has expired) and end sessions."""

    def __init__(
        self,
        db: Database,
        oidc: OidcClient,
        units: Mapping[str, Unit],
        roles_claim: str,
        unit_claim: str,
        session_hours: int,
        sealer: TokenSealer,
    ) -> None:
        self.db, self.oidc, self.units, self.sealer = db, oidc, units, sealer
        self.roles_claim, self.unit_claim = roles_claim, unit_claim
        self.lifetime = timedelta(hours=session_hours)

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """The principal verified claims describe."""
        return principal_from_claims(claims, self.units, self.roles_claim, self.unit_claim)

    async def start_login(self, return_to: str, browser: str) -> str:
        """Start a sign-in at the provider (PKCE, state, nonce) for one browser (``browser``: its login cookie),
        remembered for :meth:`take_login`; the provider's login URL. Raises :class:`ProviderError`."""
        start = await self.oidc.start_login()
        async with self.db.transaction(Scope.public()) as conn:
            await sessions_store.add_login_attempt(
                conn, start.state, start.nonce, start.code_verifier, return_to, hash_session_id(browser)
            )
        return start.url

    async def take_login(self, state: str, browser: str) -> dict[str, Any] | None:
        """The pending sign-in ``state`` this browser started (nonce, code_verifier, return_to), usable once; None
        when unknown, expired or started in another browser."""
        async with self.db.transaction(Scope.public()) as conn:
            return await sessions_store.take_login_attempt(conn, state, hash_session_id(browser))

    async def create(self, tokens: TokenSet) -> str:
        """Store a session for freshly verified tokens; return the cookie value."""
        value = secrets.token_urlsafe(32)
        id_hash = hash_session_id(value)
        async with self.db.transaction(Scope.public()) as conn:
            await sessions_store.add_session(
                conn,
                id_hash,
                str(tokens.claims["sub"]),
                tokens.claims,
                tokens.id_token,
                self.sealer.seal(tokens.refresh_token, id_hash),
                datetime.now(UTC) + self.lifetime,
            )
        return value

    async def load(self, value: str) -> tuple[Principal, str] | None:
        """The principal and session hash behind a cookie value, or None when it has ended or expired."""
        id_hash = hash_session_id(value)
        async with self.db.transaction(Scope.public()) as conn:
            row = await sessions_store.get_session(conn, id_hash)
        if row is None:
            return None
        claims = row["claims"]
        if float(claims.get("exp", 0)) < time.time():
            refresh_token = self.sealer.open(row["refresh_token_sealed"], id_hash)
            if not refresh_token:
                await self.end(value)
                return None
            try:
                tokens = await self.oidc.refresh(refresh_token)
            except (TokenError, ProviderError):
                await self.end(value)
                return None
            if tokens.claims.get("sub") != row["subject"]:
                await self.end(value)
                return None
            claims = tokens.claims
            async with self.db.transaction(Scope.public()) as conn:
                await sessions_store.update_session_tokens(
                    conn, id_hash, claims, tokens.id_token, self.sealer.seal(tokens.refresh_token, id_hash)
                )
        return self.principal(claims), id_hash

    async def end(self, value: str) -> str | None:
        """End the session; return its ID token (for logout at the provider) if it existed."""
        async with self.db.transaction(Scope.public()) as conn:
            row = await sessions_store.end_session(conn, hash_session_id(value))
        return row["id_token"] if row else None

    async def purge(self) -> tuple[int, int]:
        """Delete expired sessions and abandoned pending sign-ins; (sessions, sign-ins) deleted."""
        async with self.db.transaction(Scope.public()) as conn:
            return await sessions_store.purge_expired(conn)
