"""Probes of the keys review item: the development secret was a public constant and `up` served it on any address."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import jwt
from bench_host import free_port

if TYPE_CHECKING:
    from probe_security import ProbeContext

PUBLIC_SECRET = "dev-only-secret-key-change-me"  # what earlier releases signed with unless MATTRAN_ENV=production
MATTRAN = str(Path(sys.executable).with_name("mattran"))


def probe_keys_insecure_bind(ctx: ProbeContext) -> None:
    """`mattran up --host 0.0.0.0` in development exits 2 naming --insecure-dev, before serving anything."""
    with tempfile.TemporaryDirectory(prefix="mattran-probe-bind-") as tmp:
        env = {k: v for k, v in (ctx.env or os.environ).items() if not k.startswith("MATTRAN_")}
        env.update(
            MATTRAN_DATA_DIR=str(Path(tmp) / "data"), MATTRAN_IDP_PORT=str(free_port()), MATTRAN_DEMO_LIBRARY="false"
        )
        port = free_port()
        proc = subprocess.Popen(
            [MATTRAN, "up", "--host", "0.0.0.0", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(120)
            raise AssertionError("mattran up --host 0.0.0.0 started in development mode") from None
        assert proc.returncode == 2, f"exit status {proc.returncode}: {err[-500:]}"
        assert "--insecure-dev" in err, f"the refusal does not name --insecure-dev: {err[-500:]}"


def probe_keys_forged_chat_token(ctx: ProbeContext) -> None:
    """A chat token signed with the public development secret is refused, as a bearer token and as a cookie."""
    secret = hmac.new(PUBLIC_SECRET.encode(), b"chainlit", hashlib.sha256).hexdigest()
    token = jwt.encode(
        {"identifier": "canbo.xa", "display_name": "canbo.xa", "metadata": {}, "exp": int(time.time()) + 600},
        secret,
        algorithm="HS256",
    )
    with ctx.client() as client:
        bearer = client.get("/chat/user", headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code in (401, 403), f"forged bearer chat token accepted: {bearer.status_code}"
    with ctx.client() as client:
        cookie = client.get("/chat/user", cookies={"access_token": token})
        assert cookie.status_code in (401, 403), f"forged chat token cookie accepted: {cookie.status_code}"


def probe_keys_forged_form_token(ctx: ProbeContext) -> None:
    """A form's CSRF token signed with the public development secret is refused."""
    forged = hmac.new(PUBLIC_SECRET.encode(), b"probe-cookie", hashlib.sha256).hexdigest()
    with ctx.client() as client:
        r = client.post("/dang-xuat", cookies={"mattran_csrf": "probe-cookie"}, data={"csrf_token": forged})
    assert r.status_code == 403, f"a CSRF token signed with the public secret was accepted: {r.status_code}"
