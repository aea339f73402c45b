"""The development OpenID provider (``idp/server.mjs``, panva/oidc-provider), started as a child process."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

IDP_DIR = Path(__file__).resolve().parent.parent / "idp"


@dataclass(frozen=True)
class DevClient:
    """A relying party registered with the dev provider."""

    client_id: str
    client_secret: str
    base_url: str

    def as_json(self) -> dict[str, object]:
        """The client's registration, in the provider's format."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": [f"{self.base_url}/auth/callback"],
            "post_logout_redirect_uris": [f"{self.base_url}/"],
        }


def ensure_installed() -> None:
    """Install the provider's npm packages when missing (``npm ci``, from the lock file)."""
    if (IDP_DIR / "node_modules" / "oidc-provider").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("Cần Node.js và npm để chạy nhà cung cấp định danh phát triển (idp/).")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True)


def _die_with_parent() -> None:
    """Linux: the provider gets SIGTERM when the process that started it dies, even by ``kill -9``."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(
    issuer: str, clients: list[DevClient], jwks_file: Path, cookie_secret: str, api_audience: str, timeout: float = 30
) -> subprocess.Popen[bytes]:
    """Start the provider and wait until its discovery document answers."""
    ensure_installed()
    env = {
        **os.environ,
        "IDP_ISSUER": issuer,
        "IDP_CLIENTS": json.dumps([c.as_json() for c in clients]),
        "IDP_JWKS_FILE": str(jwks_file.resolve()),
        "IDP_COOKIE_SECRET": cookie_secret,
        "IDP_API_AUDIENCE": api_audience,
        "NODE_NO_WARNINGS": "1",
    }
    proc = subprocess.Popen(
        ["node", str(IDP_DIR / "server.mjs")],
        env=env,
        cwd=IDP_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"Nhà cung cấp định danh không khởi động được: {err[-2000:]}")
        try:
            if httpx2.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return proc
        except httpx2.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("Nhà cung cấp định danh không phản hồi.")
