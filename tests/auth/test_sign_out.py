"""One session for every app: signing out ends it in the pages, the API, the chat and at the provider."""

from __future__ import annotations

import re

import httpx2
import psycopg

from mattran.auth.sessions import hash_session_id
from tests.support.checks import present
from tests.support.platform import DEMO_ACCOUNTS, Platform, sign_in


def _csrf(client: httpx2.Client, base_url: str) -> str:
    page = client.get(f"{base_url}/")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the signed-in header has a sign-out form with a CSRF token"
    return found.group(1)


def _submit_logout_form(client: httpx2.Client, page: httpx2.Response) -> httpx2.Response:
    form = re.search(r'<form[^>]*id="op.logoutForm"[^>]*>(.*?)</form>', page.text, re.S)
    assert form, page.text[:400]
    action = re.search(r'action="([^"]+)"', form.group(0))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
    assert action
    return client.post(str(page.url.join(action.group(1))), data={**fields, "logout": "yes"}, follow_redirects=True)


def _session_exists(platform: Platform, cookie: str | None) -> bool:
    with psycopg.connect(platform.owner_uri()) as conn:
        row = conn.execute(
            "select count(*) from sessions where id_hash = %s", (hash_session_id(cookie or ""),)
        ).fetchone()
    return bool(row and row[0])


def test_sign_out_ends_the_session_in_every_app_at_once(platform: Platform) -> None:
    base = platform.base_url
    username, password = DEMO_ACCOUNTS["province_cadre"]
    with httpx2.Client(timeout=20) as client:
        sign_in(client, base, username, password)
        assert client.get(f"{base}/api/me").json()["subject"] == username
        assert client.post(f"{base}/chat/auth/header").status_code == 200  # what the chat page does on load
        assert client.get(f"{base}/chat/user").json()["identifier"] == username
        assert client.get(f"{base}/can-bo", headers={"Accept": "text/html"}).status_code == 200
        stolen = client.cookies.get("mattran_session")
        assert _session_exists(platform, stolen)

        confirm = client.post(f"{base}/dang-xuat", data={"csrf_token": _csrf(client, base)}, follow_redirects=True)
        assert str(confirm.url).startswith(f"{platform.issuer}/session/end")  # RP-initiated logout at the provider
        done = _submit_logout_form(client, confirm)  # a browser submits it by itself (script); httpx has none
        assert done.status_code == 200 and str(done.url) == f"{base}/"
        assert "Đăng nhập" in done.text

        assert client.get(f"{base}/api/me").json()["authenticated"] is False
        assert client.get(f"{base}/chat/user").status_code == 401
        page = client.get(f"{base}/can-bo", headers={"Accept": "text/html"}, follow_redirects=True)
        assert 'id="password"' in page.text  # the provider asks for the password again: its session ended too
    with httpx2.Client(timeout=20, cookies={"mattran_session": stolen or ""}) as replay:
        assert replay.get(f"{base}/api/me").json()["authenticated"] is False
    assert not _session_exists(platform, stolen)


def test_sign_out_needs_the_csrf_token(platform: Platform) -> None:
    base = platform.base_url
    username, password = DEMO_ACCOUNTS["commune_cadre"]
    with httpx2.Client(timeout=20) as client:
        sign_in(client, base, username, password)
        forged = client.post(f"{base}/dang-xuat", data={"csrf_token": "forged"})
        missing = client.post(f"{base}/dang-xuat")
        assert forged.status_code == 403 and missing.status_code == 403
        assert "Biểu mẫu đã hết hạn" in forged.json()["detail"]
        assert client.get(f"{base}/api/me").json()["authenticated"] is True


def test_session_cookie_flags(platform: Platform) -> None:
    username, password = DEMO_ACCOUNTS["citizen"]
    with httpx2.Client(timeout=20) as client:
        page = client.get(f"{platform.base_url}/dang-nhap", follow_redirects=True)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action
        response = client.post(
            str(page.url.join(action.group(1))),
            data={"username": username, "password": password},
            follow_redirects=False,
        )
        while response.is_redirect and "mattran_session=" not in response.headers.get("set-cookie", ""):
            response = client.get(str(response.url.join(response.headers["location"])), follow_redirects=False)
        cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # served over http here; Secure is set when the app is reached over https


def test_an_expired_id_token_is_refreshed_and_a_dead_refresh_token_ends_the_session(platform: Platform) -> None:
    base = platform.base_url
    username, password = DEMO_ACCOUNTS["central_cadre"]
    with httpx2.Client(timeout=20) as client:
        sign_in(client, base, username, password)
        id_hash = hash_session_id(client.cookies.get("mattran_session") or "")
        with psycopg.connect(platform.owner_uri()) as conn:
            conn.execute("update sessions set claims = jsonb_set(claims, '{exp}', '1') where id_hash = %s", (id_hash,))
        assert client.get(f"{base}/api/me").json()["subject"] == username  # refreshed at the provider
        with psycopg.connect(platform.owner_uri()) as conn:
            exp, refreshed = present(
                conn.execute(
                    "select (claims->>'exp')::bigint, refreshed_at > created_at from sessions where id_hash = %s",
                    (id_hash,),
                ).fetchone()
            )
            assert exp > 1 and refreshed
            conn.execute(
                "update sessions set claims = jsonb_set(claims, '{exp}', '1'),"
                " refresh_token_sealed = 'not sealed with the key'::bytea where id_hash = %s",
                (id_hash,),
            )
        assert client.get(f"{base}/api/me").json()["authenticated"] is False
        with psycopg.connect(platform.owner_uri()) as conn:
            gone = conn.execute("select count(*) from sessions where id_hash = %s", (id_hash,)).fetchone()
    assert gone == (0,)
