"""Bearer tokens: only a valid, asymmetrically signed token from the provider reaches a handler."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

import httpx2
import psycopg
import pytest
from joserfc.jwk import RSAKey

from tests.support.platform import Platform

CADRE = {"sub": "canbo.xa", "name": "Trần Thị Xã", "roles": ["commune_cadre"], "unit": "08611"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: Mapping[str, object], payload: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


def _payload(platform: Platform, **changes: object) -> dict[str, object]:
    now = int(time.time())
    return {"iss": platform.issuer, "aud": "urn:mattran:api", "iat": now, "exp": now + 600, **CADRE, **changes}


def _bad_tokens(platform: Platform) -> dict[str, str]:
    now = int(time.time())
    good = platform.mint(CADRE)
    head, body, sig = good.split(".")
    tampered_body = json.loads(base64.urlsafe_b64decode(body + "=="))
    tampered_body["unit"] = "25"  # try to widen the scope to the whole province
    public_pem = platform.signing_key.as_pem(private=False)
    hs_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "test-key-1"}, _payload(platform))
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-in-jwks", "alg": "RS256"})
    impostor = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "alg": "RS256"})
    return {
        "expired": platform.mint({**CADRE, "iat": now - 7200, "exp": now - 3600}),
        "wrong audience": platform.mint({**CADRE, "aud": "some-other-api"}),
        "wrong issuer": platform.mint({**CADRE, "iss": "https://evil.example"}),
        "alg none": _unsigned({"alg": "none", "typ": "JWT"}, _payload(platform)) + ".",
        "HS256 signed with the public key": hs_input
        + "."
        + _b64(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()),
        "key not in the JWKS": platform.mint(CADRE, key=stranger),
        "same kid, other key": platform.mint(CADRE, key=impostor),
        "tampered payload": f"{head}.{_b64(json.dumps(tampered_body).encode())}.{sig}",
        "ID-token audience": platform.mint({**CADRE, "aud": "mattran"}),
        "not a JWT": "abc.def",
    }


def test_a_valid_token_is_accepted(platform: Platform) -> None:
    r = httpx2.get(f"{platform.base_url}/api/me", headers={"Authorization": f"Bearer {platform.mint(CADRE)}"})
    assert r.status_code == 200
    assert r.json()["unit"] == "08611" and r.json()["roles"] == ["commune_cadre"]


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong audience",
        "wrong issuer",
        "alg none",
        "HS256 signed with the public key",
        "key not in the JWKS",
        "same kid, other key",
        "tampered payload",
        "ID-token audience",
        "not a JWT",
    ],
)
def test_bad_tokens_get_401_and_reach_no_handler(platform: Platform, case: str) -> None:
    token = _bad_tokens(platform)[case]
    name = f"Không được ghi ({case})"
    r = httpx2.post(
        f"{platform.base_url}/api/members",
        headers={"Authorization": f"Bearer {token}"},
        json={"unit_code": "08611", "full_name": name},
    )
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    with psycopg.connect(platform.owner_uri()) as conn:
        written = conn.execute("select count(*) from members where full_name = %s", (name,)).fetchone()
        audited = conn.execute(
            "select count(*) from audit_log where action = 'member.write' and actor = 'canbo.xa'"
            " and at > now() - interval '5 seconds'"
        ).fetchone()
    assert written == (0,) and audited == (0,)


def test_other_authorization_schemes_are_refused(platform: Platform) -> None:
    for header in ("Basic Y2FuYm8ueGE6eA==", "Bearer", "Token abc"):
        assert httpx2.get(f"{platform.base_url}/api/me", headers={"Authorization": header}).status_code == 401
