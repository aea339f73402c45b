"""The relying party against a real provider: key rotation and provider outages."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from cli import devidp
from mattran.auth.oidc import OidcClient, ProviderError, TokenError
from tests.support.platform import free_port


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


def _token(issuer: str, key: RSAKey) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "aud": "urn:mattran:api", "sub": "canbo.tw", "iat": now, "exp": now + 300}
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, claims, key)


def _provider(issuer: str, jwks_file: Path, keys: list[RSAKey]) -> subprocess.Popen[bytes]:
    jwks_file.write_text(json.dumps({"keys": [k.as_dict(private=True) for k in keys]}))
    client = devidp.DevClient("mattran", "secret", "http://127.0.0.1:1")
    return devidp.start(issuer, [client], jwks_file, "cookie-secret", "urn:mattran:api")


async def test_a_rotated_signing_key_is_fetched_when_first_seen(tmp_path: Path) -> None:
    issuer = f"http://127.0.0.1:{free_port()}"
    old, new = _key("old"), _key("new")
    rp = OidcClient(
        issuer, "mattran", "secret", "http://127.0.0.1:1/cb", "openid", "urn:mattran:api", jwks_min_refetch_s=0
    )
    proc = _provider(issuer, tmp_path / "jwks.json", [old])
    try:
        assert (await rp.verify_access_token(_token(issuer, old)))["sub"] == "canbo.tw"
        with pytest.raises(TokenError):
            await rp.verify_access_token(_token(issuer, new))
    finally:
        proc.terminate()
        proc.wait(10)
    proc = _provider(issuer, tmp_path / "jwks.json", [new, old])  # the provider rotates: new key first
    try:
        assert (await rp.verify_access_token(_token(issuer, new)))["sub"] == "canbo.tw"
        assert (await rp.verify_access_token(_token(issuer, old)))["sub"] == "canbo.tw"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_an_unreachable_provider_is_reported_not_crashed() -> None:
    rp = OidcClient(f"http://127.0.0.1:{free_port()}", "mattran", "s", "http://127.0.0.1:1/cb", "openid", "x")
    with pytest.raises(ProviderError):
        await rp.start_login()
