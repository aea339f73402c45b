"""OpenID Connect relying party (Authlib for the OAuth flow, joserfc for JWT checks), provider-agnostic.

Authorization code + PKCE (S256) + state + nonce; ID tokens and bearer access tokens are verified against the
provider's JWKS (refetched when an unknown key id appears: key rotation) with asymmetric algorithms only, and
their claims (iss, aud, exp, iat, nonce) are validated explicitly. A bearer token must be an access token, told
from an ID token by RFC 9068's ``typ: at+jwt`` (or a claim only access tokens carry) and never carrying a nonce;
opaque tokens, and revocation, are checked at the provider's introspection endpoint (RFC 7662) when enabled.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from joserfc.jwt import ClaimsOption

ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_LEEWAY_S = 30
_JWKS_MIN_REFETCH_S = 5.0
_ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
_INTROSPECTION_CACHE_MAX = 10_000


class TokenError(Exception):
    """A token that must not be trusted (bad signature, algorithm, issuer, audience, expiry, nonce…)."""


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable."""


class Introspection(StrEnum):
    """When bearer tokens are checked at the provider's introspection endpoint (RFC 7662)."""

    OFF = "off"  # JWT access tokens only, verified locally; opaque tokens refused
    OPAQUE = "opaque"  # opaque tokens introspected, JWTs verified locally
    ALWAYS = "always"  # every token introspected too (a revoked JWT is refused before it expires)


@dataclass(frozen=True)
class AccessTokenRule:
    """How an access token is told from an ID token: ``typ: at+jwt`` (RFC 9068) or ``claim:NAME`` it must carry."""

    required_claim: str | None = None

    @classmethod
    def parse(cls, text: str) -> AccessTokenRule:
        """``typ`` or ``claim:NAME`` (a dotted path)."""
        if text == "typ":
            return cls()
        kind, _, name = text.partition(":")
        if kind != "claim" or not name:
            raise ValueError(f"quy tắc nhận diện access token không hợp lệ: {text!r} (typ hoặc claim:TÊN)")
        return cls(name)

    def check(self, header: dict[str, Any], claims: dict[str, Any]) -> None:
        """Refuse (TokenError) what is not an access token by this rule; a token with a nonce never is."""
        if "nonce" in claims:
            raise TokenError("jeton có nonce: đây là ID token, không phải access token")
        if self.required_claim is None:
            typ = str(header.get("typ", "")).lower()
            if typ not in _ACCESS_TOKEN_TYPES:
                raise TokenError(
                    f"jeton không có typ at+jwt (RFC 9068) mà là {typ or 'không có'!r}: không phải access token"
                )
            return
        value: Any = claims
        for part in self.required_claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", []):
            raise TokenError(f"jeton thiếu claim {self.required_claim!r} mà access token phải có")


@dataclass(frozen=True)
class TokenSet:
    """What a successful code exchange or refresh gives."""

    id_token: str
    claims: dict[str, Any]
    refresh_token: str | None
    access_token: str | None


@dataclass(frozen=True)
class LoginStart:
    """A login to send the browser to."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class OidcClient:
    """One configured provider: discovery, JWKS cache, login, refresh, logout, token verification."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: str,
        api_audience: str,
        jwks_min_refetch_s: float = _JWKS_MIN_REFETCH_S,
        access_token_rule: AccessTokenRule = AccessTokenRule(),
        introspection: Introspection = Introspection.OFF,
        introspection_cache_s: float = 15,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self.api_audience = api_audience
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._keys_fetched_at = 0.0
        self._jwks_min_refetch_s = jwks_min_refetch_s
        self._lock = asyncio.Lock()
        self.access_token_rule = access_token_rule
        self.introspection = introspection
        self._introspection_cache_s = introspection_cache_s
        self._introspected: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx2.AsyncClient(timeout=10) as http:
                response = await http.get(url)
                response.raise_for_status()
                return response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise ProviderError(f"không kết nối được nhà cung cấp định danh: {exc}") from exc

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once)."""
        if self._metadata is None:
            meta = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if meta.get("issuer", "").rstrip("/") != self.issuer:
                raise ProviderError("issuer của tài liệu discovery không khớp cấu hình")
            self._metadata = meta
        return self._metadata

    async def _keyset(self, kid: str | None) -> KeySet:
        async with self._lock:
            known = self._keys is not None and (kid is None or any(k.kid == kid for k in self._keys.keys))
            stale = time.monotonic() - self._keys_fetched_at > self._jwks_min_refetch_s
            if self._keys is None or (not known and stale):
                jwks = await self._get_json((await self.metadata())["jwks_uri"])
                self._keys = KeySet.import_key_set(KeySetSerialization(keys=jwks["keys"]))
                self._keys_fetched_at = time.monotonic()
            return self._keys

    @staticmethod
    def _header(token: str) -> dict[str, Any] | None:
        """The JOSE header of a compact JWS, or None when the token is not one (opaque)."""
        try:
            return dict(jws.extract_compact(token.encode()).protected)
        except (JoseError, ValueError, UnicodeError):
            return None

    async def _verify(self, token: str, **claims: ClaimsOption) -> dict[str, Any]:
        header = self._header(token)
        if header is None:
            raise TokenError("jeton không đọc được")
        if header.get("alg") not in ASYMMETRIC_ALGORITHMS:
            raise TokenError(f"thuật toán ký không được chấp nhận: {header.get('alg')}")
        keys = await self._keyset(header.get("kid"))
        try:
            decoded = jwt.decode(token, keys, algorithms=ASYMMETRIC_ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=None,
                leeway=_LEEWAY_S,
                iss={"essential": True, "value": self.issuer},
                exp={"essential": True},
                iat={"essential": True},
                sub={"essential": True},
                **claims,
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise TokenError(f"jeton không hợp lệ: {exc}") from exc
        return dict(decoded.claims)

    async def verify_id_token(self, token: str, nonce: str | None) -> dict[str, Any]:
        """Claims of a valid ID token for this client (nonce checked when given)."""
        extra: dict[str, ClaimsOption] = {"aud": {"essential": True, "value": self.client_id}}
        if nonce is not None:
            extra["nonce"] = {"essential": True, "value": nonce}
        return await self._verify(token, **extra)

    async def verify_access_token(self, token: str) -> dict[str, Any]:
        """Claims of a valid access token issued for this platform's API (never an ID token).

        A JWT is verified locally, then (``always``) at the provider; an opaque token only at the provider
        (``opaque`` or ``always``), else refused.
        """
        header = self._header(token)
        if header is None:
            if self.introspection is Introspection.OFF:
                raise TokenError("jeton không phải JWT và kiểm tra qua introspection đang tắt")
            return await self.introspect(token)
        claims = await self._verify(token, aud={"essential": True, "value": self.api_audience})
        self.access_token_rule.check(header, claims)
        if self.introspection is Introspection.ALWAYS:
            active = await self.introspect(token)
            if active.get("sub") not in (None, claims["sub"]):
                raise TokenError("introspection trả về chủ thể khác với jeton")
        return claims

    async def introspect(self, token: str) -> dict[str, Any]:
        """What the provider says of an active access token for this API (cached briefly), else TokenError."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        cached = self._introspected.get(key)
        if cached is None or cached[0] <= now:
            answer = await self._ask_introspection(token)
            if len(self._introspected) >= _INTROSPECTION_CACHE_MAX:
                self._introspected = {k: v for k, v in self._introspected.items() if v[0] > now}
            ttl = self._introspection_cache_s
            if answer is not None:  # never reused past the token's own expiry
                ttl = min(ttl, float(answer["exp"]) - time.time())
            self._introspected[key] = cached = (now + ttl, answer)
        if cached[1] is None:
            raise TokenError("jeton không còn hiệu lực theo nhà cung cấp (đã thu hồi, hết hạn hoặc không phải của API)")
        return cached[1]

    async def _ask_introspection(self, token: str) -> dict[str, Any] | None:
        """The provider's answer for an active access token for this API, or None."""
        endpoint = (await self.metadata()).get("introspection_endpoint")
        if not endpoint:
            raise ProviderError("nhà cung cấp định danh không công bố introspection_endpoint")
        try:
            async with httpx2.AsyncClient(timeout=10) as http:
                response = await http.post(
                    endpoint,
                    data={"token": token, "token_type_hint": "access_token"},
                    auth=(self.client_id, self.client_secret),
                    headers={"Accept": "application/json"},
                )
                if response.status_code == 400:
                    return None  # e.g. a provider that introspects no JWT
                response.raise_for_status()
                answer = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise ProviderError(f"introspection thất bại: {exc}") from exc
        if not isinstance(answer, dict) or answer.get("active") is not True:
            return None
        audience = answer.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        for_us = (
            self.api_audience in audiences
            if audience is not None  # no aud (LemonLDAP::NG): issued to us
            else answer.get("client_id") == self.client_id
        )
        if (
            str(answer.get("iss", self.issuer)).rstrip("/") != self.issuer
            or not for_us
            or not answer.get("sub")
            or float(answer.get("exp") or 0) < time.time() - _LEEWAY_S
            or str(answer.get("token_type", "")).lower() == "refresh_token"
        ):
            return None
        return answer

    def _oauth(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=self.scopes,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=10,
        )

    async def start_login(self) -> LoginStart:
        """A new authorization request with fresh state, nonce and PKCE verifier."""
        meta = await self.metadata()
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        async with self._oauth() as oauth:
            url, _ = oauth.create_authorization_url(
                meta["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
            )
        return LoginStart(url=url, state=state, nonce=nonce, code_verifier=verifier)

    async def finish_login(self, code: str, code_verifier: str, nonce: str) -> TokenSet:
        """Exchange the code and verify the ID token it returns."""
        meta = await self.metadata()
        try:
            async with self._oauth() as oauth:
                token = await oauth.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=code_verifier, grant_type="authorization_code"
                )
        except Exception as exc:  # Authlib raises several kinds for a refused code
            raise TokenError(f"đổi mã xác thực thất bại: {exc}") from exc
        if "id_token" not in token:
            raise TokenError("nhà cung cấp không trả về ID token")
        claims = await self.verify_id_token(token["id_token"], nonce)
        return TokenSet(token["id_token"], claims, token.get("refresh_token"), token.get("access_token"))

    async def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens from a refresh token (the new ID token is verified; nonce is not repeated)."""
        meta = await self.metadata()
        try:
            async with self._oauth() as oauth:
                token = await oauth.refresh_token(meta["token_endpoint"], refresh_token=refresh_token)
        except Exception as exc:
            raise TokenError(f"làm mới phiên thất bại: {exc}") from exc
        claims = await self.verify_id_token(token["id_token"], None)
        return TokenSet(token["id_token"], claims, token.get("refresh_token"), token.get("access_token"))

    async def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, when it supports it."""
        endpoint = (await self.metadata()).get("end_session_endpoint")
        if not endpoint:
            return None
        query = urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": post_logout_redirect_uri,
                "client_id": self.client_id,
            }
        )
        return f"{endpoint}?{query}"
